// ut_fs.c: in-guest acceptance tests of the file system: create, write,
// read, unlink; open flags (O_EXCL, O_TRUNC, O_APPEND, access modes);
// directories (nested, ENOTEMPTY, chdir, ".."); links and rename; lseek
// and holes; a 16 MiB file checked with SHA-256; device files in nested
// /dev directories; ioctl on a file; name length limits.
// Works inside /ut_fs.d, which it removes at the end.
// GUESTTEST-TIMEOUT: 300
// Prints PASS/FAIL lines and DONE ut_fs (see user/lib/check.c).
#include "user.h"
#include "sysparam.h"
#include "fsformat.h"

#define TOPDIR "/ut_fs.d"
#define BIG    (16 << 20)

// Removes path and, for a directory, everything below it.
static void
rmtree(const char *path)
{
  int fd = open(path, O_RDONLY);
  struct stat st;
  if(fd < 0)
    return;
  if(fstat(fd, &st) == 0 && st.type == T_DIR){
    struct dirent de;
    char sub[MAXPATH];
    while(read(fd, &de, sizeof(de)) == sizeof(de)){
      char name[DIRSIZ + 1];
      if(de.inum == 0)
        continue;
      memcpy(name, de.name, DIRSIZ);
      name[DIRSIZ] = 0;
      if(strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        continue;
      snprintf(sub, sizeof(sub), "%s/%s", path, name);
      rmtree(sub);
    }
  }
  close(fd);
  unlink(path);
}

// Writes text to a new (truncated) file; returns 0 or -errno.
static int
putfile(const char *path, const char *text)
{
  int fd = open(path, O_CREATE | O_WRONLY | O_TRUNC);
  if(fd < 0)
    return fd;
  int n = strlen(text);
  int r = write(fd, text, n);
  close(fd);
  return r == n ? 0 : (r < 0 ? r : -EIO);
}

// Reads a whole (small) file into buf; returns its length or -errno.
static int
getfile(const char *path, char *buf, int max)
{
  int fd = open(path, O_RDONLY);
  if(fd < 0)
    return fd;
  int n = 0, r;
  while(n < max - 1 && (r = read(fd, buf + n, max - 1 - n)) > 0)
    n += r;
  buf[n] = 0;
  close(fd);
  return n;
}

static void
test_basic(void)
{
  static char buf[5000], back[5000];
  for(int i = 0; i < 5000; i++)
    buf[i] = 'a' + i % 23;

  int fd = open("f1", O_CREATE | O_RDWR);
  t_expect_ok("create", fd);
  if(fd < 0)
    return;
  t_expect("write_5000", write(fd, buf, 5000), 5000);
  t_expect("lseek_set_0", lseek(fd, 0, SEEK_SET), 0);
  int n = read(fd, back, 5000);
  t_check("read_back", n == 5000 && memcmp(buf, back, 5000) == 0, "read %d bytes", n);
  t_expect("read_at_eof", read(fd, back, 10), 0);
  struct stat st;
  int r = fstat(fd, &st);
  t_check("fstat_file", r == 0 && st.type == T_FILE && st.size == 5000 && st.nlink == 1,
          "fstat %d type %d size %lu nlink %d", r, st.type, st.size, st.nlink);
  close(fd);

  t_expect_err("open_missing_enoent", open("nope", O_RDONLY), ENOENT);
  t_expect_err("open_empty_path_enoent", open("", O_RDONLY), ENOENT);
  t_expect_err("open_excl_existing_eexist", open("f1", O_CREATE | O_EXCL | O_WRONLY), EEXIST);
  fd = open("f2", O_CREATE | O_EXCL | O_WRONLY);
  t_expect_ok("open_excl_new", fd);
  close(fd);

  fd = open("f1", O_RDONLY);
  t_expect_err("write_on_rdonly_ebadf", write(fd, "x", 1), EBADF);
  close(fd);
  fd = open("f1", O_WRONLY);
  t_expect_err("read_on_wronly_ebadf", read(fd, back, 1), EBADF);
  close(fd);

  // O_TRUNC empties; O_CREATE on an existing file keeps its data
  fd = open("f1", O_CREATE | O_RDWR);
  fstat(fd, &st);
  close(fd);
  t_check("create_existing_keeps_data", st.size == 5000, "size %lu", st.size);
  fd = open("f1", O_WRONLY | O_TRUNC);
  fstat(fd, &st);
  close(fd);
  t_check("open_trunc", st.size == 0, "size after O_TRUNC %lu", st.size);

  // O_APPEND writes at the end even after a seek
  putfile("f3", "ab");
  fd = open("f3", O_WRONLY | O_APPEND);
  lseek(fd, 0, SEEK_SET);
  write(fd, "cd", 2);
  close(fd);
  n = getfile("f3", back, sizeof(back));
  t_check("open_append", n == 4 && strcmp(back, "abcd") == 0, "file is \"%s\"", back);

  // unlink: the name goes, an open file stays readable until closed
  fd = open("f3", O_RDONLY);
  t_expect("unlink_file", unlink("f3"), 0);
  t_expect_err("open_after_unlink_enoent", open("f3", O_RDONLY), ENOENT);
  n = read(fd, back, sizeof(back));
  t_check("read_unlinked_open_file", n == 4 && memcmp(back, "abcd", 4) == 0, "read %d", n);
  close(fd);
  t_expect_err("unlink_missing_enoent", unlink("f3"), ENOENT);

  fd = open("f1", O_RDONLY);
  t_expect_err("ioctl_plain_file_enotty", ioctl(fd, 1, 0), ENOTTY);
  close(fd);
}

static void
test_dirs(void)
{
  char buf[64];
  struct stat st;

  t_expect("mkdir", mkdir("d"), 0);
  t_expect("mkdir_nested", mkdir("d/e"), 0);
  t_expect("mkdir_nested_deeper", mkdir("d/e/f"), 0);
  t_expect("create_in_nested", putfile("d/e/f/file", "deep"), 0);
  t_expect_err("mkdir_existing_eexist", mkdir("d"), EEXIST);
  t_expect_err("mkdir_missing_parent_enoent", mkdir("x/y"), ENOENT);
  t_expect_err("mkdir_under_file_enotdir", mkdir("f1/x"), ENOTDIR);
  t_expect_err("open_under_file_enotdir", open("f1/x", O_RDONLY), ENOTDIR);
  t_expect_err("create_in_missing_dir_enoent", open("nodir/x", O_CREATE | O_WRONLY), ENOENT);
  t_expect_err("open_dir_for_write_eisdir", open("d", O_WRONLY), EISDIR);
  t_expect_err("open_dir_rdwr_eisdir", open("d", O_RDWR), EISDIR);

  int fd = open("d", O_RDONLY);
  int r = fstat(fd, &st);
  t_check("fstat_dir", r == 0 && st.type == T_DIR, "fstat %d type %d", r, st.type);
  // read(2) on a directory gives its entries: ".", ".." and "e"
  struct dirent de;
  int dot = 0, dotdot = 0, e = 0, other = 0;
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    if(strncmp(de.name, ".", DIRSIZ) == 0) dot++;
    else if(strncmp(de.name, "..", DIRSIZ) == 0) dotdot++;
    else if(strncmp(de.name, "e", DIRSIZ) == 0) e++;
    else other++;
  }
  close(fd);
  t_check("read_dir_entries", dot == 1 && dotdot == 1 && e == 1 && other == 0,
          ". %d, .. %d, e %d, others %d", dot, dotdot, e, other);

  t_expect_err("unlink_nonempty_dir_enotempty", unlink("d/e"), ENOTEMPTY);
  int rd = unlink("d/.");
  int still = open("d", O_RDONLY);
  t_check("unlink_dot_refused", rd < 0 && still >= 0, "unlink(\"d/.\") gave %d", rd);
  if(still >= 0)
    close(still);

  t_expect("chdir", chdir("d/e"), 0);
  r = getfile("f/file", buf, sizeof(buf));
  t_check("relative_path_after_chdir", r == 4 && strcmp(buf, "deep") == 0, "read gave %d", r);
  t_expect("chdir_dotdot", chdir(".."), 0);
  r = getfile("e/f/file", buf, sizeof(buf));
  t_check("dotdot_goes_up", r == 4, "read gave %d", r);
  r = getfile("e/f/../f/./file", buf, sizeof(buf));
  t_check("dot_and_dotdot_in_path", r == 4, "read gave %d", r);
  t_expect_err("chdir_missing_enoent", chdir("nope"), ENOENT);
  t_expect_err("chdir_file_enotdir", chdir("../f1"), ENOTDIR);
  chdir(TOPDIR);

  // ".." of the root is the root
  chdir("/");
  chdir("..");
  struct stat a, b;
  int fa = open(".", O_RDONLY), fb = open("/", O_RDONLY);
  fstat(fa, &a);
  fstat(fb, &b);
  close(fa);
  close(fb);
  t_check("root_dotdot_is_root", a.ino == b.ino && a.type == T_DIR, "inodes %u and %u", a.ino, b.ino);
  chdir(TOPDIR);

  // removing bottom-up works; an emptied directory can go
  t_expect("unlink_file_in_dir", unlink("d/e/f/file"), 0);
  t_expect("unlink_empty_dir", unlink("d/e/f"), 0);
  t_expect_err("unlink_removed_dir_enoent", unlink("d/e/f"), ENOENT);

  // a directory that spans several blocks
  int made = 0, seen = 0;
  mkdir("many");
  for(int i = 0; i < 100; i++){
    char name[32];
    snprintf(name, sizeof(name), "many/file%d", i);
    if(putfile(name, "x") == 0)
      made++;
  }
  fd = open("many", O_RDONLY);
  while(read(fd, &de, sizeof(de)) == sizeof(de))
    if(de.inum != 0 && strncmp(de.name, "file", 4) == 0)
      seen++;
  close(fd);
  int removed = 0;
  for(int i = 0; i < 100; i++){
    char name[32];
    snprintf(name, sizeof(name), "many/file%d", i);
    if(unlink(name) == 0)
      removed++;
  }
  t_check("dir_with_100_entries", made == 100 && seen == 100 && removed == 100 &&
          unlink("many") == 0, "made %d, listed %d, removed %d", made, seen, removed);
}

