// mux.c: multiplexor links (I_LINK, I_PLINK, I_UNLINK, I_PUNLINK). A
// lower stream is linked under a multiplexing driver – a driver whose
// streamtab has st_muxrinit/st_muxwinit. The framework then:
//  - takes over the lower stream: its head queues now run the driver's
//    lower qinits, so what comes up the lower stream reaches the driver,
//    and the driver sends down with putnext(l_qbot, mp); file calls on the
//    lower stream fail with EINVAL while it is linked;
//  - tells the driver with an M_IOCTL carrying a linkblk, and undoes all
//    of it if the driver answers M_IOCNAK;
//  - keeps the lower stream alive as long as it is linked, even when no
//    file refers to it any more.
// An I_LINK belongs to the stream that made it and is undone when that
// stream closes; an I_PLINK stays until I_PUNLINK (on any stream of the
// same driver): that is how a short-lived command plumbs a lasting stack.
//
// Cycles: as in illumos, links form a graph between drivers (upper
// driver -> lower stream's driver); a link that would close a cycle, or a
// stream linked under itself, is refused with EINVAL.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

static struct spinlock mux_lock;   // links, busy
static struct stlink *links;
static int busy;                   // a link/unlink is in progress
static int nextmuxid = 1;
volatile int st_nlinks;

void
mux_init(void)
{
  initlock(&mux_lock, "mux");
}

static int
mux_begin(int intr)
{
  acquire(&mux_lock);
  while(busy){
    if(intr && killed(myproc())){
      release(&mux_lock);
      return -EINTR;
    }
    sleep(&busy, &mux_lock);
  }
  busy = 1;
  release(&mux_lock);
  return 0;
}

static void
mux_end(void)
{
  acquire(&mux_lock);
  busy = 0;
  wakeup(&busy);
  release(&mux_lock);
}

// Is driver `to` reachable from driver `from` along existing links
// (upper driver -> lower stream's driver)? A search over driver majors,
// each visited once, so its cost stays linear whatever users link.
static int
reaches(int from, int to)
{
  char seen[NDEV];
  memset(seen, 0, sizeof(seen));
  if(from < 0 || from >= NDEV)
    return from == to;
  seen[from] = 1;
  for(int grew = 1; grew; ){
    grew = 0;
    for(struct stlink *l = links; l; l = l->l_next){
      int up = l->l_upmajor, low = l->l_lower->sd_major;
      if(up >= 0 && up < NDEV && seen[up] && low >= 0 && low < NDEV && !seen[low]){
        seen[low] = 1;
        grew = 1;
      }
    }
  }
  return to >= 0 && to < NDEV && seen[to];
}

// Make the lower stream's head run the mux driver's lower qinits, with
// procedures off until the driver has accepted the link.
static void
hook(struct stdata *lower, const struct streamtab *mux)
{
  plumb_begin(lower);
  acquire(&lower->sd_lock);
  lower->sd_flag |= STLINKED;
  release(&lower->sd_lock);
  for(int i = 0; i < 2; i++){
    queue_t *q = &lower->sd_head->qp_q[i];
    flushq(q, FLUSHALL);
    qpair_setinfo(q, i == 0 ? mux->st_muxrinit : mux->st_muxwinit);
    q->q_ptr = 0;
    q->q_off = 1;
  }
  plumb_end(lower);
}

// Give the lower stream its own head back.
static void
unhook(struct stdata *lower)
{
  plumb_begin(lower);
  strhead_setinfo(lower->sd_head);
  for(int i = 0; i < 2; i++){
    queue_t *q = &lower->sd_head->qp_q[i];
    q->q_ptr = lower;
    q->q_off = 0;
    acquire(&q->q_lock);
    mblk_t *held = q->q_held;
    q->q_held = q->q_heldlast = 0;
    release(&q->q_lock);
    freemsglist(held);
    flushq(q, FLUSHALL);
  }
  acquire(&lower->sd_lock);
  lower->sd_flag &= ~STLINKED;
  release(&lower->sd_lock);
  plumb_end(lower);
}

// Tell the mux driver about a link change; returns 0 or -errno. *nak
// (if given) says whether the driver itself answered no – as opposed to
// no answer at all, when it may or may not have acted.
static int
tellmux(struct stdata *upper, int cmd, struct stlink *l, int flags, int timeout_ms, int *nak)
{
  if(nak)
    *nak = 0;
  struct linkblk lb;
  lb.l_qtop = l->l_persistent ? 0 : &upper->sd_drv->qp_q[1];
  lb.l_qbot = l->l_lower->sd_wq;
  lb.l_index = l->l_id;
  mblk_t *mp = mkiocmsg(cmd, &lb, sizeof(lb)), *ans;
  if(mp == 0)
    return -ENOSR;
  int err = strdoioctl(upper, mp, timeout_ms, flags, &ans);
  if(err)
    return err;
  if(DB_TYPE(ans) == M_IOCNAK){
    int e = ((struct iocblk *)ans->b_rptr)->ioc_error;
    err = -(e > 0 && e < EMAXERRNO ? e : EINVAL);
    if(nak)
      *nak = 1;
  }
  freemsg(ans);
  return err;
}

