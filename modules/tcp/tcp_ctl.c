// tcp_ctl.c: the control side of /dev/tcp (tcp_impl.h has the map; the
// commands are listed in tcp.h): a NET_CTL line is split into words once,
// then one function per command fills in an answer - text, or an errno
// with the reason for I_ERRSTR - or keeps the message for a callback to
// answer (connect, accept).
#include "tcp_impl.h"

struct tcpctl_answer {
  int err;
  int deferred;               // the message is kept; a callback answers
  const char *why;            // reason for I_ERRSTR
  int len;
  char text[TEXTMAX];
};

// "A.B.C.D!PORT" (or "*!PORT" when star is allowed: addr 0).
static int
tcpctl_hostport(char *s, int star, uint32 *addr, uint32 *port)
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
    r = netctl_parse_ipv4(s, addr);
  }
  *bang = '!';
  if(r < 0 || netctl_parse_uint(bang + 1, port) < 0 || *port > 65535)
    return -1;
  return 0;
}

static void
tcpctl_fail(struct tcpctl_answer *a, int err, const char *why)
{
  a->err = err;
  a->why = why;
}

static void
tcpctl_connect(struct conv *c, mblk_t *mp, int argc, char **argv, struct tcpctl_answer *a)
{
  uint32 addr, port, ms = TCP_CONNECT_MS;
  if(argc < 2 || argc > 3 || tcpctl_hostport(argv[1], 0, &addr, &port) < 0 ||
     addr == 0 || port == 0 || (argc == 3 && (netctl_parse_uint(argv[2], &ms) < 0 || ms == 0))){
    tcpctl_fail(a, EINVAL, "tcp: usage: connect A.B.C.D!PORT [TIMEOUT_MS]");
    return;
  }
  if(c->state != CS_IDLE){
    tcpctl_fail(a, EISCONN, "tcp: this conversation is already in use");
    return;
  }
  if(!glue_linked() || glue_naddrs() == 0){
    tcpctl_fail(a, EHOSTUNREACH, "tcp: the network is not up (no address yet)");
    return;
  }
  struct tcp_pcb *pcb = tcp_new();
  if(pcb == 0){
    tcpctl_fail(a, ENOBUFS, "tcp: no connection slot free");
    return;
  }
  tcppcb_attach(c, pcb);
  ip_addr_t ip;
  ip4_addr_set_u32(&ip, lwip_htonl(addr));
  c->state = CS_CONNECTING;
  tcp_st.connects++;
  err_t err = tcp_connect(pcb, &ip, port, tcplwip_connected);
  if(err != ERR_OK){
    tcppcb_abort(c);
    c->state = CS_IDLE;
    tcpctl_fail(a, tcppcb_errno(err), "tcp: cannot connect");
    return;
  }
  tcpconv_note_addrs(c);
  c->ioc = mp;
  c->deadline = uptime_ms() + ms;
  a->deferred = 1;
}

static void
tcpctl_announce(struct conv *c, int argc, char **argv, struct tcpctl_answer *a)
{
  uint32 addr, port, backlog = TCP_BACKLOG;
  if(argc < 2 || argc > 3 || tcpctl_hostport(argv[1], 1, &addr, &port) < 0 ||
     (argc == 3 && (netctl_parse_uint(argv[2], &backlog) < 0 || backlog == 0))){
    tcpctl_fail(a, EINVAL, "tcp: usage: announce *!PORT [BACKLOG] (or A.B.C.D!PORT)");
    return;
  }
  if(backlog > TCP_BACKLOG_MAX)
    backlog = TCP_BACKLOG_MAX;
  if(c->state != CS_IDLE){
    tcpctl_fail(a, EISCONN, "tcp: this conversation is already in use");
    return;
  }
  // lwIP would let two listeners share a port (both reuse addresses, so
  // that a restarted server need not wait out TIME_WAIT); we do not.
  for(int i = 0; i < NCONV; i++)
    if(port && tcp_convs[i] && tcp_convs[i]->state == CS_LISTEN &&
       tcp_convs[i]->lport == port){
      tcpctl_fail(a, EADDRINUSE, "tcp: that port already has a listener");
      return;
    }
  struct tcp_pcb *pcb = tcp_new();
  if(pcb == 0){
    tcpctl_fail(a, ENOBUFS, "tcp: no connection slot free");
    return;
  }
  ip_set_option(pcb, SOF_REUSEADDR);
  ip_addr_t ip;
  ip4_addr_set_u32(&ip, lwip_htonl(addr));
  err_t err = tcp_bind(pcb, &ip, port);
  if(err != ERR_OK){
    tcp_close(pcb);
    tcpctl_fail(a, tcppcb_errno(err), "tcp: cannot use that address and port");
    return;
  }
  struct tcp_pcb *lpcb = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
  if(lpcb == 0){
    tcp_close(pcb);
    tcpctl_fail(a, ENOBUFS, "tcp: no listener slot free");
    return;
  }
  tcp_setprio(lpcb, TCP_PRIO_MIN);
  tcp_arg(lpcb, c);
  tcp_accept(lpcb, tcplwip_accept);
  tcp_ext_arg_set_callbacks(lpcb, tcp_ext_id, &tcplwip_ext);
  c->pcb = lpcb;
  c->state = CS_LISTEN;
  c->backlog = backlog;
  tcpconv_note_addrs(c);
  a->len = tcpstat_line(c, a->text, sizeof(a->text));
}

