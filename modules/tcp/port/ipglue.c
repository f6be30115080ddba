// ipglue.c: lwIP's TCP on top of our ip module. The tcp driver's lower
// link is an /dev/ip stream bound to protocol 6; this file is what lwIP
// sees of it:
//
//   in   ip delivers whole IPv4 packets (header included, already checked
//        and trimmed); glue_input copies one into a pbuf, sets lwIP's
//        ip_data the way lwIP's own ip4.c would, and calls tcp_input.
//   out  lwIP calls ip4_output_if with a finished TCP segment; we copy it
//        into a message (M_PROTO ip_unitdata_req + the segment) and put it
//        on an outbox. glue_flush sends the outbox down *after* the lwIP
//        lock is dropped, so no STREAMS put runs under that lock, and one
//        flusher at a time keeps segments in order. When ip's queue is
//        full (canputnext fails) we answer ERR_MEM: the segment stays in
//        lwIP's queue and goes out when ip back-enables us (tcp_streams.c).
//   addresses  lwIP picks source addresses and MSS from a "shadow" netif:
//        one per address ip reports for the "addrs" request we send down
//        (our own tagged M_IOCTL; tcp_streams.c eats the answer). No netif
//        functions: only the address, mask, MTU and flags are used.
//
// Everything here runs with lwip_lock held unless it says otherwise.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "defs.h"
#include "streams/stream.h"
#include "inet.h"
#include "ip.h"
#include "netctl.h"
#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/ip.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/prot/ip4.h"
#include "lwip/priv/tcp_priv.h"
#include "tcp/port/glue.h"

#define NSHADOW   4
#define OUTMAX    96      // segments waiting in the outbox before ERR_MEM
#define HEADROOM  64      // room for the IP and link headers below us

static struct netif shadow[NSHADOW];
static int nshadow;
static queue_t *lowq;     // our lower write queue (l_qbot): 0 when unlinked
static int lowmux;

static mblk_t *out_first, *out_last;
static int out_count;
static int flushing;      // a thread is sending the outbox

static struct {
  ulong in, out, flushed, drop_short, drop_notus, drop_nomem, out_full, out_nolink, out_nomem;
} st;

void
glue_link(queue_t *q, int muxid)
{
  lowq = q;
  lowmux = muxid;
}

int
glue_unlink(int muxid)
{
  if(lowq == 0 || muxid != lowmux)
    return 0;
  lowq = 0;
  nshadow = 0;
  // What waits in the outbox has nowhere to go now; a flusher already
  // sending holds a claim on the old stream, so it finishes safely.
  while(out_first){
    mblk_t *mp = out_first;
    out_first = mp->b_next;
    mp->b_next = 0;
    freemsg(mp);
  }
  out_last = 0;
  out_count = 0;
  return 1;
}

int
glue_linked(void)
{
  return lowq != 0;
}

int
glue_naddrs(void)
{
  return nshadow;
}

// ---------------------------------------------------------------- input

// A received packet lent to lwIP without copying: a custom pbuf over the
// message's own buffer, which lwIP frees (through rx_free) when it is
// done. tcp_lwip.c's receive callback passes the same buffer up with dupb.
struct rxbuf {
  struct pbuf_custom pc;       // first: lwIP sees a pbuf
  mblk_t *mp;
};

static void
rx_free(struct pbuf *p)
{
  struct rxbuf *r = (struct rxbuf *)p;
  freemsg(r->mp);
  kmfree(r);
}

mblk_t *
glue_pbuf_block(struct pbuf *p)
{
  if(!(p->flags & PBUF_FLAG_IS_CUSTOM) ||
     ((struct pbuf_custom *)p)->custom_free_function != rx_free)
    return 0;
  mblk_t *bp = dupb(((struct rxbuf *)p)->mp);
  if(bp){
    bp->b_rptr = p->payload;
    bp->b_wptr = bp->b_rptr + p->len;
  }
  return bp;
}

static struct netif *
shadow_for(uint32 addr_net)
{
  for(int i = 0; i < nshadow; i++)
    if(ip4_addr_get_u32(netif_ip4_addr(&shadow[i])) == addr_net)
      return &shadow[i];
  return 0;
}

