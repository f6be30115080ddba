// muxloop.c: a small multiplexing STREAMS driver, /dev/muxloop, for
// trying out I_LINK and friends. Other streams are linked under it:
//  - data written to an upper (muxloop) stream goes down the lower stream
//    with the lowest mux id – and comes straight back when none is linked;
//  - data coming up a lower stream goes to the upper stream that last
//    sent down it (dropped, and counted, when there is none).
// With a loop stream linked below, writing "hello" to /dev/muxloop travels
// muxloop -> (modules of the lower stream) -> loop and back up.
//
// It does no flow control of its own: when the next queue is full it
// drops the message (counted, with the reason, in `streams -v`), so a
// writer that never reads cannot fill the kernel's memory.
//
// Links are the driver's, not one upper stream's: an I_PLINK made by a
// command that has exited keeps working for the next opener. Because the
// table is global, every put into another stream is bracketed by
// strclaim/strrelease (stream.h), and pointers into lower streams are only
// used under mx_lock.
#include "types.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"
#include "streams/stream.h"
#include "provides.h"

#define NMUXLINK 8

static struct spinlock mx_lock;
static int mx_ready;
static struct mxlink {
  int id;            // mux id; 0 = free slot
  queue_t *bot;      // lower stream's top write queue (l_qbot)
  queue_t *up;       // read queue of the upper stream to answer, or 0
} mx[NMUXLINK];

static struct module_info muxloop_info = {
  .mi_idnum = 105, .mi_idname = "muxloop",
  .mi_minpsz = 0, .mi_maxpsz = 4096, .mi_hiwat = 16384, .mi_lowat = 4096,
};
static struct module_info muxloop_low_info = {
  .mi_idnum = 106, .mi_idname = "muxloop-lower",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ, .mi_hiwat = 16384, .mi_lowat = 4096,
};

static void
muxloop_init(int major)
{
  initlock(&mx_lock, "muxloop");
  mx_ready = 1;
}

static void
muxloop_ioctl(queue_t *q, mblk_t *mp)
{
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  struct linkblk *lb = mp->b_cont ? (struct linkblk *)mp->b_cont->b_rptr : 0;
  switch(ioc->ioc_cmd){
  case I_LINK:
  case I_PLINK: {
    int ok = 0;
    acquire(&mx_lock);
    for(int i = 0; i < NMUXLINK && lb; i++){
      if(mx[i].id == 0){
        mx[i].id = lb->l_index;
        mx[i].bot = lb->l_qbot;
        mx[i].up = ioc->ioc_cmd == I_LINK ? RD(q) : 0;
        RD(lb->l_qbot)->q_ptr = &mx[i];
        ok = 1;
        break;
      }
    }
    release(&mx_lock);
    if(ok)
      miocack(q, mp, 0, 0);
    else
      miocnak(q, mp, 0, ENOSPC);
    return;
  }
  case I_UNLINK:
  case I_PUNLINK:
    acquire(&mx_lock);
    for(int i = 0; i < NMUXLINK && lb; i++){
      if(mx[i].id == lb->l_index){
        // The lower stream may still deliver until the framework takes
        // it back: make its q_ptr forget the slot first.
        RD(mx[i].bot)->q_ptr = 0;
        mx[i].id = 0;
        mx[i].bot = mx[i].up = 0;
      }
    }
    release(&mx_lock);
    miocack(q, mp, 0, 0);
    return;
  default:
    miocnak(q, mp, 0, EINVAL);
  }
}

// Upper write side: route data down the first lower stream.
static int
muxloop_uwput(queue_t *q, mblk_t *mp)
{
  switch(DB_TYPE(mp)){
  case M_IOCTL:
    muxloop_ioctl(q, mp);
    return 0;
  case M_FLUSH:
    if(*mp->b_rptr & FLUSHR){
      flushq(RD(q), FLUSHDATA);
      *mp->b_rptr &= ~FLUSHW;
      qreply(q, mp);
    } else {
      freemsg(mp);
    }
    return 0;
  case M_DATA:
  case M_PROTO:
    break;
  default:
    qdrop(q, mp, "muxloop: unexpected message type");
    return 0;
  }
  struct mxlink *best = 0;
  acquire(&mx_lock);
  for(int i = 0; i < NMUXLINK; i++)
    if(mx[i].id && (best == 0 || mx[i].id < best->id))
      best = &mx[i];
  if(best == 0){
    release(&mx_lock);
    // nothing linked: loop straight back
    if(canputnext(RD(q)))
      qreply(q, mp);
    else
      qdrop(q, mp, "muxloop: reader not keeping up");
    return 0;
  }
  best->up = RD(q);
  queue_t *bot = best->bot;
  int claimed = strclaim(bot);
  release(&mx_lock);
  if(!claimed){
    qdrop(q, mp, "muxloop: lower stream busy");
    return 0;
  }
  if(canputnext(bot))
    putnext(bot, mp);
  else
    qdrop(q, mp, "muxloop: lower stream full");
  strrelease(bot);
  return 0;
}

// Lower read side (runs as the lower stream's head): send up.
static int
muxloop_lrput(queue_t *q, mblk_t *mp)
{
  switch(DB_TYPE(mp)){
  case M_DATA:
  case M_PROTO:
    break;
  case M_FLUSH:
    // from below: turn FLUSHW around, as a stream head would
    if(*mp->b_rptr & FLUSHW){
      *mp->b_rptr &= ~FLUSHR;
      qreply(q, mp);
    } else {
      freemsg(mp);
    }
    return 0;
  default:
    qdrop(q, mp, "muxloop: control message from a lower stream");
    return 0;
  }
  acquire(&mx_lock);
  struct mxlink *l = q->q_ptr;
  queue_t *up = l ? l->up : 0;
  int claimed = up && strclaim(up);
  release(&mx_lock);
  if(!claimed){
    qdrop(q, mp, "muxloop: no upper stream to deliver to");
    return 0;
  }
  if(canputnext(up))
    putnext(up, mp);
  else
    qdrop(q, mp, "muxloop: upper stream full");
  strrelease(up);
  return 0;
}

// An upper stream closes: forget it as a destination.
static int
muxloop_close(queue_t *rq, int oflag)
{
  acquire(&mx_lock);
  for(int i = 0; i < NMUXLINK; i++)
    if(mx[i].up == rq)
      mx[i].up = 0;
  release(&mx_lock);
  return 0;
}

static int
muxloop_open(queue_t *rq, int minor, int oflag, int sflag)
{
  return mx_ready ? 0 : ENXIO;
}

static struct qinit muxloop_urinit = {
  .qi_putp = putnext_put, .qi_qopen = muxloop_open, .qi_qclose = muxloop_close,
  .qi_minfo = &muxloop_info,
};
static struct qinit muxloop_uwinit = { .qi_putp = muxloop_uwput, .qi_minfo = &muxloop_info };
static struct qinit muxloop_lrinit = { .qi_putp = muxloop_lrput, .qi_minfo = &muxloop_low_info };
static struct qinit muxloop_lwinit = { .qi_putp = putnext_put, .qi_minfo = &muxloop_low_info };
static const char *const muxloop_devices[] = { "muxloop", 0 };

static struct streamtab muxloop_tab = {
  .st_rdinit = &muxloop_urinit,
  .st_wrinit = &muxloop_uwinit,
  .st_muxrinit = &muxloop_lrinit,
  .st_muxwinit = &muxloop_lwinit,
  .st_flags = STR_DRIVER,
  .st_devices = muxloop_devices,
  .st_provides = ST_BYTES,
  .st_init = muxloop_init,
};

STREAMS_MODULE(muxloop_tab);
