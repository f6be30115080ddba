// tcp.c: TCP as a STREAMS multiplexing driver, on lwIP's TCP (RFC 793).
//
//   upper side  /dev/tcp: every open is a new conversation (a stream),
//               controlled by NET_CTL text (tcp.h lists the commands) and
//               carrying the connection's bytes as plain M_DATA.
//   lower side  one /dev/ip stream bound to protocol 6, I_PLINKed under
//               /dev/tcp at boot (netup). lwIP meets it in lwip-port/
//               ipglue.c: segments in and out, the local addresses.
//   /dev/tcpstat  a text listing of every conversation and connection.
//
// lwIP is not thread-safe: one spinlock (lwip_lock) is held around every
// lwIP call, and lwIP's callbacks run with it held. They never call
// putnext: data and answers for a conversation are put on its own read
// queue (putq), whose service procedure passes them up; segments for ip
// wait on the glue's outbox until the lock is dropped (unlk()). So no
// STREAMS put procedure ever runs under the lock, and lwIP is never
// re-entered.
//
// Flow control, both ways, comes from TCP itself:
//   - receiving: lwIP's window closes as data arrives; tcp_recved()
//     reopens it only when the read service procedure has handed the data
//     up to the stream head, so a slow reader slows the sender;
//   - sending: writes are copied into lwIP's send buffer while it has
//     room; the rest waits on the write queue (which, when full, stops the
//     writer at the stream head) until ACKs make room (sent callback).
//
// A conversation outlives its stream when needed: data written before
// close is still delivered ("orphan"), then FIN. Connections that arrive
// on a listener before anyone accepts them are conversations without a
// stream ("unaccepted"); "accept N" moves one onto the accepting stream.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"
#include "file.h"
#include "callout.h"
#include "streams/stream.h"
#include "inet.h"
#include "netctl.h"
#include "tcp.h"
#include "lwip/opt.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip-port/glue.h"

#define NCONV       256
#define TMR_MS      250           // lwIP's TCP_TMR_INTERVAL
#define ASK_TICKS   20            // re-ask ip for its addresses every 5 s
#define ORPHAN_MS   60000         // an orphan that makes no progress is reset
#define HALFOPEN    64            // most half-open (SYN_RCVD) connections
#define HALFOPEN_STALE_MS 3000    // a half-open peer silent this long is dead
#define CONV_RESERVE 8            // conversations kept for opens of /dev/tcp
#define TEXTMAX     256

enum {
  CS_IDLE,          // fresh: no connection yet
  CS_CONNECTING,    // connect sent, waiting for the handshake
  CS_OPEN,          // synchronized (or closing down) with a pcb
  CS_LISTEN,        // announced
  CS_ACCEPTING,     // waiting in "accept N"
  CS_DONE,          // the connection is over (c->err says how, if badly)
};

struct conv {
  int id;
  int state;
  queue_t *rq;                 // upper read queue; 0: no stream (yet/any more)
  struct tcp_pcb *pcb;         // 0 once lwIP freed it or we let it go
  int err;                     // errno the connection ended with
  mblk_t *ioc;                 // connect/accept waiting for its answer
  uint64 deadline;             // connecting/orphan: give up at (ms)
  // listeners and what waits on them
  struct conv *lst;            // unaccepted or accepting: the listener
  struct conv *qnext;          // on the listener's embryo/waiter list
  struct conv *embryos;        // listener: connections nobody accepted yet
  struct conv *waiters;        // listener: conversations in "accept"
  int nembryo, backlog;
  int readable;                // listener: the "connection waiting" marker is up
  // data and its end
  mblk_t *held, *heldlast;     // upward messages while there is no stream
  mblk_t *orphan;              // data left to send after the stream closed
  int rx_fin;                  // the peer's FIN arrived
  int tx_fin;                  // our FIN is queued
  int shut_pending;            // shutdown asked while data still waits
  int eof_due, hup_due, err_due; // signals to send up (retried if no memory)
  int epipe_sent;
  int reap;                    // free at the end of the locked section
  int push_due;                // orphan: push at the end of the locked section
  // options, applied to the pcb when there is one
  int keepalive, nodelay;
  uint32 ka_idle, ka_intvl, ka_cnt;
  // for the listing once the pcb is gone
  uint32 laddr, raddr;         // network order
  uint16 lport, rport;
};

static struct conv *convs[NCONV];
static int nreap, npush;
static u8_t ext_id;
static int timer_id;
static ulong nticks;
static struct {
  ulong opens, connects, established, refused, accepted, resets, timeouts, backlog_drops;
  ulong syn_refused, halfopen_resets;
} st;

static void tick(void *unused);
static const struct tcp_ext_arg_callbacks ext_callbacks;
static void listener_ready(struct conv *l);

// ---------------------------------------------------------------- locking

static void
lk(void)
{
  acquire(&lwip_lock);
}

static void conv_free(struct conv *c);

static int orphan_push(struct conv *c);

// Leave the lwIP section: free conversations that died inside it (lwIP
// may still have called us about them during the call), then send the
// segments lwIP produced.
static void
unlk(void)
{
  // Orphans whose data was acknowledged go on sending (or close) here,
  // not in the sent callback: see cb_sent.
  if(npush){
    for(int i = 0; i < NCONV; i++){
      struct conv *c = convs[i];
      if(c && c->push_due){
        c->push_due = 0;
        if(!c->reap && c->pcb && c->orphan)
          orphan_push(c);
      }
    }
    npush = 0;
  }
  if(nreap){
    for(int i = 0; i < NCONV; i++)
      if(convs[i] && convs[i]->reap)
        conv_free(convs[i]);
    nreap = 0;
  }
  if(timer_id == 0)
    timer_id = timeout(tick, 0, TMR_MS);   // the callout table was full
  glue_release();
}

// ---------------------------------------------------------------- conversations

static struct conv *
conv_new(void)
{
  struct conv *c = kmalloc(sizeof(*c));
  if(c == 0)
    return 0;
  for(int i = 0; i < NCONV; i++){
    if(convs[i] == 0){
      c->id = i;
      c->state = CS_IDLE;
      c->ka_idle = TCP_KEEPIDLE_DEFAULT;
      c->ka_intvl = TCP_KEEPINTVL_DEFAULT;
      c->ka_cnt = TCP_KEEPCNT_DEFAULT;
      convs[i] = c;
      return c;
    }
  }
  kmfree(c);
  return 0;
}

static void
freelist(mblk_t *mp)
{
  while(mp){
    mblk_t *next = mp->b_next;
    mp->b_next = 0;
    freemsg(mp);
    mp = next;
  }
}

static void
conv_free(struct conv *c)
{
  convs[c->id] = 0;
  freelist(c->held);
  freelist(c->orphan);
  if(c->ioc)
    freemsg(c->ioc);
  kmfree(c);
}

static void
conv_reap(struct conv *c)
{
  if(!c->reap){
    c->reap = 1;
    nreap++;
  }
}

// Remove c from a listener's list (embryos or waiters).
static void
unlist(struct conv **head, struct conv *c)
{
  for(struct conv **pp = head; *pp; pp = &(*pp)->qnext)
    if(*pp == c){
      *pp = c->qnext;
      c->qnext = 0;
      return;
    }
}

static void
append(struct conv **head, struct conv *c)
{
  struct conv **pp = head;
  while(*pp)
    pp = &(*pp)->qnext;
  c->qnext = 0;
  *pp = c;
}

