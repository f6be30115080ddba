// head.c: the stream head – where system calls meet a stream. Every
// STREAMS device file uses these devsw entries: open makes a new stream
// (clone open; f->priv is the stream), read/write turn byte buffers into
// messages and back, poll reports readiness, close drops the reference.
//
// Semantics chosen (documented in kernel/streams/README.md):
//  - write splits into messages of at most the smallest q_maxpsz below
//    the head, blocks while canputnext fails (O_NONBLOCK: -EAGAIN), and
//    resumes when back-enabled (the head's write service procedure);
//  - read follows the read mode: RNORM byte stream, RMSGD/RMSGN one
//    message per call; M_PROTO at the front obeys RPROT*;
//  - M_ERROR (SVR4): one byte is the errno of both sides, two bytes the
//    read and the write side's apart (NOERROR: leave that side as it is;
//    0: clear it). A side that fails fails every later call on it until
//    close (I_STR fails with either); only the side that fails now is
//    flushed, here and below (M_FLUSH down), so a write error leaves the
//    data already received readable;
//  - M_HANGUP: reads return what is queued, then 0 (end of file); writes
//    fail with the write side's error if it has one (EPIPE after a
//    shutdown), else -ENXIO (the SVR4 choice). With one byte FLUSHR it
//    hangs up the read side only: end of file after the data, for good,
//    while writes and ioctls go on (a peer's half-close).
// Waiting readers and writers never sleep inside the stream (claimed),
// so a push or pop can always proceed.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "fcntl.h"
#include "poll.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

#define NOERROR 0xff   // M_ERROR byte meaning "leave this side's error as is"

static int strrput(queue_t *q, mblk_t *mp);
static int strwput(queue_t *q, mblk_t *mp);
static int strwsrv(queue_t *q);

static struct module_info strhead_info = {
  .mi_idnum = 0, .mi_idname = "head", .mi_minpsz = 0, .mi_maxpsz = INFPSZ,
  .mi_hiwat = STRHIWAT, .mi_lowat = STRLOWAT,
};
struct qinit strhead_rinit = { .qi_putp = strrput, .qi_minfo = &strhead_info };
struct qinit strhead_winit = { .qi_putp = strwput, .qi_srvp = strwsrv,
                               .qi_minfo = &strhead_info };

void
strhead_setinfo(struct qpair *qp)
{
  qpair_setinfo(&qp->qp_q[0], &strhead_rinit);
  qpair_setinfo(&qp->qp_q[1], &strhead_winit);
}

// Something changed that readers, writers, ioctl waiters or pollers of
// sd may care about.
void
strwakeall(struct stdata *sd)
{
  acquire(&sd->sd_lock);
  wakeup(&sd->sd_rq);
  wakeup(&sd->sd_wq);
  wakeup(&sd->sd_iocid);
  wakeup(&sd->sd_flag);
  release(&sd->sd_lock);
  pollwakeup();
}

// ---------------------------------------------------------------- queues

// Messages arriving from below.
static int
strrput(queue_t *q, mblk_t *mp)
{
  struct stdata *sd = q->q_stream;
  switch(DB_TYPE(mp)){
  case M_DATA:
  case M_PROTO:
  case M_PCPROTO:
    putq(q, mp);
    acquire(&sd->sd_lock);
    wakeup(&sd->sd_rq);
    release(&sd->sd_lock);
    pollwakeup();
    return 0;

  case M_FLUSH: {
    uchar flag = MBLKL(mp) > 0 ? *mp->b_rptr : 0;
    if(flag & FLUSHR)
      flushq(q, FLUSHDATA);
    if(flag & FLUSHW){
      // send it back down so the write side below flushes too
      *mp->b_rptr = flag & ~FLUSHR;
      qreply(q, mp);
    } else {
      freemsg(mp);
    }
    pollwakeup();
    return 0;
  }

  case M_ERROR: {
    // Nothing (no byte, or one byte 0) says nothing: NOERROR for both.
    int re = NOERROR, we = NOERROR;
    if(MBLKL(mp) >= 2){
      re = mp->b_rptr[0];
      we = mp->b_rptr[1];
    } else if(MBLKL(mp) == 1 && mp->b_rptr[0] != 0){
      re = we = mp->b_rptr[0];
    }
    // What fails with this message, not what failed before: an error
    // already set is no reason to throw away what arrived since.
    int flush = 0;
    acquire(&sd->sd_lock);
    if(re != NOERROR){
      sd->sd_rerr = re;
      if(re)
        flush |= FLUSHR;
    }
    if(we != NOERROR){
      sd->sd_werr = we;
      if(we)
        flush |= FLUSHW;
    }
    release(&sd->sd_lock);
    if(flush & FLUSHR)
      flushq(q, FLUSHDATA);
    if(flush){
      // The failed side below goes too: the message itself becomes the
      // M_FLUSH when it can (no allocation that could fail).
      if(mwritable(mp) && MBLKL(mp) >= 1){
        freemsg(unlinkb(mp));
        DB_TYPE(mp) = M_FLUSH;
        mp->b_rptr[0] = flush;
        mp->b_wptr = mp->b_rptr + 1;
        qreply(q, mp);
      } else {
        freemsg(mp);
        putnextctl1(WR(q), M_FLUSH, flush);
      }
    } else {
      freemsg(mp);
    }
    strwakeall(sd);
    return 0;
  }

  case M_HANGUP: {
    int rdonly = MBLKL(mp) >= 1 && mp->b_rptr[0] == FLUSHR;
    freemsg(mp);
    acquire(&sd->sd_lock);
    sd->sd_flag |= rdonly ? STRDHUP : STHANGUP;
    release(&sd->sd_lock);
    strwakeall(sd);
    return 0;
  }

  case M_IOCACK:
  case M_IOCNAK: {
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    acquire(&sd->sd_lock);
    if(MBLKL(mp) >= (int)sizeof(*ioc) && (sd->sd_flag & STIOCBUSY) &&
       ioc->ioc_id == sd->sd_iocid && sd->sd_iocans == 0){
      sd->sd_iocans = mp;
      wakeup(&sd->sd_iocid);
      mp = 0;
    }
    release(&sd->sd_lock);
    if(mp)
      qdrop(q, mp, "ioctl answer nobody waits for");
    return 0;
  }

  default:
    qdrop(q, mp, "message type the stream head does not take");
    return 0;
  }
}

