// tcp_pcb.c: a conversation's connection in lwIP, its pcb (tcp_impl.h
// has the map): taking one on with our callbacks and options, letting it
// go, closing or resetting it, and lwIP's errors as errnos. Lock held
// throughout.
#include "tcp_impl.h"

void
tcppcb_opts(struct conv *c)
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
void
tcppcb_attach(struct conv *c, struct tcp_pcb *pcb)
{
  c->pcb = pcb;
  tcplwip_hook(pcb, c);
  tcp_setprio(pcb, TCP_PRIO_MAX);
  tcppcb_opts(c);
  tcpconv_note_addrs(c);
}

// Let go of the pcb: lwIP keeps running it (FIN handshake, TIME_WAIT)
// without telling us anything more; its default receive function
// discards data and closes on FIN.
struct tcp_pcb *
tcppcb_detach(struct conv *c)
{
  struct tcp_pcb *pcb = c->pcb;
  if(pcb == 0)
    return 0;
  tcpconv_note_addrs(c);
  c->pcb = 0;
  tcp_arg(pcb, 0);
  if(pcb->state == LISTEN){
    tcp_accept(pcb, 0);
    return pcb;
  }
  tcp_recv(pcb, 0);
  tcp_sent(pcb, 0);
  tcp_err(pcb, 0);
  tcp_ext_arg_set(pcb, tcp_ext_id, 0);
  return pcb;
}

void
tcppcb_abort(struct conv *c)
{
  struct tcp_pcb *pcb = tcppcb_detach(c);
  if(pcb)
    tcp_abort(pcb);
}

// Close gracefully (FIN after what was queued); reset if lwIP cannot
// (no memory for the FIN). Returns 1 if the pcb was aborted: a lwIP
// callback of that pcb must then return ERR_ABRT.
int
tcppcb_close(struct conv *c)
{
  struct tcp_pcb *pcb = tcppcb_detach(c);
  if(pcb && tcp_close(pcb) != ERR_OK){
    tcp_abort(pcb);
    return 1;
  }
  return 0;
}

int
tcppcb_errno(err_t err)
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
