// eth.c: Ethernet II as a multiplexing driver, DLPI style.
//
//   lower side  streams that carry raw frames ("frames": an e1000 stream,
//               perhaps with tap or fault pushed on it), linked with
//               I_PLINK/I_LINK; each link is one interface, numbered in
//               link order from 0.
//   upper side  /dev/eth: every open is a new stream. ETH_BIND (I_STR)
//               binds it to an ethertype on an interface; it then receives
//               those frames and may send frames of its own.
//
// Down, an upper stream sends M_PROTO eth_unitdata (ETH_UNITDATA_REQ: dst
// and type) with the payload in b_cont; eth prepends the header (in the
// payload's headroom when there is some), fills in the card's address and
// pads the frame to the 60-byte minimum. A plain M_DATA write is taken as
// a whole frame whose source address eth fills in (how a user program
// sends raw frames).
//
// Up, eth keeps frames addressed to the card or to broadcast, strips the
// header and sends ETH_UNITDATA_IND + payload to the stream bound to that
// ethertype. Ethernet cannot tell padding from payload: protocols whose
// packets carry their own length (IPv4, ARP) trim it themselves.
// Frames for no bound type, for other stations, or too short are dropped
// and counted by reason (DL_STATS on any upper stream lists the counts).
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"
#include "streams/stream.h"
#include "net/ether.h"
#include "netctl.h"
#include "provides.h"

#define NIF    4        // interfaces (links)
#define NBIND  16       // (interface, ethertype) bindings

struct iface {
  int used;
  int muxid;
  queue_t *lowq;        // the link's lower write queue: putnext sends down
  uint8 addr[ETH_ALEN];
  int up;               // address known
  struct {
    ulong rx_frames, rx_bytes, tx_frames, tx_bytes;
    ulong drop_notforus, drop_unbound, drop_runt, drop_upfull, drop_down, drop_nomem;
  } st;
};

struct upper {
  queue_t *rq;          // read queue of the upper stream's driver end
};

struct binding {
  int used;
  int ifindex;
  uint16 type;
  struct upper *up;
};

// Control messages eth does not know go down to the interface (to tap,
// fault or the driver there); their answers come back up the lower side
// and are matched to the asking stream here by ioc_id.
#define NFWD 8
struct forwarded {
  int used;
  uint id;
  struct upper *up;
};

static struct spinlock eth_lock;   // every table below
static struct iface ifs[NIF];
static struct binding binds[NBIND];
static struct forwarded fwd[NFWD];
static int lock_ready;

static void
eth_lock_init(void)
{
  if(!lock_ready){
    initlock(&eth_lock, "eth");
    lock_ready = 1;
  }
}

// ---------------------------------------------------------------- upper side

static int
eth_open(queue_t *rq, int minor, int oflag, int sflag)
{
  struct upper *u = kmalloc(sizeof(*u));
  if(u == 0)
    return ENOMEM;
  u->rq = rq;
  rq->q_ptr = WR(rq)->q_ptr = u;
  return 0;
}

static int
eth_close(queue_t *rq, int oflag)
{
  struct upper *u = rq->q_ptr;
  acquire(&eth_lock);
  for(int i = 0; i < NBIND; i++)
    if(binds[i].used && binds[i].up == u)
      binds[i].used = 0;
  for(int i = 0; i < NFWD; i++)
    if(fwd[i].used && fwd[i].up == u)
      fwd[i].used = 0;           // a late answer is dropped, not delivered
  release(&eth_lock);
  flushq(WR(rq), FLUSHALL);
  kmfree(u);
  return 0;
}

// "ifN name value" lines: easy for people and for test scripts.
static int
eth_stats_text(char *buf, int n)
{
  int off = 0;
  char mac[18];
  acquire(&eth_lock);
  for(int i = 0; i < NIF && off < n; i++){
    struct iface *f = &ifs[i];
    if(!f->used)
      continue;
    ulong v[] = { f->st.rx_frames, f->st.rx_bytes, f->st.tx_frames, f->st.tx_bytes,
                  f->st.drop_notforus, f->st.drop_unbound, f->st.drop_runt,
                  f->st.drop_upfull, f->st.drop_down, f->st.drop_nomem };
    static const char *names[] = { "rx-frames", "rx-bytes", "tx-frames", "tx-bytes",
                  "drop-not-for-us", "drop-unbound-type", "drop-runt",
                  "drop-upper-full", "drop-link-down", "drop-no-memory" };
    off += snprintf(buf + off, n - off, "if%d addr %s\n", i, netctl_fmt_mac(mac, f->addr));
    for(int k = 0; k < (int)NELEM(v) && off < n; k++)
      off += snprintf(buf + off, n - off, "if%d %s %lu\n", i, names[k], v[k]);
  }
  release(&eth_lock);
  return off < n ? off : n - 1;
}