// Remember the pcb's addresses (the listing shows them after it is gone).
static void
note_addrs(struct conv *c)
{
  if(c->pcb == 0)
    return;
  c->laddr = ip4_addr_get_u32(&c->pcb->local_ip);
  c->lport = c->pcb->local_port;
  if(c->pcb->state == LISTEN){
    c->raddr = 0;              // a listening pcb is a smaller struct:
    c->rport = 0;              // it has no remote port at all
    return;
  }
  c->raddr = ip4_addr_get_u32(&c->pcb->remote_ip);
  c->rport = c->pcb->remote_port;
}

// ---------------------------------------------------------------- messages up

// Hand an upward message to the conversation: onto its read queue, whose
// service procedure passes it on, or held until a stream adopts it.
static void
conv_up(struct conv *c, mblk_t *mp)
{
  if(c->rq){
    putq(c->rq, mp);
    return;
  }
  mp->b_next = 0;
  if(c->heldlast)
    c->heldlast->b_next = mp;
  else
    c->held = mp;
  c->heldlast = mp;
}

#define HUP_MARK 'H'    // M_CTL on our read queue: send M_HANGUP when reached

// Send what the connection's state owes the reader: end of file, hang-up
// (both directions finished), or the error. Markers ride the read queue
// behind the data, so a reader sees every byte first. Retried from the
// timer when memory is short.
static void
conv_signal(struct conv *c)
{
  if(c->err_due && c->rq){
    uchar e[2] = { c->err, c->err };
    mblk_t *mp = mkctlmsg(M_ERROR, e, 2);
    if(mp){
      putq(c->rq, mp);
      c->err_due = 0;
    }
  }
  if(c->eof_due){
    mblk_t *mp = allocb(0, BPRI_MED);
    if(mp){
      conv_up(c, mp);
      c->eof_due = 0;
    }
  }
  if(c->hup_due && !c->eof_due){
    uchar m = HUP_MARK;
    mblk_t *mp = mkctlmsg(M_CTL, &m, 1);
    if(mp){
      conv_up(c, mp);
      c->hup_due = 0;
    }
  }
}

// Turn M_IOCTL mp into its answer: M_IOCACK with text, or M_IOCNAK.
static void
ioc_answer(mblk_t *mp, int err, const char *text, int len)
{
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  if(mp->b_cont){
    freemsg(mp->b_cont);
    mp->b_cont = 0;
  }
  if(err == 0 && len > 0){
    mblk_t *dp = allocb(len, BPRI_MED);
    if(dp == 0){
      err = ENOSR;
    } else {
      memmove(dp->b_wptr, text, len);
      dp->b_wptr += len;
      mp->b_cont = dp;
    }
  }
  DB_TYPE(mp) = err ? M_IOCNAK : M_IOCACK;
  ioc->ioc_error = err;
  ioc->ioc_rval = err ? -1 : 0;
  ioc->ioc_count = err ? 0 : len;
}

// Answer the conversation's waiting connect/accept (from a callback).
static void
conv_answer(struct conv *c, int err, const char *text, int len)
{
  mblk_t *mp = c->ioc;
  if(mp == 0)
    return;
  c->ioc = 0;
  ioc_answer(mp, err, text, len);
  if(c->rq)
    putq(c->rq, mp);
  else
    freemsg(mp);
}

static int
fmt_hostport(char *buf, int n, uint32 addr_net, int port)
{
  char a[16];
  return snprintf(buf, n, "%s!%d", fmt_ipv4(a, lwip_ntohl(addr_net)), port);
}

// ---------------------------------------------------------------- pcbs

static err_t cb_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t cb_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static void  cb_err(void *arg, err_t err);

static void
apply_opts(struct conv *c)
{
  struct tcp_pcb *pcb = c->pcb;
  if(pcb == 0 || c->state == CS_LISTEN)
    return;
  if(c->keepalive){
    ip_set_option(pcb, SOF_KEEPALIVE);
    pcb->keep_idle = c->ka_idle;
    pcb->keep_intvl = c->ka_intvl;
    pcb->keep_cnt = c->ka_cnt;
  } else {
    ip_reset_option(pcb, SOF_KEEPALIVE);
  }
  if(c->nodelay)
    tcp_nagle_disable(pcb);
  else
    tcp_nagle_enable(pcb);
}

// Make pcb the conversation's connection. Connections get the highest
// priority, listeners (and so half-open connections) the lowest: when
// pcbs run out, lwIP sacrifices half-open ones, never established ones,
// which is what keeps a SYN flood from killing real connections.
static void
pcb_attach(struct conv *c, struct tcp_pcb *pcb)
{
  c->pcb = pcb;
  tcp_arg(pcb, c);
  tcp_recv(pcb, cb_recv);
  tcp_sent(pcb, cb_sent);
  tcp_err(pcb, cb_err);
  tcp_ext_arg_set_callbacks(pcb, ext_id, &ext_callbacks);
  tcp_ext_arg_set(pcb, ext_id, c);
  tcp_setprio(pcb, TCP_PRIO_MAX);
  apply_opts(c);
  note_addrs(c);
}

// Let go of the pcb: lwIP keeps running it (FIN handshake, TIME_WAIT)
// without telling us anything more; its default receive function
// discards data and closes on FIN.
static struct tcp_pcb *
pcb_detach(struct conv *c)
{
  struct tcp_pcb *pcb = c->pcb;
  if(pcb == 0)
    return 0;
  note_addrs(c);
  c->pcb = 0;
  tcp_arg(pcb, 0);
  if(pcb->state == LISTEN){
    tcp_accept(pcb, 0);
    return pcb;
  }
  tcp_recv(pcb, 0);
  tcp_sent(pcb, 0);
  tcp_err(pcb, 0);
  tcp_ext_arg_set(pcb, ext_id, 0);
  return pcb;
}

static void
pcb_abort(struct conv *c)
{
  struct tcp_pcb *pcb = pcb_detach(c);
  if(pcb)
    tcp_abort(pcb);
}

// Close gracefully (FIN after what was queued); reset if lwIP cannot
// (no memory for the FIN). Returns 1 if the pcb was aborted: a lwIP
// callback of that pcb must then return ERR_ABRT.
static int
pcb_close(struct conv *c)
{
  struct tcp_pcb *pcb = pcb_detach(c);
  if(pcb && tcp_close(pcb) != ERR_OK){
    tcp_abort(pcb);
    return 1;
  }
  return 0;
}

static int
lwip_errno(err_t err)
{
  switch(err){
  case ERR_MEM: case ERR_BUF: return ENOBUFS;
  case ERR_RTE: return EHOSTUNREACH;
  case ERR_USE: return EADDRINUSE;
  case ERR_ISCONN: return EISCONN;
  case ERR_CONN: return ENOTCONN;
  case ERR_RST: return ECONNRESET;
  case ERR_ABRT: return ECONNABORTED;
  case ERR_VAL: case ERR_ARG: return EINVAL;
  default: return EIO;
  }
}

// ---------------------------------------------------------------- sending

