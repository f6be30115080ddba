// callout.h: delayed function calls in kernel-thread context (SVR4's
// timeout/untimeout), for protocol timers. See callout.c.
#ifndef CALLOUT_H
#define CALLOUT_H

int  timeout(void (*fn)(void *arg), void *arg, int ms);  // id, or 0 if the table is full
void untimeout(int id);                                  // cancel; waits if running
void callout_init(void);

#endif
