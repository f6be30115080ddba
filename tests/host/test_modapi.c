// HOSTTEST-SOURCES: kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c kernel/streams/timer.c kernel/callout.c modules/loop.c modules/netctl.c tests/host/kshim.c
// test_modapi.c: host tests of the helpers a module writer gets instead
// of writing them again: mkiocmsg (ioc_ids from the stream head's one
// counter), putnext_put, freemsglist, netctl_request/netctl_reply with a
// table and with a catch-all, netctl_parse_ifname, mux_each_upper (with
// upper streams closing on another thread while it runs) and
// untimeout_rearming. Message and memory counts return to their baseline.
#include "kshim.h"
#include "errno.h"
#include "fcntl.h"
#include "callout.h"
#include "streams/stream.h"
#include "streams/strsubr.h"
#include "netctl.h"

void streams_init(void);
void callout_init(void);

// ---------------------------------------------------------------- ctlmod

// "ctlmod": answers NET_CTL from a table, passes the rest on (putnext_put
// on the read side), and notes the ioc_id of every M_IOCTL going down.
static uint ctl_lastid;
static int ctl_value;

static const char *
ctl_set(struct netctl_req *r)
{
  uint32 v;
  if(netctl_parse_uint(r->argv[1], &v) < 0)
    return "ctlmod: usage: set N";
  __atomic_store_n(&ctl_value, (int)v, __ATOMIC_RELAXED);
  return 0;
}

static const char *
ctl_get(struct netctl_req *r)
{
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "value %d", __atomic_load_n(&ctl_value, __ATOMIC_RELAXED));
  if(netctl_reply(r, buf, n) < 0){
    r->err = ENOMEM;
    return "";
  }
  return 0;
}

static const char *
ctl_deny(struct netctl_req *r)
{
  r->err = EACCES;
  return "ctlmod: denied";
}

static const char *
ctl_quiet(struct netctl_req *r)
{
  r->err = ENXIO;
  return "";
}

// Keeps the message and answers it itself, as tcp's connect does later.
static const char *
ctl_keep(struct netctl_req *r)
{
  mblk_t *mp = r->mp;
  r->mp = 0;
  miocack(r->q, mp, 0, 0);
  return 0;
}

static const struct netctl_cmd ctl_table[] = {
  { "set", 2, 2, ctl_set, "ctlmod: usage: set N" },
  { "get", 1, 1, ctl_get, "ctlmod: usage: get" },
  { "deny", 1, 1, ctl_deny },
  { "quiet", 1, 1, ctl_quiet },
  { "keep", 1, 1, ctl_keep },
  { 0 },
};

static int
ctl_wput(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) == M_IOCTL){
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    __atomic_store_n(&ctl_lastid, ioc->ioc_id, __ATOMIC_RELAXED);
    if(ioc->ioc_cmd == NET_CTL && netctl_request(q, mp, ctl_table, 0))
      return 0;
  }
  putnext(q, mp);
  return 0;
}

static struct module_info ctl_info = { 2101, "ctlmod", 0, INFPSZ, 4096, 1024, 0 };
static struct qinit ctl_rinit = { .qi_putp = putnext_put, .qi_minfo = &ctl_info };
static struct qinit ctl_winit = { .qi_putp = ctl_wput, .qi_minfo = &ctl_info };
static struct streamtab ctl_tab = {
  .st_rdinit = &ctl_rinit, .st_wrinit = &ctl_winit, .st_flags = STR_MODULE,
};
STREAMS_MODULE(ctl_tab);

// "ctlany": one catch-all handler takes every NET_CTL; bad text is
// refused with the module's reason.
static int any_calls;

static const char *
any_fn(struct netctl_req *r)
{
  __atomic_add_fetch(&any_calls, 1, __ATOMIC_RELAXED);
  return r->argc == 2 ? 0 : "ctlany: two words";
}

static const struct netctl_cmd any_table[] = { { 0, 0, 0, any_fn } };

static int
any_wput(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) == M_IOCTL && ((struct iocblk *)mp->b_rptr)->ioc_cmd == NET_CTL){
    netctl_request(q, mp, any_table, "ctlany: empty or too long");
    return 0;
  }
  putnext(q, mp);
  return 0;
}

