// callout.c: run a function after a delay, in a kernel thread (never in
// interrupt context), so the function may take any spinlock and pass
// STREAMS messages. This is SVR4's timeout()/untimeout(); protocol
// modules use it for retransmission and expiry timers.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "callout.h"

#define NCALLOUT 128

static struct {
  struct spinlock lock;
  struct callout {
    int id;               // 0 = free slot
    uint64 when_ms;
    void (*fn)(void *);
    void *arg;
  } c[NCALLOUT];
  int nextid;
  int running_id;         // callout whose function runs now
  int started;
} co;

int
timeout(void (*fn)(void *), void *arg, int ms)
{
  if(ms < 0)
    ms = 0;
  acquire(&co.lock);
  for(int i = 0; i < NCALLOUT; i++){
    if(co.c[i].id == 0){
      if(++co.nextid <= 0)
        co.nextid = 1;
      co.c[i].id = co.nextid;
      co.c[i].when_ms = uptime_ms() + ms;
      co.c[i].fn = fn;
      co.c[i].arg = arg;
      int id = co.c[i].id;
      wakeup(&co);
      release(&co.lock);
      return id;
    }
  }
  release(&co.lock);
  printf("timeout: callout table full\n");
  return 0;
}

// Cancel a pending callout. If its function is running right now, wait
// for it to finish, so that afterwards the caller may free what arg points
// to. Never call from the callout's own function for its own id.
void
untimeout(int id)
{
  if(id <= 0)
    return;
  acquire(&co.lock);
  for(int i = 0; i < NCALLOUT; i++)
    if(co.c[i].id == id)
      co.c[i].id = 0;
  while(co.running_id == id)
    sleep(&co.running_id, &co.lock);
  release(&co.lock);
}

static void
callout_thread(void *unused)
{
  acquire(&co.lock);
  for(;;){
    uint64 now = uptime_ms();
    uint64 next = now + 1000;
    int ran = 0;
    for(int i = 0; i < NCALLOUT; i++){
      struct callout *c = &co.c[i];
      if(c->id == 0)
        continue;
      if(c->when_ms <= now){
        void (*fn)(void *) = c->fn;
        void *arg = c->arg;
        co.running_id = c->id;
        c->id = 0;
        release(&co.lock);
        fn(arg);
        acquire(&co.lock);
        co.running_id = 0;
        wakeup(&co.running_id);
        ran = 1;
      } else if(c->when_ms < next){
        next = c->when_ms;
      }
    }
    if(!ran)
      sleep_until(&co, &co.lock, next);
  }
}

void
callout_init(void)
{
  initlock(&co.lock, "callout");
  if(kproc_create("callout", callout_thread, 0) < 0)
    panic("callout_init");
}
