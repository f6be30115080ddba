// spinlock.c: spinning locks. Holding a spinlock keeps interrupts off on
// this hart, because an interrupt handler that wanted the same lock would
// otherwise spin forever on a lock its own hart holds.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "sysinfo.h"
#include "defs.h"

// Counters per lock name: which locks are taken how often, and how long
// harts wait for them, is what says where two harts get in each other's
// way (sysinfo prints them). Names beyond NLOCKSTAT share the last entry.
struct lockstat {
  char *name;
  ulong acquires, contended, spins;   // atomic adds: many locks share one
};
static struct lockstat stats[NLOCKSTAT];
static uint nstats;           // entries in use, only grows
static uint stats_lock;       // a bare flag: initlock cannot use a spinlock

static struct lockstat *
stat_for(char *name)
{
  while(__atomic_exchange_n(&stats_lock, 1, __ATOMIC_ACQUIRE))
    ;
  struct lockstat *st = 0;
  for(uint i = 0; i < nstats && !st; i++)
    if(stats[i].name == name || strcmp(stats[i].name, name) == 0)
      st = &stats[i];
  if(st == 0 && nstats < NLOCKSTAT){
    st = &stats[nstats];
    st->name = nstats == NLOCKSTAT - 1 ? "(others)" : name;
    __atomic_store_n(&nstats, nstats + 1, __ATOMIC_RELEASE);
  }
  if(st == 0)
    st = &stats[NLOCKSTAT - 1];
  __atomic_store_n(&stats_lock, 0, __ATOMIC_RELEASE);
  return st;
}

void
initlock(struct spinlock *lk, char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->cpu = 0;
  lk->stat = stat_for(name);
}

int
lock_stats(struct sysinfo_lock *out, int max)
{
  int n = __atomic_load_n(&nstats, __ATOMIC_ACQUIRE);
  if(n > max)
    n = max;
  for(int i = 0; i < n; i++){
    safestrcpy(out[i].name, stats[i].name, LOCKNAME);
    out[i].acquires = __atomic_load_n(&stats[i].acquires, __ATOMIC_RELAXED);
    out[i].contended = __atomic_load_n(&stats[i].contended, __ATOMIC_RELAXED);
    out[i].spins = __atomic_load_n(&stats[i].spins, __ATOMIC_RELAXED);
  }
  return n;
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
  ulong spins = 0;
  while(__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE) != 0){
    // spin on a plain load: the swap's write would bounce the line
    while(__atomic_load_n(&lk->locked, __ATOMIC_RELAXED))
      spins++;
    spins++;
  }
  lk->cpu = mycpu();
  struct lockstat *st = lk->stat;
  if(st){         // 0 for a lock never passed to initlock
    __atomic_add_fetch(&st->acquires, 1, __ATOMIC_RELAXED);
    if(spins){
      __atomic_add_fetch(&st->contended, 1, __ATOMIC_RELAXED);
      __atomic_add_fetch(&st->spins, spins, __ATOMIC_RELAXED);
    }
  }
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