// Would tcp_write trip lwIP's assertions "mss_local is too small" or
// "inconsistent oversize vs. space"? lwIP cuts new data into segments of
// at most half the largest window the peer ever offered (the MSS while
// that is still 0) and asserts that the last unsent segment, with the
// room left in its buffer, fits that size. A peer that offers a zero
// window in its SYN and a small one later makes it false: the data
// queued meanwhile went into MSS-sized segments. Until those are gone
// (lwIP splits them to fit the window), new data waits, as when the
// send buffer is full: the sent callback brings it back.
static int
write_would_assert(struct tcp_pcb *pcb)
{
  struct tcp_seg *last = pcb->unsent;
  if(last == 0)
    return 0;
  while(last->next)
    last = last->next;
  u16_t mss = LWIP_MIN(pcb->mss, TCPWND_MIN16(pcb->snd_wnd_max / 2));
  if(mss == 0)
    mss = pcb->mss;
  int used = last->len + LWIP_TCP_OPT_LENGTH(last->flags);
  if(mss < used)
    return 1;
#if TCP_OVERSIZE
  if(pcb->unsent_oversize > mss - used)
    return 1;
#endif
  return 0;
}

// Copy as much of message mp into lwIP's send buffer as fits. Returns
// what is left (0 when all of it went).
static mblk_t *
push(struct conv *c, mblk_t *mp)
{
  struct tcp_pcb *pcb = c->pcb;
  while(mp){
    int n = MBLKL(mp);
    if(n <= 0){
      mblk_t *next = mp->b_cont;
      freeb(mp);
      mp = next;
      continue;
    }
    // Keep a few queue entries spare so a FIN always fits.
    int room = tcp_sndbuf(pcb);
    if(room == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 4 || write_would_assert(pcb))
      break;
    int k = n < room ? n : room;
    u8_t flags = TCP_WRITE_FLAG_COPY;
    if(k < n || mp->b_cont)
      flags |= TCP_WRITE_FLAG_MORE;
    err_t err = tcp_write(pcb, mp->b_rptr, k, flags);
    if(err == ERR_MEM)
      break;
    if(err != ERR_OK){
      freemsg(mp);           // the connection cannot send any more
      return 0;
    }
    mp->b_rptr += k;
  }
  return mp;
}

static int
can_send(struct conv *c)
{
  return c->pcb && c->state == CS_OPEN && !c->tx_fin && !c->shut_pending;
}

// Queue our FIN. If the peer's FIN is already here, both directions are
// done: the reader gets a hang-up after the data.
static void
do_shutdown(struct conv *c)
{
  if(c->pcb == 0 || c->tx_fin)
    return;
  if(tcp_shutdown(c->pcb, 0, 1) != ERR_OK)
    return;                  // no memory for the FIN now: the timer retries
  c->shut_pending = 0;
  c->tx_fin = 1;
  if(c->rx_fin){
    c->hup_due = 1;
    conv_signal(c);
  }
}

// A write that can never be sent (after shutdown, or on a dead or never
// connected conversation) is dropped; the writer learns it from an
// M_ERROR for the write side only, which the caller sends up straight
// away (after leaving the lock), so the rest of the same write() and
// every later one fail with EPIPE (ENOTCONN, or the connection's error).
static mblk_t *
refuse_write(struct conv *c, mblk_t *mp)
{
  freemsg(mp);
  if(c->epipe_sent || c->rq == 0)
    return 0;
  int e = c->err ? c->err : (c->state == CS_OPEN || c->state == CS_DONE) ? EPIPE : ENOTCONN;
  uchar b[2] = { 0xff, e };         // 0xff: leave the read side alone
  mblk_t *em = mkctlmsg(M_ERROR, b, 2);
  if(em)
    c->epipe_sent = 1;
  return em;
}

// The data an orphan still has to send; then its FIN. Returns 1 if the
// pcb had to be aborted instead.
static int
orphan_push(struct conv *c)
{
  while(c->orphan && c->pcb){
    mblk_t *mp = c->orphan;
    c->orphan = mp->b_next;
    mp->b_next = 0;
    mp = push(c, mp);
    if(mp){
      mp->b_next = c->orphan;
      c->orphan = mp;
      break;
    }
  }
  if(c->pcb)
    tcp_output(c->pcb);
  if(c->orphan == 0){
    conv_reap(c);
    return pcb_close(c);
  }
  return 0;
}

// ---------------------------------------------------------------- lwIP callbacks

// The data of a pbuf chain as a message: received buffers are shared
// (no copy), anything else is copied.
static mblk_t *
pbuf_to_msg(struct pbuf *p)
{
  mblk_t *head = 0, **tail = &head;
  for(struct pbuf *q = p; q; q = q->next){
    if(q->len == 0)
      continue;
    mblk_t *bp = glue_pbuf_block(q);
    if(bp == 0 && (bp = allocb(q->len, BPRI_MED)) != 0){
      memmove(bp->b_wptr, q->payload, q->len);
      bp->b_wptr += q->len;
    }
    if(bp == 0){
      freemsg(head);
      return 0;
    }
    *tail = bp;
    tail = &bp->b_cont;
  }
  return head;
}

static err_t
cb_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  struct conv *c = arg;
  if(p == 0){
    // The peer's FIN (once; lwIP never repeats it).
    if(c->rx_fin)
      return ERR_OK;
    c->rx_fin = 1;
    if(c->tx_fin)
      c->hup_due = 1;
    else
      c->eof_due = 1;
    conv_signal(c);
    return ERR_OK;
  }
  if(c->orphan || (c->rq == 0 && c->lst == 0)){
    // Nobody will read it (the stream is closed): take and discard.
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  mblk_t *mp = pbuf_to_msg(p);
  if(mp == 0)
    return ERR_MEM;            // lwIP keeps it and offers it again
  pbuf_free(p);
  conv_up(c, mp);
  return ERR_OK;
}

static err_t
cb_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  struct conv *c = arg;
  if(c->orphan){
    // It makes progress. The push (which closes the pcb once all is
    // queued) waits for the end of the locked section: lwIP 2.1.3's
    // tcp_input drops, without freeing, the data that came with this
    // ACK if the pcb is closed or aborted inside the sent callback.
    c->deadline = uptime_ms() + ORPHAN_MS;
    if(!c->push_due){
      c->push_due = 1;
      npush++;
    }
  } else if(c->rq && (WR(c->rq)->q_first || c->shut_pending)){
    qenable(WR(c->rq));
  }
  return ERR_OK;
}

static err_t
cb_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  struct conv *c = arg;
  c->state = CS_OPEN;
  c->deadline = 0;
  note_addrs(c);
  st.established++;
  char text[TCP_ADDRLEN];
  int n = fmt_hostport(text, sizeof(text), c->raddr, c->rport);
  conv_answer(c, 0, text, n);
  if(c->rq && WR(c->rq)->q_first)
    qenable(WR(c->rq));
  return ERR_OK;
}

// lwIP frees a pcb we hold: at the end of TIME_WAIT or LAST_ACK, or
// just before the err callback. Only the pointer is dropped here (the
// state stays, so cb_err can tell a failed connect from a reset).
static void
ext_destroyed(u8_t id, void *data)
{
  struct conv *c = data;
  if(c == 0 || c->pcb == 0)
    return;
  note_addrs(c);
  c->pcb = 0;
  if(c->orphan || (c->rq == 0 && c->lst == 0))
    conv_reap(c);
}

