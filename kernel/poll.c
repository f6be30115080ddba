// poll.c: the wakeup half of poll(2). Rather than keeping a wait list per
// file, a poller sleeps on one global sequence number and any driver whose
// readiness may have changed bumps it; pollers then re-check their files.
// Simple and race-free; with a few dozen processes the extra rechecks
// cost nothing worth the complexity of per-file wait queues.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

static struct spinlock poll_lock;
static uint64 seq;

void
pollinit(void)
{
  initlock(&poll_lock, "poll");
}

void
pollwakeup(void)
{
  acquire(&poll_lock);
  seq++;
  wakeup(&seq);
  release(&poll_lock);
}

uint64
poll_seq(void)
{
  acquire(&poll_lock);
  uint64 s = seq;
  release(&poll_lock);
  return s;
}

int
poll_wait(uint64 seen, uint64 deadline_ms)
{
  int timedout = 0;
  acquire(&poll_lock);
  while(seq == seen && !timedout){
    if(killed(myproc())){
      release(&poll_lock);
      return -EINTR;
    }
    if(deadline_ms)
      timedout = sleep_until(&seq, &poll_lock, deadline_ms);
    else
      sleep(&seq, &poll_lock);
  }
  release(&poll_lock);
  return timedout;
}
