// ioctl.c: the stream head's ioctl commands (stropts.h). Plumbing
// commands go to plumb.c and mux.c; I_STR and the link commands talk to
// modules and drivers with an M_IOCTL message and wait for its
// M_IOCACK/M_IOCNAK (strdoioctl). Every argument pointer is a user
// address, copied with copyin_user/copyout_user (-EFAULT when bad).
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

// The one source of ioc_ids: the stream head's ioctls and the M_IOCTLs
// modules send of their own (mkiocmsg) draw from it, so an answer's id
// names one request only and a module can tell its own answers by the id
// it kept. 0 is never given out (it means "no ioctl in progress").
static uint nextiocid;

static uint
st_iocid(void)
{
  uint id = __atomic_add_fetch(&nextiocid, 1, __ATOMIC_RELAXED);
  if(id == 0)
    id = __atomic_add_fetch(&nextiocid, 1, __ATOMIC_RELAXED);
  return id;
}

// A new M_IOCTL message: the iocblk with a fresh ioc_id, then len bytes
// of data in b_cont: a copy of data, or for the caller to fill in when
// data is 0. Returns 0 when memory is out.
mblk_t *
mkiocmsg(int cmd, const void *data, int len)
{
  mblk_t *mp = allocb(sizeof(struct iocblk), BPRI_HI);
  if(mp == 0)
    return 0;
  DB_TYPE(mp) = M_IOCTL;
  struct iocblk *ioc = (struct iocblk *)mp->b_wptr;
  memset(ioc, 0, sizeof(*ioc));
  ioc->ioc_cmd = cmd;
  ioc->ioc_count = len;
  ioc->ioc_id = st_iocid();
  mp->b_wptr += sizeof(*ioc);
  if(len > 0){
    if((mp->b_cont = allocb(len, BPRI_HI)) == 0){
      freeb(mp);
      return 0;
    }
    if(data)
      memmove(mp->b_cont->b_wptr, data, len);
    mp->b_cont->b_wptr += len;
  }
  return mp;
}

// Send M_IOCTL mp down sd and wait for the answer (one at a time per
// stream). timeout_ms 0 waits forever. Returns 0 with *ansp set to the
// M_IOCACK/M_IOCNAK, or -errno: -ETIME when no answer came in time.
int
strdoioctl(struct stdata *sd, mblk_t *mp, uint64 timeout_ms, int flags, mblk_t **ansp)
{
  int intr = flags & IOC_INTR;
  // saturate: a deadline past the end of time is no deadline
  uint64 now = uptime_ms();
  uint64 deadline = timeout_ms == 0 || timeout_ms > ~0UL - now ? 0 : now + timeout_ms;
  int err = 0;
  acquire(&sd->sd_lock);
  // Wait for our turn, then for the stream to be enterable.
  while(sd->sd_flag & (STIOCBUSY | STPLUMB)){
    void *chan = (sd->sd_flag & STIOCBUSY) ? (void *)&sd->sd_iocid : (void *)&sd->sd_flag;
    if(intr && killed(myproc())){
      err = -EINTR;
      break;
    }
    if(deadline && uptime_ms() >= deadline){
      err = -ETIME;
      break;
    }
    if(deadline)
      sleep_until(chan, &sd->sd_lock, deadline);
    else
      sleep(chan, &sd->sd_lock);
  }
  if(err == 0 && !(flags & IOC_IGNERR)){
    if(sd->sd_werr || sd->sd_rerr)
      err = -(sd->sd_werr ? sd->sd_werr : sd->sd_rerr);
    else if(sd->sd_flag & STHANGUP)
      err = -ENXIO;
  }
  if(err){
    release(&sd->sd_lock);
    freemsg(mp);
    return err;
  }
  sd->sd_flag |= STIOCBUSY;
  uint id = st_iocid();      // fresh: a retried message is a new request
  ((struct iocblk *)mp->b_rptr)->ioc_id = id;
  sd->sd_iocid = id;
  sd->sd_iocans = 0;
  sd->sd_inflight++;
  release(&sd->sd_lock);

  // M_IOCTL goes down regardless of flow control, as in SVR4.
  putnext(sd->sd_wq, mp);
  strexit(sd);

  acquire(&sd->sd_lock);
  while(sd->sd_iocans == 0){
    if(!(flags & IOC_IGNERR) && (sd->sd_werr || sd->sd_rerr)){
      err = -(sd->sd_werr ? sd->sd_werr : sd->sd_rerr);
      break;
    }
    if(!(flags & IOC_IGNERR) && (sd->sd_flag & STHANGUP)){
      err = -ENXIO;
      break;
    }
    if(intr && killed(myproc())){
      err = -EINTR;
      break;
    }
    if(deadline && uptime_ms() >= deadline){
      err = -ETIME;
      break;
    }
    if(deadline)
      sleep_until(&sd->sd_iocid, &sd->sd_lock, deadline);
    else
      sleep(&sd->sd_iocid, &sd->sd_lock);
  }
  mblk_t *ans = sd->sd_iocans;
  sd->sd_iocans = 0;
  sd->sd_iocid = 0;        // a late answer finds no one and is dropped
  sd->sd_flag &= ~STIOCBUSY;
  wakeup(&sd->sd_iocid);
  release(&sd->sd_lock);
  if(err){
    freemsg(ans);
    return err;
  }
  *ansp = ans;
  return 0;
}

