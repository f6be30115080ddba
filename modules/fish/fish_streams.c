// fish_streams.c: FiSh's upper side and its one registration line.
//
// Every open of /dev/fish/* is a stream of its own; what it does depends
// on the minor (fish.h). The put and service procedures hand text to the
// client (fish_client.c) or ctl (fish_ctl.c), records to the server side
// (fish_serve.c), and take the link (I_PLINK) for fish_link.c.
#include "fish_impl.h"
#include "provides.h"

struct spinlock fish_lock;
struct fstream *fish_streams;
struct fstream *fish_daemon;
queue_t *fish_lowq;
int fish_linkid;
uint8 fish_myaddr[ETH_ALEN];
int fish_haveaddr;
uint32 fish_nextreqid = 1;

static int
fish_open(queue_t *rq, int minor, int oflag, int sflag)
{
  struct fstream *s = kmalloc(sizeof(*s));
  if(s == 0)
    return ENOMEM;
  memset(s, 0, sizeof(*s));
  s->rq = rq;
  s->slot = -1;
  int acc = oflag & O_ACCMODE;
  s->readable = acc == O_RDONLY || acc == O_RDWR;
  s->writable = acc == O_WRONLY || acc == O_RDWR;
  int err = 0;
  acquire(&fish_lock);
  switch(minor){
  case FISH_MINOR_PING:   s->kind = K_PING; s->op = OP_PING; break;
  case FISH_MINOR_SCHOOL: s->kind = K_SCHOOL; s->op = OP_TEXT; break;
  case FISH_MINOR_CTL:
    s->kind = K_CTL;
    s->op = s->writable ? OP_NONE : OP_TEXT;
    break;
  case FISH_MINOR_DAEMON:
    s->kind = K_DAEMON;
    if(fish_daemon)
      err = EBUSY;
    else {
      fish_daemon = s;
      // a new fishd starts with no device files: tell it everything again
      for(int i = 0; i < FISH_SCHOOL; i++)
        fish_school[i].notified = 0;
    }
    break;
  case FISH_MINOR_REQ:    s->kind = K_REQ; break;
  default:
    // A per-node file is fishd's, made for one node of its slot: it
    // opens only while that node (generation) is still there.
    if(minor >= FISH_MINOR_DIR(0) && minor < FISH_MINOR_DIR(FISH_SCHOOL)){
      int slot = minor - FISH_MINOR_DIR(0);
      struct fish_node *nd = &fish_school[slot];
      if(!nd->used || nd->made != nd->gen){
        err = ENXIO;
        break;
      }
      s->kind = K_DIR;
      s->op = OP_LIST;
      s->slot = slot;
      s->gen = nd->gen;
      safestrcpy(s->node, nd->name, sizeof(s->node));
    } else if(minor >= FISH_MINOR_FILE(0, 0) && minor < FISH_MINOR_FILE(FISH_SCHOOL, 0)){
      int slot = (minor - FISH_MINOR_FILE(0, 0)) / FISH_NODEFILES;
      int idx = (minor - FISH_MINOR_FILE(0, 0)) % FISH_NODEFILES;
      struct fish_node *nd = &fish_school[slot];
      if(!nd->used || nd->made != nd->gen || nd->files == 0 || idx >= nd->nfiles){
        err = ENXIO;
        break;
      }
      s->kind = K_FILE;
      s->op = OP_GET;
      s->slot = slot;
      s->gen = nd->gen;
      safestrcpy(s->node, nd->name, sizeof(s->node));
      safestrcpy(s->file, nd->files[idx], sizeof(s->file));
    } else
      err = ENXIO;
  }
  if(err){
    release(&fish_lock);
    kmfree(s);
    if(err == EBUSY)
      strsetreason(rq, "fish: the daemon stream is open already");
    else if(minor >= FISH_MINOR_DIR(0))
      strsetreason(rq, "fish: no such node in the school now (it left; ping again)");
    return err;
  }
  if(s->op != OP_NONE)
    s->state = S_START;
  s->next = fish_streams;
  fish_streams = s;
  release(&fish_lock);
  rq->q_ptr = WR(rq)->q_ptr = s;
  if(s->state == S_START)
    qenable(rq);
  return 0;
}

