// listing.c: observability. /dev/streams is a text listing of every
// stream – its device, its queues top to bottom with their counters – and
// of every multiplexor link; /dev/streams.dot is the same as a Graphviz
// graph (`streams -dot | dot -Tsvg`). Each open takes a snapshot, which
// reads like a file until its end. ioctl(I_GSTATS) on either file gives
// the global counters without parsing.
//
// The text format, one record per line, fields "key=value":
//   streams n=3 mblks=0 dblks=0 links=1 kept=1 svcruns=1234
//   stream id=2 dev=loop minor=0 refs=2 mods=1 kept=demo flags=hangup
//   queue stream=2 pos=0 name=head side=r msgs=3 bytes=18 drops=0
//         depth=0 qbytes=0 hiwat=16384 lowat=4096 full=0 [why="..."]
//   link id=1 mux=muxloop lower=3 persistent=1 ctl=0
// (the queue record is one line). pos counts pairs from the head (0).
//
// Lock rule: nothing is allocated or formatted while st_list_lock or the
// mux lock is held. They are spinlocks (interrupts off, every open, close
// and link in the system waiting meanwhile), so a snapshot copies a batch
// of streams (and the links) under them and formats outside; see
// snapshot for why the walk stays one pass and shows each stream once.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "file.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

#define MINOR_TEXT 0
#define MINOR_DOT  1

// A snapshot: text in a list of kmalloc'd pages.
#define TPAGESZ (STRBUFMAX - 32)
struct tpage {
  struct tpage *next;
  int len;
  char data[TPAGESZ];
};
struct snap {
  struct tpage *first, *last;
  struct tpage *rd;      // reading position: page and offset in it
  int rdoff;
  int full;              // out of memory: the text is cut short
};

static void
tput(struct snap *s, const char *text)
{
  int n = strlen(text);
  while(n > 0 && !s->full){
    if(s->last == 0 || s->last->len == TPAGESZ){
      struct tpage *p = kmalloc(sizeof(struct tpage));
      if(p == 0){
        s->full = 1;
        return;
      }
      p->next = 0;
      p->len = 0;
      if(s->last)
        s->last->next = p;
      else
        s->first = s->rd = p;
      s->last = p;
    }
    int m = TPAGESZ - s->last->len;
    if(m > n)
      m = n;
    memmove(s->last->data + s->last->len, text, m);
    s->last->len += m;
    text += m;
    n -= m;
  }
}

// printf into the snapshot, one line at a time.
#define TPRINTF(s, ...) do { \
    char _line[256]; \
    snprintf(_line, sizeof(_line), __VA_ARGS__); \
    tput((s), _line); \
  } while(0)

static void
snapfree(struct snap *s)
{
  while(s->first){
    struct tpage *next = s->first->next;
    kmfree(s->first);
    s->first = next;
  }
  kmfree(s);
}

static const char *
devname(struct stdata *sd)
{
  return sd->sd_tab ? st_tabname(sd->sd_tab) : "?";
}

static ulong
rd(ulong *p)
{
  return __atomic_load_n(p, __ATOMIC_RELAXED);
}

// ---------------------------------------------------------------- text

static void
text_queue(struct snap *s, struct stdata *sd, queue_t *q, int pos)
{
  acquire(&q->q_lock);
  int depth = q->q_mcount;
  ulong qbytes = q->q_count;
  int full = (q->q_state & QFULL) != 0;
  release(&q->q_lock);
  TPRINTF(s, "queue stream=%d pos=%d name=%s side=%c msgs=%lu bytes=%lu drops=%lu "
          "depth=%d qbytes=%lu hiwat=%lu lowat=%lu full=%d",
          sd->sd_id, pos, qname(q), (q->q_flag & QREADR) ? 'r' : 'w',
          rd(&q->q_stats.msgs), rd(&q->q_stats.bytes), rd(&q->q_stats.drops),
          depth, qbytes, q->q_hiwat, q->q_lowat, full);
  const char *why = __atomic_load_n(&q->q_stats.dropwhy, __ATOMIC_RELAXED);
  if(why)
    TPRINTF(s, " why=\"%s\"", why);
  tput(s, "\n");
}

