// plumb.c: building and taking apart streams – claims, quiescing, queue
// pairs, I_PUSH/I_POP, creating a stream on a driver and dismantling it.
//
// Claims: every thread that walks a stream's queues (a writer sending
// down, a reader's getq, a service procedure, ioctl traffic) first
// "enters" the stream: sd_inflight counts them. Re-linking queues
// (push, pop, close) first sets STPLUMB, which keeps new threads out, and
// waits for sd_inflight to reach 0 – then it has the stream to itself and
// can change q_next pointers without any lock on the data path. Nobody
// may sleep while inside a stream; waiting readers and writers leave it
// first (head.c), so plumbing can never wait for a sleeper.
//
// A module's open and close run outside that exclusive section (they may
// send messages). Messages that reach a module before its open has
// returned are held (q_off) and delivered in order afterwards.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

struct spinlock st_list_lock;
struct stdata *st_all;
volatile int st_nstreams;
static int nextid = 1;

// ---------------------------------------------------------------- claims

int
strenter(struct stdata *sd, int intr)
{
  acquire(&sd->sd_lock);
  while(sd->sd_flag & STPLUMB){
    if(intr && killed(myproc())){
      release(&sd->sd_lock);
      return -EINTR;
    }
    sleep(&sd->sd_flag, &sd->sd_lock);
  }
  sd->sd_inflight++;
  release(&sd->sd_lock);
  return 0;
}

void
strexit(struct stdata *sd)
{
  acquire(&sd->sd_lock);
  ASSERT(sd->sd_inflight > 0);   // a release without its claim
  if(--sd->sd_inflight == 0 && (sd->sd_flag & STPLUMB))
    wakeup(&sd->sd_inflight);
  release(&sd->sd_lock);
}

int
strclaim(queue_t *q)
{
  struct stdata *sd = q->q_stream;
  acquire(&sd->sd_lock);
  int ok = !(sd->sd_flag & (STPLUMB | STCLOSING));
  if(ok)
    sd->sd_inflight++;
  release(&sd->sd_lock);
  return ok;
}

void
strrelease(queue_t *q)
{
  strexit(q->q_stream);
}

void
plumb_begin(struct stdata *sd)
{
  acquire(&sd->sd_lock);
  while(sd->sd_flag & STPLUMB)
    sleep(&sd->sd_flag, &sd->sd_lock);
  sd->sd_flag |= STPLUMB;
  while(sd->sd_inflight > 0)
    sleep(&sd->sd_inflight, &sd->sd_lock);
  release(&sd->sd_lock);
}

// Every queue of sd, top to bottom, read then write of each pair.
static void
each_queue(struct stdata *sd, void (*fn)(queue_t *q))
{
  for(queue_t *wq = sd->sd_wq; wq; wq = wq->q_next){
    fn(RD(wq));
    fn(wq);
  }
}

void
plumb_end(struct stdata *sd)
{
  acquire(&sd->sd_lock);
  sd->sd_flag &= ~STPLUMB;
  sd->sd_inflight++;          // stay inside to walk the queues below
  wakeup(&sd->sd_flag);
  release(&sd->sd_lock);
  // Service runs skipped while plumbing are made up for here; readers
  // and writers re-check, since the stream's shape changed.
  each_queue(sd, qenable);
  strexit(sd);
  strwakeall(sd);
}

int
strop_begin(struct stdata *sd, int intr)
{
  acquire(&sd->sd_lock);
  while(sd->sd_flag & STPLUMBOP){
    if(intr && killed(myproc())){
      release(&sd->sd_lock);
      return -EINTR;
    }
    sleep(&sd->sd_flag, &sd->sd_lock);
  }
  sd->sd_flag |= STPLUMBOP;
  release(&sd->sd_lock);
  return 0;
}

void
strop_end(struct stdata *sd)
{
  acquire(&sd->sd_lock);
  sd->sd_flag &= ~STPLUMBOP;
  wakeup(&sd->sd_flag);
  release(&sd->sd_lock);
}

void
strreason(struct stdata *sd, const char *text)
{
  acquire(&sd->sd_lock);
  safestrcpy(sd->sd_reason, text, sizeof(sd->sd_reason));
  release(&sd->sd_lock);
}