static struct module_info any_info = { 2102, "ctlany", 0, INFPSZ, 4096, 1024, 0 };
static struct qinit any_rinit = { .qi_putp = putnext_put, .qi_minfo = &any_info };
static struct qinit any_winit = { .qi_putp = any_wput, .qi_minfo = &any_info };
static struct streamtab any_tab = {
  .st_rdinit = &any_rinit, .st_wrinit = &any_winit, .st_flags = STR_MODULE,
};
STREAMS_MODULE(any_tab);

// ---------------------------------------------------------------- upmux

// "upmux": a driver that keeps its open streams in a table under its own
// lock, as a multiplexor keeps its upper streams (ip's ups[]).
#define NUP 24
static struct spinlock up_lock;
static queue_t *up_rq[NUP];

static int
up_open(queue_t *rq, int minor, int oflag, int sflag)
{
  acquire(&up_lock);
  int i;
  for(i = 0; i < NUP && up_rq[i]; i++)
    ;
  if(i < NUP)
    up_rq[i] = rq;
  release(&up_lock);
  return i < NUP ? 0 : ENOSR;
}

static int
up_close(queue_t *rq, int oflag)
{
  acquire(&up_lock);
  for(int i = 0; i < NUP; i++)
    if(up_rq[i] == rq)
      up_rq[i] = 0;
  release(&up_lock);
  return 0;
}

static int up_drop(queue_t *q, mblk_t *mp) { freemsg(mp); return 0; }
static void up_init(int major) { initlock(&up_lock, "upmux"); }
static struct module_info up_info = { 2103, "upmux", 0, INFPSZ, 4096, 1024, 0 };
static struct qinit up_rinit = { .qi_putp = putnext_put, .qi_qopen = up_open,
                                 .qi_qclose = up_close, .qi_minfo = &up_info };
static struct qinit up_winit = { .qi_putp = up_drop, .qi_minfo = &up_info };
static const char *const up_devices[] = { "upmux", 0 };
static struct streamtab up_tab = {
  .st_rdinit = &up_rinit, .st_wrinit = &up_winit, .st_flags = STR_DRIVER,
  .st_devices = up_devices, .st_init = up_init,
};
STREAMS_MODULE(up_tab);

static queue_t *
up_slot(int i, void *arg)
{
  return up_rq[i];
}

struct each {
  int calls, lasts, lastcall, unclaimed;
};

static void
up_each(queue_t *q, void *arg, int last)
{
  struct each *e = arg;
  struct stdata *sd = q->q_stream;
  acquire(&sd->sd_lock);
  if(sd->sd_inflight <= 0)        // (it may have begun to close since)
    e->unclaimed++;
  release(&sd->sd_lock);
  e->calls++;
  if(last){
    e->lasts++;
    e->lastcall = e->calls;
  }
}

// ---------------------------------------------------------------- helpers

static struct str_stats
stats(void)
{
  struct str_stats ss;
  memset(&ss, 0, sizeof(ss));
  int fd = kshim_open("loop", O_RDWR);
  kshim_ioctl(fd, I_GSTATS, (long)&ss);
  kshim_close(fd);
  return ss;
}

// NET_CTL text on fd; the answer text in ans (if given). ioctl's result.
static int
netctl(int fd, const char *text, char *ans, int n)
{
  char buf[NETCTL_MAX + 8];
  int len = strlen(text);
  memmove(buf, text, len);
  struct strioctl sio = { NET_CTL, 0, len, buf };
  int r = kshim_ioctl(fd, I_STR, (long)&sio);
  if(ans){
    int m = r >= 0 && sio.ic_len > 0 ? sio.ic_len : 0;
    if(m >= n)
      m = n - 1;
    memmove(ans, buf, m);
    ans[m] = 0;
  }
  return r;
}

static const char *
errstr(int fd)
{
  static char buf[STR_ERRLEN];
  memset(buf, 0, sizeof(buf));
  kshim_ioctl(fd, I_ERRSTR, (long)buf);
  return buf;
}

// ---------------------------------------------------------------- tests