static int
fish_close(queue_t *rq, int oflag)
{
  struct fstream *s = rq->q_ptr;
  acquire(&fish_lock);
  for(struct fstream **pp = &fish_streams; *pp; pp = &(*pp)->next)
    if(*pp == s){
      *pp = s->next;
      break;
    }
  if(fish_daemon == s)
    fish_daemon = 0;
  release(&fish_lock);
  flushq(rq, FLUSHALL);
  flushq(WR(rq), FLUSHALL);
  for(int i = 0; i < FISH_XWINDOW; i++)
    if(s->win[i])
      freemsg(s->win[i]);
  freemsglist(s->outq);
  kmfree(s);
  return 0;
}

// The read service procedure: answers parked by frame input, then the
// state machine, then text and end of file for the reader.
static int
fish_rsrv(queue_t *q)
{
  struct fstream *s = q->q_ptr;
  if(s->kind == K_DAEMON)
    return putnext_srv(q);
  mblk_t *mp;
  while((mp = getq(q)) != 0)
    fish_client_handle(s, mp);
  if(s->state != S_DONE && s->state != S_IDLE)
    fish_client_run(s);
  if(s->state == S_DIR)
    fish_out_flush(s, 0);
  if(s->state == S_MADE || s->state == S_PING)
    fish_out_flush(s, 1);
  if(s->state == S_DONE)
    fish_done_flush(s);
  return 0;
}

// "list NODE" / "get NODE FILE" / "ping" written to /dev/fish/req.
static int
fish_req_command(struct fstream *s, char *line)
{
  char *argv[NETCTL_ARGS];
  int argc = netctl_split(line, argv, NETCTL_ARGS);
  if(argc == 1 && strcmp(argv[0], "ping") == 0){
    s->op = OP_PING;
  } else if(argc == 2 && strcmp(argv[0], "list") == 0 && strlen(argv[1]) < FISH_MAXNAME){
    s->op = OP_LIST;
    safestrcpy(s->node, argv[1], sizeof(s->node));
  } else if(argc == 3 && strcmp(argv[0], "get") == 0 && strlen(argv[1]) < FISH_MAXNAME){
    if(strlen(argv[2]) > FISH_NAMEMAX || argv[2][0] == 0)
      return ENAMETOOLONG;
    s->op = OP_GET;
    safestrcpy(s->node, argv[1], sizeof(s->node));
    safestrcpy(s->file, argv[2], sizeof(s->file));
  } else {
    return EINVAL;
  }
  s->state = S_START;
  return 0;
}

// A line of text on a ctl or req stream.
static void
fish_text_write(queue_t *q, struct fstream *s, mblk_t *mp)
{
  char line[NETCTL_MAX];
  int n = msgdsize(mp);
  if(n <= 0 || n >= NETCTL_MAX || !pullupmsg(mp, -1)){
    freemsg(mp);
    return;
  }
  memmove(line, mp->b_rptr, n);
  line[n] = 0;
  freemsg(mp);
  if(s->kind == K_CTL){
    fish_ctl_command(line);
    return;
  }
  if(s->state != S_IDLE)
    return;                  // one request per open
  int err = fish_req_command(s, line);
  if(err){
    s->op = OP_GET;
    s->state = S_DONE;
    s->err = err;
  }
  qenable(RD(q));
}

// NET_CTL "stats" or "show": the settings and counters as text.
static const char *
fish_ctl_show(struct netctl_req *r)
{
  char *buf = kmalloc(2048);
  int bad = buf == 0 || netctl_reply(r, buf, fish_ctl_text(buf, 2048)) < 0;
  kmfree(buf);
  if(bad){
    r->err = ENOMEM;
    return "";
  }
  return 0;
}

#define FISH_CTL_USAGE "fish: wait|timeout|rto|reqrto MS, window N, classic on|off, forget, stats"

// Any other NET_CTL: a settings command (fish_ctl_words).
static const char *
fish_ctl_set(struct netctl_req *r)
{
  int err = fish_ctl_words(r->argc, r->argv);
  if(err == 0)
    return 0;
  r->err = err;
  return FISH_CTL_USAGE;
}

