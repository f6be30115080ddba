// tcp_streams.c: the tcp driver as STREAMS sees it (tcp_impl.h has the
// map): open and close of a conversation, the put and service procedures
// of the upper side (/dev/tcp: data, NET_CTL, flushes) and of the lower
// side (the /dev/ip stream linked below), and the one registration line.
#include "tcp_impl.h"
#include "provides.h"

// I_PLINK/I_LINK: the /dev/ip stream below; one at a time.
static void
tcp_iolink(queue_t *q, mblk_t *mp, int on)
{
  struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
  tcp_lock();
  int err = 0;
  if(on){
    if(glue_linked())
      err = EBUSY;
    else
      glue_link(lb->l_qbot, lb->l_index);
  } else {
    glue_unlink(lb->l_index);
  }
  tcp_unlock();
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
tcp_qopen(queue_t *rq, int minor, int oflag, int sflag)
{
  tcp_lock();
  struct conv *c = tcpconv_new();
  if(c){
    c->rq = rq;
    tcp_st.opens++;
  }
  tcp_unlock();
  if(c == 0)
    return ENOSR;
  rq->q_ptr = WR(rq)->q_ptr = c;
  return 0;
}

static int
tcp_qclose(queue_t *rq, int oflag)
{
  struct conv *c = rq->q_ptr;
  queue_t *wq = WR(rq);
  tcp_lock();
  c->rq = 0;
  switch(c->state){
  case CS_LISTEN:
    tcplisten_close(c);
    break;
  case CS_ACCEPTING:
    if(c->lst)
      tcpconv_unlist(&c->lst->waiters, c);
    c->lst = 0;
    break;
  case CS_CONNECTING:
    tcppcb_abort(c);
    break;
  case CS_OPEN:
    if(c->pcb == 0)
      break;
    if(tcpconv_rqbytes(rq) > 0){
      tcppcb_abort(c);         // unread data: tell the peer with a reset
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
      tcpout_orphan(c);        // reaps c once everything went
      tcp_unlock();
      return 0;
    }
    tcppcb_close(c);
    break;
  }
  if(c->pcb)
    tcppcb_abort(c);
  tcpconv_reap(c);
  tcp_unlock();
  flushq(rq, FLUSHALL);
  flushq(wq, FLUSHALL);
  return 0;
}

// After a shutdown: the write side's M_ERROR (tcpout_epipe, taken under
// the lock) goes up from the thread that shut down, once outside the lock
// (it comes back down as M_FLUSH): so it is at the stream head before the
// shutdown returns, or the write side's service run ends. Then whatever
// waited for it.
static void
tcp_sendepipe(queue_t *wq, struct conv *c, mblk_t *em)
{
  if(em == 0)
    return;
  qreply(wq, em);
  tcp_lock();
  tcpout_epipe_done(c);
  tcp_unlock();
}

static int
tcp_wput(queue_t *q, mblk_t *mp)
{
  struct conv *c = q->q_ptr;
  switch(DB_TYPE(mp)){
  case M_DATA: {
    mblk_t *em = 0;
    tcp_lock();
    if(q->q_first == 0 && tcpout_can_send(c)){
      mp = tcpout_push(c, mp);
      tcp_output(c->pcb);
    }
    if(mp){
      if(c->state == CS_CONNECTING || tcpout_can_send(c))
        putq(q, mp);           // waits for the handshake, or for room
      else
        em = tcpout_refuse(c, mp);   // after shutdown, or no connection
    }
    tcp_unlock();
    if(em)
      qreply(q, em);
    return 0;
  }
  case M_IOCTL: {
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    if(ioc->ioc_cmd == I_LINK || ioc->ioc_cmd == I_PLINK)
      tcp_iolink(q, mp, 1);
    else if(ioc->ioc_cmd == I_UNLINK || ioc->ioc_cmd == I_PUNLINK)
      tcp_iolink(q, mp, 0);
    else if(ioc->ioc_cmd == NET_CTL){
      tcpctl_request(q, mp);
      tcp_lock();
      mblk_t *em = tcpout_epipe(c);  // a shutdown's, before the caller goes on
      tcp_unlock();
      tcp_sendepipe(q, c, em);
    } else
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
      tcp_lock();
      ulong n = tcpconv_rqbytes(rq);
      flushq(rq, FLUSHDATA);
      for(; n > 0 && c->pcb && c->pcb->state != LISTEN; ){
        u16_t k = n > 0xffff ? 0xffff : n;
        tcp_recved(c->pcb, k);
        n -= k;
      }
      // The end of file is a marker (M_CTL), which a flush of data
      // leaves in place.
      tcpconv_signal(c);
      tcp_unlock();
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
tcp_wsrv(queue_t *q)
{
  struct conv *c = q->q_ptr;
  mblk_t *em = 0;
  tcp_lock();
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(c->state == CS_CONNECTING){
      putbq(q, mp);
      break;
    }
    if(!c->pcb || c->state != CS_OPEN || c->tx_fin){
      mblk_t *e = tcpout_refuse(c, mp);
      if(e)
        em = e;
      continue;
    }
    mp = tcpout_push(c, mp);
    if(mp){
      putbq(q, mp);
      break;
    }
  }
  if(c->pcb && c->state == CS_OPEN){
    tcp_output(c->pcb);
    if(c->shut_pending && q->q_first == 0)
      tcpout_shutdown(c);
  }
  mblk_t *ep = tcpout_epipe(c);
  tcp_unlock();
  if(em)
    qreply(q, em);
  tcp_sendepipe(q, c, ep);
  return 0;
}

// Nothing comes from below a driver; anything put here just waits its turn.
static int
tcp_rput(queue_t *q, mblk_t *mp)
{
  putq(q, mp);
  return 0;
}

// Pass messages up as the stream head takes them, and only then open the
// window for the data (tcp_recved): the reader paces the sender.
static int
tcp_rsrv(queue_t *q)
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
      // a marker (tcp_impl.h): the peer's FIN hangs up the read side only
      int rdonly = MBLKL(mp) >= 1 && mp->b_rptr[0] == EOF_MARK;
      freemsg(mp);
      if(rdonly)
        putnextctl1(q, M_HANGUP, FLUSHR);
      else
        putnextctl(q, M_HANGUP);
      continue;
    }
    if(t == M_DATA)
      moved += msgdsize(mp);
    putnext(q, mp);
  }
  if(moved){
    tcp_lock();
    while(moved > 0 && c->pcb && c->pcb->state != LISTEN){
      u16_t k = moved > 0xffff ? 0xffff : moved;
      tcp_recved(c->pcb, k);
      moved -= k;
    }
    tcp_unlock();
  }
  return 0;
}

