// loop.c: the loop-back STREAMS driver, /dev/loop. What is written to a
// loop stream comes back up to be read, in order, through whatever modules
// are pushed – so it is the test bench for the framework and for modules.
//
// Flow control is real: the write side queues (wsrv) and moves messages
// to the read side only while the read queue has room; the read side
// (rsrv) sends up only while the stream head can take more. A writer
// whose reader does not read therefore blocks, and resumes on drain.
//
// Test controls come as I_STR ioctls (streams/demo.h): LOOP_HANGUP sends
// M_HANGUP after everything written before it; LOOP_ERROR sends M_ERROR
// at once; LOOP_SILENT never answers (the caller gets ETIME).
#include "types.h"
#include "errno.h"
#include "defs.h"
#include "streams/stream.h"
#include "demo.h"
#include "provides.h"

#define HANGUP_MARK 'H'   // an M_CTL travelling in the data's order

static struct module_info loop_info = {
  .mi_idnum = 101, .mi_idname = "loop",
  .mi_minpsz = 0, .mi_maxpsz = 4096, .mi_hiwat = 16384, .mi_lowat = 4096,
};

static void
loop_ioctl(queue_t *wq, mblk_t *mp)
{
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  switch(ioc->ioc_cmd){
  case LOOP_HANGUP: {
    mblk_t *mark = mkctlmsg(M_CTL, "H", 1);
    if(mark == 0){
      miocnak(wq, mp, 0, ENOSR);
      return;
    }
    miocack(wq, mp, 0, 0);
    putq(wq, mark);   // behind the data already queued
    return;
  }
  case LOOP_ERROR: {
    int err = 0;
    if(mp->b_cont && MBLKL(mp->b_cont) >= (int)sizeof(int))
      memmove(&err, mp->b_cont->b_rptr, sizeof(int));
    if(err <= 0 || err > 255){
      miocnak(wq, mp, 0, EINVAL);
      return;
    }
    miocack(wq, mp, 0, 0);
    putnextctl1(RD(wq), M_ERROR, err);
    return;
  }
  case LOOP_SILENT:
    freemsg(mp);
    return;
  case LOOP_ECHOCMD: {
    int n = mp->b_cont ? msgsize(mp->b_cont) : 0;
    miocack(wq, mp, n, n);
    return;
  }
  default:
    miocnak(wq, mp, 0, EINVAL);
  }
}

static int
loop_wput(queue_t *q, mblk_t *mp)
{
  switch(DB_TYPE(mp)){
  case M_DATA:
  case M_PROTO:
  case M_PCPROTO:
    putq(q, mp);
    return 0;
  case M_FLUSH:
    // The driver turns the flush around, as every driver must.
    drv_flush(q, mp);
    return 0;
  case M_IOCTL:
    loop_ioctl(q, mp);
    return 0;
  default:
    qdrop(q, mp, "loop: message type it does not loop");
    return 0;
  }
}

// Write side: move messages to the read side while it has room.
static int
loop_wsrv(queue_t *q)
{
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(DB_TYPE(mp) < QPCTL && !canput(RD(q))){
      putbq(q, mp);
      break;
    }
    put(RD(q), mp);   // through loop_rput, so the read side counts it
  }
  return 0;
}

// Read side: send up while the stream head can take more.
static int
loop_rsrv(queue_t *q)
{
  mblk_t *mp;
  int moved = 0;
  while((mp = getq(q)) != 0){
    if(DB_TYPE(mp) == M_CTL){
      if(MBLKL(mp) == 1 && *mp->b_rptr == HANGUP_MARK)
        putnextctl(q, M_HANGUP);
      freemsg(mp);
      continue;
    }
    if(DB_TYPE(mp) < QPCTL && !canputnext(q)){
      putbq(q, mp);
      break;
    }
    putnext(q, mp);
    moved = 1;
  }
  // Nothing is "behind" a driver's read queue for back-enabling to find:
  // the write side feeds it, so wake that one ourselves.
  if(moved)
    qenable(WR(q));
  return 0;
}

// The read side's put procedure: messages from the write side queue here
// for loop_rsrv.
static int
loop_rput(queue_t *q, mblk_t *mp)
{
  putq(q, mp);
  return 0;
}

static struct qinit loop_rinit = {
  .qi_putp = loop_rput, .qi_srvp = loop_rsrv, .qi_minfo = &loop_info,
};
static struct qinit loop_winit = {
  .qi_putp = loop_wput, .qi_srvp = loop_wsrv, .qi_minfo = &loop_info,
};
static const char *const loop_devices[] = { "loop", 0 };

static struct streamtab loop_tab = {
  .st_rdinit = &loop_rinit,
  .st_wrinit = &loop_winit,
  .st_flags = STR_DRIVER,
  .st_devices = loop_devices,
  .st_provides = ST_BYTES,
};

STREAMS_MODULE(loop_tab);