static void
test_links(void)
{
  char buf[64];
  struct stat st;

  putfile("orig", "linked");
  t_expect("link", link("orig", "alias"), 0);
  int fd = open("orig", O_RDONLY);
  fstat(fd, &st);
  close(fd);
  t_check("link_nlink_2", st.nlink == 2, "nlink %d", st.nlink);
  unlink("orig");
  int n = getfile("alias", buf, sizeof(buf));
  t_check("link_survives_unlink", n == 6 && strcmp(buf, "linked") == 0, "read %d", n);
  t_expect_err("link_missing_enoent", link("orig", "x"), ENOENT);
  t_expect_err("link_existing_eexist", link("alias", "f1"), EEXIST);
  int r = link("d", "dlink");
  t_check("link_dir_refused", r == -EPERM || r == -EISDIR, "link of a directory gave %d (%s)", r, errname(r));

  // rename a file
  t_expect("rename_file", rename("alias", "renamed"), 0);
  t_expect_err("rename_old_name_gone", open("alias", O_RDONLY), ENOENT);
  n = getfile("renamed", buf, sizeof(buf));
  t_check("rename_keeps_contents", n == 6, "read %d", n);
  // over an existing file: replaced
  putfile("victim", "old");
  t_expect("rename_replaces_file", rename("renamed", "victim"), 0);
  n = getfile("victim", buf, sizeof(buf));
  t_check("rename_replaced_contents", n == 6 && strcmp(buf, "linked") == 0, "victim is \"%s\"", buf);
  // into another directory
  t_expect("rename_across_dirs", rename("victim", "d/moved"), 0);
  n = getfile("d/moved", buf, sizeof(buf));
  t_check("rename_across_dirs_contents", n == 6, "read %d", n);
  // a directory, with its contents
  t_expect("rename_dir", rename("d", "d2"), 0);
  n = getfile("d2/moved", buf, sizeof(buf));
  t_check("rename_dir_contents", n == 6, "read %d", n);
  // ".." of a moved directory follows it
  mkdir("other");
  rename("d2/e", "other/e");
  chdir("other/e");
  r = getfile("../../f1", buf, sizeof(buf));
  chdir(TOPDIR);
  t_check("rename_dir_updates_dotdot", r >= 0, "../../f1 from the moved directory: %d", r);
  t_expect_err("rename_missing_enoent", rename("nothing", "x"), ENOENT);
  t_expect_err("rename_dir_into_itself_einval", rename("other", "other/e/x"), EINVAL);
  t_expect_err("rename_dir_over_file_enotdir", rename("other", "f1"), ENOTDIR);
  t_expect_err("rename_file_over_dir_eisdir", rename("f1", "d2"), EISDIR);
  t_expect_err("rename_over_nonempty_dir_enotempty", rename("d2", "other"), ENOTEMPTY);
  t_expect("rename_same_name", rename("f1", "f1"), 0);
}