void
glue_input(mblk_t *mp)
{
  st.in++;
  int n = msgdsize(mp);
  if(n < IP_HLEN + TCP_HLEN || n > 65535 || (MBLKL(mp) < n && !pullupmsg(mp, -1))){
    st.drop_short++;
    freemsg(mp);
    return;
  }
  uint8 *h = mp->b_rptr;
  int hlen = (h[0] & 0xf) * 4;
  int total = get16(h + 2);
  // ip checked all of this; a second look costs nothing and keeps a
  // change there from turning into a wild read here.
  if((h[0] >> 4) != 4 || hlen < IP_HLEN || total < hlen + TCP_HLEN || total > n){
    st.drop_short++;
    freemsg(mp);
    return;
  }
  struct netif *nif = shadow_for(lwip_htonl(get32(h + 16)));
  if(nif == 0){
    st.drop_notus++;           // broadcast, or an address we do not know yet
    freemsg(mp);
    return;
  }
  // lwIP writes into TCP headers (it clears FIN on trimmed segments), so
  // it may only have the buffer itself when nobody else sees it.
  struct pbuf *p = 0;
  struct rxbuf *r = mwritable(mp) && mp->b_cont == 0 ? kmalloc(sizeof(*r)) : 0;
  if(r){
    r->mp = mp;
    r->pc.custom_free_function = rx_free;
    p = pbuf_alloced_custom(PBUF_RAW, total, PBUF_REF, &r->pc, h, total);
    if(p == 0)
      kmfree(r);
  } else if((p = pbuf_alloc(PBUF_RAW, total, PBUF_RAM)) != 0){
    memmove(p->payload, h, total);
    freemsg(mp);
  }
  if(p == 0){
    st.drop_nomem++;
    freemsg(mp);
    return;
  }

  const struct ip_hdr *iph = (const struct ip_hdr *)p->payload;
  ip_data.current_netif = nif;
  ip_data.current_input_netif = nif;
  ip_data.current_ip4_header = iph;
  ip_data.current_ip_header_tot_len = hlen;
  ip_addr_copy_from_ip4(ip_data.current_iphdr_src, iph->src);
  ip_addr_copy_from_ip4(ip_data.current_iphdr_dest, iph->dest);
  pbuf_remove_header(p, hlen);
  tcp_input(p, nif);           // takes p
  memset(&ip_data, 0, sizeof(ip_data));
}

// ---------------------------------------------------------------- output

// lwIP's only way out. p is a TCP segment with its checksum done; lwIP
// keeps p (for retransmission), so we copy.
err_t
ip4_output_if(struct pbuf *p, const ip4_addr_t *src, const ip4_addr_t *dest,
              u8_t ttl, u8_t tos, u8_t proto, struct netif *netif)
{
  if(lowq == 0){
    st.out_nolink++;
    return ERR_RTE;
  }
  if(out_count >= OUTMAX || !canputnext(lowq)){
    st.out_full++;
    return ERR_MEM;
  }
  int len = p->tot_len;
  mblk_t *req = allocb(sizeof(struct ip_unitdata_req), BPRI_MED);
  mblk_t *dp = allocb_headroom(len, HEADROOM);
  if(req == 0 || dp == 0){
    if(req) freeb(req);
    if(dp) freeb(dp);
    st.out_nomem++;
    return ERR_MEM;
  }
  DB_TYPE(req) = M_PROTO;
  struct ip_unitdata_req *r = (struct ip_unitdata_req *)req->b_wptr;
  memset(r, 0, sizeof(*r));
  r->prim = IP_UNITDATA_REQ;
  r->dst = lwip_ntohl(ip4_addr_get_u32(dest));
  r->src = src ? lwip_ntohl(ip4_addr_get_u32(src)) : 0;
  r->proto = proto;
  r->ttl = ttl;
  r->tos = tos;
  req->b_wptr += sizeof(*r);
  pbuf_copy_partial(p, dp->b_wptr, len, 0);
  dp->b_wptr += len;
  linkb(req, dp);

  req->b_next = 0;
  if(out_last)
    out_last->b_next = req;
  else
    out_first = req;
  out_last = req;
  out_count++;
  st.out++;
  return ERR_OK;
}

