// tcp_lwip.c: lwIP's callbacks into the tcp driver (tcp_impl.h has the
// map): data and the peer's FIN, ACKs that make room, a completed
// connect, a pcb freed, a SYN at a listener, a completed handshake, and
// the end of a connection we did not close. lwIP calls them with
// lwip_lock held; they never call putnext (tcp_impl.h says why).
#include "tcp_impl.h"

static err_t tcplwip_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t tcplwip_sent(void *arg, struct tcp_pcb *pcb, u16_t len);
static void  tcplwip_err(void *arg, err_t err);

// Our callbacks on a connection's pcb, with c as their argument.
void
tcplwip_hook(struct tcp_pcb *pcb, struct conv *c)
{
  tcp_arg(pcb, c);
  tcp_recv(pcb, tcplwip_recv);
  tcp_sent(pcb, tcplwip_sent);
  tcp_err(pcb, tcplwip_err);
  tcp_ext_arg_set_callbacks(pcb, tcp_ext_id, &tcplwip_ext);
  tcp_ext_arg_set(pcb, tcp_ext_id, c);
}

// The data of a pbuf chain as a message: received buffers are shared
// (no copy), anything else is copied.
static mblk_t *
tcplwip_pbuf_msg(struct pbuf *p)
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
tcplwip_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
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
    tcpconv_signal(c);
    return ERR_OK;
  }
  if(c->orphan || (c->rq == 0 && c->lst == 0)){
    // Nobody will read it (the stream is closed): take and discard.
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  mblk_t *mp = tcplwip_pbuf_msg(p);
  if(mp == 0)
    return ERR_MEM;            // lwIP keeps it and offers it again
  pbuf_free(p);
  tcpconv_up(c, mp);
  return ERR_OK;
}

static err_t
tcplwip_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  struct conv *c = arg;
  if(c->orphan){
    // It makes progress. The push (which closes the pcb once all is
    // queued) waits for the end of the locked section: lwIP 2.1.3's
    // tcp_input drops, without freeing, the data that came with this
    // ACK if the pcb is closed or aborted inside the sent callback.
    c->deadline = uptime_ms() + ORPHAN_MS;
    tcpconv_push_later(c);
  } else if(c->rq && (WR(c->rq)->q_first || c->shut_pending)){
    qenable(WR(c->rq));
  }
  return ERR_OK;
}

err_t
tcplwip_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  struct conv *c = arg;
  c->state = CS_OPEN;
  c->deadline = 0;
  tcpconv_note_addrs(c);
  tcp_st.established++;
  char text[TCP_ADDRLEN];
  int n = tcpstat_hostport(text, sizeof(text), c->raddr, c->rport);
  tcpconv_answer(c, 0, text, n);
  if(c->rq && WR(c->rq)->q_first)
    qenable(WR(c->rq));
  return ERR_OK;
}

// lwIP frees a pcb we hold: at the end of TIME_WAIT or LAST_ACK, or
// just before the err callback. Only the pointer is dropped here (the
// state stays, so tcplwip_err can tell a failed connect from a reset).
static void
tcplwip_destroyed(u8_t id, void *data)
{
  struct conv *c = data;
  if(c == 0 || c->pcb == 0)
    return;
  tcpconv_note_addrs(c);
  c->pcb = 0;
  if(c->orphan || (c->rq == 0 && c->lst == 0))
    tcpconv_reap(c);
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
tcplwip_passive_open(u8_t id, struct tcp_pcb_listen *lpcb, struct tcp_pcb *cpcb)
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
    if(tcp_convs[i] == 0)
      nfree++;
  int lfull = mine + (l ? l->nembryo : 0) >= room;
  int gfull = all >= HALFOPEN || nfree <= all + CONV_RESERVE;
  if(!lfull && !gfull)
    return ERR_OK;
  // A dead half-open connection makes room: the listener's own when the
  // listener is full (any other would not help it), else any.
  struct tcp_pcb *victim = lfull ? stale_mine : stale_any;
  if(victim && !(lfull && (l ? l->nembryo : 0) >= room)){
    tcp_st.halfopen_resets++;
    tcp_abandon(victim, 1);
    return ERR_OK;
  }
  // No room: refuse. RFC 793: the reset for a segment without ACK has
  // sequence number 0 and acknowledges the SYN. lwIP then frees cpcb.
  tcp_st.syn_refused++;
  tcp_rst(cpcb, 0, cpcb->rcv_nxt, &cpcb->local_ip, &cpcb->remote_ip, cpcb->local_port,
          cpcb->remote_port);
  return ERR_ABRT;
}

// One table for every pcb we hold: connections tell us when lwIP frees
// them (their ext arg is the conversation), listeners about new SYNs
// (their ext arg stays 0, so their own end is ignored).
const struct tcp_ext_arg_callbacks tcplwip_ext = {
  .destroy = tcplwip_destroyed,
  .passive_open = tcplwip_passive_open,
};

// The connection ended without us closing it: reset by the peer,
// retransmissions or keepalives gone unanswered, or (ERR_CLSD) the
// normal end after we only shut down our side. lwIP frees the pcb.
static void
tcplwip_err(void *arg, err_t err)
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
      tcpconv_reap(c);
    return;
  }
  if(connecting){
    c->err = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
    if(err == ERR_RST) tcp_st.refused++; else tcp_st.timeouts++;
    tcpconv_answer(c, c->err, 0, 0);
    return;
  }
  c->err = err == ERR_RST ? ECONNRESET : err == ERR_ABRT ? ETIMEDOUT : ECONNABORTED;
  if(err == ERR_RST) tcp_st.resets++; else tcp_st.timeouts++;
  if(c->lst){
    // Not accepted yet: it just disappears from the backlog.
    struct conv *l = c->lst;
    tcpconv_unlist(&l->embryos, c);
    l->nembryo--;
    c->lst = 0;
    tcplisten_ready(l);
    tcpconv_reap(c);
    return;
  }
  if(c->rq == 0){
    tcpconv_reap(c);
    return;
  }
  c->err_due = 1;
  tcpconv_signal(c);
}

err_t
tcplwip_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  struct conv *l = arg;
  if(err != ERR_OK || newpcb == 0 || l == 0)
    return ERR_VAL;
  // The backlog was enforced when the SYN came (tcplwip_passive_open), so a
  // completed handshake is refused only when no conversation is free.
  struct conv *e = tcpconv_new();
  if(e == 0){
    tcp_st.backlog_drops++;
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
  tcppcb_attach(e, newpcb);
  struct conv *w = l->waiters;
  if(w){
    tcpconv_unlist(&l->waiters, w);
    tcplisten_adopt(w, e);
  } else {
    tcpconv_append(&l->embryos, e);
    l->nembryo++;
    tcplisten_ready(l);
  }
  return ERR_OK;
}