// ---------------------------------------------------------------- I_STR

static int
do_istr(struct stdata *sd, uint64 arg)
{
  struct strioctl sio;
  if(copyin_user(&sio, arg, sizeof(sio)) < 0)
    return -EFAULT;
  if(sio.ic_len < 0 || sio.ic_len > STRIOCMAX)
    return -EINVAL;
  // The 'S' commands are the framework's: I_LINK and friends reach
  // drivers with kernel pointers inside. A user must not forge them.
  if((sio.ic_cmd & ~0xff) == STR){
    strreason(sd, "I_STR commands in the 'S' range belong to the stream head");
    return -EINVAL;
  }
  // Seconds as STREAMS has them: negative (INFTIM) forever, 0 the
  // default. In 64 bits, since INT_MAX seconds in milliseconds do not fit
  // in an int (the product would wrap, often to "forever").
  uint64 timeout_ms = sio.ic_timout < 0 ? 0 :
                      (uint64)(sio.ic_timout == 0 ? STRTIMOUT : sio.ic_timout) * 1000;
  mblk_t *mp = mkiocmsg(sio.ic_cmd, 0, sio.ic_len);
  if(mp == 0)
    return -ENOSR;
  if(sio.ic_len > 0 && copyin_user(mp->b_cont->b_rptr, (uint64)sio.ic_dp, sio.ic_len) < 0){
    freemsg(mp);
    return -EFAULT;
  }
  mblk_t *ans;
  int err = strdoioctl(sd, mp, timeout_ms, IOC_INTR, &ans);
  if(err)
    return err;
  struct iocblk *ioc = (struct iocblk *)ans->b_rptr;
  if(DB_TYPE(ans) == M_IOCNAK){
    err = ioc->ioc_error > 0 && ioc->ioc_error < EMAXERRNO ? ioc->ioc_error : EINVAL;
    freemsg(ans);
    return -err;
  }
  // M_IOCACK: the answer's data replaces the caller's buffer.
  int count = ioc->ioc_count;
  int have = ans->b_cont ? msgsize(ans->b_cont) : 0;
  if(count < 0 || count > have)
    count = have;
  if(count > STRIOCMAX)
    count = STRIOCMAX;
  long rval = ioc->ioc_rval;
  int off = 0;
  for(mblk_t *bp = ans->b_cont; bp && off < count; bp = bp->b_cont){
    int m = MBLKL(bp) < count - off ? MBLKL(bp) : count - off;
    if(copyout_user((uint64)sio.ic_dp + off, bp->b_rptr, m) < 0){
      freemsg(ans);
      return -EFAULT;
    }
    off += m;
  }
  freemsg(ans);
  sio.ic_len = count;
  if(copyout_user(arg + ((uint64)&sio.ic_len - (uint64)&sio), &sio.ic_len, sizeof(int)) < 0)
    return -EFAULT;
  return (int)rval;
}

// ---------------------------------------------------------------- helpers

// A module name from user space: -EFAULT, or -EINVAL when too long.
static int
getname(uint64 uaddr, char *buf)
{
  for(int i = 0; i < FMNAMESZ + 1; i++){
    if(copyin_user(&buf[i], uaddr + i, 1) < 0)
      return -EFAULT;
    if(buf[i] == 0)
      return 0;
  }
  return -EINVAL;
}

