// bench_gap: how long a program that never blocks goes without running.
//
//   bench_gap MS     read the time counter in a loop for MS milliseconds
//
// Prints "BENCH gap ms=T max_us=M over1ms=A over10ms=B": the longest
// stretch between two consecutive reads, and how many stretches were
// longer than 1 and 10 ms. With nothing else to run in the guest, such a
// stretch is time the hart was away: the kernel's tick (a few
// microseconds), or the host not running the emulator's thread for this
// hart. tests/bench/bench_net.py runs it beside the ICMP figures, to say
// what the echo's tail is made of.
#include "user.h"

static inline uint64
rdtime(void)
{
  uint64 x;
  asm volatile("rdtime %0" : "=r"(x));
  return x;
}

int
main(int argc, char *argv[])
{
  long ms = argc > 1 ? atoi(argv[1]) : 0;
  if(ms <= 0){
    fprintf(2, "usage: bench_gap MS\n");
    return 2;
  }
  // 10 counts a microsecond (kernel/timer.c).
  uint64 t0 = rdtime(), end = t0 + (uint64)ms * 10000, last = t0, max = 0;
  long over1 = 0, over10 = 0;
  for(;;){
    uint64 t = rdtime(), d = t - last;
    if(d > max)
      max = d;
    if(d > 10000)
      over1++;
    if(d > 100000)
      over10++;
    last = t;
    if(t >= end)
      break;
  }
  printf("BENCH gap ms=%ld max_us=%ld over1ms=%ld over10ms=%ld\n", ms, (long)(max / 10),
         over1, over10);
  return 0;
}
