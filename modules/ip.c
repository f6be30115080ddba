// ip.c: IPv4 (RFC 791) and ICMP echo (RFC 792) as a multiplexing driver.
//
//   lower side  links to streams that provide "ipv4-link" (eth + arp);
//               each link is an interface with an address and prefix.
//   upper side  /dev/ip: every open is a new stream; "proto N" binds it to
//               an IP protocol (tcp binds 6; ping binds 1). See ip.h.
//
// Input: every packet is checked (version, header length, checksum, total
// length against what arrived, TTL) and trimmed to its total length
// (Ethernet pads short frames); fragments are dropped and counted, not
// reassembled; echo requests are answered here; packets go to the stream
// bound to their protocol, ICMP to every stream bound to ICMP.
// Output: a header with checksum; routing to a connected subnet or the
// default gateway; the next hop goes down to arp with the packet. Packets
// to our own addresses loop back inside ip.
// Every drop is counted by reason; "show" (NET_CTL) lists interfaces,
// routes and counters.
//
// Control (NET_CTL text on any /dev/ip stream):
//   addr IF A.B.C.D/LEN        configure an interface (tells arp below);
//                              IF is its number or mux=ID (I_PLINK's answer)
//   route default GW | route del default
//   proto N                    bind this stream to protocol N
//   connect A.B.C.D            destination of plain M_DATA writes
//   addrs                      "A.B.C.D/LEN" per configured interface
//   show                       interfaces, routes, counters (text)
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"
#include "callout.h"
#include "streams/stream.h"
#include "inet.h"
#include "ip.h"
#include "netctl.h"
#include "provides.h"

#define NIPIF   4
#define NIPUP   32

struct ipif {
  int used;
  int muxid;
  queue_t *lowq;
  uint32 addr;
  int plen;
};

struct ipup {
  queue_t *rq;
  int proto;                     // 0 = unbound
  uint32 peer;                   // "connect" address
};

static struct spinlock ip_lock;  // all tables and counters
static struct ipif ifs[NIPIF];
static struct ipup *ups[NIPUP];
static uint32 gateway;
static uint16 next_id;

// Drop reasons, counted. The order is the listing's order.
enum {
  D_SHORT, D_VERSION, D_HLEN, D_CKSUM, D_LEN, D_TTL, D_FRAG, D_NOTUS,
  D_UNBOUND, D_UPFULL, D_NOROUTE, D_NOMEM, D_LOWFULL, D_ICMPBAD, D_BADANSWER, NDROP
};
static const char *drop_name[NDROP] = {
  "short", "version", "header-length", "checksum", "total-length", "ttl",
  "fragment", "not-for-us", "unbound-protocol", "upper-full", "no-route",
  "no-memory", "link-full", "icmp-malformed", "bad-answer",
};
static struct {
  ulong in, out, delivered, echo_replied, icmp_in, icmp_errors_in;
  ulong drop[NDROP];
} st;

static uint32
ip_mask(int plen)
{
  return plen == 0 ? 0 : 0xffffffffu << (32 - plen);
}

static void
ip_count_drop(int why)
{
  acquire(&ip_lock);
  st.drop[why]++;
  release(&ip_lock);
}

// The interface for dst and the next hop. ip_lock held. -1: no route.
static int
ip_route(uint32 dst, uint32 *nexthop)
{
  if(dst == IPV4_BROADCAST){
    for(int i = 0; i < NIPIF; i++)
      if(ifs[i].used && ifs[i].addr){
        *nexthop = IPV4_BROADCAST;
        return i;
      }
    return -1;
  }
  for(int i = 0; i < NIPIF; i++){
    struct ipif *f = &ifs[i];
    if(f->used && f->addr && ((dst ^ f->addr) & ip_mask(f->plen)) == 0){
      uint32 bcast = f->addr | ~ip_mask(f->plen);
      *nexthop = (dst == bcast) ? IPV4_BROADCAST : dst;
      return i;
    }
  }
  if(gateway){
    for(int i = 0; i < NIPIF; i++){
      struct ipif *f = &ifs[i];
      if(f->used && f->addr && ((gateway ^ f->addr) & ip_mask(f->plen)) == 0){
        *nexthop = gateway;
        return i;
      }
    }
  }
  return -1;
}