// One stream of a batch: what st_list_lock guards is copied while it is
// held; the rest is read under the stream's claim.
struct snapsd {
  struct stdata *sd;       // valid while claimed
  int claimed;             // 0: being plumbed or closed ("busy")
  int id;
  const char *dev;
  int refs;
  char kname[FMNAMESZ + 1];   // "" if not kept
};

static void
text_stream(struct snap *s, struct snapsd *b)
{
  struct stdata *sd = b->sd;
  char flags[64];
  flags[0] = 0;
  acquire(&sd->sd_lock);
  uint f = sd->sd_flag;
  int err = sd->sd_rerr || sd->sd_werr;
  release(&sd->sd_lock);
  if(f & STHANGUP)
    safestrcpy(flags + strlen(flags), "hangup,", sizeof(flags) - strlen(flags));
  if(f & STRDHUP)
    safestrcpy(flags + strlen(flags), "rdhangup,", sizeof(flags) - strlen(flags));
  if(err)
    safestrcpy(flags + strlen(flags), "error,", sizeof(flags) - strlen(flags));
  if(f & STLINKED)
    safestrcpy(flags + strlen(flags), "linked,", sizeof(flags) - strlen(flags));
  if(f & STCLOSING)
    safestrcpy(flags + strlen(flags), "closing,", sizeof(flags) - strlen(flags));
  if(flags[0])
    flags[strlen(flags) - 1] = 0;
  TPRINTF(s, "stream id=%d dev=%s minor=%d refs=%d mods=%d kept=%s flags=%s\n",
          sd->sd_id, devname(sd), sd->sd_minor, b->refs, sd->sd_nmod,
          b->kname[0] ? b->kname : "-", flags[0] ? flags : "-");
  int pos = 0;
  for(queue_t *wq = sd->sd_wq; wq; wq = wq->q_next, pos++){
    text_queue(s, sd, RD(wq), pos);
    text_queue(s, sd, wq, pos);
  }
}

// A link as the listing shows it, copied under the mux lock.
struct linfo {
  int id, persistent, upmajor;
  int lower, ctl;          // stream ids (ctl 0: none)
};

static void
text_link(struct snap *s, struct linfo *l)
{
  TPRINTF(s, "link id=%d mux=%s lower=%d persistent=%d ctl=%d\n",
          l->id, devsw_name(l->upmajor) ? devsw_name(l->upmajor) : "?",
          l->lower, l->persistent, l->ctl);
}

// ---------------------------------------------------------------- dot

// Graphviz record labels treat {}|<>" specially; our names are tame, but
// a module may be named by anyone.
static void
dotname(char *out, int n, const char *name)
{
  int j = 0;
  for(int i = 0; name[i] && j < n - 3; i++){
    char c = name[i];
    if(c == '{' || c == '}' || c == '|' || c == '<' || c == '>' || c == '"' || c == '\\')
      out[j++] = '\\';
    out[j++] = c;
  }
  out[j] = 0;
}

