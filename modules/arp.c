// arp.c: the Address Resolution Protocol (RFC 826) as a module.
//
// Pushed on an eth upper stream that is bound to IPv4 (it needs "ether"
// below and provides "ipv4-link" above, which ip requires). Going down it
// turns "send this IPv4 packet to next hop N" (M_PROTO link_ipreq) into an
// Ethernet frame for N's hardware address, asking the LAN first when the
// address is not in its cache; packets wait (at most ARP_MAXHOLD per
// address) while a question is out and are dropped, counted, if no answer
// comes after ARP_TRIES questions. Going up it answers questions for its
// own address, learns from every ARP packet about a host it knows or that
// asks for it, and passes IPv4 packets up as plain M_DATA.
//
// Control (NET_CTL text): "addr A.B.C.D" sets the address it answers for,
// binds ARP's ethertype on the same interface and sends a gratuitous ARP;
// "show" lists the cache. /dev/arp lists the caches of all arp instances.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "errno.h"
#include "spinlock.h"
#include "file.h"
#include "defs.h"
#include "callout.h"
#include "streams/stream.h"
#include "net/ether.h"
#include "inet.h"
#include "netctl.h"
#include "provides.h"

#define ARP_NENTRY   32        // cache entries per instance
#define ARP_MAXHOLD  8         // packets held per unresolved address
#define ARP_TRIES    3         // questions before giving up
#define ARP_RETRY_MS 1000
#define ARP_TTL_MS   (5 * 60 * 1000)
#define ARP_TICK_MS  250
#define ARP_NINST    4
#define ARP_PKTLEN   28

enum { E_FREE, E_PENDING, E_RESOLVED };

struct arpentry {
  int state;
  uint32 ip;
  uint8 mac[ETH_ALEN];
  uint64 expires;              // RESOLVED: when to forget; PENDING: next question
  int tries;
  mblk_t *held;                // PENDING: packets waiting (linked by b_next)
  int nheld;
};

struct arpinst {
  struct spinlock lock;        // everything below
  queue_t *rq;
  uint32 myip;
  uint8 mymac[ETH_ALEN];
  int have_mac;
  int closing;
  int timer;                   // callout id
  uint ownid;                  // ioc_id of arp's own ETH_ADDR question, or 0
  struct arpentry e[ARP_NENTRY];
  struct {
    ulong requests_out, replies_out, requests_in, replies_in, bad_in;
    ulong resolved, timeouts, held_drops, ip_in;
  } st;
};

static struct spinlock arp_list_lock;
static struct arpinst *insts[ARP_NINST];

// ---------------------------------------------------------------- sending

// Build an ARP packet in an ETH_UNITDATA_REQ message.
static mblk_t *
arp_packet(struct arpinst *a, int op, const uint8 *dstmac, const uint8 *tha, uint32 tpa)
{
  mblk_t *mp = allocb(sizeof(struct eth_unitdata), BPRI_MED);
  mblk_t *dp = allocb_headroom(ARP_PKTLEN, ETH_HLEN);
  if(mp == 0 || dp == 0){
    if(mp) freeb(mp);
    if(dp) freeb(dp);
    return 0;
  }
  mp->b_datap->db_type = M_PROTO;
  struct eth_unitdata *ud = (struct eth_unitdata *)mp->b_wptr;
  memset(ud, 0, sizeof(*ud));
  ud->prim = ETH_UNITDATA_REQ;
  ud->type = ETHERTYPE_ARP;
  memmove(ud->dst, dstmac, ETH_ALEN);
  mp->b_wptr += sizeof(*ud);

  uint8 *p = dp->b_wptr;
  put16(p + 0, 1);             // hardware: Ethernet
  put16(p + 2, ETHERTYPE_IP);  // protocol: IPv4
  p[4] = ETH_ALEN;
  p[5] = 4;
  put16(p + 6, op);
  memmove(p + 8, a->mymac, ETH_ALEN);
  put32(p + 14, a->myip);
  memmove(p + 18, tha, ETH_ALEN);
  put32(p + 24, tpa);
  dp->b_wptr += ARP_PKTLEN;
  linkb(mp, dp);
  return mp;
}

