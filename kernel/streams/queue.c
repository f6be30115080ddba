// queue.c: queues and flow control. A queue holds messages for its
// service procedure; putq/getq keep the byte count that drives flow
// control: at q_hiwat the queue is QFULL and canput() on it fails (setting
// QWANTW); once getq drains it to q_lowat, the nearest queue *behind* it
// that has a service procedure is enabled again ("back-enabling"), so the
// sender resumes. High-priority messages (type >= QPCTL) go to the front
// and ignore all of this.
//
// Also here: putnext (the one way a message moves between modules, and
// where per-queue statistics are counted), qreply and the small helpers.
// Everything that follows q_next must run inside the stream (claimed, see
// plumb.c) – always true in put and service procedures.
#include "types.h"
#include "param.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

static void
stat_add(ulong *c, ulong d)
{
  __atomic_add_fetch(c, d, __ATOMIC_RELAXED);
}

// The queue that passes messages *to* q (q is its q_next), or 0. Derived
// from the pair structure: q's partner points at the neighbour's partner.
static queue_t *
backq(queue_t *q)
{
  queue_t *o = OTHERQ(q)->q_next;
  return o ? OTHERQ(o) : 0;
}

// q drained below its low-water mark after someone found it full: wake
// the nearest service procedure behind it so it can send again.
static void
backenable(queue_t *q)
{
  queue_t *b = backq(q);
  while(b && b->q_qinfo->qi_srvp == 0)
    b = backq(b);
  if(b)
    qenable(b);
}

// After a message left q (q_lock held): clear QFULL at the low-water mark
// and say whether a blocked sender must be back-enabled.
static int
drained(queue_t *q)
{
  if(q->q_count <= q->q_lowat || q->q_first == 0){
    q->q_state &= ~QFULL;
    if(q->q_state & QWANTW){
      q->q_state &= ~QWANTW;
      return 1;
    }
  }
  return 0;
}

// A message handed to putq/putbq/put/putnext belongs to nobody else: it
// is on no queue and no list (b_next/b_prev clear), or two lists would
// share it and one of them would be corrupted later, far from the cause.
#define ASSERT_UNLINKED(mp) ASSERT((mp)->b_next == 0 && (mp)->b_prev == 0)

int
putq(queue_t *q, mblk_t *mp)
{
  ASSERT_UNLINKED(mp);
  int size = msgsize(mp);
  int pri = DB_TYPE(mp) >= QPCTL;
  acquire(&q->q_lock);
  if(pri){
    // after the high-priority messages already there, before the rest
    mblk_t *after = 0;
    for(mblk_t *m = q->q_first; m && DB_TYPE(m) >= QPCTL; m = m->b_next)
      after = m;
    mp->b_prev = after;
    mp->b_next = after ? after->b_next : q->q_first;
    if(after)
      after->b_next = mp;
    else
      q->q_first = mp;
    if(mp->b_next)
      mp->b_next->b_prev = mp;
    else
      q->q_last = mp;
  } else {
    mp->b_next = 0;
    mp->b_prev = q->q_last;
    if(q->q_last)
      q->q_last->b_next = mp;
    else
      q->q_first = mp;
    q->q_last = mp;
  }
  q->q_count += size;
  q->q_mcount++;
  if(q->q_count >= q->q_hiwat)
    q->q_state |= QFULL;
  // Schedule the service procedure when someone is waiting for work
  // (QWANTR, set by a getq that found nothing) or the message is urgent.
  int enable = pri || ((q->q_state & QWANTR) && !(q->q_state & QNOENB));
  if(enable)
    q->q_state &= ~QWANTR;
  release(&q->q_lock);
  if(enable)
    qenable(q);
  return 1;
}