static int
ip_is_local(uint32 dst)
{
  if(dst == IPV4_BROADCAST)
    return 1;
  for(int i = 0; i < NIPIF; i++){
    struct ipif *f = &ifs[i];
    if(f->used && f->addr && (dst == f->addr || dst == (f->addr | ~ip_mask(f->plen))))
      return 1;
  }
  return 0;
}

// ---------------------------------------------------------------- output

// Prepend a header to payload and send it. Consumes payload. Returns 0,
// or an errno (EHOSTUNREACH, ENOMEM, EAGAIN when the link is full and
// wait is set: then payload is not consumed).
int ip_input(mblk_t *mp);

// Packets to one of our own addresses do not go out on a link: they wait
// on this list and a callout feeds them to ip_input, never from inside the
// sender's own call (tcp's input path is not reentrant).
static mblk_t *loop_first, *loop_last;
static int loop_pending;

static void
ip_loop_run(void *unused)
{
  for(;;){
    acquire(&ip_lock);
    mblk_t *mp = loop_first;
    if(mp){
      loop_first = mp->b_next;
      if(loop_first == 0)
        loop_last = 0;
      mp->b_next = 0;
      st.in++;
    } else {
      loop_pending = 0;
    }
    release(&ip_lock);
    if(mp == 0)
      return;
    int why = ip_input(mp);
    if(why >= 0){
      acquire(&ip_lock);
      st.drop[why]++;
      release(&ip_lock);
      freemsg(mp);
    }
  }
}

static void
ip_loop_queue(mblk_t *pkt)
{
  acquire(&ip_lock);
  pkt->b_next = 0;
  if(loop_last) loop_last->b_next = pkt; else loop_first = pkt;
  loop_last = pkt;
  st.out++;
  int start = !loop_pending;
  loop_pending = 1;
  release(&ip_lock);
  if(start && timeout(ip_loop_run, 0, 0) == 0){
    acquire(&ip_lock);
    loop_pending = 0;
    release(&ip_lock);
  }
}

static int ip_build_and_send(mblk_t *payload, uint32 src, uint32 dst, int proto, int ttl,
                          int tos, uint16 id, queue_t *lowq, uint32 nexthop);

static int
ip_output(mblk_t *payload, uint32 src, uint32 dst, int proto, int ttl, int tos, int wait)
{
  uint32 nexthop;
  acquire(&ip_lock);
  int self = -1;               // the interface whose address dst is
  for(int k = 0; k < NIPIF; k++)
    if(ifs[k].used && ifs[k].addr && ifs[k].addr == dst)
      self = k;
  int i = self >= 0 ? self : ip_route(dst, &nexthop);
  if(i < 0){
    st.drop[D_NOROUTE]++;
    release(&ip_lock);
    freemsg(payload);
    return EHOSTUNREACH;
  }
  queue_t *lowq = ifs[i].lowq;
  if(src == 0)
    src = ifs[i].addr;
  uint16 id = next_id++;
  // lowq belongs to the link's stream: claim it while ip_lock keeps the
  // link, for the whole send, so it can be neither unlinked and freed nor
  // re-plumbed (a tap pushed on it, say) meanwhile.
  int claimed = self >= 0 || strclaim(lowq);
  if(!claimed)
    st.drop[D_LOWFULL]++;
  release(&ip_lock);
  if(!claimed){
    freemsg(payload);
    return ENOBUFS;
  }
  if(self < 0 && !canputnext(lowq)){
    strrelease(lowq);
    if(wait)
      return EAGAIN;
    ip_count_drop(D_LOWFULL);
    freemsg(payload);
    return ENOBUFS;
  }
  int err = ip_build_and_send(payload, src, dst, proto, ttl, tos, id, self >= 0 ? 0 : lowq, nexthop);
  if(self < 0)
    strrelease(lowq);
  return err;
}

