// bench_tcp.c: the guest side of the TCP benchmark (tests/bench/bench_tcp.py).
// Prints "BENCH <what> key=value ..." lines.
//
//   bench_tcp echo PORT            accept one connection, echo what comes
//                                  (any size) until end of file
//   bench_tcp pingpong ADDR N      N round trips of 1 byte to an echo
//                                  server at ADDR ([tcp!]A.B.C.D!PORT):
//                                  BENCH pingpong n= median_us= p99_us=
//   bench_tcp cps N                N connect/accept/close cycles to
//                                  ourselves: BENCH cps n= ms=
//   bench_tcp loop MIB             MIB MiB through a connection to
//                                  ourselves: BENCH loop bytes= ms=
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"

static const char *prog = "bench_tcp";

// "tcp!A.B.C.D!PORT" for our own first address (ip's "addrs" answer).
static char *
self_addr(int port)
{
  static char a[48];
  char buf[STRIOCMAX];
  int fd = open("/dev/ip", O_RDWR);
  strcpy(buf, "addrs");
  struct strioctl sc = { NET_CTL, 0, 5, buf };
  int r = fd < 0 ? fd : ioctl(fd, I_STR, (long)&sc);
  close(fd);
  if(r < 0 || sc.ic_len <= 0)
    die(prog, "own address", r < 0 ? r : -EINVAL);
  buf[sc.ic_len] = 0;
  char *slash = strchr(buf, '/');
  if(slash)
    *slash = 0;
  snprintf(a, sizeof(a), "tcp!%s!%d", buf, port);
  return a;
}

static int
echo(int port)
{
  char a[32];
  snprintf(a, sizeof(a), "tcp!*!%d", port);
  int l = announce(a);
  if(l < 0)
    die(prog, a, l);
  printf("%s: listening on %d\n", prog, port);
  int c = accept(l);
  if(c < 0)
    die(prog, "accept", c);
  close(l);
  tcpctl(c, "nodelay on", 0, 0);
  static char buf[16384];
  for(;;){
    int n = read(c, buf, sizeof(buf));
    if(n <= 0)
      break;
    if(writeall(c, buf, n) != n)
      break;
  }
  close(c);
  return 0;
}

static int
cmp_long(const void *a, const void *b)
{
  long x = *(const long *)a, y = *(const long *)b;
  return x < y ? -1 : x > y;
}

static void
sort(long *v, int n)
{
  for(int i = 1; i < n; i++)        // insertion sort: n is small
    for(int j = i; j > 0 && cmp_long(&v[j - 1], &v[j]) > 0; j--){
      long t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
}

static int
pingpong(const char *addr, int n)
{
  int s = dial(addr);
  if(s < 0)
    die(prog, addr, s);
  tcpctl(s, "nodelay on", 0, 0);
  long *rtt = malloc(n * sizeof(long));
  char b = 'x';
  for(int i = 0; i < n; i++){
    long t0 = uptimeus();
    if(write(s, &b, 1) != 1 || read(s, &b, 1) != 1)
      die(prog, "round trip", -EIO);
    rtt[i] = uptimeus() - t0;
  }
  close(s);
  sort(rtt, n);
  printf("BENCH pingpong n=%d median_us=%ld p99_us=%ld\n", n, rtt[n / 2], rtt[n * 99 / 100]);
  return 0;
}

static int
cps(int n)
{
  int l = announce("tcp!*!5400");
  if(l < 0)
    die(prog, "announce", l);
  char *a = self_addr(5400);
  long t0 = uptime();
  for(int i = 0; i < n; i++){
    int s = dial(a);
    int c = s >= 0 ? accept(l) : s;
    if(c < 0)
      die(prog, "cycle", c);
    close(s);
    close(c);
  }
  printf("BENCH cps n=%d ms=%ld\n", n, uptime() - t0);
  close(l);
  return 0;
}

static int
loop(int mib)
{
  int l = announce("tcp!*!5401");
  if(l < 0)
    die(prog, "announce", l);
  char *a = self_addr(5401);
  int pid = fork();
  if(pid == 0){
    int c = accept(l);
    static char buf[32768];
    while(c >= 0 && read(c, buf, sizeof(buf)) > 0)
      ;
    exit(0);
  }
  close(l);
  int s = dial(a);
  if(s < 0)
    die(prog, a, s);
  static char buf[32768];
  memset(buf, 'z', sizeof(buf));
  long total = (long)mib << 20, t0 = uptime();
  for(long done = 0; done < total; done += sizeof(buf))
    if(writeall(s, buf, sizeof(buf)) != sizeof(buf))
      die(prog, "write", -EIO);
  tcpctl(s, "shutdown", 0, 0);
  char b;
  read(s, &b, 1);                   // the sink's close: everything arrived
  long ms = uptime() - t0;
  close(s);
  wait(0);
  printf("BENCH loop bytes=%ld ms=%ld\n", total, ms);
  return 0;
}

int
main(int argc, char *argv[])
{
  if(argc == 3 && strcmp(argv[1], "echo") == 0)
    return echo(atoi(argv[2]));
  if(argc == 4 && strcmp(argv[1], "pingpong") == 0)
    return pingpong(argv[2], atoi(argv[3]));
  if(argc == 3 && strcmp(argv[1], "cps") == 0)
    return cps(atoi(argv[2]));
  if(argc == 3 && strcmp(argv[1], "loop") == 0)
    return loop(atoi(argv[2]));
  fprintf(2, "usage: bench_tcp echo PORT | pingpong ADDR N | cps N | loop MIB\n");
  return 2;
}