// Release the lock and send the outbox down to ip. Only one thread sends
// at a time (others just leave their segments), so segments keep their
// order.
void
glue_release(void)
{
  if(flushing || out_first == 0){
    release(&lwip_lock);
    return;
  }
  flushing = 1;
  for(;;){
    mblk_t *list = out_first;
    out_first = out_last = 0;
    out_count = 0;
    if(list == 0)
      break;
    // Claim the lower stream while its pointer is known good: an unlink
    // cannot finish dismantling it until we release the claim.
    queue_t *q = lowq;
    int claimed = q && strclaim(q);
    release(&lwip_lock);
    while(list){
      mblk_t *next = list->b_next;
      list->b_next = 0;
      if(claimed){
        putnext(q, list);
        st.flushed++;
      } else {
        freemsg(list);
      }
      list = next;
    }
    if(claimed)
      strrelease(q);
    acquire(&lwip_lock);
  }
  flushing = 0;
  release(&lwip_lock);
}

void
glue_flush(void)
{
  acquire(&lwip_lock);
  glue_release();
}

// Which interface lwIP should use for dest: only its address and MTU
// matter (ip does the real routing). A directly connected subnet wins,
// else the first interface (where the default route usually is).
struct netif *
ip4_route(const ip4_addr_t *dest)
{
  if(lowq == 0 || nshadow == 0)
    return 0;
  for(int i = 0; i < nshadow; i++)
    if(ip4_addr_netcmp(dest, netif_ip4_addr(&shadow[i]), netif_ip4_netmask(&shadow[i])))
      return &shadow[i];
  return &shadow[0];
}

struct netif *
netif_get_by_index(u8_t idx)
{
  if(idx == NETIF_NO_INDEX || idx > nshadow)
    return 0;
  return &shadow[idx - 1];
}

// ---------------------------------------------------------------- addresses

// Ask ip for its addresses ("addrs"); the answer comes up our lower
// stream as an M_IOCACK (tcp_streams.c calls glue_addrs_answer): nothing
// else sends ioctls down the linked ip stream, so every NET_CTL answer
// there is to this question.
void
glue_ask_addrs(void)
{
  static const char text[] = "addrs";
  mblk_t *mp = mkiocmsg(NET_CTL, text, sizeof(text) - 1);
  if(mp == 0)
    return;

  acquire(&lwip_lock);
  queue_t *q = lowq;
  int claimed = q && strclaim(q);
  release(&lwip_lock);
  if(!claimed){
    freemsg(mp);
    return;
  }
  putnext(q, mp);
  strrelease(q);
}

// The answer: "A.B.C.D/LEN" lines. Connections keep the address they
// were made with; new ones use what is here now.
void
glue_addrs_answer(mblk_t *mp)
{
  char text[NSHADOW * 24 + 1];
  int n = 0;
  for(mblk_t *bp = mp->b_cont; bp && n < (int)sizeof(text) - 1; bp = bp->b_cont){
    int m = MBLKL(bp);
    if(m > (int)sizeof(text) - 1 - n)
      m = sizeof(text) - 1 - n;
    memmove(text + n, bp->b_rptr, m);
    n += m;
  }
  text[n] = 0;
  int count = 0;
  char *line = text;
  while(*line && count < NSHADOW){
    char *end = strchr(line, '\n');
    if(end)
      *end = 0;
    uint32 addr;
    int plen;
    if(netctl_parse_ipv4_prefix(line, &addr, &plen) == 0 && addr != 0){
      struct netif *nif = &shadow[count];
      memset(nif, 0, sizeof(*nif));
      ip4_addr_set_u32(&nif->ip_addr, lwip_htonl(addr));
      ip4_addr_set_u32(&nif->netmask, lwip_htonl(plen ? 0xffffffffu << (32 - plen) : 0));
      nif->mtu = 1500;
      nif->flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP | NETIF_FLAG_BROADCAST;
      nif->num = count;
      count++;
    }
    if(!end)
      break;
    line = end + 1;
  }
  nshadow = count;
}

int
glue_stats(char *buf, int n)
{
  return snprintf(buf, n, "segments-in %lu out %lu sent %lu drop-short %lu drop-not-ours %lu "
                  "drop-nomem %lu out-full %lu out-nolink %lu out-nomem %lu",
                  st.in, st.out, st.flushed, st.drop_short, st.drop_notus, st.drop_nomem,
                  st.out_full, st.out_nolink, st.out_nomem);
}