static const uint8 zero_mac[ETH_ALEN];

// Messages to send once a.lock is dropped are collected here.
struct outbox { mblk_t *first, *last; };

static void
arp_out_add(struct outbox *o, mblk_t *mp)
{
  if(mp == 0)
    return;
  mp->b_next = 0;
  if(o->last) o->last->b_next = mp; else o->first = mp;
  o->last = mp;
}

static void
arp_out_send(queue_t *wq, struct outbox *o)
{
  mblk_t *mp;
  while((mp = o->first) != 0){
    o->first = mp->b_next;
    mp->b_next = 0;
    putnext(wq, mp);
  }
  o->last = 0;
}

static void
arp_ask(struct arpinst *a, struct arpentry *e, struct outbox *o)
{
  e->tries++;
  e->expires = uptime_ms() + ARP_RETRY_MS;
  a->st.requests_out++;
  arp_out_add(o, arp_packet(a, 1, eth_broadcast, zero_mac, e->ip));
}

// Wrap an IPv4 packet for a known hardware address.
static mblk_t *
arp_to_frame(mblk_t *pkt, const uint8 *mac)
{
  mblk_t *mp = allocb(sizeof(struct eth_unitdata), BPRI_MED);
  if(mp == 0){
    freemsg(pkt);
    return 0;
  }
  mp->b_datap->db_type = M_PROTO;
  struct eth_unitdata *ud = (struct eth_unitdata *)mp->b_wptr;
  memset(ud, 0, sizeof(*ud));
  ud->prim = ETH_UNITDATA_REQ;
  ud->type = ETHERTYPE_IP;
  memmove(ud->dst, mac, ETH_ALEN);
  mp->b_wptr += sizeof(*ud);
  linkb(mp, pkt);
  return mp;
}

static struct arpentry *
arp_lookup(struct arpinst *a, uint32 ip)
{
  for(int i = 0; i < ARP_NENTRY; i++)
    if(a->e[i].state != E_FREE && a->e[i].ip == ip)
      return &a->e[i];
  return 0;
}

// A free entry, or the resolved one that expires first. Never a pending
// one: its held packets would be lost silently.
static struct arpentry *
arp_new_entry(struct arpinst *a, uint32 ip)
{
  struct arpentry *victim = 0;
  for(int i = 0; i < ARP_NENTRY; i++){
    struct arpentry *e = &a->e[i];
    if(e->state == E_FREE){
      victim = e;
      break;
    }
    if(e->state == E_RESOLVED && (victim == 0 || e->expires < victim->expires))
      victim = e;
  }
  if(victim){
    memset(victim, 0, sizeof(*victim));
    victim->ip = ip;
  }
  return victim;
}

static void
arp_drop_held(struct arpentry *e)
{
  freemsglist(e->held);
  e->held = 0;
  e->nheld = 0;
}

// Learn ip -> mac; release packets that waited for it.
static void
arp_learn(struct arpinst *a, struct arpentry *e, const uint8 *mac, struct outbox *o)
{
  memmove(e->mac, mac, ETH_ALEN);
  if(e->state != E_RESOLVED)
    a->st.resolved++;
  e->state = E_RESOLVED;
  e->expires = uptime_ms() + ARP_TTL_MS;
  e->tries = 0;
  mblk_t *mp;
  while((mp = e->held) != 0){
    e->held = mp->b_next;
    mp->b_next = 0;
    arp_out_add(o, arp_to_frame(mp, mac));
  }
  e->nheld = 0;
}

