// tcp_listen.c: listeners of the tcp driver (tcp_impl.h has the map):
// whether one polls readable, a waiting "accept" taking over an
// unaccepted connection, and the end of a listener. The handshakes
// themselves arrive in tcp_lwip.c. Lock held throughout.
#include "tcp_impl.h"

// A listener's stream is readable (poll: POLLIN) exactly while
// connections wait to be accepted, as a listening socket is: a
// one-byte M_PCPROTO marker goes up when the first arrives, and an
// M_FLUSH of the read side takes it back when none is left. (Reading a
// listener fails with EBADMSG; accept is the way to take connections.)
// If memory is short the timer tries again.
void
tcplisten_ready(struct conv *l)
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
void
tcplisten_adopt(struct conv *w, struct conv *e)
{
  struct tcp_pcb *pcb = e->pcb;
  tcppcb_detach(e);
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
    tcppcb_attach(w, pcb);
  else
    w->state = CS_DONE;        // died unaccepted: the reader sees the end
  while(e->held){
    mblk_t *mp = e->held;
    e->held = mp->b_next;
    mp->b_next = 0;
    tcpconv_up(w, mp);
  }
  e->heldlast = 0;
  tcpconv_reap(e);
  tcp_st.accepted++;
  char text[TCP_ADDRLEN];
  int n = tcpstat_hostport(text, sizeof(text), w->raddr, w->rport);
  tcpconv_answer(w, 0, text, n);
  tcpconv_signal(w);
}

// The listener goes away: so do its unaccepted connections; those
// waiting in accept hear ECONNABORTED.
void
tcplisten_close(struct conv *l)
{
  struct tcp_pcb *pcb = tcppcb_detach(l);
  if(pcb)
    tcp_close(pcb);            // a listening pcb always closes at once
  while(l->embryos){
    struct conv *e = l->embryos;
    l->embryos = e->qnext;
    e->lst = 0;
    tcppcb_abort(e);
    tcpconv_reap(e);
  }
  l->nembryo = 0;
  while(l->waiters){
    struct conv *w = l->waiters;
    l->waiters = w->qnext;
    w->qnext = 0;
    w->lst = 0;
    w->state = CS_IDLE;
    tcpconv_answer(w, ECONNABORTED, 0, 0);
  }
}