static void
tcpctl_accept(struct conv *c, mblk_t *mp, int argc, char **argv, struct tcpctl_answer *a)
{
  uint32 n;
  int nowait = argc == 3 && strcmp(argv[2], "nowait") == 0;
  if((argc != 2 && !nowait) || netctl_parse_uint(argv[1], &n) < 0){
    tcpctl_fail(a, EINVAL, "tcp: usage: accept N [nowait] (N: the listener's conversation)");
    return;
  }
  if(c->state != CS_IDLE){
    tcpctl_fail(a, EISCONN, "tcp: this conversation is already in use");
    return;
  }
  struct conv *l = n < NCONV ? tcp_convs[n] : 0;
  if(l == 0 || l == c || l->state != CS_LISTEN || l->reap){
    tcpctl_fail(a, EINVAL, "tcp: that conversation is not listening");
    return;
  }
  struct conv *e = l->embryos;
  if(e == 0 && nowait){
    tcpctl_fail(a, EAGAIN, "tcp: no connection is waiting");
    return;
  }
  c->ioc = mp;
  a->deferred = 1;
  if(e){
    tcpconv_unlist(&l->embryos, e);
    l->nembryo--;
    tcplisten_adopt(c, e);
    tcplisten_ready(l);
  } else {
    c->state = CS_ACCEPTING;
    c->lst = l;
    tcpconv_append(&l->waiters, c);
  }
}

static void
tcpctl_shutdown(struct conv *c, queue_t *wq, struct tcpctl_answer *a)
{
  if(c->tx_fin || c->shut_pending)
    return;                  // said already
  if(c->state != CS_OPEN || c->lst){
    tcpctl_fail(a, ENOTCONN, "tcp: not connected");
    return;
  }
  if(c->pcb == 0)
    return;                  // the connection is over anyway
  if(wq->q_first)
    c->shut_pending = 1;     // after the data already written
  else
    tcpout_shutdown(c);
  if(!c->tx_fin)
    c->shut_pending = 1;
}

#define KEEPALIVE_USAGE \
  "tcp: usage: keepalive on [IDLE_MS [INTERVAL_MS [COUNT]]] | keepalive off"

static void
tcpctl_keepalive(struct conv *c, int argc, char **argv, struct tcpctl_answer *a)
{
  uint32 v[3] = { c->ka_idle, c->ka_intvl, c->ka_cnt };
  if(argc == 2 && strcmp(argv[1], "off") == 0){
    c->keepalive = 0;
  } else if(argc >= 2 && argc <= 5 && strcmp(argv[1], "on") == 0){
    for(int i = 2; i < argc; i++)
      if(netctl_parse_uint(argv[i], &v[i - 2]) < 0 || v[i - 2] == 0 || v[i - 2] > 0x7fffffff){
        tcpctl_fail(a, EINVAL, KEEPALIVE_USAGE);
        return;
      }
    c->keepalive = 1;
    c->ka_idle = v[0];
    c->ka_intvl = v[1];
    c->ka_cnt = v[2];
  } else {
    tcpctl_fail(a, EINVAL, KEEPALIVE_USAGE);
    return;
  }
  tcppcb_opts(c);
}

