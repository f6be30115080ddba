// GUESTTEST-TIMEOUT: 600
// st_bulk.c: in-guest acceptance test of bulk data through a deep stream:
// 64 MiB of pseudo-random bytes written by one process through eight
// pushed modules on /dev/loop and read back by another, with matching
// SHA-256 on both sides; the count modules confirm every byte passed
// both ways, and no message block is left over.
// Prints PASS/FAIL lines and DONE st_bulk (see user/lib/check.c).
#include "st_util.h"

#define TOTAL (64L * 1024 * 1024)
#define SEED  3210

static char buf[16384];

int
main(void)
{
  t_begin("st_bulk");
  struct str_stats base = st_stats();
  int fd = st_open("/dev/loop", O_RDWR);
  // eight modules: rot13 twice gives the data back unchanged
  const char *mods[8] = { "null", "count", "rot13", "null", "null", "rot13", "count", "null" };
  int ok = 1;
  for(int i = 0; i < 8; i++)
    ok = ok && ioctl(fd, I_PUSH, (long)mods[i]) == 0;
  t_check("push_eight", ok, "could not push the modules");
  t_expect("eight_plus_driver", ioctl(fd, I_LIST, 0), 9);

  int p[2];
  pipe(p);
  long t0 = uptime();
  int pid = fork();
  if(pid == 0){
    // the writer: hash what it sends, hand the digest to the parent
    struct prng r;
    struct sha256 h;
    uint8 d[32];
    prng_init(&r, SEED);
    sha256_init(&h);
    long sent = 0;
    while(sent < TOTAL){
      int n = TOTAL - sent < (long)sizeof(buf) ? TOTAL - sent : (long)sizeof(buf);
      prng_fill(&r, buf, n);
      sha256_update(&h, buf, n);
      if(writeall(fd, buf, n) != n)
        exit(1);
      sent += n;
    }
    sha256_final(&h, d);
    write(p[1], d, 32);
    exit(0);
  }
  close(p[1]);
  struct sha256 h;
  uint8 mine[32], theirs[32];
  sha256_init(&h);
  long got = 0;
  while(got < TOTAL){
    int n = read(fd, buf, sizeof(buf));
    if(n <= 0)
      break;
    sha256_update(&h, buf, n);
    got += n;
  }
  sha256_final(&h, mine);
  int r = read(p[0], theirs, 32);
  int st = -1;
  wait(&st);
  long ms = uptime() - t0;
  t_expect("all_bytes", got, TOTAL);
  t_expect("writer_ok", st, 0);
  char a[65], b[65];
  sha256_hex(mine, a);
  sha256_hex(theirs, b);
  t_check("sha256_match", r == 32 && strcmp(a, b) == 0, "read %s, wrote %s", a, b);
  printf("# 64 MiB through 8 modules in %ld ms (%ld KiB/s)\n", ms,
         ms > 0 ? TOTAL / 1024 * 1000 / ms : 0);

  struct count_stats cs;
  memset(&cs, 0, sizeof(cs));
  st_istr(fd, COUNT_GET, &cs, 0, 0);
  t_check("count_both_ways", cs.down_bytes == (ulong)TOTAL && cs.up_bytes == (ulong)TOTAL,
          "down %lu up %lu", cs.down_bytes, cs.up_bytes);
  close(p[0]);
  close(fd);
  st_leakcheck("no_leaks", &base);
  return t_done();
}