static void
dot_stream(struct snap *s, struct snapsd *b)
{
  struct stdata *sd = b->sd;
  const char *kname = b->kname[0] ? b->kname : 0;
  TPRINTF(s, "  subgraph cluster_s%d {\n    label=\"stream %d: /dev/%s%s%s%s\";\n",
          sd->sd_id, sd->sd_id, devname(sd), kname ? " (kept " : "",
          kname ? kname : "", kname ? ")" : "");
  tput(s, "    style=rounded; color=gray40;\n");
  int pos = 0;
  for(queue_t *wq = sd->sd_wq; wq; wq = wq->q_next, pos++){
    queue_t *rq = RD(wq);
    char name[2 * FMNAMESZ + 4];
    dotname(name, sizeof(name), qname(wq));
    acquire(&wq->q_lock);
    int wd = wq->q_mcount;
    ulong wb = wq->q_count;
    release(&wq->q_lock);
    acquire(&rq->q_lock);
    int rdp = rq->q_mcount;
    ulong rb = rq->q_count;
    release(&rq->q_lock);
    TPRINTF(s, "    s%dq%d [label=\"{%s|{w: %d msgs %lu B|r: %d msgs %lu B}|hiwat %lu/%lu}\"%s];\n",
            sd->sd_id, pos, name, wd, wb, rdp, rb, wq->q_hiwat, rq->q_hiwat,
            pos == 0 ? ", style=filled, fillcolor=lightblue" :
            (wq->q_next == 0 ? ", style=filled, fillcolor=lightyellow" : ""));
  }
  // Edges: down the write side, up the read side, each labelled with the
  // traffic the receiving queue has seen.
  pos = 0;
  for(queue_t *wq = sd->sd_wq; wq && wq->q_next; wq = wq->q_next, pos++){
    queue_t *below = wq->q_next, *up = RD(wq);
    TPRINTF(s, "    s%dq%d -> s%dq%d [label=\"%lu msgs\\n%lu B%s\", color=blue];\n",
            sd->sd_id, pos, sd->sd_id, pos + 1, rd(&below->q_stats.msgs),
            rd(&below->q_stats.bytes), rd(&below->q_stats.drops) ? "\\ndrops!" : "");
    TPRINTF(s, "    s%dq%d -> s%dq%d [label=\"%lu msgs\\n%lu B%s\", color=darkgreen];\n",
            sd->sd_id, pos + 1, sd->sd_id, pos, rd(&up->q_stats.msgs),
            rd(&up->q_stats.bytes), rd(&up->q_stats.drops) ? "\\ndrops!" : "");
  }
  tput(s, "  }\n");
  // the driver of an upper stream of a multiplexor points at its node
  if(sd->sd_tab && sd->sd_tab->st_muxrinit && mux_has_links(sd->sd_major))
    TPRINTF(s, "  s%dq%d -> mux%d [style=dotted, arrowhead=none];\n",
            sd->sd_id, pos, sd->sd_major);
}

// Each link: from the multiplexing driver (a node per driver) to the
// lower stream's head.
static void
dot_link(struct snap *s, struct linfo *l)
{
  TPRINTF(s, "  mux%d -> s%dq0 [style=dashed, label=\"mux id %d%s\"];\n",
          l->upmajor, l->lower, l->id, l->persistent ? " (P)" : "");
}

static void
dot_muxnode(struct snap *s, struct linfo *l, char *seen)
{
  if(l->upmajor < 0 || l->upmajor >= NDEV || seen[l->upmajor])
    return;
  seen[l->upmajor] = 1;
  const char *n = devsw_name(l->upmajor);
  TPRINTF(s, "  mux%d [shape=component, label=\"%s multiplexor\"];\n",
          l->upmajor, n ? n : "?");
}

// ---------------------------------------------------------------- snapshot

static int
peek_claim(struct stdata *sd)
{
  acquire(&sd->sd_lock);
  int ok = !(sd->sd_flag & STPLUMB);
  if(ok)
    sd->sd_inflight++;
  release(&sd->sd_lock);
  return ok;
}

// Streams a batch at a time. The list is newest first and ids only grow
// along it (stcreate puts a new stream in front with the next id), so the
// walk goes newest to oldest and each batch's text is put in front of the
// text of the batches before it: oldest first reads best.
//
// Between batches the list lock is dropped, so the walk needs a place to
// go on from that cannot be freed meanwhile: the cursor is the last
// stream of the batches so far that could be claimed, and it stays
// claimed until the next batch is gathered (a claimed stream stays on the
// list: stdestroy waits for every claim before it unlinks and frees).
// Streams behind the cursor that were busy are already listed: they are
// skipped by id (below). Going on from the cursor, never again from the
// front, a listing shows only streams that existed when it began, each
// once: streams that come and go meanwhile cannot make it longer than
// the list was. (Going on by id from the front instead costs a walk of
// the whole list a batch, and, worse, reaches the streams opened since,
// so a listing taken while streams are opened and closed fast keeps
// finding new ones and grows without bound.)
#define SNAPBATCH 16