// ip wants pkt sent to nexthop.
static void
arp_send_ip(queue_t *q, mblk_t *req)
{
  struct arpinst *a = q->q_ptr;
  struct link_ipreq r;
  if(MBLKL(req) < (int)sizeof(r) || req->b_cont == 0){
    qdrop(q, req, "arp: malformed request from above");
    return;
  }
  memmove(&r, req->b_rptr, sizeof(r));
  mblk_t *pkt = unlinkb(req);
  freeb(req);

  struct outbox o = { 0, 0 };
  acquire(&a->lock);
  if(r.nexthop == IPV4_BROADCAST){
    release(&a->lock);
    mblk_t *f = arp_to_frame(pkt, eth_broadcast);
    if(f)
      putnext(q, f);
    return;
  }
  struct arpentry *e = arp_lookup(a, r.nexthop);
  if(e && e->state == E_RESOLVED && e->expires > uptime_ms()){
    uint8 mac[ETH_ALEN];
    memmove(mac, e->mac, ETH_ALEN);
    release(&a->lock);
    mblk_t *f = arp_to_frame(pkt, mac);
    if(f)
      putnext(q, f);
    return;
  }
  if(e == 0 || e->state == E_RESOLVED){
    // Unknown or stale: ask (again), holding the packet meanwhile.
    if(e == 0)
      e = arp_new_entry(a, r.nexthop);
    if(e == 0){
      a->st.held_drops++;
      release(&a->lock);
      qdrop(q, pkt, "arp: cache full of unresolved addresses");
      return;
    }
    e->state = E_PENDING;
    e->tries = 0;
    arp_ask(a, e, &o);
  }
  if(e->nheld == ARP_MAXHOLD){
    // Keep the newest packets: drop the oldest.
    mblk_t *old = e->held;
    e->held = old->b_next;
    old->b_next = 0;
    e->nheld--;
    a->st.held_drops++;
    freemsg(old);
  }
  pkt->b_next = 0;
  mblk_t **pp = &e->held;
  while(*pp)
    pp = &(*pp)->b_next;
  *pp = pkt;
  e->nheld++;
  release(&a->lock);
  arp_out_send(q, &o);
}

// ---------------------------------------------------------------- receiving

// Parse and act on one ARP packet (payload of an ETH_UNITDATA_IND).
// Exposed (not static) for the host fuzz harness.
int
arp_input(struct arpinst *a, mblk_t *pkt, struct outbox *o)
{
  if(msgdsize(pkt) < ARP_PKTLEN || !pullupmsg(pkt, ARP_PKTLEN))
    return -1;
  const uint8 *p = pkt->b_rptr;
  if(get16(p) != 1 || get16(p + 2) != ETHERTYPE_IP || p[4] != ETH_ALEN || p[5] != 4)
    return -1;
  int op = get16(p + 6);
  if(op != 1 && op != 2)
    return -1;
  const uint8 *sha = p + 8;
  uint32 spa = get32(p + 14);
  uint32 tpa = get32(p + 24);
  if(sha[0] & 1)               // a multicast sender address is a lie
    return -1;

  if(op == 1) a->st.requests_in++; else a->st.replies_in++;
  if(a->myip == 0)
    return 0;                  // not configured: listen to nothing
  int for_me = (tpa == a->myip);
  struct arpentry *e = spa ? arp_lookup(a, spa) : 0;
  if(e)
    arp_learn(a, e, sha, o);       // RFC 826: update what we already know
  else if(for_me && spa && spa != a->myip && (e = arp_new_entry(a, spa)) != 0)
    arp_learn(a, e, sha, o);
  if(op == 1 && for_me && a->have_mac){
    a->st.replies_out++;
    arp_out_add(o, arp_packet(a, 2, sha, sha, spa));
  }
  return 0;
}