// A SYN reached a listener and lwIP made a half-open connection for it
// (SYN_RCVD; its SYN-ACK is not sent yet). Admit it only while there is
// room; when there is none, the SYN is refused with a reset, which the
// peer sees at once as "connection refused". A half-open connection that
// lwIP has already admitted is never dropped silently: its peer may hold
// the connection as established, and would find out only when it sends.
//
// Room means: this listener's half-open plus unaccepted connections stay
// under its backlog (plus the conversations waiting in accept); all
// half-open connections together stay under HALFOPEN (a SYN flood must
// not take every pcb); and each of them will find a conversation free
// when its handshake completes. When one of these is full, a half-open
// connection whose peer has sent nothing for HALFOPEN_STALE_MS (the
// first SYN-ACK retransmission: a live peer answers within a round
// trip) is presumed dead - a SYN flood's, whose source never answers -
// and is reset to make room, so that a flood delays new connections
// by at most that long instead of locking them out.
static err_t
cb_passive_open(u8_t id, struct tcp_pcb_listen *lpcb, struct tcp_pcb *cpcb)
{
  struct conv *l = lpcb->callback_arg;
  const u32_t stale_ticks = HALFOPEN_STALE_MS / TCP_SLOW_INTERVAL;
  int mine = 0, all = 0;
  struct tcp_pcb *stale_mine = 0, *stale_any = 0;
  for(struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next){
    if(p->state != SYN_RCVD || p == cpcb)
      continue;
    int stale = (u32_t)(tcp_ticks - p->tmr) >= stale_ticks;
    all++;
    if(stale)
      stale_any = p;           // new pcbs go to the front: the last is oldest
    if(p->listener == lpcb){
      mine++;
      if(stale)
        stale_mine = p;
    }
  }
  int room = l ? l->backlog : TCP_BACKLOG;
  if(l)
    for(struct conv *w = l->waiters; w; w = w->qnext)
      room++;
  int nfree = 0;
  for(int i = 0; i < NCONV; i++)
    if(convs[i] == 0)
      nfree++;
  int lfull = mine + (l ? l->nembryo : 0) >= room;
  int gfull = all >= HALFOPEN || nfree <= all + CONV_RESERVE;
  if(!lfull && !gfull)
    return ERR_OK;
  // A dead half-open connection makes room: the listener's own when the
  // listener is full (any other would not help it), else any.
  struct tcp_pcb *victim = lfull ? stale_mine : stale_any;
  if(victim && !(lfull && (l ? l->nembryo : 0) >= room)){
    st.halfopen_resets++;
    tcp_abandon(victim, 1);
    return ERR_OK;
  }
  // No room: refuse. RFC 793: the reset for a segment without ACK has
  // sequence number 0 and acknowledges the SYN. lwIP then frees cpcb.
  st.syn_refused++;
  tcp_rst(cpcb, 0, cpcb->rcv_nxt, &cpcb->local_ip, &cpcb->remote_ip, cpcb->local_port,
          cpcb->remote_port);
  return ERR_ABRT;
}

// One table for every pcb we hold: connections tell us when lwIP frees
// them (their ext arg is the conversation), listeners about new SYNs
// (their ext arg stays 0, so their own end is ignored).
static const struct tcp_ext_arg_callbacks ext_callbacks = {
  .destroy = ext_destroyed,
  .passive_open = cb_passive_open,
};

// The connection ended without us closing it: reset by the peer,
// retransmissions or keepalives gone unanswered, or (ERR_CLSD) the
// normal end after we only shut down our side. lwIP frees the pcb.
static void
cb_err(void *arg, err_t err)
{
  struct conv *c = arg;
  if(c == 0)
    return;
  int connecting = c->state == CS_CONNECTING;
  c->pcb = 0;
  c->state = CS_DONE;
  if(err == ERR_CLSD && !connecting){
    // Not a failure: both sides closed and our FIN was acknowledged
    // (LAST_ACK is over). The reader already has its hang-up.
    if(c->rq == 0 && c->lst == 0)
      conv_reap(c);
    return;
  }
  if(connecting){
    c->err = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
    if(err == ERR_RST) st.refused++; else st.timeouts++;
    conv_answer(c, c->err, 0, 0);
    return;
  }
  c->err = err == ERR_RST ? ECONNRESET : err == ERR_ABRT ? ETIMEDOUT : ECONNABORTED;
  if(err == ERR_RST) st.resets++; else st.timeouts++;
  if(c->lst){
    // Not accepted yet: it just disappears from the backlog.
    struct conv *l = c->lst;
    unlist(&l->embryos, c);
    l->nembryo--;
    c->lst = 0;
    listener_ready(l);
    conv_reap(c);
    return;
  }
  if(c->rq == 0){
    conv_reap(c);
    return;
  }
  c->err_due = 1;
  conv_signal(c);
}

// ---------------------------------------------------------------- listening

// A listener's stream is readable (poll: POLLIN) exactly while
// connections wait to be accepted, as a listening socket is: a
// one-byte M_PCPROTO marker goes up when the first arrives, and an
// M_FLUSH of the read side takes it back when none is left. (Reading a
// listener fails with EBADMSG; accept is the way to take connections.)
// If memory is short the timer tries again.
static void
listener_ready(struct conv *l)
{
  int want = l->embryos != 0;
  if(l->rq == 0 || want == l->readable)
    return;
  if(want){
    uchar m = 'A';
    mblk_t *mp = mkctlmsg(M_PCPROTO, &m, 1);
    if(mp == 0)
      return;
    putq(l->rq, mp);
  } else {
    uchar how = FLUSHR;
    mblk_t *mp = mkctlmsg(M_FLUSH, &how, 1);
    if(mp == 0)
      return;
    flushq(l->rq, FLUSHDATA);  // a marker that has not gone up yet
    putq(l->rq, mp);           // and the one that has
  }
  l->readable = want;
}

// w (in "accept") takes over the unaccepted connection e.
static void
adopt(struct conv *w, struct conv *e)
{
  struct tcp_pcb *pcb = e->pcb;
  pcb_detach(e);
  w->state = CS_OPEN;
  w->lst = 0;
  w->keepalive = e->keepalive;
  w->nodelay = e->nodelay;
  w->ka_idle = e->ka_idle;
  w->ka_intvl = e->ka_intvl;
  w->ka_cnt = e->ka_cnt;
  w->rx_fin = e->rx_fin;
  w->eof_due = e->eof_due;
  w->err = e->err;
  if(pcb)
    pcb_attach(w, pcb);
  else
    w->state = CS_DONE;        // died unaccepted: the reader sees the end
  while(e->held){
    mblk_t *mp = e->held;
    e->held = mp->b_next;
    mp->b_next = 0;
    conv_up(w, mp);
  }
  e->heldlast = 0;
  conv_reap(e);
  st.accepted++;
  char text[TCP_ADDRLEN];
  int n = fmt_hostport(text, sizeof(text), w->raddr, w->rport);
  conv_answer(w, 0, text, n);
  conv_signal(w);
}

static err_t
cb_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  struct conv *l = arg;
  if(err != ERR_OK || newpcb == 0 || l == 0)
    return ERR_VAL;
  // The backlog was enforced when the SYN came (cb_passive_open), so a
  // completed handshake is refused only when no conversation is free.
  struct conv *e = conv_new();
  if(e == 0){
    st.backlog_drops++;
    tcp_abort(newpcb);
    return ERR_ABRT;
  }
  e->state = CS_OPEN;
  e->lst = l;
  e->keepalive = l->keepalive;
  e->nodelay = l->nodelay;
  e->ka_idle = l->ka_idle;
  e->ka_intvl = l->ka_intvl;
  e->ka_cnt = l->ka_cnt;
  pcb_attach(e, newpcb);
  struct conv *w = l->waiters;
  if(w){
    unlist(&l->waiters, w);
    adopt(w, e);
  } else {
    append(&l->embryos, e);
    l->nembryo++;
    listener_ready(l);
  }
  return ERR_OK;
}