// ---------------------------------------------------------------- lower side

// From ip: whole IPv4 packets of protocol 6, and the answers to our own
// ioctls.
static int
tcp_lrput(queue_t *q, mblk_t *mp)
{
  int t = DB_TYPE(mp);
  if(t == M_DATA){
    tcp_lock();
    lwip_port_stir(msgdsize(mp));
    glue_input(mp);
    tcp_unlock();
    return 0;
  }
  if(t == M_IOCACK || t == M_IOCNAK){
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    if(MBLKL(mp) < (int)sizeof(*ioc)){
      qdrop(q, mp, "tcp: short ioctl answer from ip");
      return 0;
    }
    if(t == M_IOCACK && ioc->ioc_cmd == NET_CTL){   // glue_ask_addrs's
      tcp_lock();
      glue_addrs_answer(mp);
      tcp_unlock();
    }
    freemsg(mp);
    return 0;
  }
  qdrop(q, mp, "tcp: unexpected message from ip");
  return 0;
}

// ip had no room and now has: send what lwIP could not.
static int
tcp_lwsrv(queue_t *q)
{
  tcp_lock();
  for(struct tcp_pcb *pcb = tcp_active_pcbs; pcb; pcb = pcb->next)
    if(pcb->unsent || (pcb->flags & TF_ACK_NOW))
      tcp_output(pcb);
  tcp_unlock();
  return 0;
}

// ---------------------------------------------------------------- registration

static void
tcp_drvinit(int major)
{
  lwip_port_init();
  tcp_lock();
  lwip_init();
  tcp_ext_id = tcp_ext_arg_alloc_id();
  tcptimer_arm();
  tcp_unlock();
  tcpstat_init();
}

static const char *const tcp_devices[] = { "tcp", 0 };

static struct module_info tcp_info = {
  .mi_idnum = 1006, .mi_idname = "tcp",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ,
  .mi_hiwat = 64 * 1024, .mi_lowat = 16 * 1024,
};

static struct qinit tcp_rinit = {
  .qi_putp = tcp_rput, .qi_srvp = tcp_rsrv,
  .qi_qopen = tcp_qopen, .qi_qclose = tcp_qclose, .qi_minfo = &tcp_info,
};
static struct qinit tcp_winit = {
  .qi_putp = tcp_wput, .qi_srvp = tcp_wsrv, .qi_minfo = &tcp_info,
};
static struct qinit tcp_lrinit = {
  .qi_putp = tcp_lrput, .qi_minfo = &tcp_info,
};
static struct qinit tcp_lwinit = {
  .qi_putp = putnext_put, .qi_srvp = tcp_lwsrv, .qi_minfo = &tcp_info,
};

static const struct streamtab tcp_tab = {
  .st_rdinit = &tcp_rinit, .st_wrinit = &tcp_winit,
  .st_muxrinit = &tcp_lrinit, .st_muxwinit = &tcp_lwinit,
  .st_flags = STR_DRIVER,
  .st_provides = ST_BYTES,
  .st_requires = ST_IPV4,
  .st_devices = tcp_devices,
  .st_init = tcp_drvinit,
};

STREAMS_MODULE(tcp_tab);