// The rest of ip_output: header, then down the link (lowq) or looped back
// (lowq 0). Consumes payload.
static int
ip_build_and_send(mblk_t *payload, uint32 src, uint32 dst, int proto, int ttl, int tos,
               uint16 id, queue_t *lowq, uint32 nexthop)
{

  int len = IP_HLEN + (payload ? msgdsize(payload) : 0);
  if(len > 65535){
    freemsg(payload);
    return EMSGSIZE;
  }
  mblk_t *pkt;
  if(payload && MBLKHEAD(payload) >= IP_HLEN && mwritable(payload)){
    payload->b_rptr -= IP_HLEN;
    pkt = payload;
  } else {
    pkt = allocb_headroom(IP_HLEN, 64);
    if(pkt == 0){
      ip_count_drop(D_NOMEM);
      if(payload)
        freemsg(payload);
      return ENOMEM;
    }
    pkt->b_wptr += IP_HLEN;
    if(payload)
      linkb(pkt, payload);
  }
  uint8 *h = pkt->b_rptr;
  h[0] = 0x45;
  h[1] = tos;
  put16(h + 2, len);
  put16(h + 4, id);
  put16(h + 6, 0x4000);        // don't fragment: we never fragment
  h[8] = ttl ? ttl : IP_DEFTTL;
  h[9] = proto;
  put16(h + 10, 0);
  put32(h + 12, src);
  put32(h + 16, dst);
  put16(h + 10, inet_cksum(h, IP_HLEN));
  if(lowq == 0){
    ip_loop_queue(pkt);
    return 0;
  }

  mblk_t *req = allocb(sizeof(struct link_ipreq), BPRI_MED);
  if(req == 0){
    ip_count_drop(D_NOMEM);
    freemsg(pkt);
    return ENOMEM;
  }
  req->b_datap->db_type = M_PROTO;
  struct link_ipreq *r = (struct link_ipreq *)req->b_wptr;
  r->prim = LINK_IP_REQ;
  r->nexthop = nexthop;
  req->b_wptr += sizeof(*r);
  linkb(req, pkt);
  acquire(&ip_lock);
  st.out++;
  release(&ip_lock);
  putnext(lowq, req);
  return 0;
}

// ---------------------------------------------------------------- input

// Answer an echo request. pkt: the whole validated packet (header hlen).
static void
icmp_echo(mblk_t *pkt, int hlen)
{
  uint8 *h = pkt->b_rptr;
  uint32 src = get32(h + 12), dst = get32(h + 16);
  adjmsg(pkt, hlen);
  if(!pullupmsg(pkt, -1)){
    ip_count_drop(D_NOMEM);
    freemsg(pkt);
    return;
  }
  // The request becomes the reply in place, so ip must own the buffer:
  // a duplicate (dupmsg: fault's dup, a tap) shares it, and would come
  // up already turned into a reply.
  if(!mwritable(pkt)){
    mblk_t *own = copymsg(pkt);
    freemsg(pkt);
    if(own == 0){
      ip_count_drop(D_NOMEM);
      return;
    }
    pkt = own;
  }
  uint8 *icmp = pkt->b_rptr;
  icmp[0] = ICMP_ECHOREPLY;
  put16(icmp + 2, 0);
  put16(icmp + 2, inet_cksum(icmp, MBLKL(pkt)));
  acquire(&ip_lock);
  st.echo_replied++;
  release(&ip_lock);
  // Reply from the address that was asked (unless it was a broadcast).
  ip_output(pkt, ip_is_local(dst) && dst != IPV4_BROADCAST ? dst : 0, src, IPPROTO_ICMP, 0, 0, 0);
}

// A packet for the upper streams bound to proto (ip_input).
struct ip_delivery {
  int proto;
  mblk_t *mp;                    // the packet; 0 once handed over
};

// The read queue of upper slot i if it is bound to d's protocol, or 0.
// ip_lock held.
static queue_t *
ip_bound_rq(int i, void *arg)
{
  struct ip_delivery *d = arg;
  return ups[i] && ups[i]->proto == d->proto ? ups[i]->rq : 0;
}

// One bound stream, claimed (mux_each_upper): the last gets the packet
// itself, the others a copy.
static void
ip_deliver(queue_t *urq, void *arg, int last)
{
  struct ip_delivery *d = arg;
  mblk_t *mp = last ? d->mp : dupmsg(d->mp);
  if(last)
    d->mp = 0;
  if(mp == 0){
    ip_count_drop(D_NOMEM);
    return;
  }
  if(canputnext(urq)){
    acquire(&ip_lock);
    st.delivered++;
    release(&ip_lock);
    putnext(urq, mp);
  } else {
    ip_count_drop(D_UPFULL);
    freemsg(mp);
  }
}