struct walk {
  struct stdata *cur;      // claimed; go on from its successor (0: the front)
  int below;               // every stream with an id from this up is listed
};

// Under st_list_lock: the next (up to) SNAPBATCH streams, newest first,
// each claimed if it can be (a claim keeps a stream from being re-plumbed
// or freed). Copies only; returns how many.
static int
gather(struct walk *w, struct snapsd *b, struct stdata **cursor)
{
  int m = 0;
  *cursor = 0;
  acquire(&st_list_lock);
  struct stdata *sd = w->cur ? w->cur->sd_next : st_all;
  while(sd && sd->sd_id >= w->below)
    sd = sd->sd_next;
  for(; sd && m < SNAPBATCH; sd = sd->sd_next, m++){
    b[m].sd = sd;
    b[m].id = sd->sd_id;
    b[m].dev = devname(sd);
    b[m].refs = sd->sd_refs;
    const char *k = strkept_name(sd);
    safestrcpy(b[m].kname, k ? k : "", sizeof(b[m].kname));
    b[m].claimed = peek_claim(sd);
    if(b[m].claimed)
      *cursor = sd;
  }
  if(m > 0)
    w->below = b[m - 1].id;
  release(&st_list_lock);
  return m;
}

// Every link, copied under the mux lock into blocks allocated before it
// is taken (mux_list calls us with it held).
#define LPERBLK ((STRBUFMAX - 16) / (int)sizeof(struct linfo))
struct lblk {
  struct lblk *next;
  int n;
  struct linfo l[LPERBLK];
};
struct lcopy {
  struct lblk *first, *fill;
  int seen;                // links mux_list showed us, copied or not
};

static void
lcopy_one(struct stlink *l, void *arg)
{
  struct lcopy *c = arg;
  c->seen++;
  while(c->fill && c->fill->n == LPERBLK)
    c->fill = c->fill->next;
  if(c->fill == 0)
    return;
  struct linfo *i = &c->fill->l[c->fill->n++];
  i->id = l->l_id;
  i->persistent = l->l_persistent;
  i->upmajor = l->l_upmajor;
  i->lower = l->l_lower->sd_id;
  i->ctl = l->l_ctl ? l->l_ctl->sd_id : 0;
}

static void
lfree(struct lblk *b)
{
  while(b){
    struct lblk *next = b->next;
    kmfree(b);
    b = next;
  }
}

// The links, or 0 (none, or no memory: the listing then shows none). A
// link made between counting and copying is made room for next time.
static struct lblk *
links_copy(void)
{
  for(int want = st_nlinks + 4, tries = 0; tries < 4; tries++, want *= 2){
    struct lcopy c = { 0, 0, 0 };
    for(int have = 0; have < want; have += LPERBLK){
      struct lblk *b = kmalloc(sizeof(struct lblk));
      if(b == 0){
        lfree(c.first);
        return 0;
      }
      b->n = 0;
      b->next = c.first;
      c.first = b;
    }
    c.fill = c.first;
    mux_list(lcopy_one, &c);
    if(c.seen <= want)
      return c.first;
    lfree(c.first);
    want = c.seen;
  }
  return 0;
}

static void
each_link(struct snap *s, struct lblk *lb, void (*fn)(struct snap *, struct linfo *, char *),
          char *arg)
{
  for(; lb; lb = lb->next)
    for(int i = 0; i < lb->n; i++)
      fn(s, &lb->l[i], arg);
}

static void
link_text(struct snap *s, struct linfo *l, char *unused)
{
  text_link(s, l);
}

static void
link_dot(struct snap *s, struct linfo *l, char *unused)
{
  dot_link(s, l);
}

