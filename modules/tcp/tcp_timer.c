// tcp_timer.c: the tcp driver's clock (tcp_impl.h has the map): one
// callout every TMR_MS runs lwIP's timer (retransmission, delayed ACKs,
// keepalive, TIME_WAIT) and our own deadlines - connects that take too
// long, orphans that make no progress, shutdowns and signals that waited
// for memory - and now and then asks ip again for its addresses.
#include "tcp_impl.h"

static int tcptimer_id;        // lwip_lock; 0: not pending (the table was full)
static ulong tcptimer_nticks;   // lwip_lock

static void
tcptimer_tick(void *unused)
{
  tcp_lock();
  tcptimer_nticks++;
  lwip_port_stir(tcptimer_nticks);
  tcp_tmr();
  uint64 now = uptime_ms();
  for(int i = 0; i < NCONV; i++){
    struct conv *c = tcp_convs[i];
    if(c == 0 || c->reap)
      continue;
    if(c->state == CS_CONNECTING && c->deadline && now >= c->deadline){
      tcppcb_abort(c);
      c->state = CS_DONE;
      c->err = ETIMEDOUT;
      tcp_st.timeouts++;
      tcpconv_answer(c, ETIMEDOUT, 0, 0);
    } else if(c->orphan && c->deadline && now >= c->deadline){
      tcppcb_abort(c);
      tcpconv_reap(c);
    } else if(c->shut_pending && c->pcb && c->rq && WR(c->rq)->q_first == 0){
      tcpout_shutdown(c);
      if(c->epipe_due == EPIPE_DUE)
        c->epipe_due = EPIPE_LATE;   // shut down here: ours to send
    }
    if(c->epipe_due == EPIPE_LATE){
      // nobody to send it straight up: it goes on the read queue, where
      // it passes the data and any hang-up (it is high priority)
      mblk_t *em = tcpout_epipe(c);
      if(em){
        putq(c->rq, em);
        c->epipe_due = 0;
      }
    }
    if(c->eof_due || c->hup_due || c->err_due)
      tcpconv_signal(c);
    if(c->state == CS_LISTEN)
      tcplisten_ready(c);
  }
  int ask = glue_linked() && (glue_naddrs() == 0 || tcptimer_nticks % ASK_TICKS == 0);
  tcptimer_id = timeout(tcptimer_tick, 0, TMR_MS);
  tcp_unlock();
  if(ask)
    glue_ask_addrs();
}

// Lock held. At boot, and at the end of every locked section: a timer
// that could not be set (callout table full) is tried again.
void
tcptimer_arm(void)
{
  if(tcptimer_id == 0)
    tcptimer_id = timeout(tcptimer_tick, 0, TMR_MS);
}