// Names of the stream's modules, top first, then the driver; calls fn
// for each. The caller holds STPLUMBOP so the shape cannot change.
static int
eachname(struct stdata *sd, int (*fn)(const char *name, int i, void *arg), void *arg)
{
  int i = 0;
  for(queue_t *wq = sd->sd_wq->q_next; wq; wq = wq->q_next, i++){
    int r = fn(qname(wq), i, arg);
    if(r)
      return r;
  }
  return 0;
}

static int
find1(const char *name, int i, void *arg)
{
  return strcmp(name, (const char *)arg) == 0;
}

struct listarg {
  uint64 ubuf;
  int max;
  int n;
};

static int
list1(const char *name, int i, void *arg)
{
  struct listarg *la = arg;
  if(i >= la->max)
    return 1;
  struct str_mlist ml;
  memset(&ml, 0, sizeof(ml));
  safestrcpy(ml.l_name, name, sizeof(ml.l_name));
  if(copyout_user(la->ubuf + i * sizeof(ml), &ml, sizeof(ml)) < 0)
    return -EFAULT;
  la->n = i + 1;
  return 0;
}

static int
do_list(struct stdata *sd, uint64 arg)
{
  if(arg == 0)
    return sd->sd_nmod + 1;      // modules plus the driver
  struct str_list sl;
  if(copyin_user(&sl, arg, sizeof(sl)) < 0)
    return -EFAULT;
  if(sl.sl_nmods <= 0)
    return -EINVAL;
  struct listarg la = { (uint64)sl.sl_modlist, sl.sl_nmods, 0 };
  int r = eachname(sd, list1, &la);
  if(r < 0)
    return r;
  sl.sl_nmods = la.n;
  if(copyout_user(arg, &sl, sizeof(sl)) < 0)
    return -EFAULT;
  return la.n;
}

static int
do_stats(uint64 arg)
{
  struct str_stats ss;
  memset(&ss, 0, sizeof(ss));
  ss.ss_streams = st_nstreams;
  ss.ss_mblks = st_nmblk;
  ss.ss_dblks = st_ndblk;
  ss.ss_links = st_nlinks;
  ss.ss_kept = st_nkept;
  ss.ss_allocfail = st_allocfail;
  if(copyout_user(arg, &ss, sizeof(ss)) < 0)
    return -EFAULT;
  return 0;
}

// I_GSTATS also works on /dev/streams (listing.c).
int
strgstats(uint64 arg)
{
  return do_stats(arg);
}

static int
do_flush(struct stdata *sd, int flag)
{
  if(flag == 0 || (flag & ~FLUSHRW))
    return -EINVAL;
  int err = strenter(sd, 1);
  if(err)
    return err;
  if(flag & FLUSHR)
    flushq(sd->sd_rq, FLUSHDATA);
  // Down to the driver, which turns FLUSHR around to flush the read side.
  if(!putnextctl1(sd->sd_wq, M_FLUSH, flag))
    err = -ENOSR;
  strexit(sd);
  return err;
}

static int
do_setopt(struct stdata *sd, int opt)
{
  int mode = opt & RMODEMASK, prot = opt & RPROTMASK;
  if((opt & ~(RMODEMASK | RPROTMASK)) || mode == RMODEMASK)
    return -EINVAL;
  if(prot && prot != RPROTDAT && prot != RPROTDIS && prot != RPROTNORM)
    return -EINVAL;
  acquire(&sd->sd_lock);
  if(prot == 0)
    prot = sd->sd_rdopt & RPROTMASK;   // only the mode changes
  sd->sd_rdopt = mode | prot;
  release(&sd->sd_lock);
  return 0;
}