// I_LINK/I_PLINK: a frames stream becomes interface N.
static void
eth_do_link(queue_t *q, mblk_t *mp)
{
  struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
  acquire(&eth_lock);
  int i;
  for(i = 0; i < NIF && ifs[i].used; i++)
    ;
  if(i == NIF){
    release(&eth_lock);
    strsetreason(q, "eth: every interface slot is in use");
    miocnak(q, mp, 0, ENOSPC);
    return;
  }
  struct iface *f = &ifs[i];
  memset(f, 0, sizeof(*f));
  f->used = 1;
  f->muxid = lb->l_index;
  f->lowq = lb->l_qbot;
  lb->l_qbot->q_ptr = RD(lb->l_qbot)->q_ptr = f;
  release(&eth_lock);

  // Ask the card for its address; the answer comes up the lower side.
  mblk_t *iocp = mkiocmsg(DL_INFO, 0, 0);
  if(iocp)
    putnext(lb->l_qbot, iocp);
  miocack(q, mp, 0, i);
}

static void
eth_do_unlink(queue_t *q, mblk_t *mp)
{
  struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
  acquire(&eth_lock);
  for(int i = 0; i < NIF; i++)
    if(ifs[i].used && ifs[i].muxid == lb->l_index)
      ifs[i].used = 0;
  release(&eth_lock);
  miocack(q, mp, 0, 0);
}

// The interface an upper stream sends on: its first binding's.
// eth_lock held.
static int
eth_upper_ifindex(struct upper *u)
{
  for(int i = 0; i < NBIND; i++)
    if(binds[i].used && binds[i].up == u)
      return binds[i].ifindex;
  return 0;
}

// Bind (or unbind) an upper stream to an ethertype on an interface.
// ifindex -1 means "the interface this stream already uses" (so that arp,
// pushed on a stream bound for IPv4, can add ARP on the same card).
// Returns 0, or an errno with *why the reason for I_ERRSTR.
static int
eth_do_bind(struct upper *u, int ifindex, uint32 type, int unbind, const char **why)
{
  acquire(&eth_lock);
  if(ifindex == -1)
    ifindex = eth_upper_ifindex(u);
  if(ifindex < 0 || ifindex >= NIF || type < 0x0600 || type > 0xffff){
    release(&eth_lock);
    *why = "eth: bad interface or ethertype (types start at 0x0600)";
    return EINVAL;
  }
  int freeslot = -1, err = 0;
  for(int i = 0; i < NBIND; i++){
    struct binding *bd = &binds[i];
    if(!bd->used){
      if(freeslot < 0)
        freeslot = i;
      continue;
    }
    if(bd->ifindex == ifindex && bd->type == type){
      if(unbind && bd->up == u){
        bd->used = 0;
        release(&eth_lock);
        return 0;
      }
      err = EBUSY;
    }
  }
  if(unbind)
    err = EINVAL;
  else if(!err && freeslot < 0)
    err = ENOSPC;
  if(!err){
    binds[freeslot].used = 1;
    binds[freeslot].ifindex = ifindex;
    binds[freeslot].type = type;
    binds[freeslot].up = u;
  }
  release(&eth_lock);
  if(err)
    *why = err == EBUSY ? "eth: that ethertype is bound by another stream" :
           err == ENOSPC ? "eth: binding table full" : "eth: not bound to that type";
  return err;
}

// The interface whose link has mux id muxid, or -1 (netctl_parse_ifname).
static int
eth_ifbymux(int muxid)
{
  int found = -1;
  acquire(&eth_lock);
  for(int i = 0; i < NIF; i++)
    if(ifs[i].used && ifs[i].muxid == muxid)
      found = i;
  release(&eth_lock);
  return found;
}