static int
arp_rput(queue_t *q, mblk_t *mp)
{
  struct arpinst *a = q->q_ptr;
  int type = DB_TYPE(mp);
  if(type == M_IOCACK || type == M_IOCNAK){
    if(MBLKL(mp) < (int)sizeof(struct iocblk)){
      // Too short to hold its iocblk (whose ever it was): a broken
      // module below. Neither ours to read nor fit to pass on.
      qdrop(q, mp, "arp: short ioctl answer from below");
      return 0;
    }
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    acquire(&a->lock);
    int ours = a->ownid != 0 && ioc->ioc_id == a->ownid;
    if(ours)
      a->ownid = 0;
    release(&a->lock);
    if(!ours){
      putnext(q, mp);          // someone else's answer
      return 0;
    }
    if(type == M_IOCACK && ioc->ioc_cmd == ETH_ADDR && mp->b_cont &&
       msgdsize(mp->b_cont) >= ETH_ALEN && pullupmsg(mp->b_cont, -1)){
      struct outbox o = { 0, 0 };
      acquire(&a->lock);
      memmove(a->mymac, mp->b_cont->b_rptr, ETH_ALEN);
      a->have_mac = 1;
      if(a->myip){
        // gratuitous ARP: tell the LAN who has our address now
        a->st.requests_out++;
        arp_out_add(&o, arp_packet(a, 1, eth_broadcast, zero_mac, a->myip));
      }
      release(&a->lock);
      arp_out_send(WR(q), &o);
    }
    freemsg(mp);
    return 0;
  }
  if(type != M_PROTO || MBLKL(mp) < (int)sizeof(struct eth_unitdata)){
    putnext(q, mp);
    return 0;
  }
  struct eth_unitdata *ud = (struct eth_unitdata *)mp->b_rptr;
  if(ud->prim != ETH_UNITDATA_IND){
    putnext(q, mp);
    return 0;
  }
  if(ud->type == ETHERTYPE_IP){
    mblk_t *pkt = unlinkb(mp);
    freeb(mp);
    if(pkt == 0)
      return 0;
    acquire(&a->lock);
    a->st.ip_in++;
    release(&a->lock);
    if(canputnext(q))
      putnext(q, pkt);
    else
      qdrop(q, pkt, "arp: ip above is full");
    return 0;
  }
  if(ud->type == ETHERTYPE_ARP){
    struct outbox o = { 0, 0 };
    acquire(&a->lock);
    int r = mp->b_cont ? arp_input(a, mp->b_cont, &o) : -1;
    if(r < 0)
      a->st.bad_in++;
    release(&a->lock);
    if(r < 0)
      qdrop(q, mp, "arp: malformed ARP packet");
    else
      freemsg(mp);
    arp_out_send(WR(q), &o);
    return 0;
  }
  putnext(q, mp);
  return 0;
}

// ---------------------------------------------------------------- timers

static void
arp_tick(void *arg)
{
  struct arpinst *a = arg;
  struct outbox o = { 0, 0 };
  acquire(&a->lock);
  if(a->closing){
    release(&a->lock);
    return;
  }
  uint64 now = uptime_ms();
  for(int i = 0; i < ARP_NENTRY; i++){
    struct arpentry *e = &a->e[i];
    if(e->state == E_PENDING && e->expires <= now){
      if(e->tries >= ARP_TRIES){
        a->st.timeouts++;
        a->st.held_drops += e->nheld;
        arp_drop_held(e);
        e->state = E_FREE;
      } else {
        arp_ask(a, e, &o);
      }
    } else if(e->state == E_RESOLVED && e->expires <= now){
      e->state = E_FREE;
    }
  }
  queue_t *wq = WR(a->rq);
  a->timer = timeout(arp_tick, a, ARP_TICK_MS);
  release(&a->lock);
  if(o.first){
    if(strclaim(wq)){
      arp_out_send(wq, &o);
      strrelease(wq);
    } else {
      freemsglist(o.first);
    }
  }
}

// ---------------------------------------------------------------- control