static void
test_lseek(void)
{
  char buf[64];
  putfile("s", "0123456789");
  int fd = open("s", O_RDWR);
  t_expect("lseek_set", lseek(fd, 4, SEEK_SET), 4);
  read(fd, buf, 2);
  t_check("read_after_lseek", memcmp(buf, "45", 2) == 0, "read \"%.2s\"", buf);
  t_expect("lseek_cur", lseek(fd, 1, SEEK_CUR), 7);
  t_expect("lseek_end", lseek(fd, 0, SEEK_END), 10);
  t_expect("lseek_end_negative", lseek(fd, -3, SEEK_END), 7);
  t_expect_err("lseek_before_start_einval", lseek(fd, -20, SEEK_SET), EINVAL);
  t_expect_err("lseek_bad_whence_einval", lseek(fd, 0, 7), EINVAL);
  t_expect("lseek_position_unchanged_by_errors", lseek(fd, 0, SEEK_CUR), 7);

  // writing past the end leaves a hole that reads as zeros
  lseek(fd, 5000, SEEK_SET);
  write(fd, "Z", 1);
  struct stat st;
  fstat(fd, &st);
  static char hole[5001];
  lseek(fd, 0, SEEK_SET);
  int n = read(fd, hole, sizeof(hole));
  int zeros = 1;
  for(int i = 10; i < 5000; i++)
    if(hole[i] != 0)
      zeros = 0;
  t_check("write_past_end_hole", st.size == 5001 && n == 5001 && zeros && hole[5000] == 'Z' &&
          memcmp(hole, "0123456789", 10) == 0, "size %lu, read %d, zeros %d", st.size, n, zeros);
  close(fd);

  int p[2];
  pipe(p);
  t_expect_err("lseek_pipe_espipe", lseek(p[0], 0, SEEK_SET), ESPIPE);
  close(p[0]);
  close(p[1]);
}