// Checks before linking lower under upper; the caller holds the mux and
// lower's STPLUMBOP, so neither the links nor lower's shape change. Returns
// 0, or -EINVAL with the reason stored in upper.
static int
linkcheck(struct stdata *upper, struct stdata *lower, const struct streamtab *mux)
{
  char why[STR_ERRLEN];
  why[0] = 0;
  acquire(&lower->sd_lock);
  int already = lower->sd_flag & STLINKED;
  release(&lower->sd_lock);
  if(lower == upper){
    safestrcpy(why, "a stream cannot be linked under itself", sizeof(why));
  } else if(already){
    safestrcpy(why, "that stream is already linked under a multiplexor", sizeof(why));
  } else {
    acquire(&mux_lock);
    int cycle = reaches(lower->sd_major, upper->sd_major);
    release(&mux_lock);
    if(cycle)
      snprintf(why, sizeof(why), "linking a %s stream under %s would make a cycle",
               st_tabname(lower->sd_tab), st_tabname(mux));
  }
  // A multiplexor may say what its lower streams must carry (st_requires),
  // checked like a module's requirement at push time.
  if(why[0] == 0 && mux->st_requires){
    const char *have = st_provides_below(lower->sd_wq->q_next);
    if(have == 0 || strcmp(have, mux->st_requires) != 0)
      snprintf(why, sizeof(why), "%s needs \"%s\" streams below it, but that stream "
               "offers \"%s\"", st_tabname(mux), mux->st_requires,
               have ? have : "nothing declared");
  }
  if(why[0] == 0)
    return 0;
  strreason(upper, why);
  return -EINVAL;
}

int
strlink(struct stdata *upper, int fd, int persistent)
{
  char why[STR_ERRLEN];
  struct proc *p = myproc();
  if(fd < 0 || fd >= NOFILE || p->ofile[fd] == 0)
    return -EBADF;
  struct file *f = p->ofile[fd];
  if(f->type != FD_DEVICE || !st_is_stream_major(f->major) || f->priv == 0){
    strreason(upper, "the file to link is not a stream");
    return -EINVAL;
  }
  struct stdata *lower = f->priv;
  const struct streamtab *mux = upper->sd_tab;
  if(mux->st_muxrinit == 0 || mux->st_muxwinit == 0){
    snprintf(why, sizeof(why), "%s is not a multiplexing driver", st_tabname(mux));
    strreason(upper, why);
    return -EINVAL;
  }
  struct stlink *l = kmalloc(sizeof(*l));
  if(l == 0)
    return -ENOSR;
  int err = mux_begin(1);
  if(err){
    kmfree(l);
    return err;
  }
  if(lower == upper)
    err = linkcheck(upper, lower, mux);   // before locking lower twice
  else if((err = strop_begin(lower, 1)) == 0 && (err = linkcheck(upper, lower, mux)) != 0)
    strop_end(lower);
  if(err){
    mux_end();
    kmfree(l);
    return err;
  }

  strhold(lower);
  l->l_persistent = persistent;
  l->l_upmajor = upper->sd_major;
  l->l_ctl = persistent ? 0 : upper;
  l->l_lower = lower;
  hook(lower, mux);
  acquire(&mux_lock);
  l->l_id = nextmuxid++;
  l->l_next = links;
  links = l;
  lower->sd_link = l;
  st_nlinks++;
  release(&mux_lock);

  int nak;
  err = tellmux(upper, persistent ? I_PLINK : I_LINK, l, IOC_INTR, STRTIMOUT * 1000, &nak);
  if(err == 0){
    qpair_procs(lower, lower->sd_head, 1);
  } else {
    // Interrupted or timed out: the driver may have taken the link after
    // all. Make it forget before the lower stream is given back.
    if(!nak)
      tellmux(upper, persistent ? I_PUNLINK : I_UNLINK, l, IOC_IGNERR, STRCLOSE_MS, 0);
    acquire(&mux_lock);
    for(struct stlink **pp = &links; *pp; pp = &(*pp)->l_next)
      if(*pp == l){
        *pp = l->l_next;
        break;
      }
    lower->sd_link = 0;
    st_nlinks--;
    release(&mux_lock);
    unhook(lower);
    snprintf(why, sizeof(why), "%s refused the link (error %d)", st_tabname(mux), -err);
    strreason(upper, why);
  }
  strop_end(lower);
  int id = l->l_id;
  mux_end();
  if(err){
    kmfree(l);
    strrele(lower);   // after mux_end: this may dismantle it
  }
  return err ? err : id;
}

