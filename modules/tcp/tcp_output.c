// tcp_output.c: the tcp driver's sending side (tcp_impl.h has the map):
// written data into lwIP's send buffer as far as it fits, our FIN,
// writes that can never be sent, and the data an orphan (a conversation
// whose stream closed) still owes its peer. Lock held throughout.
#include "tcp_impl.h"

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
tcpout_would_assert(struct tcp_pcb *pcb)
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
mblk_t *
tcpout_push(struct conv *c, mblk_t *mp)
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
    if(room == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 4 || tcpout_would_assert(pcb))
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

int
tcpout_can_send(struct conv *c)
{
  return c->pcb && c->state == CS_OPEN && !c->tx_fin && !c->shut_pending;
}

// Queue our FIN. From now on the write side is shut: the stream head
// hears it at once from an M_ERROR for the write side only (EPIPE, the
// read side left as it is), which the caller takes with tcpout_epipe and
// sends up before the shutdown's answer, so no write after a shutdown
// can look as if it went through. If the peer's FIN is already here,
// both directions are done: a hang-up follows the data, but only after
// that M_ERROR (tcpconv_signal holds it back meanwhile), so a writer
// sees EPIPE, never the hang-up's ENXIO.
void
tcpout_shutdown(struct conv *c)
{
  if(c->pcb == 0 || c->tx_fin)
    return;
  if(tcp_shutdown(c->pcb, 0, 1) != ERR_OK)
    return;                  // no memory for the FIN now: the timer retries
  c->shut_pending = 0;
  c->tx_fin = 1;
  if(!c->epipe_sent && c->rq)
    c->epipe_due = EPIPE_DUE;
  if(c->rx_fin)
    c->hup_due = 1;
  tcpconv_signal(c);
}

// The M_ERROR a shutdown owes the stream head, or 0 (none due, or no
// memory: then the timer sends it). The caller sends it up once it has
// left the lock, then calls tcpout_epipe_done; until then it is "in
// flight" and holds the hang-up back.
mblk_t *
tcpout_epipe(struct conv *c)
{
  if(c->epipe_due != EPIPE_DUE && c->epipe_due != EPIPE_LATE)
    return 0;
  if(c->rq == 0){
    c->epipe_due = 0;
    return 0;
  }
  uchar b[2] = { 0xff, EPIPE };       // 0xff: leave the read side alone
  mblk_t *em = mkctlmsg(M_ERROR, b, 2);
  if(em){
    c->epipe_due = EPIPE_FLYING;
    c->epipe_sent = 1;
  } else {
    c->epipe_due = EPIPE_LATE;
  }
  return em;
}

// The M_ERROR of tcpout_epipe is at the stream head: what waited for it
// (a hang-up) may go.
void
tcpout_epipe_done(struct conv *c)
{
  if(c->epipe_due == EPIPE_FLYING)
    c->epipe_due = 0;
  tcpconv_signal(c);
}

// A write that can never be sent (after shutdown, or on a dead or never
// connected conversation) is dropped; the writer learns it from an
// M_ERROR for the write side only, which the caller sends up straight
// away (after leaving the lock), so the rest of the same write() and
// every later one fail with EPIPE (ENOTCONN, or the connection's error).
mblk_t *
tcpout_refuse(struct conv *c, mblk_t *mp)
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
int
tcpout_orphan(struct conv *c)
{
  while(c->orphan && c->pcb){
    mblk_t *mp = c->orphan;
    c->orphan = mp->b_next;
    mp->b_next = 0;
    mp = tcpout_push(c, mp);
    if(mp){
      mp->b_next = c->orphan;
      c->orphan = mp;
      break;
    }
  }
  if(c->pcb)
    tcp_output(c->pcb);
  if(c->orphan == 0){
    tcpconv_reap(c);
    return tcppcb_close(c);
  }
  return 0;
}