static int
arp_show(struct arpinst *a, char *buf, int n)
{
  char ip[16], mac[18];
  int off = 0;
  uint64 now = uptime_ms();
  acquire(&a->lock);
  off += snprintf(buf + off, n - off, "# arp %s %s requests %lu/%lu replies %lu/%lu "
                  "bad %lu timeouts %lu held_drops %lu\n",
                  netctl_fmt_ipv4(ip, a->myip), netctl_fmt_mac(mac, a->mymac),
                  a->st.requests_out, a->st.requests_in, a->st.replies_out,
                  a->st.replies_in, a->st.bad_in, a->st.timeouts, a->st.held_drops);
  for(int i = 0; i < ARP_NENTRY && off < n; i++){
    struct arpentry *e = &a->e[i];
    if(e->state == E_FREE)
      continue;
    if(e->state == E_RESOLVED)
      off += snprintf(buf + off, n - off, "%s %s expires %lds\n", netctl_fmt_ipv4(ip, e->ip),
                      netctl_fmt_mac(mac, e->mac), (long)(e->expires - now) / 1000);
    else
      off += snprintf(buf + off, n - off, "%s (incomplete) held %d tries %d\n",
                      netctl_fmt_ipv4(ip, e->ip), e->nheld, e->tries);
  }
  release(&a->lock);
  return off < n ? off : n - 1;
}

// Ask eth below for our hardware address; the answer (matched by the
// ioc_id kept in ownid) is eaten in rput.
static void
arp_ask_mac(queue_t *wq)
{
  struct arpinst *a = wq->q_ptr;
  int self = -1;
  mblk_t *mp = mkiocmsg(ETH_ADDR, &self, sizeof(self));
  if(mp == 0)
    return;
  acquire(&a->lock);
  a->ownid = ((struct iocblk *)mp->b_rptr)->ioc_id;
  release(&a->lock);
  putnext(wq, mp);
}

// "addr A.B.C.D": the address arp answers for.
static const char *
arp_ctl_addr(struct netctl_req *r)
{
  struct arpinst *a = r->q->q_ptr;
  uint32 ip;
  int plen;
  if(netctl_parse_ipv4_prefix(r->argv[1], &ip, &plen) < 0 || ip == 0)
    return "arp: usage: addr A.B.C.D";
  acquire(&a->lock);
  a->myip = ip;
  release(&a->lock);
  // Learn our hardware address (the answer triggers a gratuitous ARP)
  // and turn the user's command into "bind ARP's ethertype here": eth's
  // answer to it travels back up as the answer to the user.
  arp_ask_mac(r->q);
  static const char bind[] = "bind 0x0806";
  mblk_t *dp = allocb(sizeof(bind) - 1, BPRI_MED);
  if(dp == 0){
    r->err = ENOMEM;
    return "";
  }
  memmove(dp->b_wptr, bind, sizeof(bind) - 1);
  dp->b_wptr += sizeof(bind) - 1;
  mblk_t *mp = r->mp;
  r->mp = 0;
  freemsg(unlinkb(mp));
  linkb(mp, dp);
  ((struct iocblk *)mp->b_rptr)->ioc_count = sizeof(bind) - 1;
  putnext(r->q, mp);
  return 0;
}

static const char *
arp_ctl_show(struct netctl_req *r)
{
  char *buf = kalloc();
  if(buf == 0){
    r->err = ENOMEM;
    return "";
  }
  int n = arp_show(r->q->q_ptr, buf, STRBUFMAX);
  int bad = netctl_reply(r, buf, n);
  kfree(buf);
  if(bad){
    r->err = ENOMEM;
    return "";
  }
  return 0;
}

// What arp does not know goes on down (eth, tap, fault below answer it).
static const struct netctl_cmd arp_ctl[] = {
  { "addr", 2, 2, arp_ctl_addr, "arp: usage: addr A.B.C.D" },
  { "show", 1, 1, arp_ctl_show, "arp: usage: show" },
  { 0 },
};