// Every NET_CTL request (netctl_request did the preamble): the commands
// run under tcp's lock and fill in a tcpctl_answer; connect and accept
// keep the message, answered by a callback later.
static const char *
tcpctl_any(struct netctl_req *r)
{
  queue_t *q = r->q;
  mblk_t *mp = r->mp;
  struct conv *c = q->q_ptr;
  int argc = r->argc;
  char **argv = r->argv;
  if(argc == 1 && strcmp(argv[0], "list") == 0){
    char *buf = kalloc();
    if(buf == 0){
      r->err = ENOMEM;
      return "";
    }
    tcp_lock();
    int n = tcpstat_text(buf, STRIOCMAX < PGSIZE ? STRIOCMAX : PGSIZE);
    tcp_unlock();
    int bad = netctl_reply(r, buf, n) < 0;
    kfree(buf);
    if(bad){
      r->err = ENOMEM;
      return "";
    }
    return 0;
  }

  struct tcpctl_answer *a = kmalloc(sizeof(*a));
  if(a == 0){
    r->err = ENOMEM;
    return "";
  }
  memset(a, 0, sizeof(*a));
  const char *cmd = argv[0];
  tcp_lock();
  if(strcmp(cmd, "connect") == 0){
    tcpctl_connect(c, mp, argc, argv, a);
  } else if(strcmp(cmd, "announce") == 0){
    tcpctl_announce(c, argc, argv, a);
  } else if(strcmp(cmd, "accept") == 0){
    tcpctl_accept(c, mp, argc, argv, a);
  } else if(strcmp(cmd, "shutdown") == 0 && argc == 1){
    tcpctl_shutdown(c, WR(q), a);
  } else if(strcmp(cmd, "abort") == 0 && argc == 1){
    if(c->state == CS_OPEN && c->pcb && !c->lst){
      tcppcb_abort(c);
      c->state = CS_DONE;
      c->err = ECONNABORTED;   // and so fail this side's reads and writes
      c->err_due = 1;
      tcpconv_signal(c);
    } else {
      tcpctl_fail(a, ENOTCONN, "tcp: not connected");
    }
  } else if(strcmp(cmd, "keepalive") == 0){
    tcpctl_keepalive(c, argc, argv, a);
  } else if(strcmp(cmd, "nodelay") == 0 && argc == 2 &&
            (strcmp(argv[1], "on") == 0 || strcmp(argv[1], "off") == 0)){
    c->nodelay = strcmp(argv[1], "on") == 0;
    tcppcb_opts(c);
  } else if((strcmp(cmd, "local") == 0 || strcmp(cmd, "remote") == 0) && argc == 1){
    tcpconv_note_addrs(c);
    if(cmd[0] == 'l')
      a->len = tcpstat_hostport(a->text, sizeof(a->text) - 1, c->laddr, c->lport);
    else
      a->len = tcpstat_hostport(a->text, sizeof(a->text) - 1, c->raddr, c->rport);
    a->text[a->len++] = '\n';
  } else if(strcmp(cmd, "status") == 0 && argc == 1){
    a->len = tcpstat_line(c, a->text, sizeof(a->text));
  } else {
    tcpctl_fail(a, EINVAL, "tcp: unknown control message (connect, announce, accept, "
                           "shutdown, abort, keepalive, nodelay, local, remote, status, list)");
  }
  tcp_unlock();
  const char *why = 0;
  if(a->deferred){
    r->mp = 0;                 // kept: a callback answers it
  } else if(a->err){
    r->err = a->err;
    why = a->why ? a->why : "";
  } else if(a->len > 0 && netctl_reply(r, a->text, a->len) < 0){
    r->err = ENOMEM;
    why = "";
  }
  kmfree(a);
  return why;
}

static const struct netctl_cmd tcpctl_cmds[] = {
  { 0, 0, 0, tcpctl_any },
};

void
tcpctl_request(queue_t *q, mblk_t *mp)
{
  netctl_request(q, mp, tcpctl_cmds, "tcp: empty or too long control message");
}