// Validate an incoming packet; deliver or answer it. Returns the drop
// reason, or -1 if the packet was consumed. Exposed for the fuzz harness.
int
ip_input(mblk_t *mp)
{
  int n = msgdsize(mp);
  if(n < IP_HLEN || !pullupmsg(mp, IP_HLEN))
    return D_SHORT;
  uint8 *h = mp->b_rptr;
  if((h[0] >> 4) != 4)
    return D_VERSION;
  int hlen = (h[0] & 0xf) * 4;
  if(hlen < IP_HLEN || hlen > n || !pullupmsg(mp, hlen))
    return D_HLEN;
  h = mp->b_rptr;
  if(inet_cksum(h, hlen) != 0)
    return D_CKSUM;
  int total = get16(h + 2);
  if(total < hlen || total > n)
    return D_LEN;
  if(h[8] == 0)
    return D_TTL;
  if(get16(h + 6) & 0x3fff)     // more-fragments or an offset
    return D_FRAG;
  uint32 dst = get32(h + 16);
  acquire(&ip_lock);
  int local = ip_is_local(dst);
  release(&ip_lock);
  if(!local)
    return D_NOTUS;
  if(total < n)
    adjmsg(mp, -(n - total));   // Ethernet padding

  int proto = h[9];
  if(proto == IPPROTO_ICMP){
    int ilen = total - hlen;
    if(ilen < 8 || !pullupmsg(mp, -1))
      return D_ICMPBAD;
    h = mp->b_rptr;
    if(inet_cksum(h + hlen, ilen) != 0)
      return D_ICMPBAD;
    int type = h[hlen];
    acquire(&ip_lock);
    st.icmp_in++;
    if(type == ICMP_UNREACH || type == ICMP_TIMXCEED || type == ICMP_PARAMPROB)
      st.icmp_errors_in++;
    release(&ip_lock);
    if(type == ICMP_ECHO && dst != IPV4_BROADCAST){
      icmp_echo(mp, hlen);
      return -1;
    }
  }

  // The bound stream(s). ICMP goes to every ICMP stream (each ping
  // picks its own replies); other protocols have one owner. Each is
  // claimed while ip_lock still holds its slot: a stream that closes
  // meanwhile is skipped, never reached after it is freed.
  struct ip_delivery d = { proto, mp };
  int nt = mux_each_upper(&ip_lock, NIPUP, ip_bound_rq, ip_deliver, &d);
  if(d.mp == 0)
    return -1;
  if(nt == 0)
    return D_UNBOUND;            // the caller frees the packet
  freemsg(d.mp);                 // the last bound stream closed meanwhile
  return -1;
}

static int
ip_lrput(queue_t *q, mblk_t *mp)
{
  int t = DB_TYPE(mp);
  if(t == M_IOCACK || t == M_IOCNAK){
    if(MBLKL(mp) < (int)sizeof(struct iocblk)){
      // Too short to hold its iocblk: a broken module below.
      ip_count_drop(D_BADANSWER);
      qdrop(q, mp, "ip: short ioctl answer from the link");
      return 0;
    }
    // Nothing but ip sends ioctls down a linked stream: every answer
    // that comes up is to ip's own (ip_tell_link), and ends here.
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    if(t == M_IOCNAK)
      printf("ip: link refused configuration (error %d)\n", ioc->ioc_error);
    freemsg(mp);
    return 0;
  }
  if(t != M_DATA){
    qdrop(q, mp, "ip: unexpected message from the link");
    return 0;
  }
  acquire(&ip_lock);
  st.in++;
  release(&ip_lock);
  int why = ip_input(mp);
  if(why >= 0){
    acquire(&ip_lock);
    st.drop[why]++;
    release(&ip_lock);
    qdrop(q, mp, drop_name[why]);
  }
  return 0;
}

// The write queue of upper slot i, or 0. ip_lock held.
static queue_t *
ip_upper_wq(int i, void *unused)
{
  return ups[i] ? WR(ups[i]->rq) : 0;
}

static void
ip_wake_upper(queue_t *wq, void *unused, int last)
{
  if(wq->q_first)
    qenable(wq);
}

