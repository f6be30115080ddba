// bench_kernel.c: in-guest micro benchmarks of the kernel core, run by
// `make bench` (tests/bench/bench.py reads the console).
//
//   bench_kernel [ms]     each measurement runs for at least ms (default 1000)
//
// Prints machine-readable lines; the host turns them into rates:
//   BENCH getpid calls=N ms=T     system call round trips
//   BENCH pipe bytes=N ms=T       1 MiB transfers from a child through a pipe
//   DONE bench_kernel
// The clock is uptime() in milliseconds, so each measurement loops long
// enough for that resolution not to matter. A failing system call prints
// a FAIL line (the same format as the guest tests) and exits non-zero.
#include "user.h"

#define TRANSFER   (1024 * 1024)   // bytes per pipe transfer
#define CHUNK      4096            // bytes per write/read call
#define MAXROUNDS  256

static char buf[CHUNK];

static long
bench_getpid(long min_ms)
{
  long calls = 0;
  long t0 = uptime(), t;
  // Check the clock only every few thousand calls so that reading it is
  // not part of what we measure.
  do {
    for(int i = 0; i < 4096; i++)
      getpid();
    calls += 4096;
    t = uptime();
  } while(t - t0 < min_ms);
  printf("BENCH getpid calls=%ld ms=%ld\n", calls, t - t0);
  return 0;
}

// One transfer: a child writes TRANSFER bytes, we read them all.
// Returns 0, or -errno of what went wrong.
static int
pipe_transfer(void)
{
  int fds[2];
  int r = pipe(fds);
  if(r < 0)
    return r;
  int pid = fork();
  if(pid < 0){
    close(fds[0]);
    close(fds[1]);
    return pid;
  }
  if(pid == 0){
    close(fds[0]);
    long left = TRANSFER;
    while(left > 0){
      int n = write(fds[1], buf, left < CHUNK ? left : CHUNK);
      if(n <= 0)
        exit(1);
      left -= n;
    }
    exit(0);
  }
  close(fds[1]);
  long got = 0;
  int n;
  while((n = read(fds[0], buf, CHUNK)) > 0)
    got += n;
  close(fds[0]);
  int status = -1;
  wait(&status);
  if(n < 0)
    return n;
  if(got != TRANSFER || status != 0)
    return -EIO;
  return 0;
}

static long
bench_pipe(long min_ms)
{
  long bytes = 0;
  long t0 = uptime(), t;
  int rounds = 0;
  do {
    int r = pipe_transfer();
    if(r < 0){
      printf("FAIL pipe: transfer %d: %s\n", rounds, strerror(r));
      return r;
    }
    bytes += TRANSFER;
    rounds++;
    t = uptime();
  } while(t - t0 < min_ms && rounds < MAXROUNDS);
  printf("BENCH pipe bytes=%ld ms=%ld\n", bytes, t - t0);
  return 0;
}

int
main(int argc, char **argv)
{
  long min_ms = 1000;
  if(argc > 1 && (parsesize(argv[1], &min_ms) < 0 || min_ms <= 0)){
    fprintf(2, "usage: bench_kernel [ms]\n");
    return 2;
  }
  memset(buf, 'x', sizeof(buf));
  int bad = 0;
  if(bench_getpid(min_ms) < 0)
    bad = 1;
  if(bench_pipe(min_ms) < 0)
    bad = 1;
  printf("DONE bench_kernel\n");
  return bad;
}
