// fault.c: a module that breaks traffic on purpose, reproducibly. Push it
// anywhere; it passes everything through except data messages (M_DATA,
// M_PROTO), to which it applies, per direction, in this order:
//
//   drop P       lose the message
//   corrupt P    flip one bit of one data byte (a copy: shared data stays)
//   dup P        send it twice
//   reorder P    hold it back and send it after the next one (bounded: at
//                most one held per direction; a held message is let go
//                within 100 ms even if nothing follows)
//   delay MS     hold every message MS milliseconds
//
// P is a probability ("0.3") or "every N" ("every 5": the 5th, 10th, ...).
// Random choices come from a generator seeded by "seed N", so a run is
// reproducible: the same seed and the same traffic give the same faults.
//
// Control (NET_CTL text, each line starting with "fault"):
//   fault [up|down|both] drop|corrupt|dup|reorder P      (default both)
//   fault [up|down|both] delay MS
//   fault seed N | fault reset | fault stats
// "stats" answers with counters per direction; so does /dev/streams.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"
#include "callout.h"
#include "streams/stream.h"
#include "netctl.h"

#define PPM 1000000            // probabilities in parts per million

enum { F_DROP, F_CORRUPT, F_DUP, F_REORDER, NFAULT };
static const char *fault_name[NFAULT] = { "drop", "corrupt", "dup", "reorder" };

struct rule {
  uint32 ppm;                  // probability, or
  uint32 every;                // every Nth message (0 = use ppm)
};

struct side {                  // one direction
  struct rule r[NFAULT];
  int delay_ms;
  ulong seen;                  // data messages seen (for "every")
  mblk_t *held;                // reorder: the message held back
  uint64 held_since;
  mblk_t *delayed, *delayed_last;   // delay: messages waiting (b_next)
  struct { ulong passed, dropped, corrupted, duped, reordered, delayed; } st;
};

struct fault {
  struct spinlock lock;
  queue_t *rq;
  uint64 rng;
  struct side side[2];         // 0 = up (read), 1 = down (write)
  int timer;
  int closing;
};

