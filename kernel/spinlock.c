// spinlock.c: spinning locks. Holding a spinlock keeps interrupts off on
// this hart, because an interrupt handler that wanted the same lock would
// otherwise spin forever on a lock its own hart holds.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

void
initlock(struct spinlock *lk, char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->cpu = 0;
}

void
acquire(struct spinlock *lk)
{
  push_off();
  if(holding(lk)){
    printf("lock %s\n", lk->name);
    panic("acquire: already held by this hart");
  }
  // amoswap with acquire ordering: nothing in the critical section may be
  // moved before the lock is ours.
  while(__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0)
    ;
  lk->cpu = mycpu();
}

void
release(struct spinlock *lk)
{
  if(!holding(lk)){
    printf("lock %s\n", lk->name);
    panic("release: not held");
  }
  lk->cpu = 0;
  __atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
  pop_off();
}

// Is this hart holding the lock? Interrupts must be off.
int
holding(struct spinlock *lk)
{
  return lk->locked && lk->cpu == mycpu();
}

// push_off/pop_off nest like intr_off/intr_on, restoring the interrupt
// state of the outermost push_off when the last pop_off runs.
void
push_off(void)
{
  int was_on = intr_get();
  intr_off();
  struct cpu *c = mycpu();
  if(c->noff == 0)
    c->intena = was_on;
  c->noff++;
}

void
pop_off(void)
{
  struct cpu *c = mycpu();
  if(intr_get())
    panic("pop_off: interrupts on");
  if(c->noff < 1)
    panic("pop_off: unbalanced");
  c->noff--;
  if(c->noff == 0 && c->intena)
    intr_on();
}