static void
test_mkiocmsg(void)
{
  struct str_stats base = stats();
  int data = 1234;
  mblk_t *a = mkiocmsg(NET_CTL, &data, sizeof(data));
  CHECK("mkiocmsg/made", a != 0 && DB_TYPE(a) == M_IOCTL);
  struct iocblk *ioc = (struct iocblk *)a->b_rptr;
  CHECK("mkiocmsg/header", MBLKL(a) == (int)sizeof(*ioc) && ioc->ioc_cmd == NET_CTL &&
        ioc->ioc_count == sizeof(data) && ioc->ioc_error == 0);
  CHECK("mkiocmsg/data", a->b_cont && MBLKL(a->b_cont) == sizeof(data) &&
        memcmp(a->b_cont->b_rptr, &data, sizeof(data)) == 0);
  uint ida = ioc->ioc_id;
  CHECK("mkiocmsg/id", ida != 0);
  mblk_t *e = mkiocmsg(0x7701, 0, 0);
  CHECK("mkiocmsg/nodata", e != 0 && e->b_cont == 0 &&
        ((struct iocblk *)e->b_rptr)->ioc_count == 0);

  // The stream head's I_STR draws from the same counter: its id lies
  // between the two the module got before and after.
  int fd = kshim_open("loop", O_RDWR);
  EXPECT("mkiocmsg/push", kshim_ioctl(fd, I_PUSH, (long)"ctlmod"), 0);
  EXPECT("mkiocmsg/istr", netctl(fd, "set 1", 0, 0), 0);
  uint idh = __atomic_load_n(&ctl_lastid, __ATOMIC_RELAXED);
  mblk_t *c = mkiocmsg(NET_CTL, 0, 0);
  uint idc = ((struct iocblk *)c->b_rptr)->ioc_id;
  uint ide = ((struct iocblk *)e->b_rptr)->ioc_id;
  CHECK("mkiocmsg/one_counter", ida < ide && ide < idh && idh < idc);
  kshim_close(fd);

  kshim_failalloc(3);            // the data block (each block is two)
  CHECK("mkiocmsg/nomem", mkiocmsg(NET_CTL, &data, sizeof(data)) == 0);
  kshim_failalloc(0);
  freemsg(a);
  freemsg(c);
  freemsg(e);
  struct str_stats now = stats();
  EXPECT("mkiocmsg/no_leak", now.ss_mblks, base.ss_mblks);
}

static void
test_freemsglist(void)
{
  struct str_stats base = stats();
  long live = kshim_kmalloc_live();
  mblk_t *first = 0, **pp = &first;
  for(int i = 0; i < 5; i++){
    mblk_t *mp = allocb(16, BPRI_MED);
    linkb(mp, allocb(8, BPRI_MED));        // two blocks each
    mp->b_prev = first;                     // whatever the list kept there
    *pp = mp;
    pp = &mp->b_next;
  }
  freemsglist(first);
  freemsglist(0);
  struct str_stats now = stats();
  EXPECT("freemsglist/blocks", now.ss_mblks, base.ss_mblks);
  EXPECT("freemsglist/memory", kshim_kmalloc_live(), live);
}

static void
test_putnext_put(void)
{
  char buf[32];
  int fd = kshim_open("loop", O_RDWR);
  EXPECT("putnext_put/push", kshim_ioctl(fd, I_PUSH, (long)"ctlmod"), 0);
  EXPECT("putnext_put/write", kshim_write(fd, "through", 7), 7);
  int n = kshim_read(fd, buf, sizeof(buf) - 1);
  buf[n > 0 ? n : 0] = 0;
  CHECK("putnext_put/read", strcmp(buf, "through") == 0);
  EXPECT("putnext_put/flush", kshim_ioctl(fd, I_FLUSH, FLUSHRW), 0);
  kshim_close(fd);
}