static void
test_big(void)
{
  static char buf[65536];
  struct sha256 wc, rc;
  struct prng g;
  uint64 cut = 5;
  long left = BIG, wrote = 0;
  long t0 = uptime();

  int fd = open("big", O_CREATE | O_WRONLY | O_TRUNC);
  if(fd < 0){
    t_fail("file_16mib_sha256", "create: %s", strerror(fd));
    return;
  }
  sha256_init(&wc);
  prng_init(&g, 99);
  while(left > 0){
    cut = cut * 6364136223846793005UL + 1442695040888963407UL;
    long n = 1 + (cut >> 33) % sizeof(buf);
    if(n > left)
      n = left;
    prng_fill(&g, buf, n);
    sha256_update(&wc, buf, n);
    int r = writeall(fd, buf, n);
    if(r < 0){
      t_fail("file_16mib_sha256", "write at %ld: %s", wrote, strerror(r));
      close(fd);
      unlink("big");
      return;
    }
    wrote += n;
    left -= n;
  }
  close(fd);
  long twrite = uptime() - t0;

  fd = open("big", O_RDONLY);
  struct stat st;
  fstat(fd, &st);
  sha256_init(&rc);
  long got = 0;
  int n;
  while((n = read(fd, buf, 1 + (got / 7) % sizeof(buf))) > 0){
    sha256_update(&rc, buf, n);
    got += n;
  }
  close(fd);
  uint8 d1[32], d2[32];
  char h1[65], h2[65];
  sha256_final(&wc, d1);
  sha256_final(&rc, d2);
  sha256_hex(d1, h1);
  sha256_hex(d2, h2);
  t_check("file_16mib_size", st.size == BIG && got == BIG, "size %lu, read %ld", st.size, got);
  t_check("file_16mib_sha256", strcmp(h1, h2) == 0, "wrote %.16s..., read %.16s...", h1, h2);
  printf("# 16 MiB written in %ld ms, read in %ld ms\n", twrite, uptime() - t0 - twrite);
  t_expect("unlink_big", unlink("big"), 0);
}