int
putbq(queue_t *q, mblk_t *mp)
{
  ASSERT_UNLINKED(mp);
  int size = msgsize(mp);
  int pri = DB_TYPE(mp) >= QPCTL;
  acquire(&q->q_lock);
  // At the front – but a normal message never goes before urgent ones.
  mblk_t *after = 0;
  if(!pri)
    for(mblk_t *m = q->q_first; m && DB_TYPE(m) >= QPCTL; m = m->b_next)
      after = m;
  mp->b_prev = after;
  mp->b_next = after ? after->b_next : q->q_first;
  if(after)
    after->b_next = mp;
  else
    q->q_first = mp;
  if(mp->b_next)
    mp->b_next->b_prev = mp;
  else
    q->q_last = mp;
  q->q_count += size;
  q->q_mcount++;
  if(q->q_count >= q->q_hiwat)
    q->q_state |= QFULL;
  int enable = pri;
  release(&q->q_lock);
  if(enable)
    qenable(q);
  return 1;
}

mblk_t *
getq(queue_t *q)
{
  acquire(&q->q_lock);
  mblk_t *mp = q->q_first;
  if(mp == 0){
    q->q_state |= QWANTR;
    release(&q->q_lock);
    return 0;
  }
  q->q_first = mp->b_next;
  if(q->q_first)
    q->q_first->b_prev = 0;
  else
    q->q_last = 0;
  mp->b_next = mp->b_prev = 0;
  q->q_count -= msgsize(mp);
  q->q_mcount--;
  int back = drained(q);
  release(&q->q_lock);
  if(back)
    backenable(q);
  return mp;
}

static int
isdata(int type)
{
  return type == M_DATA || type == M_PROTO || type == M_PCPROTO;
}

void
flushq(queue_t *q, int flag)
{
  mblk_t *gone = 0;
  acquire(&q->q_lock);
  mblk_t *mp = q->q_first;
  q->q_first = q->q_last = 0;
  q->q_count = 0;
  q->q_mcount = 0;
  while(mp){
    mblk_t *next = mp->b_next;
    if(flag == FLUSHALL || isdata(DB_TYPE(mp))){
      mp->b_next = gone;
      gone = mp;
    } else {
      // keep: re-append in order
      mp->b_next = 0;
      mp->b_prev = q->q_last;
      if(q->q_last)
        q->q_last->b_next = mp;
      else
        q->q_first = mp;
      q->q_last = mp;
      q->q_count += msgsize(mp);
      q->q_mcount++;
    }
    mp = next;
  }
  int back = drained(q);
  release(&q->q_lock);
  while(gone){
    mblk_t *next = gone->b_next;
    gone->b_next = 0;
    freemsg(gone);
    gone = next;
  }
  if(back)
    backenable(q);
}

int
canput(queue_t *q)
{
  if(q == 0)
    return 1;
  // Flow control is decided at the next queue that queues: one with a
  // service procedure, or the last queue in this direction.
  while(q->q_qinfo->qi_srvp == 0 && q->q_next)
    q = q->q_next;
  acquire(&q->q_lock);
  int ok = !(q->q_state & QFULL);
  if(!ok)
    q->q_state |= QWANTW;
  release(&q->q_lock);
  return ok;
}

int
canputnext(queue_t *q)
{
  return canput(q->q_next);
}

int
qsize(queue_t *q)
{
  acquire(&q->q_lock);
  int n = q->q_mcount;
  release(&q->q_lock);
  return n;
}

void
noenable(queue_t *q)
{
  acquire(&q->q_lock);
  q->q_state |= QNOENB;
  release(&q->q_lock);
}

void
enableok(queue_t *q)
{
  acquire(&q->q_lock);
  q->q_state &= ~QNOENB;
  release(&q->q_lock);
}

const char *
qname(queue_t *q)
{
  return q->q_qinfo->qi_minfo->mi_idname;
}

void
qdrop(queue_t *q, mblk_t *mp, const char *why)
{
  stat_add(&q->q_stats.drops, 1);
  __atomic_store_n(&q->q_stats.dropwhy, why, __ATOMIC_RELAXED);
  freemsg(mp);
}

