// tcp_conv.c: the tcp driver's conversations (tcp_impl.h has the map):
// the table, the lock around lwIP and what its end does, and the
// messages a conversation sends up to its stream - data, end of file,
// hang-up, errors and ioctl answers - or holds while it has none.
#include "tcp_impl.h"

struct conv *tcp_convs[NCONV];
u8_t tcp_ext_id;
struct tcp_counters tcp_st;

// lwip_lock: how many conversations are marked reap / push_due
static int tcpconv_nreap, tcpconv_npush;

static void tcpconv_free(struct conv *c);

// ---------------------------------------------------------------- locking

void
tcp_lock(void)
{
  acquire(&lwip_lock);
}

// Leave the lwIP section: free conversations that died inside it (lwIP
// may still have called us about them during the call), then send the
// segments lwIP produced.
void
tcp_unlock(void)
{
  // Orphans whose data was acknowledged go on sending (or close) here,
  // not in the sent callback: see tcplwip_sent.
  if(tcpconv_npush){
    for(int i = 0; i < NCONV; i++){
      struct conv *c = tcp_convs[i];
      if(c && c->push_due){
        c->push_due = 0;
        if(!c->reap && c->pcb && c->orphan)
          tcpout_orphan(c);
      }
    }
    tcpconv_npush = 0;
  }
  if(tcpconv_nreap){
    for(int i = 0; i < NCONV; i++)
      if(tcp_convs[i] && tcp_convs[i]->reap)
        tcpconv_free(tcp_convs[i]);
    tcpconv_nreap = 0;
  }
  tcptimer_arm();              // if the callout table was full
  glue_release();
}

// ---------------------------------------------------------------- the table

struct conv *
tcpconv_new(void)
{
  struct conv *c = kmalloc(sizeof(*c));
  if(c == 0)
    return 0;
  for(int i = 0; i < NCONV; i++){
    if(tcp_convs[i] == 0){
      c->id = i;
      c->state = CS_IDLE;
      c->ka_idle = TCP_KEEPIDLE_DEFAULT;
      c->ka_intvl = TCP_KEEPINTVL_DEFAULT;
      c->ka_cnt = TCP_KEEPCNT_DEFAULT;
      tcp_convs[i] = c;
      return c;
    }
  }
  kmfree(c);
  return 0;
}

static void
tcpconv_free(struct conv *c)
{
  tcp_convs[c->id] = 0;
  freemsglist(c->held);
  freemsglist(c->orphan);
  if(c->ioc)
    freemsg(c->ioc);
  kmfree(c);
}

void
tcpconv_reap(struct conv *c)
{
  if(!c->reap){
    c->reap = 1;
    tcpconv_nreap++;
  }
}

void
tcpconv_push_later(struct conv *c)
{
  if(!c->push_due){
    c->push_due = 1;
    tcpconv_npush++;
  }
}

// Remove c from a listener's list (embryos or waiters).
void
tcpconv_unlist(struct conv **head, struct conv *c)
{
  for(struct conv **pp = head; *pp; pp = &(*pp)->qnext)
    if(*pp == c){
      *pp = c->qnext;
      c->qnext = 0;
      return;
    }
}

void
tcpconv_append(struct conv **head, struct conv *c)
{
  struct conv **pp = head;
  while(*pp)
    pp = &(*pp)->qnext;
  c->qnext = 0;
  *pp = c;
}

// Remember the pcb's addresses (the listing shows them after it is gone).
void
tcpconv_note_addrs(struct conv *c)
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

// Data bytes (not markers) waiting on a read queue.
ulong
tcpconv_rqbytes(queue_t *rq)
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

// ---------------------------------------------------------------- messages up

// Hand an upward message to the conversation: onto its read queue, whose
// service procedure passes it on, or held until a stream adopts it.
void
tcpconv_up(struct conv *c, mblk_t *mp)
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

// Send what the connection's state owes the reader: end of file (the
// peer's FIN: a read-side hang-up), hang-up (both directions finished),
// or the error. Markers ride the read queue behind the data, so a reader
// sees every byte first. The hang-up also waits for the write side's
// M_ERROR of our shutdown (epipe_due), so writes fail with EPIPE. Retried
// from the timer when memory is short.
void
tcpconv_signal(struct conv *c)
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
    uchar m = EOF_MARK;
    mblk_t *mp = mkctlmsg(M_CTL, &m, 1);
    if(mp){
      tcpconv_up(c, mp);
      c->eof_due = 0;
    }
  }
  if(c->hup_due && !c->eof_due && !c->epipe_due){
    uchar m = HUP_MARK;
    mblk_t *mp = mkctlmsg(M_CTL, &m, 1);
    if(mp){
      tcpconv_up(c, mp);
      c->hup_due = 0;
    }
  }
}

// Turn M_IOCTL mp into its answer: M_IOCACK with text, or M_IOCNAK.
void
tcpconv_ioc_answer(mblk_t *mp, int err, const char *text, int len)
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
void
tcpconv_answer(struct conv *c, int err, const char *text, int len)
{
  mblk_t *mp = c->ioc;
  if(mp == 0)
    return;
  c->ioc = 0;
  tcpconv_ioc_answer(mp, err, text, len);
  if(c->rq)
    putq(c->rq, mp);
  else
    freemsg(mp);
}
