// GUESTTEST-TIMEOUT: 600
// bench_streams.c: in-guest benchmarks of the STREAMS framework.
//
//   bench_streams [ms]    each measurement runs for at least ms (default 300)
//
// Prints one machine-readable line per figure, "BENCH name value unit":
//   BENCH streams_k<K>_<S>B <ns> ns/msg   per message, S-byte messages written
//                                        by one process and read by another
//                                        through K pushed null modules
//                                        (K = 0..8; the slope is the cost of
//                                        one module, both ways)
//   BENCH loop_throughput <n> KB/s       bytes through a loop stream (4 KiB writes)
//   BENCH pipe_throughput <n> KB/s       the same through a pipe, for scale
//   BENCH path_k<K> cycles=C ns=N        one process writes a 64-byte message
//                                        to a loop stream with K null modules
//                                        and reads it back: no other process,
//                                        no context switch (the service
//                                        procedures run before write returns);
//                                        the best of PATH_BATCHES batches, per
//                                        round trip, by the hart's own cycle
//                                        and time counters (rdcycle, rdtime)
//   BENCH getpid2 cycles=C ns=N          two getpid round trips, the same way
//   DONE bench_streams
// Time comes from uptime() (milliseconds), so each figure loops long
// enough for that not to matter; the path figures read the counters
// directly, which the kernel lets user programs do.
#include "user.h"
#include "stropts.h"

#define BATCH 256          // messages per round of a per-message run
#define XFER  (1024 * 1024)
#define PATH_ITERS   100   // round trips per batch of a path figure
#define PATH_BATCHES 25    // the best batch is the figure (a shared host
                           // only ever adds time)

static char buf[4096];

static void
fail(const char *what, int err)
{
  printf("FAIL bench_streams: %s: %s\n", what, strerror(err));
  exit(1);
}

// Move `rounds` batches of `size`-byte messages from a child to us
// through fd; returns elapsed ms.
static long
pump(int fd, int size, long rounds)
{
  long t0 = uptime();
  int pid = fork();
  if(pid < 0)
    fail("fork", pid);
  if(pid == 0){
    for(long i = 0; i < rounds * BATCH; i++)
      if(write(fd, buf, size) != size)
        exit(1);
    exit(0);
  }
  for(long i = 0; i < rounds * BATCH; i++){
    int n = read(fd, buf, sizeof(buf));   // RMSGN: one message per read
    if(n != size)
      fail("read", n < 0 ? n : -EIO);
  }
  int st;
  wait(&st);
  if(st != 0)
    fail("writer", -EIO);
  return uptime() - t0;
}

static void
per_message(int k, int size, long min_ms)
{
  int fd = open("/dev/loop", O_RDWR);
  if(fd < 0)
    fail("/dev/loop", fd);
  for(int i = 0; i < k; i++){
    int r = ioctl(fd, I_PUSH, (long)"null");
    if(r < 0)
      fail("I_PUSH null", r);
  }
  ioctl(fd, I_SRDOPT, RMSGN);
  pump(fd, size, 1);                 // warm up
  long rounds = 1, ms;
  while((ms = pump(fd, size, rounds)) < min_ms)
    rounds *= 2;
  long msgs = rounds * BATCH;
  printf("BENCH streams_k%d_%dB %ld ns/msg\n", k, size, ms * 1000000 / msgs);
  close(fd);
}