// Nobody above the head sends down through put(); pass it on if so.
static int
strwput(queue_t *q, mblk_t *mp)
{
  putnext(q, mp);
  return 0;
}

// Back-enabled: the queue below has room again. Writers and pollers retry.
static int
strwsrv(queue_t *q)
{
  struct stdata *sd = q->q_stream;
  acquire(&sd->sd_lock);
  wakeup(&sd->sd_wq);
  release(&sd->sd_lock);
  pollwakeup();
  return 0;
}

// ---------------------------------------------------------------- helpers

// Wait for exclusive use of the read (STRDBUSY) or write (STWRBUSY) side,
// so that one call's bytes are never interleaved with another's.
static int
side_begin(struct stdata *sd, uint flag, int nonblock)
{
  acquire(&sd->sd_lock);
  while(sd->sd_flag & flag){
    if(nonblock){
      release(&sd->sd_lock);
      return -EAGAIN;
    }
    if(killed(myproc())){
      release(&sd->sd_lock);
      return -EINTR;
    }
    sleep(&sd->sd_flag, &sd->sd_lock);
  }
  sd->sd_flag |= flag;
  release(&sd->sd_lock);
  return 0;
}

static void
side_end(struct stdata *sd, uint flag)
{
  acquire(&sd->sd_lock);
  sd->sd_flag &= ~flag;
  wakeup(&sd->sd_flag);
  release(&sd->sd_lock);
}

// ---------------------------------------------------------------- write

// Limits of the write side: the smallest q_maxpsz and q_minpsz of the
// first queue, and the headroom every module below wants. Claimed.
static void
wlimits(struct stdata *sd, int *maxp, int *minp, int *roomp)
{
  long max = -1;
  int room = 0;
  queue_t *top = sd->sd_wq->q_next;
  for(queue_t *q = top; q; q = q->q_next){
    if(q->q_maxpsz >= 0 && (max < 0 || q->q_maxpsz < max))
      max = q->q_maxpsz;
    room += q->q_qinfo->qi_minfo->mi_headroom;
  }
  if(max < 0 || max > STRMAXPSZ)
    max = STRMAXPSZ;
  if(max == 0)
    max = 1;
  if(room > STRBUFMAX / 4)
    room = STRBUFMAX / 4;
  *maxp = max;
  *minp = top ? top->q_minpsz : 0;
  *roomp = room;
}

// Copy len user bytes into a new message: blocks of at most STRBUFMAX,
// the first with room in front for the modules' headers.
static mblk_t *
umsg(uint64 src, int len, int room, int *errp)
{
  mblk_t *head = 0, **tail = &head;
  int first = 1;
  while(len > 0 || first){
    int r = first ? room : 0;
    int n = len < STRBUFMAX - r ? len : STRBUFMAX - r;
    mblk_t *bp = allocb_headroom(n, r);
    if(bp == 0){
      freemsg(head);
      *errp = -ENOSR;
      return 0;
    }
    if(n > 0 && copyin_user(bp->b_wptr, src, n) < 0){
      freeb(bp);
      freemsg(head);
      *errp = -EFAULT;
      return 0;
    }
    bp->b_wptr += n;
    src += n;
    len -= n;
    *tail = bp;
    tail = &bp->b_cont;
    first = 0;
  }
  return head;
}