// "bind [IF] TYPE", "unbind [IF] TYPE"; IF: number or mux=ID
static const char *
eth_ctl_bind(struct netctl_req *r)
{
  uint32 ifindex = -1, type;
  if((r->argc == 3 && netctl_parse_ifname(r->argv[1], eth_ifbymux, &ifindex) < 0) ||
     netctl_parse_uint(r->argv[r->argc - 1], &type) < 0)
    return "eth: usage: bind [IF] TYPE (IF: number or mux=ID)";
  const char *why = 0;
  r->err = eth_do_bind(r->q->q_ptr, (int)ifindex, type, r->argv[0][0] == 'u', &why);
  return r->err ? why : 0;
}

static const char *
eth_ctl_stats(struct netctl_req *r)
{
  char *buf = kmalloc(1200);
  int bad = buf == 0 || netctl_reply(r, buf, eth_stats_text(buf, 1200)) < 0;
  kmfree(buf);
  if(bad){
    r->err = ENOMEM;
    return "";
  }
  return 0;
}

// What eth does not know goes down to the interface (eth_forward_down).
static const struct netctl_cmd eth_ctl[] = {
  { "bind", 2, 3, eth_ctl_bind, "eth: usage: bind [IF] TYPE (IF: number or mux=ID)" },
  { "unbind", 2, 3, eth_ctl_bind, "eth: usage: unbind [IF] TYPE (IF: number or mux=ID)" },
  { "stats", 1, 1, eth_ctl_stats, "eth: usage: stats" },
  { 0 },
};

// Pass a control message eth does not know down to the stream's
// interface: a tap or fault module pushed on the card stream answers it.
static void
eth_forward_down(queue_t *q, mblk_t *mp)
{
  struct upper *u = q->q_ptr;
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  acquire(&eth_lock);
  int ifindex = eth_upper_ifindex(u), slot = -1;
  for(int i = 0; i < NFWD && slot < 0; i++)
    if(!fwd[i].used)
      slot = i;
  queue_t *lowq = ifs[ifindex].used ? ifs[ifindex].lowq : 0;
  if(slot < 0 || lowq == 0 || !strclaim(lowq)){
    release(&eth_lock);
    strsetreason(q, "eth: unknown control message (bind, unbind, stats)");
    miocnak(q, mp, 0, EINVAL);
    return;
  }
  fwd[slot].used = 1;
  fwd[slot].id = ioc->ioc_id;
  fwd[slot].up = u;
  release(&eth_lock);
  putnext(lowq, mp);
  strrelease(lowq);
}

// An answer from below to a forwarded control message: back to its asker.
static void
eth_answer_up(mblk_t *mp)
{
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  acquire(&eth_lock);
  queue_t *uwq = 0;
  for(int i = 0; i < NFWD; i++){
    if(fwd[i].used && fwd[i].id == ioc->ioc_id){
      uwq = WR(fwd[i].up->rq);
      fwd[i].used = 0;
    }
  }
  // Claim while eth_lock keeps the asker from closing under us.
  int claimed = uwq && strclaim(uwq);
  release(&eth_lock);
  if(!claimed){
    freemsg(mp);
    return;
  }
  if(DB_TYPE(mp) == M_IOCNAK && ioc->ioc_error == EINVAL)
    strsetreason(uwq, "no module on this stream knows that control message "
                      "(eth: bind, unbind, stats)");
  qreply(uwq, mp);
  strrelease(uwq);
}