// The listener goes away: so do its unaccepted connections; those
// waiting in accept hear ECONNABORTED.
static void
listener_close(struct conv *l)
{
  struct tcp_pcb *pcb = pcb_detach(l);
  if(pcb)
    tcp_close(pcb);            // a listening pcb always closes at once
  while(l->embryos){
    struct conv *e = l->embryos;
    l->embryos = e->qnext;
    e->lst = 0;
    pcb_abort(e);
    conv_reap(e);
  }
  l->nembryo = 0;
  while(l->waiters){
    struct conv *w = l->waiters;
    l->waiters = w->qnext;
    w->qnext = 0;
    w->lst = 0;
    w->state = CS_IDLE;
    conv_answer(w, ECONNABORTED, 0, 0);
  }
}

// ---------------------------------------------------------------- the listing

static const char *const pcb_state_name[] = {
  "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
  "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

static const char *
conv_state(struct conv *c)
{
  switch(c->state){
  case CS_IDLE: return "Idle";
  case CS_ACCEPTING: return "Accepting";
  case CS_DONE: return c->err ? "Failed" : "Closed";
  case CS_LISTEN: return "LISTEN";
  }
  if(c->lst)
    return "Unaccepted";
  if(c->pcb == 0)
    return "Closed";
  if(c->pcb->state <= TIME_WAIT)
    return pcb_state_name[c->pcb->state];
  return "?";
}

static ulong
qbytes(queue_t *q)
{
  return q ? q->q_count : 0;
}

// Data bytes (not markers) waiting on a read queue.
static ulong
rqbytes(queue_t *rq)
{
  ulong n = 0;
  if(rq == 0)
    return 0;
  acquire(&rq->q_lock);
  for(mblk_t *m = rq->q_first; m; m = m->b_next)
    if(DB_TYPE(m) == M_DATA)
      n += msgdsize(m);
  release(&rq->q_lock);
  return n;
}

static ulong
heldbytes(mblk_t *mp)
{
  ulong n = 0;
  for(; mp; mp = mp->b_next)
    n += msgdsize(mp);
  return n;
}

// One line per conversation: N STATE LOCAL REMOTE SENDQ RECVQ.
static int
conv_line(struct conv *c, char *buf, int n)
{
  note_addrs(c);
  char la[TCP_ADDRLEN], ra[TCP_ADDRLEN];
  fmt_hostport(la, sizeof(la), c->laddr, c->lport);
  fmt_hostport(ra, sizeof(ra), c->raddr, c->rport);
  ulong sendq = heldbytes(c->orphan);
  if(c->rq)
    sendq += qbytes(WR(c->rq));
  if(c->pcb && c->state != CS_LISTEN)
    sendq += TCP_SND_BUF - c->pcb->snd_buf;
  ulong recvq = heldbytes(c->held) + rqbytes(c->rq);
  return snprintf(buf, n, "%d %s %s %s %lu %lu\n", c->id, conv_state(c), la, ra, sendq, recvq);
}

static int
pcb_line(struct tcp_pcb *pcb, char *buf, int n)
{
  char la[TCP_ADDRLEN], ra[TCP_ADDRLEN];
  fmt_hostport(la, sizeof(la), ip4_addr_get_u32(&pcb->local_ip), pcb->local_port);
  fmt_hostport(ra, sizeof(ra), ip4_addr_get_u32(&pcb->remote_ip), pcb->remote_port);
  const char *s = pcb->state <= TIME_WAIT ? pcb_state_name[pcb->state] : "?";
  ulong sendq = pcb->state == LISTEN ? 0 : TCP_SND_BUF - pcb->snd_buf;
  return snprintf(buf, n, "- %s %s %s %lu 0\n", s, la, ra, sendq);
}

// Collects the part [off, off+cap) of a text produced line by line.
struct sink {
  char *buf;
  int cap, len;
  ulong off, pos;
};

static void
emit(struct sink *s, const char *line, int n)
{
  for(int i = 0; i < n; i++, s->pos++)
    if(s->pos >= s->off && s->len < s->cap)
      s->buf[s->len++] = line[i];
}

static int
count_pcbs(struct tcp_pcb *list)
{
  int n = 0;
  for(; list; list = list->next)
    n++;
  return n;
}

// The whole listing. Lock held.
static void
listing(struct sink *s)
{
  char line[TEXTMAX];
  emit(s, line, snprintf(line, sizeof(line), "# conv state local remote sendq recvq\n"));
  int nconv = 0, nunacc = 0, norphan = 0;
  for(int i = 0; i < NCONV; i++){
    struct conv *c = convs[i];
    if(c == 0 || c->reap)
      continue;
    nconv++;
    if(c->lst && c->state == CS_OPEN)
      nunacc++;
    if(c->rq == 0 && c->lst == 0)
      norphan++;
    emit(s, line, conv_line(c, line, sizeof(line)));
  }
  // Connections lwIP still runs for nobody (closing, TIME_WAIT).
  struct tcp_pcb *lists[] = { tcp_active_pcbs, tcp_tw_pcbs, tcp_bound_pcbs };
  for(int k = 0; k < 3; k++)
    for(struct tcp_pcb *p = lists[k]; p; p = p->next)
      if(p->callback_arg == 0 && p->state != SYN_RCVD)
        emit(s, line, pcb_line(p, line, sizeof(line)));
  int active = count_pcbs(tcp_active_pcbs), tw = count_pcbs(tcp_tw_pcbs);
  int listen = count_pcbs((struct tcp_pcb *)tcp_listen_pcbs.listen_pcbs);
  int bound = count_pcbs(tcp_bound_pcbs);
  ulong used, peak, fail;
  lwip_port_heapstats(&used, &peak, &fail);
  emit(s, line, snprintf(line, sizeof(line),
       "# conversations %d unaccepted %d orphans %d pcbs %d active %d listen %d "
       "timewait %d heap %lu heap-peak %lu heap-fail %lu\n",
       nconv, nunacc, norphan, active + tw + listen + bound, active, listen, tw,
       used, peak, fail));
  emit(s, line, snprintf(line, sizeof(line),
       "# opens %lu connects %lu established %lu refused %lu accepted %lu resets %lu "
       "timeouts %lu backlog-drops %lu syn-refused %lu halfopen-resets %lu\n",
       st.opens, st.connects, st.established, st.refused, st.accepted, st.resets,
       st.timeouts, st.backlog_drops, st.syn_refused, st.halfopen_resets));
  int n = glue_stats(line, sizeof(line) - 3);
  emit(s, "# ", 2);
  emit(s, line, n);
  emit(s, "\n", 1);
}

// /dev/tcpstat: the listing, read like a file.
static int
tcpstat_read(struct file *f, uint64 dst, int n)
{
  char *buf = kalloc();
  if(buf == 0)
    return -ENOMEM;
  struct sink s = { buf, n < PGSIZE ? n : PGSIZE, 0, f->off, 0 };
  lk();
  listing(&s);
  unlk();
  int r = s.len;
  if(r > 0 && copyout_user(dst, buf, r) < 0)
    r = -EFAULT;
  else
    f->off += r;
  kfree(buf);
  return r;
}

static struct devsw tcpstat_dev = { .read = tcpstat_read };

// ---------------------------------------------------------------- control

struct answer {
  int err;
  int deferred;               // the message is kept; a callback answers
  const char *why;            // reason for I_ERRSTR
  int len;
  char text[TEXTMAX];
};

// "A.B.C.D!PORT" (or "*!PORT" when star is allowed: addr 0).
static int
parse_hostport(char *s, int star, uint32 *addr, uint32 *port)
{
  char *bang = strchr(s, '!');
  if(bang == 0)
    return -1;
  *bang = 0;
  int r;
  if(star && strcmp(s, "*") == 0){
    *addr = 0;
    r = 0;
  } else {
    r = parse_ipv4(s, addr);
  }
  *bang = '!';
  if(r < 0 || parse_uint(bang + 1, port) < 0 || *port > 65535)
    return -1;
  return 0;
}

static void
fail(struct answer *a, int err, const char *why)
{
  a->err = err;
  a->why = why;
}

static void
ctl_connect(struct conv *c, mblk_t *mp, int argc, char **argv, struct answer *a)
{
  uint32 addr, port, ms = TCP_CONNECT_MS;
  if(argc < 2 || argc > 3 || parse_hostport(argv[1], 0, &addr, &port) < 0 ||
     addr == 0 || port == 0 || (argc == 3 && (parse_uint(argv[2], &ms) < 0 || ms == 0))){
    fail(a, EINVAL, "tcp: usage: connect A.B.C.D!PORT [TIMEOUT_MS]");
    return;
  }
  if(c->state != CS_IDLE){
    fail(a, EISCONN, "tcp: this conversation is already in use");
    return;
  }
  if(!glue_linked() || glue_naddrs() == 0){
    fail(a, EHOSTUNREACH, "tcp: the network is not up (no address yet)");
    return;
  }
  struct tcp_pcb *pcb = tcp_new();
  if(pcb == 0){
    fail(a, ENOBUFS, "tcp: no connection slot free");
    return;
  }
  pcb_attach(c, pcb);
  ip_addr_t ip;
  ip4_addr_set_u32(&ip, lwip_htonl(addr));
  c->state = CS_CONNECTING;
  st.connects++;
  err_t err = tcp_connect(pcb, &ip, port, cb_connected);
  if(err != ERR_OK){
    pcb_abort(c);
    c->state = CS_IDLE;
    fail(a, lwip_errno(err), "tcp: cannot connect");
    return;
  }
  note_addrs(c);
  c->ioc = mp;
  c->deadline = uptime_ms() + ms;
  a->deferred = 1;
}

static void
ctl_announce(struct conv *c, int argc, char **argv, struct answer *a)
{
  uint32 addr, port, backlog = TCP_BACKLOG;
  if(argc < 2 || argc > 3 || parse_hostport(argv[1], 1, &addr, &port) < 0 ||
     (argc == 3 && (parse_uint(argv[2], &backlog) < 0 || backlog == 0))){
    fail(a, EINVAL, "tcp: usage: announce *!PORT [BACKLOG] (or A.B.C.D!PORT)");
    return;
  }
  if(backlog > TCP_BACKLOG_MAX)
    backlog = TCP_BACKLOG_MAX;
  if(c->state != CS_IDLE){
    fail(a, EISCONN, "tcp: this conversation is already in use");
    return;
  }
  // lwIP would let two listeners share a port (both reuse addresses, so
  // that a restarted server need not wait out TIME_WAIT); we do not.
  for(int i = 0; i < NCONV; i++)
    if(port && convs[i] && convs[i]->state == CS_LISTEN && convs[i]->lport == port){
      fail(a, EADDRINUSE, "tcp: that port already has a listener");
      return;
    }
  struct tcp_pcb *pcb = tcp_new();
  if(pcb == 0){
    fail(a, ENOBUFS, "tcp: no connection slot free");
    return;
  }
  ip_set_option(pcb, SOF_REUSEADDR);
  ip_addr_t ip;
  ip4_addr_set_u32(&ip, lwip_htonl(addr));
  err_t err = tcp_bind(pcb, &ip, port);
  if(err != ERR_OK){
    tcp_close(pcb);
    fail(a, lwip_errno(err), "tcp: cannot use that address and port");
    return;
  }
  struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
  if(lpcb == 0){
    tcp_close(pcb);
    fail(a, ENOBUFS, "tcp: no listener slot free");
    return;
  }
  tcp_setprio(lpcb, TCP_PRIO_MIN);
  tcp_arg(lpcb, c);
  tcp_accept(lpcb, cb_accept);
  tcp_ext_arg_set_callbacks(lpcb, ext_id, &ext_callbacks);
  c->pcb = lpcb;
  c->state = CS_LISTEN;
  c->backlog = backlog;
  note_addrs(c);
  a->len = conv_line(c, a->text, sizeof(a->text));
}

static void
ctl_accept(struct conv *c, mblk_t *mp, int argc, char **argv, struct answer *a)
{
  uint32 n;
  int nowait = argc == 3 && strcmp(argv[2], "nowait") == 0;
  if((argc != 2 && !nowait) || parse_uint(argv[1], &n) < 0){
    fail(a, EINVAL, "tcp: usage: accept N [nowait] (N: the listener's conversation)");
    return;
  }
  if(c->state != CS_IDLE){
    fail(a, EISCONN, "tcp: this conversation is already in use");
    return;
  }
  struct conv *l = n < NCONV ? convs[n] : 0;
  if(l == 0 || l == c || l->state != CS_LISTEN || l->reap){
    fail(a, EINVAL, "tcp: that conversation is not listening");
    return;
  }
  struct conv *e = l->embryos;
  if(e == 0 && nowait){
    fail(a, EAGAIN, "tcp: no connection is waiting");
    return;
  }
  c->ioc = mp;
  a->deferred = 1;
  if(e){
    unlist(&l->embryos, e);
    l->nembryo--;
    adopt(c, e);
    listener_ready(l);
  } else {
    c->state = CS_ACCEPTING;
    c->lst = l;
    append(&l->waiters, c);
  }
}

static void
ctl_shutdown(struct conv *c, queue_t *wq, struct answer *a)
{
  if(c->tx_fin || c->shut_pending)
    return;                  // said already
  if(c->state != CS_OPEN || c->lst){
    fail(a, ENOTCONN, "tcp: not connected");
    return;
  }
  if(c->pcb == 0)
    return;                  // the connection is over anyway
  if(wq->q_first)
    c->shut_pending = 1;     // after the data already written
  else
    do_shutdown(c);
  if(!c->tx_fin)
    c->shut_pending = 1;
}

static void
ctl_keepalive(struct conv *c, int argc, char **argv, struct answer *a)
{
  uint32 v[3] = { c->ka_idle, c->ka_intvl, c->ka_cnt };
  if(argc == 2 && strcmp(argv[1], "off") == 0){
    c->keepalive = 0;
  } else if(argc >= 2 && argc <= 5 && strcmp(argv[1], "on") == 0){
    for(int i = 2; i < argc; i++)
      if(parse_uint(argv[i], &v[i - 2]) < 0 || v[i - 2] == 0 || v[i - 2] > 0x7fffffff){
        fail(a, EINVAL, "tcp: usage: keepalive on [IDLE_MS [INTERVAL_MS [COUNT]]] | keepalive off");
        return;
      }
    c->keepalive = 1;
    c->ka_idle = v[0];
    c->ka_intvl = v[1];
    c->ka_cnt = v[2];
  } else {
    fail(a, EINVAL, "tcp: usage: keepalive on [IDLE_MS [INTERVAL_MS [COUNT]]] | keepalive off");
    return;
  }
  apply_opts(c);
}

static int
list_text(char *buf, int n)
{
  struct sink s = { buf, n, 0, 0, 0 };
  listing(&s);
  return s.len;
}

static void
td_ctl(queue_t *q, mblk_t *mp)
{
  struct conv *c = q->q_ptr;
  int count = mp->b_cont ? msgdsize(mp->b_cont) : 0;
  char line[NETCTL_MAX], *argv[NETCTL_ARGS];
  if(count <= 0 || count >= NETCTL_MAX || !pullupmsg(mp->b_cont, -1)){
    miocnak(q, mp, 0, EINVAL);
    return;
  }
  memmove(line, mp->b_cont->b_rptr, count);
  line[count] = 0;
  int argc = netctl_split(line, argv, NETCTL_ARGS);
  if(argc <= 0){
    strsetreason(q, "tcp: empty or too long control message");
    miocnak(q, mp, 0, EINVAL);
    return;
  }

  if(argc == 1 && strcmp(argv[0], "list") == 0){
    char *buf = kalloc();
    if(buf == 0){
      miocnak(q, mp, 0, ENOMEM);
      return;
    }
    lk();
    int n = list_text(buf, STRIOCMAX < PGSIZE ? STRIOCMAX : PGSIZE);
    unlk();
    ioc_answer(mp, 0, buf, n);
    kfree(buf);
    qreply(q, mp);
    return;
  }

  struct answer *a = kmalloc(sizeof(*a));
  if(a == 0){
    miocnak(q, mp, 0, ENOMEM);
    return;
  }
  const char *cmd = argv[0];
  lk();
  if(strcmp(cmd, "connect") == 0){
    ctl_connect(c, mp, argc, argv, a);
  } else if(strcmp(cmd, "announce") == 0){
    ctl_announce(c, argc, argv, a);
  } else if(strcmp(cmd, "accept") == 0){
    ctl_accept(c, mp, argc, argv, a);
  } else if(strcmp(cmd, "shutdown") == 0 && argc == 1){
    ctl_shutdown(c, WR(q), a);
  } else if(strcmp(cmd, "abort") == 0 && argc == 1){
    if(c->state == CS_OPEN && c->pcb && !c->lst){
      pcb_abort(c);
      c->state = CS_DONE;
      c->err = ECONNABORTED;   // and so fail this side's reads and writes
      c->err_due = 1;
      conv_signal(c);
    } else {
      fail(a, ENOTCONN, "tcp: not connected");
    }
  } else if(strcmp(cmd, "keepalive") == 0){
    ctl_keepalive(c, argc, argv, a);
  } else if(strcmp(cmd, "nodelay") == 0 && argc == 2 &&
            (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0)){
    c->nodelay = strcmp(argv[1], "on") == 0;
    apply_opts(c);
  } else if((strcmp(cmd, "local") == 0 || strcmp(cmd, "remote") == 0) && argc == 1){
    note_addrs(c);
    if(cmd[0] == 'l')
      a->len = fmt_hostport(a->text, sizeof(a->text) - 1, c->laddr, c->lport);
    else
      a->len = fmt_hostport(a->text, sizeof(a->text) - 1, c->raddr, c->rport);
    a->text[a->len++] = '\n';
  } else if(strcmp(cmd, "status") == 0 && argc == 1){
    a->len = conv_line(c, a->text, sizeof(a->text));
  } else {
    fail(a, EINVAL, "tcp: unknown control message (connect, announce, accept, shutdown, "
                    "abort, keepalive, nodelay, local, remote, status, list)");
  }
  unlk();
  if(!a->deferred){
    if(a->err){
      if(a->why)
        strsetreason(q, a->why);
      miocnak(q, mp, 0, a->err);
    } else {
      ioc_answer(mp, 0, a->text, a->len);
      qreply(q, mp);
    }
  }
  kmfree(a);
}

// I_PLINK/I_LINK: the /dev/ip stream below; one at a time.
static void
td_link(queue_t *q, mblk_t *mp, int on)
{
  struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
  lk();
  int err = 0;
  if(on){
    if(glue_linked())
      err = EBUSY;
    else
      glue_link(lb->l_qbot, lb->l_index);
  } else {
    glue_unlink(lb->l_index);
  }
  unlk();
  if(err){
    strsetreason(q, "tcp: ip is already linked below tcp");
    miocnak(q, mp, 0, err);
    return;
  }
  miocack(q, mp, 0, 0);
  if(on)
    glue_ask_addrs();
}

// ---------------------------------------------------------------- upper side

static int
td_open(queue_t *rq, int minor, int oflag, int sflag)
{
  lk();
  struct conv *c = conv_new();
  if(c){
    c->rq = rq;
    st.opens++;
  }
  unlk();
  if(c == 0)
    return ENOSR;
  rq->q_ptr = WR(rq)->q_ptr = c;
  return 0;
}

static int
td_close(queue_t *rq, int oflag)
{
  struct conv *c = rq->q_ptr;
  queue_t *wq = WR(rq);
  lk();
  c->rq = 0;
  switch(c->state){
  case CS_LISTEN:
    listener_close(c);
    break;
  case CS_ACCEPTING:
    if(c->lst)
      unlist(&c->lst->waiters, c);
    c->lst = 0;
    break;
  case CS_CONNECTING:
    pcb_abort(c);
    break;
  case CS_OPEN:
    if(c->pcb == 0)
      break;
    if(rqbytes(rq) > 0){
      pcb_abort(c);            // unread data: tell the peer with a reset
      break;
    }
    // What the writer left behind is still sent, then FIN.
    for(;;){
      mblk_t *mp = getq(wq);
      if(mp == 0)
        break;
      if(DB_TYPE(mp) != M_DATA){
        freemsg(mp);
        continue;
      }
      mp->b_next = 0;
      mblk_t **pp = &c->orphan;
      while(*pp)
        pp = &(*pp)->b_next;
      *pp = mp;
    }
    if(c->orphan && !c->tx_fin){
      c->deadline = uptime_ms() + ORPHAN_MS;
      orphan_push(c);          // reaps c once everything went
      unlk();
      return 0;
    }
    pcb_close(c);
    break;
  }
  if(c->pcb)
    pcb_abort(c);
  conv_reap(c);
  unlk();
  flushq(rq, FLUSHALL);
  flushq(wq, FLUSHALL);
  return 0;
}

static int
td_wput(queue_t *q, mblk_t *mp)
{
  struct conv *c = q->q_ptr;
  switch(DB_TYPE(mp)){
  case M_DATA: {
    mblk_t *em = 0;
    lk();
    if(q->q_first == 0 && can_send(c)){
      mp = push(c, mp);
      tcp_output(c->pcb);
    }
    if(mp){
      if(c->state == CS_CONNECTING || can_send(c))
        putq(q, mp);           // waits for the handshake, or for room
      else
        em = refuse_write(c, mp);  // after shutdown, or no connection
    }
    unlk();
    if(em)
      qreply(q, em);
    return 0;
  }
  case M_IOCTL: {
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    if(ioc->ioc_cmd == I_LINK || ioc->ioc_cmd == I_PLINK)
      td_link(q, mp, 1);
    else if(ioc->ioc_cmd == I_UNLINK || ioc->ioc_cmd == I_PUNLINK)
      td_link(q, mp, 0);
    else if(ioc->ioc_cmd == NET_CTL)
      td_ctl(q, mp);
    else
      miocnak(q, mp, 0, EINVAL);
    return 0;
  }
  case M_FLUSH: {
    uchar how = *mp->b_rptr;
    if(how & FLUSHW)
      flushq(q, FLUSHDATA);
    if(how & FLUSHR){
      // Flushed data counts as read: the window must open for it.
      // Under the lock, so no data arrives between counting and flushing.
      queue_t *rq = RD(q);
      lk();
      ulong n = rqbytes(rq);
      flushq(rq, FLUSHDATA);
      for(; n > 0 && c->pcb && c->pcb->state != LISTEN; ){
        u16_t k = n > 0xffff ? 0xffff : n;
        tcp_recved(c->pcb, k);
        n -= k;
      }
      if(c->rx_fin && !c->tx_fin)
        c->eof_due = 1;        // the end of file must survive a flush
      conv_signal(c);
      unlk();
      *mp->b_rptr &= ~FLUSHW;
      qreply(q, mp);
    } else {
      freemsg(mp);
    }
    return 0;
  }
  default:
    qdrop(q, mp, "tcp: message type not understood");
    return 0;
  }
}

// Data that waited (for the handshake or for room in the send buffer).
static int
td_wsrv(queue_t *q)
{
  struct conv *c = q->q_ptr;
  mblk_t *em = 0;
  lk();
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(c->state == CS_CONNECTING){
      putbq(q, mp);
      break;
    }
    if(!c->pcb || c->state != CS_OPEN || c->tx_fin){
      mblk_t *e = refuse_write(c, mp);
      if(e)
        em = e;
      continue;
    }
    mp = push(c, mp);
    if(mp){
      putbq(q, mp);
      break;
    }
  }
  if(c->pcb && c->state == CS_OPEN){
    tcp_output(c->pcb);
    if(c->shut_pending && q->q_first == 0)
      do_shutdown(c);
  }
  unlk();
  if(em)
    qreply(q, em);
  return 0;
}

