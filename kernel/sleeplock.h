// sleeplock.h: a lock a process may hold across sleep (e.g. while waiting
// for the disk); waiters sleep instead of spinning.
#ifndef SLEEPLOCK_H
#define SLEEPLOCK_H
#include "spinlock.h"

struct sleeplock {
  uint locked;
  int waiters;         // processes asleep in acquiresleep
  struct spinlock lk;
  char *name;
  int pid;
};

void initsleeplock(struct sleeplock *lk, char *name);
void acquiresleep(struct sleeplock *lk);
void releasesleep(struct sleeplock *lk);
int  holdingsleep(struct sleeplock *lk);

#endif