static void
eth_ioctl(queue_t *q, mblk_t *mp)
{
  struct upper *u = q->q_ptr;
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  int count = mp->b_cont ? msgdsize(mp->b_cont) : 0;
  switch(ioc->ioc_cmd){
  case I_LINK:
  case I_PLINK:
    eth_do_link(q, mp);
    return;
  case I_UNLINK:
  case I_PUNLINK:
    eth_do_unlink(q, mp);
    return;
  case ETH_BIND:
  case ETH_UNBIND: {
    struct eth_bind b;
    if(count != sizeof(b) || !pullupmsg(mp->b_cont, -1)){
      miocnak(q, mp, 0, EINVAL);
      return;
    }
    memmove(&b, mp->b_cont->b_rptr, sizeof(b));
    const char *why = 0;
    int err = eth_do_bind(u, b.ifindex, b.type, ioc->ioc_cmd == ETH_UNBIND, &why);
    if(err){
      strsetreason(q, why);
      miocnak(q, mp, 0, err);
    } else
      miocack(q, mp, 0, 0);
    return;
  }
  case NET_CTL:
    if(!netctl_request(q, mp, eth_ctl, 0))
      eth_forward_down(q, mp);
    return;
  case ETH_ADDR: {
    int ifindex = 0;
    if(count == sizeof(int) && pullupmsg(mp->b_cont, -1))
      memmove(&ifindex, mp->b_cont->b_rptr, sizeof(int));
    uint8 addr[ETH_ALEN];
    acquire(&eth_lock);
    if(ifindex == -1)
      ifindex = eth_upper_ifindex(u);
    int ok = ifindex >= 0 && ifindex < NIF && ifs[ifindex].used && ifs[ifindex].up;
    if(ok)
      memmove(addr, ifs[ifindex].addr, ETH_ALEN);
    release(&eth_lock);
    if(!ok){
      miocnak(q, mp, 0, ENXIO);
      return;
    }
    netctl_answer(q, mp, addr, ETH_ALEN);
    return;
  }
  case DL_STATS: {
    char buf[1200];
    int n = eth_stats_text(buf, sizeof(buf));
    netctl_answer(q, mp, buf, n);
    return;
  }
  default:
    miocnak(q, mp, 0, EINVAL);
  }
}

// Turn an upper write (M_PROTO request or raw M_DATA frame) into a
// padded frame from src. Returns 0 if the message was bad (dropped).
static mblk_t *
eth_build_frame(queue_t *q, mblk_t *mp, const uint8 *src, struct iface *f)
{
  mblk_t *frame;
  if(DB_TYPE(mp) == M_PROTO){
    struct eth_unitdata ud;
    if(MBLKL(mp) < (int)sizeof(ud)){
      qdrop(q, mp, "eth: short unitdata request");
      return 0;
    }
    memmove(&ud, mp->b_rptr, sizeof(ud));
    mblk_t *payload = unlinkb(mp);
    freeb(mp);
    if(payload && MBLKHEAD(payload) >= ETH_HLEN && mwritable(payload)){
      payload->b_rptr -= ETH_HLEN;
      frame = payload;
    } else {
      frame = allocb_headroom(ETH_HLEN, 0);
      if(frame == 0){
        if(payload)
          freemsg(payload);
        acquire(&eth_lock);
        f->st.drop_nomem++;
        release(&eth_lock);
        return 0;
      }
      frame->b_wptr += ETH_HLEN;
      if(payload)
        linkb(frame, payload);
    }
    uint8 *h = frame->b_rptr;
    memmove(h, ud.dst, ETH_ALEN);
    h[12] = ud.type >> 8;
    h[13] = ud.type;
  } else {
    frame = mp;
    if(msgdsize(frame) < ETH_HLEN || !pullupmsg(frame, ETH_HLEN)){
      qdrop(q, frame, "eth: raw frame shorter than a header");
      return 0;
    }
    // The source address is written into the frame: only into a buffer
    // nobody else sees (a module above may have duplicated the message).
    if(!mwritable(frame)){
      mblk_t *own = copyb(frame);
      if(own == 0){
        freemsg(frame);
        acquire(&eth_lock);
        f->st.drop_nomem++;
        release(&eth_lock);
        return 0;
      }
      own->b_cont = unlinkb(frame);
      freeb(frame);
      frame = own;
    }
  }
  memmove(frame->b_rptr + ETH_ALEN, src, ETH_ALEN);

  // Pad to the minimum frame size.
  int len = msgdsize(frame);
  if(len < ETH_MINFRAME){
    mblk_t *pad = allocb(ETH_MINFRAME - len, BPRI_MED);
    if(pad == 0){
      freemsg(frame);
      acquire(&eth_lock);
      f->st.drop_nomem++;
      release(&eth_lock);
      return 0;
    }
    memset(pad->b_wptr, 0, ETH_MINFRAME - len);
    pad->b_wptr += ETH_MINFRAME - len;
    linkb(frame, pad);
  }
  return frame;
}