void
strsetreason(queue_t *q, const char *why)
{
  struct stdata *sd = q->q_stream;
  acquire(&sd->sd_lock);
  safestrcpy(sd->sd_reason, why, sizeof(sd->sd_reason));
  release(&sd->sd_lock);
}

// ---------------------------------------------------------------- queue pairs

void
qpair_setinfo(queue_t *q, struct qinit *qi)
{
  struct module_info *mi = qi->qi_minfo;
  q->q_qinfo = qi;
  q->q_minpsz = mi->mi_minpsz;
  q->q_maxpsz = mi->mi_maxpsz;
  q->q_hiwat = mi->mi_hiwat;
  q->q_lowat = mi->mi_lowat;
}

struct qpair *
qpair_alloc(const struct streamtab *t, struct stdata *sd, int head)
{
  struct qpair *qp = kmalloc(sizeof(struct qpair));
  if(qp == 0)
    return 0;
  memset(qp, 0, sizeof(*qp));
  qp->qp_tab = t;
  for(int i = 0; i < 2; i++){
    queue_t *q = &qp->qp_q[i];
    initlock(&q->q_lock, "queue");
    q->q_stream = sd;
    // QWANTR: the first putq must schedule the service procedure.
    q->q_flag = (i == 0 ? QREADR : 0) | (head ? QHEAD : 0);
    q->q_state = QWANTR;
    q->q_off = !head;
  }
  if(head){
    strhead_setinfo(qp);
  } else {
    qpair_setinfo(&qp->qp_q[0], t->st_rdinit);
    qpair_setinfo(&qp->qp_q[1], t->st_wrinit);
  }
  return qp;
}

static void
freelist(mblk_t *mp)
{
  while(mp){
    mblk_t *next = mp->b_next;
    mp->b_next = mp->b_prev = 0;
    freemsg(mp);
    mp = next;
  }
}

// The pair is out of every stream: stop scheduling it, free what waits.
void
qpair_free(struct qpair *qp)
{
  for(int i = 0; i < 2; i++){
    queue_t *q = &qp->qp_q[i];
    sched_detach(q);
    // not flushq: that would back-enable neighbours the pair has left
    freelist(q->q_first);
    q->q_first = q->q_last = 0;
    freelist(q->q_held);
    q->q_held = q->q_heldlast = 0;
  }
  kmfree(qp);
}

// Turn a pair's put and service procedures on or off. Turning them on
// replays, in order, the messages held meanwhile; that happens while we
// have the stream to ourselves, so no newer message can overtake them.
void
qpair_procs(struct stdata *sd, struct qpair *qp, int on)
{
  plumb_begin(sd);
  for(int i = 0; i < 2; i++){
    queue_t *q = &qp->qp_q[i];
    q->q_off = !on;
    acquire(&q->q_lock);
    mblk_t *held = on ? q->q_held : 0;
    if(on)
      q->q_held = q->q_heldlast = 0;
    release(&q->q_lock);
    while(held){
      mblk_t *next = held->b_next;
      held->b_next = 0;
      q->q_qinfo->qi_putp(q, held);
      held = next;
    }
  }
  plumb_end(sd);
}

// Call the open routine of a pair already linked into sd (procedures
// still off), then turn it on. Returns 0 or -errno.
int
qpair_open(struct stdata *sd, struct qpair *qp, int minor, int oflag, int sflag)
{
  queue_t *rq = &qp->qp_q[0];
  int err = 0;
  if(rq->q_qinfo->qi_qopen){
    strenter(sd, 0);
    err = rq->q_qinfo->qi_qopen(rq, minor, oflag, sflag);
    strexit(sd);
  }
  if(err)
    return err > 0 ? -err : err;
  qpair_procs(sd, qp, 1);
  return 0;
}

static void
qpair_close(struct stdata *sd, struct qpair *qp, int oflag)
{
  qpair_procs(sd, qp, 0);
  queue_t *rq = &qp->qp_q[0];
  if(rq->q_qinfo->qi_qclose){
    strenter(sd, 0);
    rq->q_qinfo->qi_qclose(rq, oflag);
    strexit(sd);
  }
}

// ---------------------------------------------------------------- push/pop