// Nothing comes from below a driver; anything put here just waits its turn.
static int
td_rput(queue_t *q, mblk_t *mp)
{
  putq(q, mp);
  return 0;
}

// Pass messages up as the stream head takes them, and only then open the
// window for the data (tcp_recved): the reader paces the sender.
static int
td_rsrv(queue_t *q)
{
  struct conv *c = q->q_ptr;
  ulong moved = 0;
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    int t = DB_TYPE(mp);
    if(t < QPCTL && !canputnext(q)){
      putbq(q, mp);
      break;
    }
    if(t == M_CTL){
      freemsg(mp);
      putnextctl(q, M_HANGUP);
      continue;
    }
    if(t == M_DATA)
      moved += msgdsize(mp);
    putnext(q, mp);
  }
  if(moved){
    lk();
    while(moved > 0 && c->pcb && c->pcb->state != LISTEN){
      u16_t k = moved > 0xffff ? 0xffff : moved;
      tcp_recved(c->pcb, k);
      moved -= k;
    }
    unlk();
  }
  return 0;
}

// ---------------------------------------------------------------- lower side

// From ip: whole IPv4 packets of protocol 6, and the answers to our own
// ioctls.
static int
td_lrput(queue_t *q, mblk_t *mp)
{
  int t = DB_TYPE(mp);
  if(t == M_DATA){
    lk();
    lwip_port_stir(msgdsize(mp));
    glue_input(mp);
    unlk();
    return 0;
  }
  if(t == M_IOCACK || t == M_IOCNAK){
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    if(MBLKL(mp) < (int)sizeof(*ioc)){
      qdrop(q, mp, "tcp: short ioctl answer from ip");
      return 0;
    }
    if(t == M_IOCACK && (ioc->ioc_id & 0xff000000u) == GLUE_TAG){
      lk();
      glue_addrs_answer(mp);
      unlk();
    }
    freemsg(mp);
    return 0;
  }
  qdrop(q, mp, "tcp: unexpected message from ip");
  return 0;
}