// Send an upper write as a frame. Returns 0 if it must wait (the lower
// side is full: mp untouched), else 1.
static int
eth_send_frame(queue_t *q, mblk_t *mp)
{
  struct upper *u = q->q_ptr;
  acquire(&eth_lock);
  int ifindex = eth_upper_ifindex(u);
  struct iface *f = &ifs[ifindex];
  if(!f->used){
    release(&eth_lock);
    qdrop(q, mp, "eth: interface not linked");
    return 1;
  }
  queue_t *lowq = f->lowq;
  uint8 src[ETH_ALEN];
  memmove(src, f->addr, ETH_ALEN);
  // lowq is in another stream (the card's): claim it while eth_lock
  // keeps the link, so that it can be neither unlinked and freed nor
  // re-plumbed (a tap pushed, say) while the frame goes down.
  int claimed = strclaim(lowq);
  if(!claimed)
    f->st.drop_down++;
  release(&eth_lock);
  if(!claimed){
    qdrop(q, mp, "eth: interface being re-plumbed");
    return 1;
  }
  if(!canputnext(lowq)){
    strrelease(lowq);
    return 0;
  }
  mblk_t *frame = eth_build_frame(q, mp, src, f);
  if(frame){
    acquire(&eth_lock);
    f->st.tx_frames++;
    f->st.tx_bytes += msgdsize(frame);
    release(&eth_lock);
    putnext(lowq, frame);
  }
  strrelease(lowq);
  return 1;
}

static int
eth_wput(queue_t *q, mblk_t *mp)
{
  switch(DB_TYPE(mp)){
  case M_PROTO:
  case M_DATA:
    if(q->q_first || !eth_send_frame(q, mp))
      putq(q, mp);
    return 0;
  case M_IOCTL:
    eth_ioctl(q, mp);
    return 0;
  case M_FLUSH:
    drv_flush(q, mp);
    return 0;
  default:
    qdrop(q, mp, "eth: message type not understood");
    return 0;
  }
}

static int
eth_wsrv(queue_t *q)
{
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(!eth_send_frame(q, mp)){
      putbq(q, mp);   // the lower side's service procedure enables us
      return 0;
    }
  }
  return 0;
}

// ---------------------------------------------------------------- lower side

static int
eth_is_for_us(struct iface *f, const uint8 *dst)
{
  return memcmp(dst, f->addr, ETH_ALEN) == 0 || memcmp(dst, eth_broadcast, ETH_ALEN) == 0;
}

// An answer to our DL_INFO, or a frame.
static int
eth_lrput(queue_t *q, mblk_t *mp)
{
  struct iface *f = q->q_ptr;
  if((DB_TYPE(mp) == M_IOCACK || DB_TYPE(mp) == M_IOCNAK) &&
     MBLKL(mp) < (int)sizeof(struct iocblk)){
    // Too short to hold its iocblk: a broken module or driver below.
    qdrop(q, mp, "eth: short ioctl answer from below");
    return 0;
  }
  if((DB_TYPE(mp) == M_IOCACK || DB_TYPE(mp) == M_IOCNAK) &&
     ((struct iocblk *)mp->b_rptr)->ioc_cmd != DL_INFO){
    eth_answer_up(mp);
    return 0;
  }
  if(DB_TYPE(mp) == M_IOCACK){
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    struct dl_info info;
    if(ioc->ioc_cmd == DL_INFO && mp->b_cont && msgdsize(mp->b_cont) >= (int)sizeof(info)
       && pullupmsg(mp->b_cont, -1)){
      memmove(&info, mp->b_cont->b_rptr, sizeof(info));
      acquire(&eth_lock);
      memmove(f->addr, info.addr, ETH_ALEN);
      f->up = 1;
      release(&eth_lock);
    }
    freemsg(mp);
    return 0;
  }
  if(DB_TYPE(mp) == M_FLUSH){
    // A flush travelling up from the driver stops here.
    freemsg(mp);
    return 0;
  }
  if(DB_TYPE(mp) != M_DATA){
    qdrop(q, mp, "eth: unexpected message from below");
    return 0;
  }

  int len = msgdsize(mp);
  if(len < ETH_HLEN || !pullupmsg(mp, ETH_HLEN)){
    acquire(&eth_lock);
    f->st.drop_runt++;
    release(&eth_lock);
    qdrop(q, mp, "eth: runt frame");
    return 0;
  }
  struct eth_unitdata ud;
  memset(&ud, 0, sizeof(ud));
  ud.prim = ETH_UNITDATA_IND;
  memmove(ud.dst, mp->b_rptr, ETH_ALEN);
  memmove(ud.src, mp->b_rptr + ETH_ALEN, ETH_ALEN);
  ud.type = (mp->b_rptr[12] << 8) | mp->b_rptr[13];

  acquire(&eth_lock);
  f->st.rx_frames++;
  f->st.rx_bytes += len;
  ud.ifindex = f - ifs;
  if(!eth_is_for_us(f, ud.dst)){
    f->st.drop_notforus++;
    release(&eth_lock);
    qdrop(q, mp, "eth: not addressed to us");
    return 0;
  }
  struct upper *u = 0;
  for(int i = 0; i < NBIND; i++)
    if(binds[i].used && binds[i].ifindex == ud.ifindex && binds[i].type == ud.type)
      u = binds[i].up;
  queue_t *urq = u ? u->rq : 0;
  // Claim the upper stream while eth_lock keeps the binding alive.
  int claimed = urq && strclaim(urq);
  if(!claimed){
    f->st.drop_unbound++;
    release(&eth_lock);
    qdrop(q, mp, "eth: no stream bound to this ethertype");
    return 0;
  }
  release(&eth_lock);

  mblk_t *ind = allocb(sizeof(ud), BPRI_MED);
  if(ind == 0 || !canputnext(urq)){
    acquire(&eth_lock);
    if(ind) f->st.drop_upfull++; else f->st.drop_nomem++;
    release(&eth_lock);
    if(ind)
      freeb(ind);
    qdrop(q, mp, "eth: upper stream full");
    strrelease(urq);
    return 0;
  }
  ind->b_datap->db_type = M_PROTO;
  memmove(ind->b_wptr, &ud, sizeof(ud));
  ind->b_wptr += sizeof(ud);
  adjmsg(mp, ETH_HLEN);
  linkb(ind, mp);
  putnext(urq, ind);
  strrelease(urq);
  return 0;
}