static void
test_devices(void)
{
  char buf[100];
  struct stat st;

  rmtree("/dev/ut_fs");
  t_expect("mkdir_dev_subdir", mkdir("/dev/ut_fs"), 0);
  t_expect("mkdir_dev_subsubdir", mkdir("/dev/ut_fs/x"), 0);
  t_expect("mknod_nested_null", mknod("/dev/ut_fs/x/null", 2, 0), 0);
  t_expect("mknod_nested_zero", mknod("/dev/ut_fs/x/zero", 2, 1), 0);
  t_expect_err("mknod_existing_eexist", mknod("/dev/ut_fs/x/null", 2, 0), EEXIST);

  int fd = open("/dev/ut_fs/x/null", O_RDWR);
  t_expect_ok("open_nested_device", fd);
  int r = fstat(fd, &st);
  t_check("fstat_device", r == 0 && st.type == T_DEVICE && st.major == 2 && st.minor == 0,
          "type %d major %d minor %d", st.type, st.major, st.minor);
  t_expect("write_null", write(fd, "discard me", 10), 10);
  t_expect("read_null_eof", read(fd, buf, sizeof(buf)), 0);
  close(fd);

  fd = open("/dev/ut_fs/x/zero", O_RDONLY);
  memset(buf, 'x', sizeof(buf));
  int n = read(fd, buf, sizeof(buf));
  int zero = 1;
  for(int i = 0; i < n; i++)
    if(buf[i] != 0)
      zero = 0;
  t_check("read_zero", n == sizeof(buf) && zero, "read %d bytes, zero %d", n, zero);
  close(fd);

  unlink("/dev/ut_fs/x/null");
  unlink("/dev/ut_fs/x/zero");
  unlink("/dev/ut_fs/x");
  t_expect("cleanup_dev_dir", unlink("/dev/ut_fs"), 0);
}

static void
test_names(void)
{
  char name[DIRSIZ + 2];
  memset(name, 'n', DIRSIZ);
  name[DIRSIZ] = 0;

  int fd = open(name, O_CREATE | O_WRONLY);
  t_expect_ok("name_of_dirsiz_chars", fd);
  close(fd);
  fd = open(name, O_RDONLY);
  t_expect_ok("reopen_name_of_dirsiz_chars", fd);
  close(fd);
  unlink(name);

  name[DIRSIZ] = 'n';
  name[DIRSIZ + 1] = 0;
  t_expect_err("create_long_name_enametoolong", open(name, O_CREATE | O_WRONLY), ENAMETOOLONG);
  t_expect_err("open_long_name_enametoolong", open(name, O_RDONLY), ENAMETOOLONG);
  t_expect_err("mkdir_long_name_enametoolong", mkdir(name), ENAMETOOLONG);

  static char path[MAXPATH + 50];
  for(int i = 0; i < MAXPATH + 40; i += 2){
    path[i] = 'a';
    path[i + 1] = '/';
  }
  path[MAXPATH + 40] = 0;
  t_expect_err("path_longer_than_maxpath", open(path, O_RDONLY), ENAMETOOLONG);
}

int
main(void)
{
  t_begin("ut_fs");
  rmtree(TOPDIR);
  if(mkdir(TOPDIR) < 0 || chdir(TOPDIR) < 0){
    t_fail("setup", "cannot make and enter %s", TOPDIR);
    return t_done();
  }
  test_basic();
  test_dirs();
  test_links();
  test_lseek();
  test_names();
  test_devices();
  test_big();
  chdir("/");
  rmtree(TOPDIR);
  int fd = open(TOPDIR, O_RDONLY);
  t_check("cleanup", fd < 0, "%s still exists", TOPDIR);
  if(fd >= 0)
    close(fd);
  return t_done();
}
