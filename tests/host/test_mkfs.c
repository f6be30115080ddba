// test_mkfs.c: host tests of the disk image tools, tools/mkfs.c and the
// checker tools/fsck.c. Both are built with sanitizers into
// build/tests/host/ and run as the Makefile runs them: from the
// repository root, on spec files written here. Checks that a good spec
// gives a clean image whose files read back intact (including one big
// enough for the doubly indirect block), that the output is
// deterministic, that every kind of bad input fails with a message, and
// that fsck notices damage.
//
// Prints "PASS name" / "FAIL name: reason" per check and "DONE test_mkfs".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIR "build/tests/host/mkfs"

static int nfail;

static void
check(int ok, const char *name, const char *why)
{
  if(ok)
    printf("PASS %s\n", name);
  else {
    printf("FAIL %s: %s\n", name, why);
    nfail++;
  }
  fflush(stdout);
}

// Run a shell command; its exit status (or -1).
static int
run(const char *fmt, ...)
{
  char cmd[2048];
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  vsnprintf(cmd, sizeof(cmd), fmt, ap);
  __builtin_va_end(ap);
  fflush(stdout);
  int st = system(cmd);
  if(st == -1)
    return -1;
  return (st >> 8) & 0xff;   // WEXITSTATUS without <sys/wait.h>
}

static void
write_file(const char *path, const char *text)
{
  FILE *f = fopen(path, "w");
  if(f == 0){
    perror(path);
    exit(1);
  }
  fputs(text, f);
  fclose(f);
}

// A file of n pseudo-random bytes (fixed seed: the test is repeatable).
static void
make_data(const char *path, long n)
{
  FILE *f = fopen(path, "wb");
  unsigned x = 12345;
  for(long i = 0; i < n; i++){
    x = x * 1103515245 + 12345;
    fputc((x >> 16) & 0xff, f);
  }
  fclose(f);
}

static int
contains(const char *path, const char *needle)
{
  FILE *f = fopen(path, "r");
  if(f == 0)
    return 0;
  char buf[4096];
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = 0;
  fclose(f);
  return strstr(buf, needle) != 0;
}

// Expect mkfs to fail on spec text, saying `msg`.
static void
expect_failure(const char *name, const char *spec, const char *msg)
{
  write_file(DIR "/bad.spec", spec);
  int st = run("./" DIR "/mkfs " DIR "/bad.img " DIR "/bad.spec >" DIR "/out 2>&1");
  char why[256];
  snprintf(why, sizeof(why), "exit status %d, wanted 1 and a message with '%s'", st, msg);
  check(st == 1 && contains(DIR "/out", msg), name, why);
}