// KB/s of XFER-byte transfers from a child, through a loop stream or a
// pipe, for at least min_ms.
static void
throughput(const char *name, int use_pipe, long min_ms)
{
  long bytes = 0, t0 = uptime();
  do {
    int rfd, wfd, fds[2];
    if(use_pipe){
      int r = pipe(fds);
      if(r < 0)
        fail("pipe", r);
      rfd = fds[0];
      wfd = fds[1];
    } else {
      rfd = wfd = open("/dev/loop", O_RDWR);
      if(rfd < 0)
        fail("/dev/loop", rfd);
    }
    int pid = fork();
    if(pid == 0){
      if(use_pipe)
        close(rfd);
      for(long left = XFER; left > 0; left -= sizeof(buf))
        if(write(wfd, buf, sizeof(buf)) != sizeof(buf))
          exit(1);
      exit(0);
    }
    if(use_pipe)
      close(wfd);
    long got = 0;
    while(got < XFER){
      int n = read(rfd, buf, sizeof(buf));
      if(n <= 0)
        fail("read", n < 0 ? n : -EIO);
      got += n;
    }
    int st;
    wait(&st);
    close(rfd);
    bytes += got;
  } while(uptime() - t0 < min_ms);
  long ms = uptime() - t0;
  printf("BENCH %s %ld KB/s\n", name, ms > 0 ? bytes / 1000 * 1000 / ms : 0);
}

static inline uint64
rdcycle(void)
{
  uint64 x;
  asm volatile("rdcycle %0" : "=r"(x));
  return x;
}

static inline uint64
rdtime(void)
{
  uint64 x;
  asm volatile("rdtime %0" : "=r"(x));
  return x;
}

// The time counter runs at 10 MHz on QEMU's virt machine (kernel/timer.c).
#define TIME_NS 100

// Best batch of PATH_ITERS calls of step(fd); prints cycles and ns per call.
static void
best_of(const char *name, int fd, void (*step)(int))
{
  uint64 bc = ~0UL, bt = ~0UL;
  step(fd);                            // warm up
  for(int b = 0; b < PATH_BATCHES; b++){
    uint64 c0 = rdcycle(), t0 = rdtime();
    for(int i = 0; i < PATH_ITERS; i++)
      step(fd);
    uint64 c = rdcycle() - c0, t = rdtime() - t0;
    if(c < bc)
      bc = c;
    if(t < bt)
      bt = t;
  }
  printf("BENCH %s cycles=%ld ns=%ld\n", name, (long)(bc / PATH_ITERS),
         (long)(bt * TIME_NS / PATH_ITERS));
}

static void
path_step(int fd)
{
  if(write(fd, buf, 64) != 64)
    fail("path write", -EIO);
  int n = read(fd, buf, sizeof(buf));
  if(n != 64)
    fail("path read", n < 0 ? n : -EIO);
}

static void
getpid2_step(int fd)
{
  (void)fd;
  getpid();
  getpid();
}

// The path through k null modules and back, in one process.
static void
path(int k)
{
  char name[16];
  int fd = open("/dev/loop", O_RDWR);
  if(fd < 0)
    fail("/dev/loop", fd);
  for(int i = 0; i < k; i++){
    int r = ioctl(fd, I_PUSH, (long)"null");
    if(r < 0)
      fail("I_PUSH null", r);
  }
  ioctl(fd, I_SRDOPT, RMSGN);
  snprintf(name, sizeof(name), "path_k%d", k);
  best_of(name, fd, path_step);
  close(fd);
}

int
main(int argc, char *argv[])
{
  long min_ms = argc > 1 ? atoi(argv[1]) : 300;
  if(min_ms <= 0)
    min_ms = 300;
  memset(buf, 'x', sizeof(buf));
  // The path figures first, interleaved with getpid so that both see the
  // same host.
  for(int k = 0; k <= 8; k++){
    path(k);
    if(k % 4 == 0)
      best_of("getpid2", 0, getpid2_step);
  }
  if(argc > 2 && strcmp(argv[2], "path") == 0){
    printf("DONE bench_streams\n");
    return 0;
  }
  int sizes[2] = { 64, 1500 };
  for(int s = 0; s < 2; s++)
    for(int k = 0; k <= 8; k++)
      per_message(k, sizes[s], min_ms);
  throughput("loop_throughput", 0, min_ms);
  throughput("pipe_throughput", 1, min_ms);
  printf("DONE bench_streams\n");
  return 0;
}