// Undo one link. With force, the link goes even if the driver objects
// (the controlling stream is closing). Called with the mux busy. The
// link record goes on *dead: dropping the lower stream's reference may
// dismantle it, which may unlink in turn – so that waits for mux_end.
static int
unlink1(struct stdata *upper, struct stlink *l, int force, struct stlink **dead)
{
  int flags = force ? IOC_IGNERR : IOC_INTR;
  int err = tellmux(upper, l->l_persistent ? I_PUNLINK : I_UNLINK, l, flags,
                    force ? STRCLOSE_MS : STRTIMOUT * 1000, 0);
  if(err && !force)
    return err;
  struct stdata *lower = l->l_lower;
  strop_begin(lower, 0);
  unhook(lower);
  strop_end(lower);
  acquire(&mux_lock);
  for(struct stlink **pp = &links; *pp; pp = &(*pp)->l_next)
    if(*pp == l){
      *pp = l->l_next;
      break;
    }
  lower->sd_link = 0;
  st_nlinks--;
  release(&mux_lock);
  l->l_next = *dead;
  *dead = l;
  return 0;
}

// After mux_end: let go of the lower streams of undone links.
static void
bury(struct stlink *dead)
{
  while(dead){
    struct stlink *next = dead->l_next;
    strrele(dead->l_lower);
    kmfree(dead);
    dead = next;
  }
}

// The next link matching, or 0. Persistent links match by driver,
// ordinary ones by controlling stream.
static struct stlink *
findlink(struct stdata *upper, int muxid, int persistent)
{
  acquire(&mux_lock);
  struct stlink *l;
  for(l = links; l; l = l->l_next){
    if(muxid != MUXID_ALL && l->l_id != muxid)
      continue;
    if(persistent ? (l->l_persistent && l->l_upmajor == upper->sd_major)
                  : (!l->l_persistent && l->l_ctl == upper))
      break;
  }
  release(&mux_lock);
  return l;
}

int
strunlink(struct stdata *upper, int muxid, int persistent)
{
  if(muxid <= 0 && muxid != MUXID_ALL)
    return -EINVAL;
  int err = mux_begin(1);
  if(err)
    return err;
  struct stlink *l = findlink(upper, muxid, persistent);
  if(l == 0 && muxid != MUXID_ALL){
    strreason(upper, persistent ? "no persistent link with that id under this driver"
                                : "no link with that id made by this stream");
    err = -EINVAL;
  }
  struct stlink *dead = 0;
  while(l && err == 0){
    err = unlink1(upper, l, 0, &dead);
    l = muxid == MUXID_ALL ? findlink(upper, muxid, persistent) : 0;
  }
  mux_end();
  bury(dead);
  return err;
}

void
strunlink_closing(struct stdata *sd)
{
  mux_begin(0);
  struct stlink *l, *dead = 0;
  while((l = findlink(sd, MUXID_ALL, 0)) != 0)
    unlink1(sd, l, 1, &dead);
  mux_end();
  bury(dead);
}

int
mux_has_links(int major)
{
  acquire(&mux_lock);
  struct stlink *l = links;
  while(l && l->l_upmajor != major)
    l = l->l_next;
  release(&mux_lock);
  return l != 0;
}

// For the listing: calls fn on each link with the mux lock held.
void
mux_list(void (*fn)(struct stlink *l, void *arg), void *arg)
{
  acquire(&mux_lock);
  for(struct stlink *l = links; l; l = l->l_next)
    fn(l, arg);
  release(&mux_lock);
}

// ---------------------------------------------------------------- module help

#define MUX_BATCH 16   // streams claimed at once (no allocation, bounded stack)

int
mux_each_upper(struct spinlock *lk, int nslot, queue_t *(*slot)(int i, void *arg),
               void (*fn)(queue_t *q, void *arg, int last), void *arg)
{
  queue_t *got[MUX_BATCH];
  int seen = 0, i = 0;
  while(i < nslot){
    int n = 0, more = 0;
    acquire(lk);
    for(; i < nslot; i++){
      queue_t *q = slot(i, arg);
      if(q == 0)
        continue;
      if(n == MUX_BATCH){
        more = 1;            // one is left for the next batch
        break;
      }
      // lk keeps the entry, so the stream is not freed yet; strclaim
      // fails once it has begun to close.
      if(strclaim(q))
        got[n++] = q;
    }
    release(lk);
    for(int k = 0; k < n; k++){
      fn(got[k], arg, !more && k == n - 1);
      strrelease(got[k]);
    }
    seen += n;
  }
  return seen;
}
