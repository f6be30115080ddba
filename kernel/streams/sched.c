// sched.c: the STREAMS scheduler. qenable() puts a queue on one run list;
// NSTRSVC kernel threads take queues off it and run their service
// procedures – in process context, never in an interrupt handler, so a
// driver's interrupt can just putq() and leave the work to them.
//
// Guarantees: a queue is on the list at most once, and its service
// procedure never runs on two harts at the same time (QS_RUNNING; an
// enable that arrives meanwhile re-queues it when the run ends). A
// service procedure runs with its stream claimed (plumb.c), so the stream
// cannot be re-plumbed under it.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

static struct {
  struct spinlock lock;
  queue_t *head, *tail;   // linked through q_link
  ulong runs;             // service procedure calls, for the listing
} rl;

static void
append(queue_t *q)
{
  q->q_link = 0;
  if(rl.tail)
    rl.tail->q_link = q;
  else
    rl.head = q;
  rl.tail = q;
  wakeup(&rl);
}

void
qenable(queue_t *q)
{
  if(q->q_qinfo->qi_srvp == 0)
    return;
  acquire(&rl.lock);
  if(!(q->q_sflag & (QS_ENAB | QS_DETACHED))){
    q->q_sflag |= QS_ENAB;
    // A running queue is re-queued by its thread when the run ends.
    if(!(q->q_sflag & QS_RUNNING))
      append(q);
  }
  release(&rl.lock);
}

// Claim the stream for a service run. Unlike strclaim this must not fail
// for a stream being closed: the close may be waiting for an answer that
// a service procedure is about to deliver.
static int
svc_claim(struct stdata *sd)
{
  acquire(&sd->sd_lock);
  int ok = !(sd->sd_flag & STPLUMB);
  if(ok)
    sd->sd_inflight++;
  release(&sd->sd_lock);
  return ok;
}

static void
svc_thread(void *arg)
{
  (void)arg;
  acquire(&rl.lock);
  for(;;){
    while(rl.head == 0)
      sleep(&rl, &rl.lock);
    queue_t *q = rl.head;
    rl.head = q->q_link;
    if(rl.head == 0)
      rl.tail = 0;
    q->q_sflag &= ~QS_ENAB;
    q->q_sflag |= QS_RUNNING;
    __atomic_add_fetch(&rl.runs, 1, __ATOMIC_RELAXED);
    release(&rl.lock);

    // When the stream is being plumbed the run is skipped: plumb_end
    // enables every queue of the stream again afterwards.
    struct stdata *sd = q->q_stream;
    if(svc_claim(sd)){
      // qinit may have changed since qenable (a stream linked under a mux)
      if(!q->q_off && q->q_qinfo->qi_srvp)
        q->q_qinfo->qi_srvp(q);
      strexit(sd);
    }

    acquire(&rl.lock);
    q->q_sflag &= ~QS_RUNNING;
    if((q->q_sflag & QS_ENAB) && !(q->q_sflag & QS_DETACHED))
      append(q);
    if(q->q_sflag & QS_WAITING){
      q->q_sflag &= ~QS_WAITING;
      wakeup(q);
    }
    if(rl.head){
      // More work, maybe endless (a driver polling under a flood): let
      // every runnable process have its turn first, instead of only at
      // the next tick, so that a flood costs processes their share of the
      // hart and no more.
      release(&rl.lock);
      yield();
      acquire(&rl.lock);
    }
  }
}

// q is leaving (pop, close): take it off the run list and wait for a run
// in progress to end. Afterwards qenable(q) does nothing.
void
sched_detach(queue_t *q)
{
  acquire(&rl.lock);
  q->q_sflag |= QS_DETACHED;
  if((q->q_sflag & QS_ENAB) && !(q->q_sflag & QS_RUNNING)){
    queue_t **pp = &rl.head, *prev = 0;
    while(*pp && *pp != q){
      prev = *pp;
      pp = &(*pp)->q_link;
    }
    if(*pp){
      *pp = q->q_link;
      if(rl.tail == q)
        rl.tail = prev;
    }
  }
  q->q_sflag &= ~QS_ENAB;
  while(q->q_sflag & QS_RUNNING){
    q->q_sflag |= QS_WAITING;
    sleep(q, &rl.lock);
  }
  release(&rl.lock);
}

ulong
sched_runs(void)
{
  return __atomic_load_n(&rl.runs, __ATOMIC_RELAXED);
}

void
sched_init(void)
{
  initlock(&rl.lock, "strsched");
  for(int i = 0; i < NSTRSVC; i++){
    int pid = kproc_create("strsvc", svc_thread, 0);
    if(pid < 0)
      printf("streams: cannot start service thread: error %d\n", -pid);
  }
}