// The commands that still work after M_ERROR/M_HANGUP: queries and
// taking things apart. Everything else fails with the stream's error.
static int
allowed_when_broken(int cmd)
{
  switch(cmd){
  case I_NREAD: case I_LOOK: case I_LIST: case I_FIND: case I_GRDOPT:
  case I_SRDOPT: case I_POP: case I_UNLINK: case I_PUNLINK: case I_ERRSTR:
  case I_UNKEEP: case I_GSTATS: case I_KEEP:
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------- dispatch

int
strioctl(struct stdata *sd, struct file *f, int cmd, uint64 arg)
{
  char name[FMNAMESZ + 1];
  int r;

  acquire(&sd->sd_lock);
  int linked = sd->sd_flag & STLINKED;
  int broken = sd->sd_werr ? sd->sd_werr : sd->sd_rerr;
  int hup = sd->sd_flag & STHANGUP;
  release(&sd->sd_lock);
  // A linked stream belongs to its multiplexor: no data, no I_STR (the
  // answer would go to the mux, not to us). But its modules may still be
  // looked at, pushed and popped (through its kept name): that is how a
  // tap or fault module goes into a running stack. Those who put into a
  // linked stream from above claim it first (strclaim), so re-plumbing
  // under them is safe.
  if(linked && cmd != I_GSTATS && cmd != I_ERRSTR && cmd != I_PUSH && cmd != I_POP &&
     cmd != I_LOOK && cmd != I_LIST && cmd != I_FIND){
    strreason(sd, "the stream is linked under a multiplexor");
    return -EINVAL;
  }
  if(!allowed_when_broken(cmd)){
    if(broken)
      return -broken;
    if(hup && cmd != I_FLUSH)
      return -ENXIO;
  }

  switch(cmd){
  case I_NREAD: {
    queue_t *rq = sd->sd_rq;
    acquire(&rq->q_lock);
    int msgs = rq->q_mcount;
    int bytes = rq->q_first ? msgdsize(rq->q_first) : 0;
    release(&rq->q_lock);
    if(copyout_user(arg, &bytes, sizeof(bytes)) < 0)
      return -EFAULT;
    return msgs;
  }

  case I_PUSH:
    strreason(sd, "");
    if((r = getname(arg, name)) < 0)
      return r;
    return strpush(sd, name);

  case I_POP:
    strreason(sd, "");
    return strpop(sd);

  case I_LOOK:
    if((r = strop_begin(sd, 1)) < 0)
      return r;
    if(sd->sd_nmod == 0){
      strop_end(sd);
      strreason(sd, "no module is pushed");
      return -EINVAL;
    }
    memset(name, 0, sizeof(name));
    safestrcpy(name, qname(sd->sd_wq->q_next), sizeof(name));
    strop_end(sd);
    return copyout_user(arg, name, sizeof(name)) < 0 ? -EFAULT : 0;

  case I_FIND:
    if((r = getname(arg, name)) < 0)
      return r;
    if(st_findmod(name) == 0){
      strreason(sd, "no module of that name exists");
      return -EINVAL;
    }
    if((r = strop_begin(sd, 1)) < 0)
      return r;
    r = eachname(sd, find1, name);
    strop_end(sd);
    return r;

  case I_LIST:
    if((r = strop_begin(sd, 1)) < 0)
      return r;
    r = do_list(sd, arg);
    strop_end(sd);
    return r;

  case I_FLUSH:
    return do_flush(sd, (int)arg);

  case I_SRDOPT:
    return do_setopt(sd, (int)arg);

  case I_GRDOPT: {
    acquire(&sd->sd_lock);
    int opt = sd->sd_rdopt;
    release(&sd->sd_lock);
    return copyout_user(arg, &opt, sizeof(opt)) < 0 ? -EFAULT : 0;
  }

  case I_STR:
    return do_istr(sd, arg);

  case I_LINK:
  case I_PLINK:
    strreason(sd, "");
    return strlink(sd, (int)arg, cmd == I_PLINK);

  case I_UNLINK:
  case I_PUNLINK:
    strreason(sd, "");
    return strunlink(sd, (int)arg, cmd == I_PUNLINK);

  case I_ERRSTR: {
    char buf[STR_ERRLEN];
    acquire(&sd->sd_lock);
    safestrcpy(buf, sd->sd_reason, sizeof(buf));
    release(&sd->sd_lock);
    int len = strlen(buf);
    return copyout_user(arg, buf, len + 1) < 0 ? -EFAULT : len;
  }

  case I_KEEP:
    return strkeep(sd, arg);

  case I_UNKEEP:
    return strunkeep(sd);

  case I_GSTATS:
    return do_stats(arg);
  }
  return -ENOTTY;
}