// The link drained: wake upper streams that wait to send (each claimed
// under ip_lock, so one that closes meanwhile is skipped).
static int
ip_lwsrv(queue_t *q)
{
  mux_each_upper(&ip_lock, NIPUP, ip_upper_wq, ip_wake_upper, 0);
  return 0;
}

// ---------------------------------------------------------------- upper side

static int
ip_open(queue_t *rq, int minor, int oflag, int sflag)
{
  struct ipup *u = kmalloc(sizeof(*u));
  if(u == 0)
    return ENOMEM;
  u->rq = rq;
  acquire(&ip_lock);
  int i;
  for(i = 0; i < NIPUP && ups[i]; i++)
    ;
  if(i == NIPUP){
    release(&ip_lock);
    kmfree(u);
    return ENOSR;
  }
  ups[i] = u;
  release(&ip_lock);
  rq->q_ptr = WR(rq)->q_ptr = u;
  return 0;
}

static int
ip_close(queue_t *rq, int oflag)
{
  struct ipup *u = rq->q_ptr;
  acquire(&ip_lock);
  for(int i = 0; i < NIPUP; i++)
    if(ups[i] == u)
      ups[i] = 0;
  release(&ip_lock);
  flushq(WR(rq), FLUSHALL);
  kmfree(u);
  return 0;
}

// Send an upper stream's write. Returns 0 if it must wait for the link.
static int
ip_send(queue_t *q, mblk_t *mp)
{
  struct ipup *u = q->q_ptr;
  if(DB_TYPE(mp) == M_PROTO){
    struct ip_unitdata_req r;
    if(MBLKL(mp) < (int)sizeof(r)){
      qdrop(q, mp, "ip: short unitdata request");
      return 1;
    }
    memmove(&r, mp->b_rptr, sizeof(r));
    int err = ip_output(mp->b_cont, r.src, r.dst, r.proto ? r.proto : u->proto,
                        r.ttl, r.tos, 1);
    if(err == EAGAIN)
      return 0;
    mp->b_cont = 0;
    freeb(mp);
    return 1;
  }
  // plain data: to the connected peer
  if(u->peer == 0 || u->proto == 0){
    qdrop(q, mp, "ip: write before proto and connect");
    return 1;
  }
  int err = ip_output(mp, 0, u->peer, u->proto, 0, 0, 1);
  return err != EAGAIN;
}

static int
ip_show(char *buf, int n)
{
  char a[16];
  int off = 0;
  acquire(&ip_lock);
  for(int i = 0; i < NIPIF; i++)
    if(ifs[i].used)
      off += snprintf(buf + off, n - off, "if%d %s/%d\n", i, netctl_fmt_ipv4(a, ifs[i].addr), ifs[i].plen);
  if(gateway)
    off += snprintf(buf + off, n - off, "default via %s\n", netctl_fmt_ipv4(a, gateway));
  off += snprintf(buf + off, n - off,
                  "in %lu\nout %lu\ndelivered %lu\necho-replied %lu\nicmp-in %lu\nicmp-errors %lu\n",
                  st.in, st.out, st.delivered, st.echo_replied, st.icmp_in, st.icmp_errors_in);
  for(int i = 0; i < NDROP && off < n; i++)
    off += snprintf(buf + off, n - off, "drop %s %lu\n", drop_name[i], st.drop[i]);
  release(&ip_lock);
  return off < n ? off : n - 1;
}

// Tell the link below an interface its address (arp answers for it).
// lowq is claimed by the caller.
static void
ip_tell_link(queue_t *lowq, uint32 addr)
{
  char text[32], a[16];
  int len = snprintf(text, sizeof(text), "addr %s", netctl_fmt_ipv4(a, addr));
  mblk_t *mp = mkiocmsg(NET_CTL, text, len);
  if(mp)
    putnext(lowq, mp);
}

// The interface whose link has mux id muxid, or -1 (netctl_parse_ifname).
static int
ip_ifbymux(int muxid)
{
  int found = -1;
  acquire(&ip_lock);
  for(int i = 0; i < NIPIF; i++)
    if(ifs[i].used && ifs[i].muxid == muxid)
      found = i;
  release(&ip_lock);
  return found;
}