// Deliver mp to q's put procedure – or, while q's module is still opening
// (or already closing), hold it on q_held; plumb.c replays held messages
// in order once the open has returned.
static void
deliver(queue_t *q, mblk_t *mp)
{
  stat_add(&q->q_stats.msgs, 1);
  stat_add(&q->q_stats.bytes, msgdsize(mp));
  // q_off changes only while no one is inside the stream, and we are.
  if(q->q_off){
    acquire(&q->q_lock);
    mp->b_next = 0;
    if(q->q_heldlast)
      q->q_heldlast->b_next = mp;
    else
      q->q_held = mp;
    q->q_heldlast = mp;
    release(&q->q_lock);
    return;
  }
  q->q_qinfo->qi_putp(q, mp);
}

void
putnext(queue_t *q, mblk_t *mp)
{
  ASSERT_UNLINKED(mp);
  queue_t *nq = q->q_next;
  if(nq == 0){
    qdrop(q, mp, "putnext at the end of the stream");
    return;
  }
  deliver(nq, mp);
}

void
put(queue_t *q, mblk_t *mp)
{
  ASSERT_UNLINKED(mp);
  deliver(q, mp);
}

void
qreply(queue_t *q, mblk_t *mp)
{
  putnext(OTHERQ(q), mp);
}

int
putctl(queue_t *q, int type)
{
  mblk_t *mp = mkctlmsg(type, 0, 0);
  if(mp == 0)
    return 0;
  put(q, mp);
  return 1;
}

int
putctl1(queue_t *q, int type, int param)
{
  uchar b = param;
  mblk_t *mp = mkctlmsg(type, &b, 1);
  if(mp == 0)
    return 0;
  put(q, mp);
  return 1;
}

int
putnextctl(queue_t *q, int type)
{
  mblk_t *mp = mkctlmsg(type, 0, 0);
  if(mp == 0)
    return 0;
  putnext(q, mp);
  return 1;
}

int
putnextctl1(queue_t *q, int type, int param)
{
  uchar b = param;
  mblk_t *mp = mkctlmsg(type, &b, 1);
  if(mp == 0)
    return 0;
  putnext(q, mp);
  return 1;
}

// ioctl answers. q is the queue the M_IOCTL arrived on (the write side);
// the answer goes back up to the stream head. Only an M_IOCTL whose first
// block holds the whole iocblk can be turned into an answer: anything
// else would be written past its end or answer no request.
#define ASSERT_IOCTL(mp) \
  ASSERT(DB_TYPE(mp) == M_IOCTL && MBLKL(mp) >= (int)sizeof(struct iocblk))

void
miocack(queue_t *q, mblk_t *mp, int count, long rval)
{
  ASSERT_IOCTL(mp);
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  DB_TYPE(mp) = M_IOCACK;
  ioc->ioc_count = count;
  ioc->ioc_rval = rval;
  ioc->ioc_error = 0;
  if(count == 0 && mp->b_cont){
    freemsg(mp->b_cont);
    mp->b_cont = 0;
  }
  qreply(q, mp);
}

void
miocnak(queue_t *q, mblk_t *mp, int count, int error)
{
  ASSERT_IOCTL(mp);
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  DB_TYPE(mp) = M_IOCNAK;
  ioc->ioc_count = count;
  ioc->ioc_error = error;
  ioc->ioc_rval = -1;
  if(count == 0 && mp->b_cont){
    freemsg(mp->b_cont);
    mp->b_cont = 0;
  }
  qreply(q, mp);
}

void
drv_flush(queue_t *wq, mblk_t *mp)
{
  if(*mp->b_rptr & FLUSHW)
    flushq(wq, FLUSHDATA);
  if(*mp->b_rptr & FLUSHR){
    flushq(RD(wq), FLUSHDATA);
    *mp->b_rptr &= ~FLUSHW;     // the stream head must not send it down again
    qreply(wq, mp);
  } else {
    freemsg(mp);
  }
}

int
putnext_srv(queue_t *q)
{
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(!canputnext(q)){
      putbq(q, mp);       // back-enabled when the next queue drains
      return 0;
    }
    putnext(q, mp);
  }
  return 0;
}

int
putnext_put(queue_t *q, mblk_t *mp)
{
  putnext(q, mp);
  return 0;
}