// The write queue of binding i's upper stream, or 0. eth_lock held.
static queue_t *
eth_bound_wq(int i, void *unused)
{
  return binds[i].used ? WR(binds[i].up->rq) : 0;
}

static void
eth_wake_upper(queue_t *wq, void *unused, int last)
{
  if(wq->q_first)
    qenable(wq);
}

// The lower side drained: let upper streams waiting to send try again.
// Each is claimed under eth_lock (mux_each_upper): one that closes
// meanwhile is skipped, never touched after it is freed.
static int
eth_lwsrv(queue_t *q)
{
  mux_each_upper(&eth_lock, NBIND, eth_bound_wq, eth_wake_upper, 0);
  return 0;
}

static void
eth_init(int major)
{
  eth_lock_init();
}

static const char *const eth_devices[] = { "eth", 0 };

static struct module_info eth_info = {
  .mi_idnum = 1001, .mi_idname = "eth",
  .mi_minpsz = 0, .mi_maxpsz = ETH_MAXFRAME,
  .mi_hiwat = 32 * 1024, .mi_lowat = 8 * 1024,
  .mi_headroom = ETH_HLEN,
};

static struct qinit eth_rinit = {
  .qi_putp = putnext_put, .qi_srvp = putnext_srv,
  .qi_qopen = eth_open, .qi_qclose = eth_close, .qi_minfo = &eth_info,
};
static struct qinit eth_winit = {
  .qi_putp = eth_wput, .qi_srvp = eth_wsrv, .qi_minfo = &eth_info,
};
static struct qinit eth_lrinit = {
  .qi_putp = eth_lrput, .qi_minfo = &eth_info,
};
static struct qinit eth_lwinit = {
  .qi_putp = putnext_put, .qi_srvp = eth_lwsrv, .qi_minfo = &eth_info,
};

static const struct streamtab eth_tab = {
  .st_rdinit = &eth_rinit, .st_wrinit = &eth_winit,
  .st_muxrinit = &eth_lrinit, .st_muxwinit = &eth_lwinit,
  .st_flags = STR_DRIVER,
  .st_provides = ST_ETHER,
  .st_requires = ST_FRAMES,     // what a linked lower stream must carry
  .st_devices = eth_devices,
  .st_init = eth_init,
};

STREAMS_MODULE(eth_tab);