int
main(void)
{
  const char *cc = getenv("HOSTCC") ? getenv("HOSTCC") : "cc";
  if(run("mkdir -p " DIR) != 0 ||
     run("%s -Wall -Werror -O1 -g -fsanitize=address,undefined -Iinclude -Ikernel "
         "-o " DIR "/mkfs tools/mkfs.c", cc) != 0 ||
     run("%s -Wall -Werror -O1 -g -fsanitize=address,undefined -Iinclude -Ikernel "
         "-o " DIR "/fsck tools/fsck.c", cc) != 0){
    check(0, "build", "cannot compile tools/mkfs.c or tools/fsck.c");
    printf("DONE test_mkfs\n");
    return 1;
  }
  check(1, "build", "");

  // A small tree with every kind of entry, and a 3 MB file: past the
  // 12 direct and 256 indirect blocks, into the doubly indirect ones.
  make_data(DIR "/small", 1000);
  make_data(DIR "/big", 3 * 1024 * 1024 + 123);
  write_file(DIR "/empty", "");
  write_file(DIR "/good.spec",
             "# comment line\n"
             "dir /bin\n"
             "dir /etc\n"
             "file /bin/small " DIR "/small\n"
             "file /etc/big " DIR "/big   # trailing comment\n"
             "file /deep/er/empty " DIR "/empty\n"
             "file /a23456789012345678901234567890 " DIR "/small\n"
             "dir /dev\n"
             "dev /dev/console 1 0\n"
             "dev /dev/sub/node 7 3\n"
             "\n");
  int st = run("./" DIR "/mkfs " DIR "/good.img " DIR "/good.spec >/dev/null");
  check(st == 0, "good_spec", "mkfs failed on a good spec");
  st = run("./" DIR "/fsck " DIR "/good.img >" DIR "/out 2>&1");
  check(st == 0, "good_image_clean", "fsck found problems (see " DIR "/out)");
  check(run("./" DIR "/fsck -x /etc/big " DIR "/good.img | cmp -s - " DIR "/big") == 0,
        "big_file_intact", "/etc/big differs from its host file");
  check(run("./" DIR "/fsck -x /bin/small " DIR "/good.img | cmp -s - " DIR "/small") == 0,
        "small_file_intact", "/bin/small differs from its host file");
  check(run("./" DIR "/fsck -x /a23456789012345678901234567890 " DIR "/good.img"
            " | cmp -s - " DIR "/small") == 0,
        "name_of_30_chars", "a 30-character name does not read back");
  run("./" DIR "/fsck -l " DIR "/good.img >" DIR "/list 2>&1");
  check(contains(DIR "/list", "/dev/sub/node") && contains(DIR "/list", "/deep/er/empty"),
        "parents_made", "missing parent directories were not created");

  // Same input, same bytes.
  st = run("./" DIR "/mkfs " DIR "/again.img " DIR "/good.spec >/dev/null && "
           "cmp -s " DIR "/good.img " DIR "/again.img");
  check(st == 0, "deterministic", "two runs gave different images");

  expect_failure("missing_host_file", "file /x " DIR "/no-such-file\n", "cannot open host file");
  expect_failure("name_too_long", "dir /a234567890123456789012345678901\n", "too long");
  expect_failure("bad_line", "frobnicate /x\n", "expected");
  expect_failure("relative_path", "dir bin\n", "must start with /");
  expect_failure("duplicate", "dir /d\nfile /d/x " DIR "/small\nfile /d/x " DIR "/small\n",
                 "listed twice");
  expect_failure("file_as_dir", "file /f " DIR "/small\nfile /f/g " DIR "/small\n",
                 "not a directory");
  expect_failure("bad_major", "dev /dev/x 99999 0\n", "bad device numbers");

  // A host file bigger than the image (sparse on the host: cheap).
  FILE *f = fopen(DIR "/huge", "wb");
  fseek(f, 70L * 1024 * 1024, SEEK_SET);
  fputc(1, f);
  fclose(f);
  expect_failure("image_full", "file /huge " DIR "/huge\n", "image full");
  check(run("test ! -e " DIR "/bad.img") == 0, "no_partial_image",
        "a failed mkfs left an image behind");
  remove(DIR "/huge");

  // fsck must notice damage: clear a used bit in the free map (block 2,
  // the log header, is always in use), and break a link count.
  run("cp " DIR "/good.img " DIR "/damaged.img");
  f = fopen(DIR "/damaged.img", "r+b");
  unsigned sbw[8];
  fseek(f, 1024, SEEK_SET);
  if(fread(sbw, sizeof(sbw), 1, f) != 1)
    sbw[7] = 0;
  long bmap = (long)sbw[7] * 1024;   // superblock field bmapstart
  fseek(f, bmap, SEEK_SET);
  int byte = fgetc(f);
  fseek(f, bmap, SEEK_SET);
  fputc(byte & ~(1 << 2), f);
  fclose(f);
  st = run("./" DIR "/fsck " DIR "/damaged.img >/dev/null 2>&1");
  check(st == 1, "fsck_bitmap_damage", "fsck passed an image with a bad free map");

  run("cp " DIR "/good.img " DIR "/damaged.img");
  f = fopen(DIR "/damaged.img", "r+b");
  long inodes = (long)sbw[6] * 1024;   // inodestart
  fseek(f, inodes + 2 * 128 + 6, SEEK_SET);   // inode 2's nlink
  fputc(9, f);
  fclose(f);
  st = run("./" DIR "/fsck " DIR "/damaged.img >/dev/null 2>&1");
  check(st == 1, "fsck_nlink_damage", "fsck passed an image with a wrong link count");

  // The images are 64 MiB each: keep them only to look at a failure.
  if(nfail == 0)
    run("rm -f " DIR "/*.img");
  printf("DONE test_mkfs\n");
  return nfail ? 1 : 0;
}