static struct snap *
snapshot(int dot)
{
  struct snap *s = kmalloc(sizeof(struct snap));
  if(s == 0)
    return 0;
  memset(s, 0, sizeof(*s));
  if(dot){
    tput(s, "digraph streams {\n  rankdir=TB;\n  node [shape=record, fontname=\"monospace\", fontsize=10];\n"
            "  edge [fontname=\"monospace\", fontsize=8];\n");
    TPRINTF(s, "  label=\"streams %d  mblks %d  dblks %d  links %d\";\n",
            st_nstreams, st_nmblk, st_ndblk, st_nlinks);
  } else {
    TPRINTF(s, "streams n=%d mblks=%d dblks=%d links=%d kept=%d svcruns=%lu allocfail=%lu\n",
            st_nstreams, st_nmblk, st_ndblk, st_nlinks, st_nkept, sched_runs(), st_allocfail);
  }

  // The streams: each batch into its own pages, put in front of the rest.
  struct tpage *body = 0, *bodylast = 0;
  struct snapsd b[SNAPBATCH];
  struct walk w = { 0, 0x7fffffff };
  struct stdata *cursor;
  int m;
  while(!s->full && (m = gather(&w, b, &cursor)) > 0){
    struct snap part;
    memset(&part, 0, sizeof(part));
    for(int i = m - 1; i >= 0; i--){
      if(!b[i].claimed){
        if(!dot)
          TPRINTF(&part, "stream id=%d dev=%s busy=1\n", b[i].id, b[i].dev);
        continue;
      }
      if(dot)
        dot_stream(&part, &b[i]);
      else
        text_stream(&part, &b[i]);
      if(b[i].sd != cursor)
        strexit(b[i].sd);
    }
    // The new cursor is claimed: the old one may go (a batch with no
    // stream to claim keeps the old one).
    if(cursor){
      if(w.cur)
        strexit(w.cur);
      w.cur = cursor;
    }
    if(part.full)
      s->full = 1;
    if(part.first){
      part.last->next = body;
      if(body == 0)
        bodylast = part.last;
      body = part.first;
    }
  }
  if(w.cur)
    strexit(w.cur);
  if(body){
    if(s->last)
      s->last->next = body;
    else
      s->first = body;
    s->last = bodylast;
  }

  struct lblk *lb = links_copy();
  if(dot){
    char seen[NDEV];
    memset(seen, 0, sizeof(seen));
    each_link(s, lb, dot_muxnode, seen);
    each_link(s, lb, link_dot, 0);
    tput(s, "}\n");
  } else {
    each_link(s, lb, link_text, 0);
  }
  lfree(lb);
  s->rd = s->first;
  s->rdoff = 0;
  return s;
}

// ---------------------------------------------------------------- devsw

static int
ls_open(struct file *f)
{
  if(f->minor != MINOR_TEXT && f->minor != MINOR_DOT)
    return -ENXIO;
  struct snap *s = snapshot(f->minor == MINOR_DOT);
  if(s == 0)
    return -ENOMEM;
  f->priv = s;
  return 0;
}

static void
ls_close(struct file *f)
{
  if(f->priv)
    snapfree(f->priv);
  f->priv = 0;
}

static int
ls_read(struct file *f, uint64 dst, int n)
{
  struct snap *s = f->priv;
  int done = 0;
  while(s && s->rd && done < n){
    int m = s->rd->len - s->rdoff;
    if(m > n - done)
      m = n - done;
    if(copyout_user(dst + done, s->rd->data + s->rdoff, m) < 0)
      return done > 0 ? done : -EFAULT;
    done += m;
    s->rdoff += m;
    if(s->rdoff == s->rd->len){
      s->rd = s->rd->next;
      s->rdoff = 0;
    }
  }
  return done;
}

static int
ls_write(struct file *f, uint64 src, int n)
{
  return -EINVAL;
}

static int
ls_ioctl(struct file *f, int cmd, uint64 arg)
{
  if(cmd == I_GSTATS)
    return strgstats(arg);
  return -ENOTTY;
}

static struct devsw ls_devsw = {
  .open = ls_open,
  .close = ls_close,
  .read = ls_read,
  .write = ls_write,
  .ioctl = ls_ioctl,
};

void
streams_listing_init(void)
{
  int major = devsw_register("streams", &ls_devsw);
  if(major < 0)
    return;
  devnode_add("streams", major, MINOR_TEXT);
  devnode_add("streams.dot", major, MINOR_DOT);
}