static const struct netctl_cmd fish_ctls[] = {
  { "stats", 1, NETCTL_ARGS, fish_ctl_show },
  { "show", 1, NETCTL_ARGS, fish_ctl_show },
  { 0, 0, 0, fish_ctl_set },
};

static void
fish_ioctl(queue_t *q, mblk_t *mp)
{
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  switch(ioc->ioc_cmd){
  case I_LINK:
  case I_PLINK: {
    struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
    acquire(&fish_lock);
    if(fish_lowq){
      release(&fish_lock);
      strsetreason(q, "fish: a link is there already");
      miocnak(q, mp, 0, EBUSY);
      return;
    }
    fish_lowq = lb->l_qbot;
    fish_linkid = lb->l_index;
    fish_haveaddr = 0;
    release(&fish_lock);
    // Ask eth for our address; the answer comes up the lower side.
    int me = -1;
    mblk_t *iocp = mkiocmsg(ETH_ADDR, &me, sizeof(me));
    if(iocp)
      putnext(lb->l_qbot, iocp);
    miocack(q, mp, 0, 0);
    return;
  }
  case I_UNLINK:
  case I_PUNLINK: {
    struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
    acquire(&fish_lock);
    if(fish_lowq && lb->l_index == fish_linkid){
      fish_lowq = 0;
      fish_haveaddr = 0;
    }
    release(&fish_lock);
    miocack(q, mp, 0, 0);
    return;
  }
  case NET_CTL:
    netctl_request(q, mp, fish_ctls, FISH_CTL_USAGE);
    return;
  default:
    miocnak(q, mp, 0, EINVAL);
  }
}

static int
fish_wput(queue_t *q, mblk_t *mp)
{
  struct fstream *s = q->q_ptr;
  switch(DB_TYPE(mp)){
  case M_DATA:
  case M_PROTO:
    if(s->kind == K_DAEMON){
      if(q->q_first || !fish_daemon_write(q, mp))
        putq(q, mp);
    } else if(s->kind == K_CTL || s->kind == K_REQ){
      fish_text_write(q, s, mp);
    } else {
      qdrop(q, mp, "fish: this file takes no writes");
    }
    return 0;
  case M_IOCTL:
    fish_ioctl(q, mp);
    return 0;
  case M_FLUSH:
    drv_flush(q, mp);
    return 0;
  default:
    qdrop(q, mp, "fish: message type not understood");
    return 0;
  }
}

// The daemon's writes that waited for room on the link.
static int
fish_wsrv(queue_t *q)
{
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(!fish_daemon_write(q, mp)){
      putbq(q, mp);
      return 0;
    }
  }
  return 0;
}

static void
fish_init(int major)
{
  initlock(&fish_lock, "fish");
}

static const char *const fish_devices[] = {
  "fish/ping", "fish/school", "fish/ctl", "fish/daemon", "fish/req", 0
};

static struct module_info fish_info = {
  .mi_idnum = 1010, .mi_idname = "fish",
  .mi_minpsz = 0, .mi_maxpsz = sizeof(struct fish_down) + FISH_PAYLOADMAX,
  .mi_hiwat = 64 * 1024, .mi_lowat = 16 * 1024,
};

static struct qinit fish_rinit = {
  .qi_putp = putnext_put, .qi_srvp = fish_rsrv,
  .qi_qopen = fish_open, .qi_qclose = fish_close, .qi_minfo = &fish_info,
};
static struct qinit fish_winit = {
  .qi_putp = fish_wput, .qi_srvp = fish_wsrv, .qi_minfo = &fish_info,
};
static struct qinit fish_lrinit = {
  .qi_putp = fish_lrput, .qi_minfo = &fish_info,
};
static struct qinit fish_lwinit = {
  .qi_putp = putnext_put, .qi_srvp = fish_lwsrv, .qi_minfo = &fish_info,
};

static const struct streamtab fish_tab = {
  .st_rdinit = &fish_rinit, .st_wrinit = &fish_winit,
  .st_muxrinit = &fish_lrinit, .st_muxwinit = &fish_lwinit,
  .st_flags = STR_DRIVER,
  .st_provides = ST_FISH,
  .st_requires = ST_ETHER,
  .st_devices = fish_devices,
  .st_init = fish_init,
};

STREAMS_MODULE(fish_tab);

