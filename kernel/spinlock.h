// spinlock.h: mutual exclusion between harts, and against interrupts on
// the same hart (acquire turns interrupts off until the matching release).
#ifndef SPINLOCK_H
#define SPINLOCK_H
#include "types.h"

struct lockstat;

struct spinlock {
  uint locked;
  char *name;
  struct cpu *cpu;   // holder, for debugging and holding()
  struct lockstat *stat;  // counters shared by every lock of this name
};

void initlock(struct spinlock *lk, char *name);
void acquire(struct spinlock *lk);
void release(struct spinlock *lk);
int  holding(struct spinlock *lk);
void push_off(void);
void pop_off(void);

// Acquire and spin counts per lock name, for sysinfo(2).
struct sysinfo_lock;
int  lock_stats(struct sysinfo_lock *out, int max);

#endif