static void
test_netctl_request(void)
{
  struct str_stats base = stats();
  char ans[64], longline[NETCTL_MAX + 1];
  int fd = kshim_open("loop", O_RDWR);
  EXPECT("netctl/push", kshim_ioctl(fd, I_PUSH, (long)"ctlmod"), 0);
  EXPECT("netctl/set", netctl(fd, " set\t42 \n", 0, 0), 0);
  EXPECT("netctl/get", netctl(fd, "get", ans, sizeof(ans)), 0);
  CHECK("netctl/get_text", strcmp(ans, "value 42") == 0);
  EXPECT("netctl/bad_value", netctl(fd, "set x", 0, 0), -EINVAL);
  CHECK("netctl/bad_value_why", strcmp(errstr(fd), "ctlmod: usage: set N") == 0);
  EXPECT("netctl/too_many_words", netctl(fd, "set 1 2", 0, 0), -EINVAL);
  CHECK("netctl/usage_why", strcmp(errstr(fd), "ctlmod: usage: set N") == 0);
  EXPECT("netctl/errno", netctl(fd, "deny", 0, 0), -EACCES);
  CHECK("netctl/errno_why", strcmp(errstr(fd), "ctlmod: denied") == 0);
  EXPECT("netctl/no_reason", netctl(fd, "quiet", 0, 0), -ENXIO);
  EXPECT("netctl/kept", netctl(fd, "keep", 0, 0), 0);
  // Not ctlmod's: passed on to the loop driver, which refuses NET_CTL.
  EXPECT("netctl/passed_on", netctl(fd, "frobnicate", 0, 0), -EINVAL);
  EXPECT("netctl/empty_passed_on", netctl(fd, "  ", 0, 0), -EINVAL);
  memset(longline, 'g', NETCTL_MAX);
  longline[NETCTL_MAX] = 0;
  EXPECT("netctl/long_passed_on", netctl(fd, longline, 0, 0), -EINVAL);
  EXPECT("netctl/value_kept", netctl(fd, "get", ans, sizeof(ans)), 0);
  CHECK("netctl/value_kept_text", strcmp(ans, "value 42") == 0);
  EXPECT("netctl/pop", kshim_ioctl(fd, I_POP, 0), 0);

  // A catch-all: every word reaches the function; bad text its reason.
  EXPECT("netctl/any_push", kshim_ioctl(fd, I_PUSH, (long)"ctlany"), 0);
  EXPECT("netctl/any_ok", netctl(fd, "whatever 1", 0, 0), 0);
  EXPECT("netctl/any_refused", netctl(fd, "whatever", 0, 0), -EINVAL);
  CHECK("netctl/any_why", strcmp(errstr(fd), "ctlany: two words") == 0);
  EXPECT("netctl/any_empty", netctl(fd, "", 0, 0), -EINVAL);
  CHECK("netctl/any_empty_why", strcmp(errstr(fd), "ctlany: empty or too long") == 0);
  EXPECT("netctl/any_calls", any_calls, 2);
  kshim_close(fd);
  struct str_stats now = stats();
  EXPECT("netctl/no_leak", now.ss_mblks, base.ss_mblks);
}

static int
bymux(int muxid)
{
  return muxid == 5 ? 2 : -1;
}

static void
test_parse_ifname(void)
{
  uint32 v = 99;
  EXPECT("ifname/number", netctl_parse_ifname("0", bymux, &v), 0);
  EXPECT("ifname/number_value", v, 0);
  EXPECT("ifname/hex", netctl_parse_ifname("0x3", bymux, &v), 0);
  EXPECT("ifname/hex_value", v, 3);
  EXPECT("ifname/mux", netctl_parse_ifname("mux=5", bymux, &v), 0);
  EXPECT("ifname/mux_value", v, 2);
  v = 99;
  EXPECT("ifname/unknown_mux", netctl_parse_ifname("mux=6", bymux, &v), -1);
  EXPECT("ifname/unknown_mux_untouched", v, 99);
  EXPECT("ifname/empty_mux", netctl_parse_ifname("mux=", bymux, &v), -1);
  EXPECT("ifname/huge_mux", netctl_parse_ifname("mux=4294967295", bymux, &v), -1);
  EXPECT("ifname/word", netctl_parse_ifname("eth0", bymux, &v), -1);
  EXPECT("ifname/empty", netctl_parse_ifname("", bymux, &v), -1);
}