#define IP_ADDR_USAGE "ip: usage: addr IF A.B.C.D/LEN (IF: number or mux=ID)"
#define IP_ROUTE_USAGE "ip: usage: route default GW | route del default"

static const char *
ip_ctl_addr(struct netctl_req *r)
{
  uint32 v, addr;
  int plen;
  if(netctl_parse_ifname(r->argv[1], ip_ifbymux, &v) < 0 || v >= NIPIF ||
     netctl_parse_ipv4_prefix(r->argv[2], &addr, &plen) < 0 || addr == 0)
    return IP_ADDR_USAGE;
  acquire(&ip_lock);
  if(!ifs[v].used){
    release(&ip_lock);
    r->err = ENXIO;
    return "ip: no link with that interface number (link one first)";
  }
  ifs[v].addr = addr;
  ifs[v].plen = plen;
  // claimed while ip_lock keeps the link: it cannot go away meanwhile
  queue_t *lowq = ifs[v].lowq;
  int claimed = strclaim(lowq);
  release(&ip_lock);
  if(claimed){
    ip_tell_link(lowq, addr);
    strrelease(lowq);
  }
  return 0;
}

static const char *
ip_ctl_route(struct netctl_req *r)
{
  uint32 addr;
  if(strcmp(r->argv[1], "default") == 0 && netctl_parse_ipv4(r->argv[2], &addr) == 0){
    acquire(&ip_lock);
    gateway = addr;
    release(&ip_lock);
    return 0;
  }
  if(strcmp(r->argv[1], "del") == 0 && strcmp(r->argv[2], "default") == 0){
    acquire(&ip_lock);
    gateway = 0;
    release(&ip_lock);
    return 0;
  }
  return IP_ROUTE_USAGE;
}

static const char *
ip_ctl_proto(struct netctl_req *r)
{
  struct ipup *u = r->q->q_ptr;
  uint32 v;
  if(netctl_parse_uint(r->argv[1], &v) < 0 || v == 0 || v > 255)
    return "ip: usage: proto N (1..255)";
  acquire(&ip_lock);
  int busy = 0;
  if(v != IPPROTO_ICMP)
    for(int i = 0; i < NIPUP; i++)
      if(ups[i] && ups[i] != u && ups[i]->proto == (int)v)
        busy = 1;
  if(!busy)
    u->proto = v;
  release(&ip_lock);
  if(busy){
    r->err = EADDRINUSE;
    return "ip: another stream has bound that protocol";
  }
  return 0;
}

static const char *
ip_ctl_connect(struct netctl_req *r)
{
  struct ipup *u = r->q->q_ptr;
  uint32 addr, nh;
  if(netctl_parse_ipv4(r->argv[1], &addr) < 0)
    return "ip: usage: connect A.B.C.D";
  acquire(&ip_lock);
  int ok = ip_route(addr, &nh) >= 0;
  if(ok)
    u->peer = addr;
  release(&ip_lock);
  if(!ok){
    r->err = EHOSTUNREACH;
    return "ip: no route to that address";
  }
  return 0;
}

// one "A.B.C.D/LEN" line per configured interface (tcp asks this)
static const char *
ip_ctl_addrs(struct netctl_req *r)
{
  char buf[NIPIF * 24], a[16];
  int n = 0;
  acquire(&ip_lock);
  for(int i = 0; i < NIPIF; i++)
    if(ifs[i].used && ifs[i].addr)
      n += snprintf(buf + n, sizeof(buf) - n, "%s/%d\n", netctl_fmt_ipv4(a, ifs[i].addr), ifs[i].plen);
  release(&ip_lock);
  if(netctl_reply(r, buf, n) < 0){
    r->err = ENOMEM;
    return "";
  }
  return 0;
}

static const char *
ip_ctl_show(struct netctl_req *r)
{
  char *buf = kmalloc(2048);
  int bad = buf == 0 || netctl_reply(r, buf, ip_show(buf, 2048)) < 0;
  kmfree(buf);
  if(bad){
    r->err = ENOMEM;
    return "";
  }
  return 0;
}