// What the queues from wq downwards offer a module pushed above them: the
// first declared st_provides, skipping transparent modules.
const char *
st_provides_below(queue_t *wq)
{
  for(; wq; wq = wq->q_next){
    const struct streamtab *t = ((struct qpair *)RD(wq))->qp_tab;
    if(t && t->st_provides)
      return t->st_provides;
  }
  return 0;
}

// Is t allowed right above the queue whose write side is below? Returns
// 0 or the reason (written into buf).
static const char *
pushcheck(const struct streamtab *t, queue_t *below, char *buf, int n)
{
  const char *name = st_tabname(t);
  if(t->st_requires){
    const char *have = st_provides_below(below);
    if(have == 0 || strcmp(have, t->st_requires) != 0){
      snprintf(buf, n, "%s needs \"%s\" below it, but %s offers \"%s\"",
               name, t->st_requires, qname(below), have ? have : "nothing declared");
      return buf;
    }
  }
  if(t->st_canpush){
    const char *why = t->st_canpush(below);
    if(why){
      snprintf(buf, n, "%s: %s", name, why);
      return buf;
    }
  }
  return 0;
}

int
strpush(struct stdata *sd, const char *name)
{
  char why[STR_ERRLEN];
  const struct streamtab *t = st_findmod(name);
  if(t == 0){
    // A driver's name is a common slip (push ... ip): say what to do.
    int driver = 0;
    for(int i = 0; i < st_ntabs(); i++)
      if(st_tab(i)->st_flags == STR_DRIVER && strcmp(st_tabname(st_tab(i)), name) == 0)
        driver = 1;
    if(driver)
      snprintf(why, sizeof(why), "%s is a driver, not a module: link a stream under "
               "/dev/%s instead (I_LINK, push -L)", name, name);
    else
      snprintf(why, sizeof(why), "no module named \"%s\"", name);
    strreason(sd, why);
    return -EINVAL;
  }
  int err = strop_begin(sd, 1);
  if(err)
    return err;
  if(sd->sd_nmod >= NSTRPUSH){
    snprintf(why, sizeof(why), "a stream holds at most %d modules", NSTRPUSH);
    strreason(sd, why);
    strop_end(sd);
    return -EINVAL;
  }
  // The shape only changes under STPLUMBOP, which we hold: reading the
  // top queue needs no claim.
  if(pushcheck(t, sd->sd_wq->q_next, why, sizeof(why))){
    strreason(sd, why);
    strop_end(sd);
    return -EINVAL;
  }
  struct qpair *qp = qpair_alloc(t, sd, 0);
  if(qp == 0){
    strop_end(sd);
    return -ENOSR;
  }
  queue_t *rq = &qp->qp_q[0], *wq = &qp->qp_q[1];
  plumb_begin(sd);
  wq->q_next = sd->sd_wq->q_next;
  rq->q_next = sd->sd_rq;
  RD(wq->q_next)->q_next = rq;
  sd->sd_wq->q_next = wq;
  sd->sd_nmod++;
  plumb_end(sd);

  err = qpair_open(sd, qp, sd->sd_minor, sd->sd_oflag, MODOPEN);
  if(err){
    plumb_begin(sd);
    sd->sd_wq->q_next = wq->q_next;
    RD(wq->q_next)->q_next = sd->sd_rq;
    sd->sd_nmod--;
    plumb_end(sd);
    qpair_free(qp);
    snprintf(why, sizeof(why), "%s refused to open (error %d)", name, -err);
    strreason(sd, why);
  }
  strop_end(sd);
  return err;
}

// Pop the topmost module; the caller holds STPLUMBOP.
static int
pop_locked(struct stdata *sd)
{
  if(sd->sd_nmod == 0){
    strreason(sd, "no module is pushed");
    return -EINVAL;
  }
  queue_t *wq = sd->sd_wq->q_next;
  struct qpair *qp = (struct qpair *)RD(wq);
  qpair_close(sd, qp, sd->sd_oflag);
  plumb_begin(sd);
  sd->sd_wq->q_next = wq->q_next;
  RD(wq->q_next)->q_next = sd->sd_rq;
  sd->sd_nmod--;
  // Messages that reached the module after it was turned off never saw
  // it: pass them on to its old neighbours instead of losing them.
  for(int i = 0; i < 2; i++){
    queue_t *q = &qp->qp_q[i];
    mblk_t *held = q->q_held;
    q->q_held = q->q_heldlast = 0;
    while(held){
      mblk_t *next = held->b_next;
      held->b_next = 0;
      put(q->q_next, held);
      held = next;
    }
  }
  plumb_end(sd);
  qpair_free(qp);
  return 0;
}

