// timer.c: time. The `time` CSR counts at 10 MHz on QEMU's virt machine;
// each hart programs stimecmp (Sstc) for an interrupt every TICK_MS. Every
// hart's tick also wakes sleepers whose sleep_until deadline has passed:
// if only one hart did, that hart being busy with interrupts off (a driver
// under a flood) would stop every timed sleeper, callouts included.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

#define TIMEBASE_HZ 10000000UL
#define TICK_CYCLES (TIMEBASE_HZ / 1000 * TICK_MS)

volatile uint64 ticks;

uint64
uptime_us(void)
{
  return r_time() / (TIMEBASE_HZ / 1000000);
}

uint64
uptime_ms(void)
{
  return r_time() / (TIMEBASE_HZ / 1000);
}

void
timerinit(void)
{
  w_stimecmp(r_time() + TICK_CYCLES);
}

void
timer_interrupt(void)
{
  // Re-arming also clears the pending interrupt.
  w_stimecmp(r_time() + TICK_CYCLES);
  if(cpuid() == 0)
    __atomic_add_fetch(&ticks, 1, __ATOMIC_RELAXED);
  wakeup_timeouts(uptime_ms());
}

// Power off through QEMU's test device: 0x5555 = pass, (code<<16)|0x3333 = fail.
void
poweroff(int code)
{
  volatile uint32 *test = (uint32 *)0x100000L;
  *test = code == 0 ? 0x5555 : (((uint32)code << 16) | 0x3333);
  for(;;)
    ;
}
