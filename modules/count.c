// count.c: the "count" STREAMS module – passes everything through and
// counts the data messages and bytes going each way. The counts are read
// with I_STR COUNT_GET (answer: struct count_stats, streams/demo.h) and
// zeroed with COUNT_RESET; other ioctls continue down the stream.
//
// It shows per-instance state (q_ptr, allocated in open, freed in close)
// and a module answering an ioctl itself. Put procedures may run on both
// harts at once, so the counters are updated atomically.
#include "types.h"
#include "errno.h"
#include "defs.h"
#include "streams/stream.h"
#include "demo.h"

static struct module_info count_info = {
  .mi_idnum = 104, .mi_idname = "count",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ, .mi_hiwat = 16384, .mi_lowat = 4096,
};

static void
count_add(ulong *c, ulong n)
{
  __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static int
count_open(queue_t *rq, int minor, int oflag, int sflag)
{
  if(sflag != MODOPEN)
    return EINVAL;
  struct count_stats *st = kmalloc(sizeof(*st));
  if(st == 0)
    return ENOMEM;
  memset(st, 0, sizeof(*st));
  rq->q_ptr = WR(rq)->q_ptr = st;
  return 0;
}

static int
count_close(queue_t *rq, int oflag)
{
  kmfree(rq->q_ptr);
  rq->q_ptr = WR(rq)->q_ptr = 0;
  return 0;
}

static void
count_ioctl(queue_t *q, mblk_t *mp)
{
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  struct count_stats *st = q->q_ptr;
  if(ioc->ioc_cmd == COUNT_RESET){
    __atomic_store_n(&st->down_msgs, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&st->down_bytes, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&st->up_msgs, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&st->up_bytes, 0, __ATOMIC_RELAXED);
    miocack(q, mp, 0, 0);
    return;
  }
  if(ioc->ioc_cmd != COUNT_GET){
    putnext(q, mp);      // not ours: maybe for someone further down
    return;
  }
  mblk_t *data = allocb(sizeof(*st), BPRI_MED);
  if(data == 0){
    miocnak(q, mp, 0, ENOSR);
    return;
  }
  struct count_stats snap;
  snap.down_msgs = __atomic_load_n(&st->down_msgs, __ATOMIC_RELAXED);
  snap.down_bytes = __atomic_load_n(&st->down_bytes, __ATOMIC_RELAXED);
  snap.up_msgs = __atomic_load_n(&st->up_msgs, __ATOMIC_RELAXED);
  snap.up_bytes = __atomic_load_n(&st->up_bytes, __ATOMIC_RELAXED);
  memmove(data->b_wptr, &snap, sizeof(snap));
  data->b_wptr += sizeof(snap);
  freemsg(mp->b_cont);
  mp->b_cont = data;
  miocack(q, mp, sizeof(snap), 0);
}

static int
count_wput(queue_t *q, mblk_t *mp)
{
  struct count_stats *st = q->q_ptr;
  if(DB_TYPE(mp) == M_IOCTL){
    count_ioctl(q, mp);
    return 0;
  }
  if(DB_TYPE(mp) == M_DATA){
    count_add(&st->down_msgs, 1);
    count_add(&st->down_bytes, msgdsize(mp));
  }
  putnext(q, mp);
  return 0;
}

static int
count_rput(queue_t *q, mblk_t *mp)
{
  struct count_stats *st = q->q_ptr;
  if(DB_TYPE(mp) == M_DATA){
    count_add(&st->up_msgs, 1);
    count_add(&st->up_bytes, msgdsize(mp));
  }
  putnext(q, mp);
  return 0;
}

static struct qinit count_rinit = {
  .qi_putp = count_rput, .qi_qopen = count_open, .qi_qclose = count_close,
  .qi_minfo = &count_info,
};
static struct qinit count_winit = { .qi_putp = count_wput, .qi_minfo = &count_info };

static struct streamtab count_tab = {
  .st_rdinit = &count_rinit,
  .st_wrinit = &count_winit,
  .st_flags = STR_MODULE,
};

STREAMS_MODULE(count_tab);
