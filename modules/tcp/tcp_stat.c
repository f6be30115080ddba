// tcp_stat.c: the tcp driver's listing (tcp_impl.h has the map): one
// line per conversation and per connection lwIP runs for nobody, then
// the counters - read as /dev/tcpstat, and answered to the "list" and
// "status" controls. Addresses print as A.B.C.D!PORT.
#include "tcp_impl.h"

int
tcpstat_hostport(char *buf, int n, uint32 addr_net, int port)
{
  char a[16];
  return snprintf(buf, n, "%s!%d", netctl_fmt_ipv4(a, lwip_ntohl(addr_net)), port);
}

static const char *const tcpstat_pcbstate[] = {
  "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
  "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

static const char *
tcpstat_convstate(struct conv *c)
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
    return tcpstat_pcbstate[c->pcb->state];
  return "?";
}

static ulong
tcpstat_qbytes(queue_t *q)
{
  return q ? q->q_count : 0;
}

static ulong
tcpstat_heldbytes(mblk_t *mp)
{
  ulong n = 0;
  for(; mp; mp = mp->b_next)
    n += msgdsize(mp);
  return n;
}

// One line per conversation: N STATE LOCAL REMOTE SENDQ RECVQ.
int
tcpstat_line(struct conv *c, char *buf, int n)
{
  tcpconv_note_addrs(c);
  char la[TCP_ADDRLEN], ra[TCP_ADDRLEN];
  tcpstat_hostport(la, sizeof(la), c->laddr, c->lport);
  tcpstat_hostport(ra, sizeof(ra), c->raddr, c->rport);
  ulong sendq = tcpstat_heldbytes(c->orphan);
  if(c->rq)
    sendq += tcpstat_qbytes(WR(c->rq));
  if(c->pcb && c->state != CS_LISTEN)
    sendq += TCP_SND_BUF - c->pcb->snd_buf;
  ulong recvq = tcpstat_heldbytes(c->held) + tcpconv_rqbytes(c->rq);
  return snprintf(buf, n, "%d %s %s %s %lu %lu\n", c->id, tcpstat_convstate(c), la, ra,
                  sendq, recvq);
}

static int
tcpstat_pcbline(struct tcp_pcb *pcb, char *buf, int n)
{
  char la[TCP_ADDRLEN], ra[TCP_ADDRLEN];
  tcpstat_hostport(la, sizeof(la), ip4_addr_get_u32(&pcb->local_ip), pcb->local_port);
  tcpstat_hostport(ra, sizeof(ra), ip4_addr_get_u32(&pcb->remote_ip), pcb->remote_port);
  const char *s = pcb->state <= TIME_WAIT ? tcpstat_pcbstate[pcb->state] : "?";
  ulong sendq = pcb->state == LISTEN ? 0 : TCP_SND_BUF - pcb->snd_buf;
  return snprintf(buf, n, "- %s %s %s %lu 0\n", s, la, ra, sendq);
}

// Collects the part [off, off+cap) of a text produced line by line.
struct tcpstat_sink {
  char *buf;
  int cap, len;
  ulong off, pos;
};

static void
tcpstat_emit(struct tcpstat_sink *s, const char *line, int n)
{
  for(int i = 0; i < n; i++, s->pos++)
    if(s->pos >= s->off && s->len < s->cap)
      s->buf[s->len++] = line[i];
}

static int
tcpstat_npcbs(struct tcp_pcb *list)
{
  int n = 0;
  for(; list; list = list->next)
    n++;
  return n;
}

// The whole listing. Lock held.
static void
tcpstat_listing(struct tcpstat_sink *s)
{
  char line[TEXTMAX];
  tcpstat_emit(s, line,
               snprintf(line, sizeof(line), "# conv state local remote sendq recvq\n"));
  int nconv = 0, nunacc = 0, norphan = 0;
  for(int i = 0; i < NCONV; i++){
    struct conv *c = tcp_convs[i];
    if(c == 0 || c->reap)
      continue;
    nconv++;
    if(c->lst && c->state == CS_OPEN)
      nunacc++;
    if(c->rq == 0 && c->lst == 0)
      norphan++;
    tcpstat_emit(s, line, tcpstat_line(c, line, sizeof(line)));
  }
  // Connections lwIP still runs for nobody (closing, TIME_WAIT).
  struct tcp_pcb *lists[] = { tcp_active_pcbs, tcp_tw_pcbs, tcp_bound_pcbs };
  for(int k = 0; k < 3; k++)
    for(struct tcp_pcb *p = lists[k]; p; p = p->next)
      if(p->callback_arg == 0 && p->state != SYN_RCVD)
        tcpstat_emit(s, line, tcpstat_pcbline(p, line, sizeof(line)));
  int active = tcpstat_npcbs(tcp_active_pcbs), tw = tcpstat_npcbs(tcp_tw_pcbs);
  int listen = tcpstat_npcbs((struct tcp_pcb *)tcp_listen_pcbs.listen_pcbs);
  int bound = tcpstat_npcbs(tcp_bound_pcbs);
  ulong used, peak, fail;
  lwip_port_heapstats(&used, &peak, &fail);
  tcpstat_emit(s, line, snprintf(line, sizeof(line),
       "# conversations %d unaccepted %d orphans %d pcbs %d active %d listen %d "
       "timewait %d heap %lu heap-peak %lu heap-fail %lu\n",
       nconv, nunacc, norphan, active + tw + listen + bound, active, listen, tw,
       used, peak, fail));
  tcpstat_emit(s, line, snprintf(line, sizeof(line),
       "# opens %lu connects %lu established %lu refused %lu accepted %lu resets %lu "
       "timeouts %lu backlog-drops %lu syn-refused %lu halfopen-resets %lu\n",
       tcp_st.opens, tcp_st.connects, tcp_st.established, tcp_st.refused, tcp_st.accepted,
       tcp_st.resets, tcp_st.timeouts, tcp_st.backlog_drops, tcp_st.syn_refused,
       tcp_st.halfopen_resets));
  int n = glue_stats(line, sizeof(line) - 3);
  tcpstat_emit(s, "# ", 2);
  tcpstat_emit(s, line, n);
  tcpstat_emit(s, "\n", 1);
}

// The listing as an answer (control "list"). Lock held.
int
tcpstat_text(char *buf, int n)
{
  struct tcpstat_sink s = { buf, n, 0, 0, 0 };
  tcpstat_listing(&s);
  return s.len;
}

// /dev/tcpstat: the listing, read like a file.
static int
tcpstat_read(struct file *f, uint64 dst, int n)
{
  char *buf = kalloc();
  if(buf == 0)
    return -ENOMEM;
  struct tcpstat_sink s = { buf, n < PGSIZE ? n : PGSIZE, 0, f->off, 0 };
  tcp_lock();
  tcpstat_listing(&s);
  tcp_unlock();
  int r = s.len;
  if(r > 0 && copyout_user(dst, buf, r) < 0)
    r = -EFAULT;
  else
    f->off += r;
  kfree(buf);
  return r;
}

static struct devsw tcpstat_dev = { .read = tcpstat_read };

// At boot: the listing as a device of its own.
void
tcpstat_init(void)
{
  int m = devsw_register("tcpstat", &tcpstat_dev);
  if(m > 0)
    devnode_add("tcpstat", m, 0);
}