// ip had no room and now has: send what lwIP could not.
static int
td_lwsrv(queue_t *q)
{
  lk();
  for(struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
    if(pcb->unsent || (pcb->flags & TF_ACK_NOW))
      tcp_output(pcb);
  unlk();
  return 0;
}

static int
td_lwput(queue_t *q, mblk_t *mp)
{
  putnext(q, mp);
  return 0;
}

// ---------------------------------------------------------------- timer

static void
tick(void *unused)
{
  lk();
  nticks++;
  lwip_port_stir(nticks);
  tcp_tmr();
  uint64 now = uptime_ms();
  for(int i = 0; i < NCONV; i++){
    struct conv *c = convs[i];
    if(c == 0 || c->reap)
      continue;
    if(c->state == CS_CONNECTING && c->deadline && now >= c->deadline){
      pcb_abort(c);
      c->state = CS_DONE;
      c->err = ETIMEDOUT;
      st.timeouts++;
      conv_answer(c, ETIMEDOUT, 0, 0);
    } else if(c->orphan && c->deadline && now >= c->deadline){
      pcb_abort(c);
      conv_reap(c);
    } else if(c->shut_pending && c->pcb && c->rq && WR(c->rq)->q_first == 0){
      do_shutdown(c);
    }
    if(c->eof_due || c->hup_due || c->err_due)
      conv_signal(c);
    if(c->state == CS_LISTEN)
      listener_ready(c);
  }
  int ask = glue_linked() && (glue_naddrs() == 0 || nticks % ASK_TICKS == 0);
  timer_id = timeout(tick, 0, TMR_MS);
  unlk();
  if(ask)
    glue_ask_addrs();
}

// ---------------------------------------------------------------- registration

static void
td_init(int major)
{
  lwip_port_init();
  lk();
  lwip_init();
  ext_id = tcp_ext_arg_alloc_id();
  timer_id = timeout(tick, 0, TMR_MS);
  unlk();
  int m = devsw_register("tcpstat", &tcpstat_dev);
  if(m > 0)
    devnode_add("tcpstat", m, 0);
}

static const char *const tcp_devices[] = { "tcp", 0 };

static struct module_info tcp_info = {
  .mi_idnum = 1006, .mi_idname = "tcp",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ,
  .mi_hiwat = 64 * 1024, .mi_lowat = 16 * 1024,
};

static struct qinit tcp_rinit = {
  .qi_putp = td_rput, .qi_srvp = td_rsrv,
  .qi_qopen = td_open, .qi_qclose = td_close, .qi_minfo = &tcp_info,
};
static struct qinit tcp_winit = {
  .qi_putp = td_wput, .qi_srvp = td_wsrv, .qi_minfo = &tcp_info,
};
static struct qinit tcp_lrinit = {
  .qi_putp = td_lrput, .qi_minfo = &tcp_info,
};
static struct qinit tcp_lwinit = {
  .qi_putp = td_lwput, .qi_srvp = td_lwsrv, .qi_minfo = &tcp_info,
};

static const struct streamtab tcp_tab = {
  .st_rdinit = &tcp_rinit, .st_wrinit = &tcp_winit,
  .st_muxrinit = &tcp_lrinit, .st_muxwinit = &tcp_lwinit,
  .st_flags = STR_DRIVER,
  .st_provides = "bytes",
  .st_requires = "ipv4",
  .st_devices = tcp_devices,
  .st_init = td_init,
};

STREAMS_MODULE(tcp_tab);
