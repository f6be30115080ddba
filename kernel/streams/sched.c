// sched.c: the STREAMS scheduler – when service procedures run, and where.
//
// Two kinds of run list, both under rl.lock:
//   - a local list per user process: a queue enabled by a process in its
//     own system call (putq, qenable, back-enabling; proc_context()) is
//     run by that process itself, on its own hart, just before it returns
//     to user space (runqueues, called from usertrapret), as SVR4 runs
//     its queues before returning to user level. A write to a loop stream
//     therefore comes back with the answer already at the stream head,
//     with no context switch. If the process sleeps or exits first, its
//     list goes to the threads (sched_handoff), so no work waits on a
//     sleeper.
//   - the global list, for work that starts where no process can run it:
//     interrupt handlers (a driver's receive), callouts, the service
//     threads themselves, anything enabled with a spinlock held. NSTRSVC
//     kernel threads take queues off it in order; an append wakes one.
//
// Guarantees, whichever list: a queue is on a list at most once, and its
// service procedure never runs on two harts at the same time (QS_RUNNING;
// an enable that arrives meanwhile puts it back – on the global list, so
// that a procedure that keeps re-enabling itself, like a driver polling
// under a flood, cannot hold a process back from user space). A run is
// made with the stream claimed (plumb.c), so the stream cannot be
// re-plumbed under it. Each list runs first in, first out.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

// q_sflag, beside the QS_* of strsubr.h: on a local list, not the global.
#define QS_LOCAL 0x10

// A local list per process that has one now: processes between enabling
// a queue and returning to user space, so a few. Without a free slot the
// queue goes to the global list.
#define NLOCAL (4 * NCPU + 4)
// Most runs one return to user space makes before it hands the rest on.
#define LOCAL_RUNS 64

struct runlist {
  queue_t *head, *tail;   // linked through q_link
};

static struct {
  struct spinlock lock;
  struct runlist global;
  struct {
    struct proc *owner;   // 0: free
    struct runlist l;
  } local[NLOCAL];
  ulong runs;             // service procedure calls, for the listing
} rl;

static void
push(struct runlist *l, queue_t *q)
{
  q->q_link = 0;
  if(l->tail)
    l->tail->q_link = q;
  else
    l->head = q;
  l->tail = q;
}

static queue_t *
pop(struct runlist *l)
{
  queue_t *q = l->head;
  if(q){
    l->head = q->q_link;
    if(l->head == 0)
      l->tail = 0;
    q->q_link = 0;
  }
  return q;
}

// Take q off l if it is there. Returns 1 if it was.
static int
unlink(struct runlist *l, queue_t *q)
{
  queue_t **pp = &l->head, *prev = 0;
  while(*pp && *pp != q){
    prev = *pp;
    pp = &(*pp)->q_link;
  }
  if(*pp == 0)
    return 0;
  *pp = q->q_link;
  if(l->tail == q)
    l->tail = prev;
  q->q_link = 0;
  return 1;
}

// Onto the global list, waking one service thread. rl.lock held.
static void
append_global(queue_t *q)
{
  q->q_sflag &= ~QS_LOCAL;
  push(&rl.global, q);
  wakeup_one(&rl);
}

// Onto the calling process's local list (the caller checked
// proc_context()), if a slot is free. rl.lock held.
static int
append_local(queue_t *q)
{
  struct proc *p = myproc();
  if(p->svc_local == 0){
    for(int i = 0; i < NLOCAL; i++){
      if(rl.local[i].owner == 0){
        rl.local[i].owner = p;
        p->svc_local = i + 1;
        break;
      }
    }
    if(p->svc_local == 0)
      return 0;
  }
  q->q_sflag |= QS_LOCAL;
  push(&rl.local[p->svc_local - 1].l, q);
  return 1;
}

void
qenable(queue_t *q)
{
  if(q->q_qinfo->qi_srvp == 0)
    return;
  // proc_context() is asked before taking the lock: holding it turns
  // interrupts off, which is what the question looks at.
  int local = proc_context();
  acquire(&rl.lock);
  if(!(q->q_sflag & (QS_ENAB | QS_DETACHED))){
    q->q_sflag |= QS_ENAB;
    // A running queue is put back when the run ends (finish).
    if(!(q->q_sflag & QS_RUNNING) && !(local && append_local(q)))
      append_global(q);
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

// Run q, just taken off a list. Called and returns with rl.lock held.
static void
run(queue_t *q)
{
  q->q_sflag &= ~(QS_ENAB | QS_LOCAL);
  q->q_sflag |= QS_RUNNING;
  rl.runs++;
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
    append_global(q);
  if(q->q_sflag & QS_WAITING){
    q->q_sflag &= ~QS_WAITING;
    wakeup(q);
  }
}

static void
svc_thread(void *arg)
{
  (void)arg;
  acquire(&rl.lock);
  for(;;){
    while(rl.global.head == 0)
      sleep(&rl, &rl.lock);
    run(pop(&rl.global));
    if(rl.global.head){
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

// Free the caller's local list slot, giving what is left on it to the
// threads. rl.lock held.
static void
local_done(struct proc *p)
{
  struct runlist *l = &rl.local[p->svc_local - 1].l;
  queue_t *q;
  while((q = pop(l)) != 0)
    append_global(q);
  rl.local[p->svc_local - 1].owner = 0;
  p->svc_local = 0;
}

void
runqueues(void)
{
  struct proc *p = myproc();
  // Unlocked first look: only this process gives itself a list.
  if(p == 0 || __atomic_load_n(&p->svc_local, __ATOMIC_RELAXED) == 0)
    return;
  acquire(&rl.lock);
  for(int n = 0; n < LOCAL_RUNS && p->svc_local; n++){
    queue_t *q = pop(&rl.local[p->svc_local - 1].l);
    if(q == 0)
      break;
    run(q);     // may add to this list: it runs in this loop too
  }
  if(p->svc_local)
    local_done(p);
  release(&rl.lock);
}

void
sched_handoff(void)
{
  struct proc *p = myproc();
  if(p == 0 || __atomic_load_n(&p->svc_local, __ATOMIC_RELAXED) == 0)
    return;
  // sched_detach sleeps holding rl.lock
  int held = holding(&rl.lock);
  if(!held)
    acquire(&rl.lock);
  if(p->svc_local)
    local_done(p);
  if(!held)
    release(&rl.lock);
}

// q is leaving (pop, close): take it off its run list and wait for a run
// in progress to end. Afterwards qenable(q) does nothing.
void
sched_detach(queue_t *q)
{
  acquire(&rl.lock);
  q->q_sflag |= QS_DETACHED;
  if((q->q_sflag & QS_ENAB) && !(q->q_sflag & QS_RUNNING)){
    int gone = 0;
    if(q->q_sflag & QS_LOCAL){
      for(int i = 0; i < NLOCAL && !gone; i++)
        if(rl.local[i].owner)
          gone = unlink(&rl.local[i].l, q);
    } else {
      gone = unlink(&rl.global, q);
    }
    if(!gone)
      panic("sched_detach: enabled queue on no run list");
  }
  q->q_sflag &= ~(QS_ENAB | QS_LOCAL);
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