// Enter sd once the queue below the head can take a message. Returns 0
// (claimed) or -errno.
static int
enter_writable(struct stdata *sd, int nonblock)
{
  acquire(&sd->sd_lock);
  for(;;){
    int err = 0;
    if(sd->sd_flag & STLINKED)
      err = -EINVAL;
    else if(sd->sd_werr)
      err = -sd->sd_werr;
    else if(sd->sd_flag & STHANGUP)
      err = -ENXIO;
    else if(!(sd->sd_flag & STPLUMB)){
      sd->sd_inflight++;
      if(canputnext(sd->sd_wq)){
        release(&sd->sd_lock);
        return 0;
      }
      // STPLUMB is clear and we hold the lock: no plumber to wake.
      sd->sd_inflight--;
      if(nonblock)
        err = -EAGAIN;
    }
    if(err == 0 && killed(myproc()))
      err = -EINTR;
    if(err){
      release(&sd->sd_lock);
      return err;
    }
    // canputnext set QWANTW: back-enabling will run strwsrv and wake us.
    sleep((sd->sd_flag & STPLUMB) ? (void *)&sd->sd_flag : (void *)&sd->sd_wq,
          &sd->sd_lock);
  }
}

int
strwrite(struct stdata *sd, struct file *f, uint64 src, int n)
{
  int nonblock = f->flags & O_NONBLOCK;
  if(n < 0)
    return -EINVAL;
  if(n == 0)
    return 0;
  int err = side_begin(sd, STWRBUSY, nonblock);
  if(err)
    return err;
  int done = 0;
  while(done < n){
    if((err = enter_writable(sd, nonblock)) != 0)
      break;
    int max, min, room;
    wlimits(sd, &max, &min, &room);
    if(done == 0 && n < min){
      strexit(sd);
      err = -ERANGE;
      break;
    }
    int chunk = n - done < max ? n - done : max;
    mblk_t *mp = umsg(src + done, chunk, room, &err);
    if(mp)
      putnext(sd->sd_wq, mp);
    strexit(sd);
    if(mp == 0)
      break;
    done += chunk;
  }
  side_end(sd, STWRBUSY);
  return done > 0 ? done : err;
}

// ---------------------------------------------------------------- read

// Copy the bytes of message mp out to dst (at most n); frees the blocks
// used up and returns what is left of mp (0 if nothing). *done counts.
static mblk_t *
copyout_msg(mblk_t *mp, uint64 dst, int n, int *done, int *err)
{
  while(mp && *done < n){
    int m = MBLKL(mp) < n - *done ? MBLKL(mp) : n - *done;
    if(m > 0 && copyout_user(dst + *done, mp->b_rptr, m) < 0){
      *err = -EFAULT;
      return mp;
    }
    mp->b_rptr += m;
    *done += m;
    if(mp->b_rptr == mp->b_wptr){
      mblk_t *next = mp->b_cont;
      freeb(mp);
      mp = next;
    }
  }
  // Empty blocks at the end are no "rest": drop them.
  while(mp && MBLKL(mp) == 0){
    mblk_t *next = mp->b_cont;
    freeb(mp);
    mp = next;
  }
  return mp;
}

// Wait for a message at the head and take it, entering the stream.
// Returns 1 with *mpp set (claimed), 0 at end of file, or -errno.
static int
take_message(struct stdata *sd, int nonblock, mblk_t **mpp, int *rdopt)
{
  acquire(&sd->sd_lock);
  for(;;){
    int err = 0;
    if(sd->sd_flag & STLINKED)
      err = -EINVAL;
    else if(sd->sd_rerr)
      err = -sd->sd_rerr;
    else if(!(sd->sd_flag & STPLUMB)){
      sd->sd_inflight++;
      mblk_t *mp = getq(sd->sd_rq);
      if(mp){
        *mpp = mp;
        *rdopt = sd->sd_rdopt;
        release(&sd->sd_lock);
        return 1;
      }
      sd->sd_inflight--;
      if(sd->sd_flag & (STHANGUP | STRDHUP)){
        release(&sd->sd_lock);
        return 0;
      }
      if(nonblock)
        err = -EAGAIN;
    }
    if(err == 0 && killed(myproc()))
      err = -EINTR;
    if(err){
      release(&sd->sd_lock);
      return err;
    }
    sleep((sd->sd_flag & STPLUMB) ? (void *)&sd->sd_flag : (void *)&sd->sd_rq,
          &sd->sd_lock);
  }
}