static const struct netctl_cmd ip_ctl[] = {
  { "addr", 3, 3, ip_ctl_addr, IP_ADDR_USAGE },
  { "route", 3, 3, ip_ctl_route, IP_ROUTE_USAGE },
  { "proto", 2, 2, ip_ctl_proto, "ip: usage: proto N (1..255)" },
  { "connect", 2, 2, ip_ctl_connect, "ip: usage: connect A.B.C.D" },
  { "addrs", 1, 1, ip_ctl_addrs, "ip: usage: addrs" },
  { "show", 1, 1, ip_ctl_show, "ip: usage: show" },
  { 0 },
};

static void
ip_link(queue_t *q, mblk_t *mp, int on)
{
  struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
  acquire(&ip_lock);
  if(!on){
    for(int i = 0; i < NIPIF; i++)
      if(ifs[i].used && ifs[i].muxid == lb->l_index)
        ifs[i].used = 0;
    release(&ip_lock);
    miocack(q, mp, 0, 0);
    return;
  }
  int i;
  for(i = 0; i < NIPIF && ifs[i].used; i++)
    ;
  if(i == NIPIF){
    release(&ip_lock);
    strsetreason(q, "ip: every interface slot is in use");
    miocnak(q, mp, 0, ENOSPC);
    return;
  }
  memset(&ifs[i], 0, sizeof(ifs[i]));
  ifs[i].used = 1;
  ifs[i].muxid = lb->l_index;
  ifs[i].lowq = lb->l_qbot;
  lb->l_qbot->q_ptr = RD(lb->l_qbot)->q_ptr = &ifs[i];
  release(&ip_lock);
  miocack(q, mp, 0, i);
}

static int
ip_wput(queue_t *q, mblk_t *mp)
{
  switch(DB_TYPE(mp)){
  case M_DATA:
  case M_PROTO:
    if(q->q_first || !ip_send(q, mp))
      putq(q, mp);
    return 0;
  case M_IOCTL: {
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    if(ioc->ioc_cmd == I_LINK || ioc->ioc_cmd == I_PLINK)
      ip_link(q, mp, 1);
    else if(ioc->ioc_cmd == I_UNLINK || ioc->ioc_cmd == I_PUNLINK)
      ip_link(q, mp, 0);
    else if(ioc->ioc_cmd == NET_CTL)
      netctl_request(q, mp, ip_ctl, "ip: unknown control message "
                     "(addr, route, proto, connect, addrs, show)");
    else
      miocnak(q, mp, 0, EINVAL);
    return 0;
  }
  case M_FLUSH:
    drv_flush(q, mp);
    return 0;
  default:
    qdrop(q, mp, "ip: message type not understood");
    return 0;
  }
}

static int
ip_wsrv(queue_t *q)
{
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(!ip_send(q, mp)){
      putbq(q, mp);
      return 0;
    }
  }
  return 0;
}

static void
ip_init(int major)
{
  initlock(&ip_lock, "ip");
  next_id = 1;
}

static const char *const ip_devices[] = { "ip", 0 };

static struct module_info ip_info = {
  .mi_idnum = 1003, .mi_idname = "ip",
  .mi_minpsz = 0, .mi_maxpsz = 65535 - IP_HLEN,
  .mi_hiwat = 64 * 1024, .mi_lowat = 16 * 1024,
  .mi_headroom = IP_HLEN,
};

static struct qinit ip_rinit = {
  .qi_putp = putnext_put, .qi_srvp = putnext_srv,
  .qi_qopen = ip_open, .qi_qclose = ip_close, .qi_minfo = &ip_info,
};
static struct qinit ip_winit = {
  .qi_putp = ip_wput, .qi_srvp = ip_wsrv, .qi_minfo = &ip_info,
};
static struct qinit ip_lrinit = {
  .qi_putp = ip_lrput, .qi_minfo = &ip_info,
};
static struct qinit ip_lwinit = {
  .qi_putp = putnext_put, .qi_srvp = ip_lwsrv, .qi_minfo = &ip_info,
};

static const struct streamtab ip_tab = {
  .st_rdinit = &ip_rinit, .st_wrinit = &ip_winit,
  .st_muxrinit = &ip_lrinit, .st_muxwinit = &ip_lwinit,
  .st_flags = STR_DRIVER,
  .st_provides = ST_IPV4,
  .st_requires = ST_IPV4LINK,
  .st_devices = ip_devices,
  .st_init = ip_init,
};

STREAMS_MODULE(ip_tab);