static int
arp_wput(queue_t *q, mblk_t *mp)
{
  switch(DB_TYPE(mp)){
  case M_PROTO:
    if(MBLKL(mp) >= (int)sizeof(int) && *(int *)mp->b_rptr == LINK_IP_REQ){
      arp_send_ip(q, mp);
      return 0;
    }
    break;
  case M_IOCTL:
    if(((struct iocblk *)mp->b_rptr)->ioc_cmd == NET_CTL &&
       netctl_request(q, mp, arp_ctl, 0))
      return 0;
    break;
  }
  putnext(q, mp);
  return 0;
}

static int
arp_open(queue_t *rq, int minor, int oflag, int sflag)
{
  struct arpinst *a = kmalloc(sizeof(*a));
  if(a == 0)
    return ENOMEM;
  acquire(&arp_list_lock);
  int slot = -1;
  for(int i = 0; i < ARP_NINST; i++)
    if(insts[i] == 0 && slot < 0)
      slot = i;
  if(slot < 0){
    release(&arp_list_lock);
    kmfree(a);
    return ENOSPC;
  }
  insts[slot] = a;
  release(&arp_list_lock);
  initlock(&a->lock, "arp");
  a->rq = rq;
  rq->q_ptr = WR(rq)->q_ptr = a;
  acquire(&a->lock);
  a->timer = timeout(arp_tick, a, ARP_TICK_MS);
  release(&a->lock);
  return 0;
}

static int
arp_close(queue_t *rq, int oflag)
{
  struct arpinst *a = rq->q_ptr;
  acquire(&a->lock);
  a->closing = 1;
  release(&a->lock);
  untimeout_rearming(&a->lock, &a->timer);   // arp_tick sees closing
  acquire(&arp_list_lock);
  for(int i = 0; i < ARP_NINST; i++)
    if(insts[i] == a)
      insts[i] = 0;
  release(&arp_list_lock);
  for(int i = 0; i < ARP_NENTRY; i++)
    arp_drop_held(&a->e[i]);
  kmfree(a);
  return 0;
}

// /dev/arp: the caches of every arp instance, as text.
static int
arp_dev_read(struct file *f, uint64 dst, int n)
{
  char *buf = kalloc();
  if(buf == 0)
    return -ENOMEM;
  int len = 0;
  acquire(&arp_list_lock);
  for(int i = 0; i < ARP_NINST && len < PGSIZE - 1; i++)
    if(insts[i])
      len += arp_show(insts[i], buf + len, PGSIZE - len);
  release(&arp_list_lock);
  int r = 0;
  if(f->off < (uint64)len){
    r = len - f->off;
    if(r > n)
      r = n;
    if(copyout_user(dst, buf + f->off, r) < 0)
      r = -EFAULT;
    else
      f->off += r;
  }
  kfree(buf);
  return r;
}

static int arpdev_open(struct file *f) { return 0; }
static struct devsw arpdev = { .open = arpdev_open, .read = arp_dev_read };

static void
arp_init(int unused)
{
  initlock(&arp_list_lock, "arplist");
  int major = devsw_register("arp", &arpdev);
  if(major > 0)
    devnode_add("arp", major, 0);
}

static struct module_info arp_info = {
  .mi_idnum = 1002, .mi_idname = "arp",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ,
  .mi_hiwat = 32 * 1024, .mi_lowat = 8 * 1024,
};

static struct qinit arp_rinit = {
  .qi_putp = arp_rput, .qi_qopen = arp_open, .qi_qclose = arp_close,
  .qi_minfo = &arp_info,
};
static struct qinit arp_winit = {
  .qi_putp = arp_wput, .qi_minfo = &arp_info,
};

static const struct streamtab arp_tab = {
  .st_rdinit = &arp_rinit, .st_wrinit = &arp_winit,
  .st_flags = STR_MODULE,
  .st_requires = ST_ETHER,
  .st_provides = ST_IPV4LINK,
  .st_init = arp_init,
};

STREAMS_MODULE(arp_tab);
