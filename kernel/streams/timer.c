// timer.c: stopping a module's self-rearming callout. A protocol timer
// (arp's tick, fault's delay line) calls timeout() again at its end; a
// close that cancels it once may race with a run that is re-arming it.
// The module's callout sees a closing flag (under the module's lock) and
// stops re-arming; this loop cancels whatever id is left until none is.
#include "types.h"
#include "spinlock.h"
#include "defs.h"
#include "callout.h"
#include "streams/stream.h"

void
untimeout_rearming(struct spinlock *lk, int *idp)
{
  for(;;){
    acquire(lk);
    int id = *idp;
    *idp = 0;
    release(lk);
    if(id == 0)
      return;
    untimeout(id);        // waits if it is running: it may set a new id
  }
}