int
strpop(struct stdata *sd)
{
  int err = strop_begin(sd, 1);
  if(err)
    return err;
  err = pop_locked(sd);
  strop_end(sd);
  return err;
}

// ---------------------------------------------------------------- streams

int
stcreate(const struct streamtab *t, int major, int minor, int oflag, struct stdata **sdp)
{
  struct stdata *sd = kmalloc(sizeof(struct stdata));
  if(sd == 0)
    return -ENOSR;
  memset(sd, 0, sizeof(*sd));
  initlock(&sd->sd_lock, "stream");
  sd->sd_tab = t;
  sd->sd_major = major;
  sd->sd_minor = minor;
  sd->sd_oflag = oflag;
  sd->sd_rdopt = RNORM | RPROTNORM;
  sd->sd_kept = -1;
  sd->sd_refs = 1;
  sd->sd_head = qpair_alloc(0, sd, 1);
  sd->sd_drv = qpair_alloc(t, sd, 0);
  if(sd->sd_head == 0 || sd->sd_drv == 0){
    if(sd->sd_head)
      qpair_free(sd->sd_head);
    if(sd->sd_drv)
      qpair_free(sd->sd_drv);
    kmfree(sd);
    return -ENOSR;
  }
  sd->sd_rq = &sd->sd_head->qp_q[0];
  sd->sd_wq = &sd->sd_head->qp_q[1];
  sd->sd_rq->q_ptr = sd->sd_wq->q_ptr = sd;
  sd->sd_wq->q_next = &sd->sd_drv->qp_q[1];
  sd->sd_drv->qp_q[0].q_next = sd->sd_rq;

  acquire(&st_list_lock);
  sd->sd_id = nextid++;
  sd->sd_next = st_all;
  st_all = sd;
  st_nstreams++;
  release(&st_list_lock);

  int err = qpair_open(sd, sd->sd_drv, minor, oflag, CLONEOPEN);
  if(err){
    // never opened: no close routine to call
    acquire(&st_list_lock);
    for(struct stdata **pp = &st_all; *pp; pp = &(*pp)->sd_next)
      if(*pp == sd){
        *pp = sd->sd_next;
        break;
      }
    st_nstreams--;
    release(&st_list_lock);
    qpair_free(sd->sd_head);
    qpair_free(sd->sd_drv);
    kmfree(sd);
    return err;
  }
  *sdp = sd;
  return 0;
}

// Take a stream apart: undo the links it controls, pop every module, close
// the driver, free everything. Nobody refers to it any more.
static void
stdestroy(struct stdata *sd)
{
  strop_begin(sd, 0);
  acquire(&sd->sd_lock);
  sd->sd_flag |= STCLOSING;
  release(&sd->sd_lock);
  strunlink_closing(sd);
  while(sd->sd_nmod > 0)
    pop_locked(sd);
  qpair_close(sd, sd->sd_drv, sd->sd_oflag);

  // Last exclusive section: it never ends, the memory goes away.
  plumb_begin(sd);
  acquire(&st_list_lock);
  for(struct stdata **pp = &st_all; *pp; pp = &(*pp)->sd_next)
    if(*pp == sd){
      *pp = sd->sd_next;
      break;
    }
  st_nstreams--;
  release(&st_list_lock);
  qpair_free(sd->sd_drv);
  qpair_free(sd->sd_head);
  if(sd->sd_iocans)
    freemsg(sd->sd_iocans);
  kmfree(sd);
}

void
strhold(struct stdata *sd)
{
  acquire(&st_list_lock);
  sd->sd_refs++;
  release(&st_list_lock);
}

void
strrele(struct stdata *sd)
{
  acquire(&st_list_lock);
  int last = --sd->sd_refs == 0;
  release(&st_list_lock);
  if(last)
    stdestroy(sd);
}