int
strread(struct stdata *sd, struct file *f, uint64 dst, int n)
{
  int nonblock = f->flags & O_NONBLOCK;
  if(n < 0)
    return -EINVAL;
  if(n == 0)
    return 0;
  int err = side_begin(sd, STRDBUSY, nonblock);
  if(err)
    return err;
  mblk_t *mp = 0;
  int rdopt = 0;
  int r = take_message(sd, nonblock, &mp, &rdopt);
  if(r <= 0){
    side_end(sd, STRDBUSY);
    return r;
  }
  // Inside the stream with one message.
  int mode = rdopt & RMODEMASK;
  int done = 0;
  for(;;){
    int type = DB_TYPE(mp);
    if(type == M_PROTO || type == M_PCPROTO){
      if(rdopt & RPROTDIS){
        while(mp && DB_TYPE(mp) != M_DATA){
          mblk_t *next = mp->b_cont;
          freeb(mp);
          mp = next;
        }
      } else if(!(rdopt & RPROTDAT)){
        putbq(sd->sd_rq, mp);   // RPROTNORM: leave it for getmsg-like use
        if(done == 0)
          err = -EBADMSG;
        break;
      }
    }
    if(mp && msgsize(mp) == 0){
      // A zero-length message reads as end of file – once, by itself.
      if(done == 0)
        freemsg(mp);
      else
        putbq(sd->sd_rq, mp);
      break;
    }
    mp = copyout_msg(mp, dst, n, &done, &err);
    if(mp){
      if(mode == RMSGD && err == 0)
        freemsg(mp);
      else
        putbq(sd->sd_rq, mp);
      break;
    }
    // Message used up. A byte stream goes on while more is already here.
    if(mode != RNORM || done == n || (mp = getq(sd->sd_rq)) == 0)
      break;
  }
  strexit(sd);
  side_end(sd, STRDBUSY);
  return done > 0 ? done : err;
}

// ---------------------------------------------------------------- poll

int
strpoll(struct stdata *sd)
{
  int mask = 0;
  acquire(&sd->sd_lock);
  if(sd->sd_flag & STLINKED){
    release(&sd->sd_lock);
    return POLLERR;
  }
  if(sd->sd_rerr || sd->sd_werr)
    mask |= POLLERR;
  if(sd->sd_flag & STHANGUP)
    mask |= POLLHUP | POLLIN;
  if(sd->sd_flag & STRDHUP)
    mask |= POLLIN;             // end of file is there to be read
  queue_t *rq = sd->sd_rq;
  acquire(&rq->q_lock);
  if(rq->q_first){
    mask |= POLLIN;
    if(DB_TYPE(rq->q_first) >= QPCTL)
      mask |= POLLPRI;
  }
  release(&rq->q_lock);
  // Plumbing in progress: say "not writable"; plumb_end wakes pollers.
  if(!(sd->sd_flag & (STHANGUP | STPLUMB)) && sd->sd_werr == 0){
    sd->sd_inflight++;
    if(canputnext(sd->sd_wq))
      mask |= POLLOUT;
    sd->sd_inflight--;
  }
  release(&sd->sd_lock);
  return mask;
}

// ---------------------------------------------------------------- devsw

static int
st_open(struct file *f)
{
  struct stdata *sd;
  if(f->major == st_kept_major()){
    if((sd = strkept_open(f->minor)) == 0)
      return -ENXIO;
  } else {
    const struct streamtab *t = st_tab_bymajor(f->major);
    if(t == 0)
      return -ENODEV;
    int err = stcreate(t, f->major, f->minor, f->flags, &sd);
    if(err)
      return err;
  }
  f->priv = sd;
  return 0;
}

static void
st_close(struct file *f)
{
  struct stdata *sd = f->priv;
  f->priv = 0;
  if(sd)
    strrele(sd);
}

static int
st_read(struct file *f, uint64 dst, int n)
{
  return f->priv ? strread(f->priv, f, dst, n) : -ENXIO;
}

static int
st_write(struct file *f, uint64 src, int n)
{
  return f->priv ? strwrite(f->priv, f, src, n) : -ENXIO;
}

static int
st_ioctl(struct file *f, int cmd, uint64 arg)
{
  return f->priv ? strioctl(f->priv, f, cmd, arg) : -ENXIO;
}

static int
st_poll(struct file *f)
{
  return f->priv ? strpoll(f->priv) : POLLERR;
}

struct devsw st_devsw = {
  .open = st_open,
  .close = st_close,
  .read = st_read,
  .write = st_write,
  .ioctl = st_ioctl,
  .poll = st_poll,
};