static void
test_mux_each_upper(void)
{
  struct str_stats base = stats();
  int fds[20];
  for(int i = 0; i < 20; i++)
    fds[i] = kshim_open("upmux", O_RDWR);
  struct each e = { 0 };
  // 20 streams: more than one batch of claims.
  EXPECT("each/count", mux_each_upper(&up_lock, NUP, up_slot, up_each, &e), 20);
  EXPECT("each/calls", e.calls, 20);
  EXPECT("each/one_last", e.lasts, 1);
  EXPECT("each/last_is_last", e.lastcall, 20);
  EXPECT("each/claimed", e.unclaimed, 0);

  // A stream that has begun to close is skipped.
  struct stdata *sd = kshim_file(fds[3])->priv;
  acquire(&sd->sd_lock);
  sd->sd_flag |= STCLOSING;
  release(&sd->sd_lock);
  memset(&e, 0, sizeof(e));
  EXPECT("each/skips_closing", mux_each_upper(&up_lock, NUP, up_slot, up_each, &e), 19);
  acquire(&sd->sd_lock);
  sd->sd_flag &= ~STCLOSING;
  release(&sd->sd_lock);
  for(int i = 0; i < 20; i++)
    kshim_close(fds[i]);
  memset(&e, 0, sizeof(e));
  EXPECT("each/none", mux_each_upper(&up_lock, NUP, up_slot, up_each, &e), 0);
  EXPECT("each/none_last", e.lasts, 0);
  struct str_stats now = stats();
  EXPECT("each/streams_back", now.ss_streams, base.ss_streams);
}

// Streams open and close on one thread while another walks them: every
// call finds its stream claimed and alive (ASan reports any use after
// free), and all of it ends at the baseline.
static volatile int churning;

static void
churn(void *arg)
{
  for(int i = 0; i < 500; i++){
    int a = kshim_open("upmux", O_RDWR);
    int b = kshim_open("upmux", O_RDWR);
    kshim_close(a);
    kshim_close(b);
  }
  churning = 0;
}

static void
test_mux_each_upper_churn(void)
{
  struct str_stats base = stats();
  long live = kshim_kmalloc_live();
  struct each e = { 0 };
  churning = 1;
  struct kshim_thread *t = kshim_spawn(churn, 0);
  long rounds = 0;
  while(churning || rounds < 100){
    mux_each_upper(&up_lock, NUP, up_slot, up_each, &e);
    rounds++;
  }
  kshim_join(t);
  EXPECT("churn/claimed", e.unclaimed, 0);
  CHECK("churn/saw_streams", e.calls > 0);
  struct str_stats now = stats();
  EXPECT("churn/streams_back", now.ss_streams, base.ss_streams);
  EXPECT("churn/memory_back", kshim_kmalloc_live(), live);
}

// A callout that re-arms itself until told to stop.
static struct {
  struct spinlock lock;
  int timer, closing, runs;
} tk;

static void
tick(void *arg)
{
  acquire(&tk.lock);
  tk.runs++;
  if(!tk.closing)
    tk.timer = timeout(tick, 0, 1);
  release(&tk.lock);
}

static int
ran_twice(void *arg)
{
  acquire(&tk.lock);
  int r = tk.runs >= 2;
  release(&tk.lock);
  return r;
}

static void
test_untimeout_rearming(void)
{
  initlock(&tk.lock, "tick");
  acquire(&tk.lock);
  tk.timer = timeout(tick, 0, 1);
  release(&tk.lock);
  CHECK("untimeout/rearms", kshim_waitfor(ran_twice, 0, 5000));
  acquire(&tk.lock);
  tk.closing = 1;
  release(&tk.lock);
  untimeout_rearming(&tk.lock, &tk.timer);
  acquire(&tk.lock);
  int runs = tk.runs, id = tk.timer;
  release(&tk.lock);
  EXPECT("untimeout/no_id_left", id, 0);
  // Nothing is pending: a settled system ran no further tick.
  CHECK("untimeout/settled", kshim_settle(5000));
  EXPECT("untimeout/stopped", tk.runs, runs);
  untimeout_rearming(&tk.lock, &tk.timer);    // nothing to do: returns
  EXPECT("untimeout/idempotent", tk.runs, runs);
}

int
main(void)
{
  streams_init();
  callout_init();
  test_mkiocmsg();
  test_freemsglist();
  test_putnext_put();
  test_netctl_request();
  test_parse_ifname();
  test_mux_each_upper();
  test_mux_each_upper_churn();
  test_untimeout_rearming();
  return kshim_failures != 0;
}