// splitmix64: small, fast, and the same sequence for the same seed.
static uint64
fault_next_random(struct fault *f)
{
  uint64 z = (f->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int
fault_fires(struct fault *f, struct side *s, int which)
{
  struct rule *r = &s->r[which];
  if(r->every)
    return (s->seen % r->every) == 0;
  if(r->ppm == 0)
    return 0;
  return (fault_next_random(f) % PPM) < r->ppm;
}

// Flip one bit of one data byte; returns the (possibly copied) message.
static mblk_t *
fault_corrupt(struct fault *f, mblk_t *mp)
{
  int n = msgdsize(mp);
  if(n == 0)
    return mp;
  mblk_t *c = copymsg(mp);     // never scribble on data others share
  if(c == 0)
    return mp;
  freemsg(mp);
  int at = fault_next_random(f) % n;
  int bit = fault_next_random(f) % 8;
  for(mblk_t *b = c; b; b = b->b_cont){
    if(DB_TYPE(b) != M_DATA)
      continue;
    if(at < MBLKL(b)){
      b->b_rptr[at] ^= 1 << bit;
      break;
    }
    at -= MBLKL(b);
  }
  return c;
}

// Decide what happens to one data message. Fills out[] with what to send
// now, in order; returns how many. f->lock held.
static int
fault_judge(struct fault *f, queue_t *q, struct side *s, mblk_t *mp, mblk_t *out[4])
{
  int n = 0;
  s->seen++;
  if(fault_fires(f, s, F_DROP)){
    s->st.dropped++;
    qdrop(q, mp, "fault: drop");   // counted where it happens, for /dev/streams
    return 0;
  }
  if(fault_fires(f, s, F_CORRUPT)){
    s->st.corrupted++;
    mp = fault_corrupt(f, mp);
  }
  mblk_t *dup = 0;
  if(fault_fires(f, s, F_DUP) && (dup = dupmsg(mp)) != 0)
    s->st.duped++;
  if(s->held == 0 && fault_fires(f, s, F_REORDER)){
    // hold this one back; the next message overtakes it
    s->st.reordered++;
    s->held = mp;
    s->held_since = uptime_ms();
    mp = 0;
  } else if(s->held){
    out[n++] = mp;
    mp = s->held;
    s->held = 0;
  }
  if(mp)
    out[n++] = mp;
  if(dup)
    out[n++] = dup;
  s->st.passed += n;
  return n;
}

static void
fault_send_side(queue_t *q, mblk_t **out, int n)
{
  for(int i = 0; i < n; i++){
    out[i]->b_next = 0;
    putnext(q, out[i]);
  }
}

static int
fault_is_data(mblk_t *mp)
{
  return DB_TYPE(mp) == M_DATA || DB_TYPE(mp) == M_PROTO;
}

// Pass on or hold (delay) messages that survived fault_judge().
static void
fault_emit(struct fault *f, queue_t *q, struct side *s, mblk_t **out, int n)
{
  if(s->delay_ms > 0){
    acquire(&f->lock);
    for(int i = 0; i < n; i++){
      out[i]->b_next = 0;
      // b_prev carries the release time: the message is on no queue
      out[i]->b_prev = (mblk_t *)(uptime_ms() + s->delay_ms);
      if(s->delayed_last) s->delayed_last->b_next = out[i]; else s->delayed = out[i];
      s->delayed_last = out[i];
      s->st.delayed++;
    }
    release(&f->lock);
    return;
  }
  fault_send_side(q, out, n);
}

static int
fault_put(queue_t *q, mblk_t *mp, int down);

static int fault_rput(queue_t *q, mblk_t *mp) { return fault_put(q, mp, 0); }

static int
fault_stats(struct fault *f, char *buf, int len)
{
  int off = 0;
  acquire(&f->lock);
  for(int d = 0; d < 2 && off < len; d++){
    struct side *s = &f->side[d];
    off += snprintf(buf + off, len - off,
      "%s passed %lu dropped %lu corrupted %lu duplicated %lu reordered %lu delayed %lu\n",
      d ? "down" : "up", s->st.passed, s->st.dropped, s->st.corrupted, s->st.duped,
      s->st.reordered, s->st.delayed);
  }
  release(&f->lock);
  return off < len ? off : len - 1;
}

// Parse "P" or "every N" starting at argv[i]; fills the rule.
static int
fault_parse_rule(char **argv, int argc, int i, struct rule *r)
{
  uint32 n;
  if(i + 1 < argc && strcmp(argv[i], "every") == 0){
    if(netctl_parse_uint(argv[i + 1], &n) < 0 || n == 0)
      return -1;
    r->every = n;
    r->ppm = 0;
    return i + 2 == argc ? 0 : -1;
  }
  if(i + 1 != argc)
    return -1;
  // a decimal fraction 0 .. 1 with up to 6 digits
  const char *s = argv[i];
  uint32 whole = 0, frac = 0, scale = PPM;
  if(*s == '0' || *s == '1')
    whole = *s++ - '0';
  else if(*s != '.')
    return -1;
  if(*s == '.'){
    s++;
    if(*s == 0)
      return -1;
    for(; *s; s++){
      if(*s < '0' || *s > '9' || scale == 1)
        return -1;
      scale /= 10;
      frac += (*s - '0') * scale;
    }
  } else if(*s){
    return -1;
  }
  uint32 ppm = whole * PPM + frac;
  if(ppm > PPM)
    return -1;
  r->ppm = ppm;
  r->every = 0;
  return 0;
}

#define FAULT_USAGE "fault: usage: fault [up|down] drop|corrupt|dup|reorder P|every N; " \
                    "fault [up|down] delay MS; fault seed N|reset|stats"

// "fault [up|down|both] ..." (see the top of the file).
static const char *
fault_ctl(struct netctl_req *req)
{
  struct fault *f = req->q->q_ptr;
  char **argv = req->argv;
  int argc = req->argc;
  int i = 1, lo = 0, hi = 1;
  if(i < argc && strcmp(argv[i], "up") == 0){ hi = 0; i++; }
  else if(i < argc && strcmp(argv[i], "down") == 0){ lo = 1; i++; }
  else if(i < argc && strcmp(argv[i], "both") == 0){ i++; }
  int err = 0;
  uint32 v;
  acquire(&f->lock);
  if(i < argc && strcmp(argv[i], "seed") == 0 && i + 2 == argc && netctl_parse_uint(argv[i + 1], &v) == 0){
    f->rng = v;
  } else if(i < argc && strcmp(argv[i], "reset") == 0 && i + 1 == argc){
    for(int d = lo; d <= hi; d++){
      memset(f->side[d].r, 0, sizeof(f->side[d].r));
      f->side[d].delay_ms = 0;
      f->side[d].seen = 0;
    }
  } else if(i < argc && strcmp(argv[i], "delay") == 0 && i + 2 == argc &&
            netctl_parse_uint(argv[i + 1], &v) == 0 && v <= 10000){
    for(int d = lo; d <= hi; d++)
      f->side[d].delay_ms = v;
  } else if(i < argc && strcmp(argv[i], "stats") == 0){
    release(&f->lock);
    char buf[400];
    if(netctl_reply(req, buf, fault_stats(f, buf, sizeof(buf))) < 0){
      req->err = ENOMEM;
      return "";
    }
    return 0;
  } else {
    int which = -1;
    for(int k = 0; k < NFAULT && i < argc; k++)
      if(strcmp(argv[i], fault_name[k]) == 0)
        which = k;
    struct rule r;
    if(which < 0 || fault_parse_rule(argv, argc, i + 1, &r) < 0)
      err = EINVAL;
    else
      for(int d = lo; d <= hi; d++){
        f->side[d].r[which] = r;
        f->side[d].seen = 0;
      }
  }
  release(&f->lock);
  return err ? FAULT_USAGE : 0;
}

// Only "fault ..." is fault's; the rest is for a module further down.
static const struct netctl_cmd fault_ctls[] = {
  { "fault", 1, NETCTL_ARGS, fault_ctl, FAULT_USAGE },
  { 0 },
};

static int
fault_put(queue_t *q, mblk_t *mp, int down)
{
  struct fault *f = q->q_ptr;
  if(down && DB_TYPE(mp) == M_IOCTL &&
     ((struct iocblk *)mp->b_rptr)->ioc_cmd == NET_CTL &&
     netctl_request(q, mp, fault_ctls, 0))
    return 0;
  if(!fault_is_data(mp)){
    putnext(q, mp);
    return 0;
  }
  mblk_t *out[4];
  acquire(&f->lock);
  int n = fault_judge(f, q, &f->side[down], mp, out);
  release(&f->lock);
  fault_emit(f, q, &f->side[down], out, n);
  return 0;
}

static int fault_wput(queue_t *q, mblk_t *mp) { return fault_put(q, mp, 1); }

// Every few milliseconds: release delayed messages whose time has come and
// reordered ones that waited too long for a follower.
static void
fault_tick(void *arg)
{
  struct fault *f = arg;
  acquire(&f->lock);
  if(f->closing){
    release(&f->lock);
    return;
  }
  mblk_t *ready[2] = { 0, 0 };
  uint64 now = uptime_ms();
  for(int d = 0; d < 2; d++){
    struct side *s = &f->side[d];
    mblk_t **tail = &ready[d];
    if(s->held && now - s->held_since >= 100){
      *tail = s->held;
      s->held->b_next = 0;
      tail = &s->held->b_next;
      s->held = 0;
    }
    while(s->delayed && (uint64)s->delayed->b_prev <= now){
      mblk_t *mp = s->delayed;
      s->delayed = mp->b_next;
      if(s->delayed == 0)
        s->delayed_last = 0;
      mp->b_next = 0;
      mp->b_prev = 0;
      *tail = mp;
      tail = &mp->b_next;
    }
  }
  queue_t *rq = f->rq;
  f->timer = timeout(fault_tick, f, 5);
  release(&f->lock);
  for(int d = 0; d < 2; d++){
    queue_t *q = d ? WR(rq) : rq;
    if(ready[d] == 0)
      continue;
    int ok = strclaim(q);
    while(ready[d]){
      mblk_t *mp = ready[d];
      ready[d] = mp->b_next;
      mp->b_next = 0;
      if(ok) putnext(q, mp); else freemsg(mp);
    }
    if(ok)
      strrelease(q);
  }
}

static int
fault_open(queue_t *rq, int minor, int oflag, int sflag)
{
  struct fault *f = kmalloc(sizeof(*f));
  if(f == 0)
    return ENOMEM;
  initlock(&f->lock, "fault");
  f->rq = rq;
  f->rng = 1;
  rq->q_ptr = WR(rq)->q_ptr = f;
  acquire(&f->lock);
  f->timer = timeout(fault_tick, f, 5);
  release(&f->lock);
  return 0;
}

static int
fault_close(queue_t *rq, int oflag)
{
  struct fault *f = rq->q_ptr;
  acquire(&f->lock);
  f->closing = 1;
  release(&f->lock);
  untimeout_rearming(&f->lock, &f->timer);   // fault_tick sees closing
  for(int d = 0; d < 2; d++){
    if(f->side[d].held)
      freemsg(f->side[d].held);
    freemsglist(f->side[d].delayed);
  }
  kmfree(f);
  return 0;
}

static struct module_info fault_info = {
  .mi_idnum = 1010, .mi_idname = "fault",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ,
  .mi_hiwat = 64 * 1024, .mi_lowat = 16 * 1024,
};
static struct qinit fault_rinit = {
  .qi_putp = fault_rput, .qi_qopen = fault_open, .qi_qclose = fault_close,
  .qi_minfo = &fault_info,
};
static struct qinit fault_winit = { .qi_putp = fault_wput, .qi_minfo = &fault_info };

static const struct streamtab fault_tab = {
  .st_rdinit = &fault_rinit, .st_wrinit = &fault_winit,
  .st_flags = STR_MODULE,
};

STREAMS_MODULE(fault_tab);
