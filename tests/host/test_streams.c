// HOSTTEST-SOURCES: kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/loop.c modules/null.c modules/rot13.c modules/count.c modules/muxloop.c tests/host/kshim.c
// test_streams.c: host unit tests of the STREAMS framework through its
// device interface, exactly as system calls reach it: plumbing (push, pop,
// look, list, find, limits, push-time requirements), I_STR with answers,
// NAKs and ETIME, M_ERROR/M_HANGUP, read modes, flow control with
// back-enabling, interrupted waits, multiplexor links and cycles,
// persistent links, kept streams, the listing, and threads hammering
// streams – with message and memory counts back at their baseline.
//
// The test also registers modules of its own (below) with STREAMS_MODULE,
// which shows that a new module needs no change to the framework.
#include "kshim.h"
#include "errno.h"
#include "fcntl.h"
#include "poll.h"
#include "streams/stream.h"
#include "streams/strsubr.h"
#include "demo.h"
#include "provides.h"

void streams_init(void);

// ---------------------------------------------------------------- test modules

// "picky": must sit right on something that provides "frames".
static int pass_put(queue_t *q, mblk_t *mp) { putnext(q, mp); return 0; }
static struct module_info picky_info = { 2001, "picky", 0, INFPSZ, 1024, 256, 0 };
static struct qinit picky_init = { .qi_putp = pass_put, .qi_minfo = &picky_info };
static struct streamtab picky_tab = {
  .st_rdinit = &picky_init, .st_wrinit = &picky_init,
  .st_flags = STR_MODULE, .st_requires = ST_FRAMES,
};
STREAMS_MODULE(picky_tab);

// "refuser": its open fails.
static int refuse_open(queue_t *q, int minor, int oflag, int sflag) { return EPERM; }
static struct module_info refuser_info = { 2002, "refuser", 0, INFPSZ, 1024, 256, 0 };
static struct qinit refuser_rinit = { .qi_putp = pass_put, .qi_qopen = refuse_open,
                                      .qi_minfo = &refuser_info };
static struct qinit refuser_winit = { .qi_putp = pass_put, .qi_minfo = &refuser_info };
static struct streamtab refuser_tab = {
  .st_rdinit = &refuser_rinit, .st_wrinit = &refuser_winit, .st_flags = STR_MODULE,
};
STREAMS_MODULE(refuser_tab);

// "qmod": queues both ways and forwards from its service procedures,
// with small water marks, so flow control must back-enable through it.
static int
q_put(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) >= QPCTL && DB_TYPE(mp) != M_FLUSH)
    putnext(q, mp);
  else if(DB_TYPE(mp) == M_FLUSH){
    if(*mp->b_rptr & ((q->q_flag & QREADR) ? FLUSHR : FLUSHW))
      flushq(q, FLUSHDATA);
    putnext(q, mp);
  } else
    putq(q, mp);
  return 0;
}
static int
q_srv(queue_t *q)
{
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(DB_TYPE(mp) < QPCTL && !canputnext(q)){
      putbq(q, mp);
      break;
    }
    putnext(q, mp);
  }
  return 0;
}
static struct module_info qmod_info = { 2003, "qmod", 0, INFPSZ, 2048, 512, 0 };
static struct qinit qmod_init = { .qi_putp = q_put, .qi_srvp = q_srv, .qi_minfo = &qmod_info };
static struct streamtab qmod_tab = {
  .st_rdinit = &qmod_init, .st_wrinit = &qmod_init, .st_flags = STR_MODULE,
};
STREAMS_MODULE(qmod_tab);

// "pickymux": a multiplexing driver whose lower streams must carry "frames".
static int drop_put(queue_t *q, mblk_t *mp) { freemsg(mp); return 0; }
static struct module_info pm_info = { 2004, "pickymux", 0, INFPSZ, 1024, 256, 0 };
static struct qinit pm_init = { .qi_putp = drop_put, .qi_minfo = &pm_info };
static const char *const pm_devices[] = { "pickymux", 0 };
static struct streamtab pickymux_tab = {
  .st_rdinit = &pm_init, .st_wrinit = &pm_init, .st_muxrinit = &pm_init,
  .st_muxwinit = &pm_init, .st_flags = STR_DRIVER, .st_devices = pm_devices,
  .st_requires = ST_FRAMES,
};
STREAMS_MODULE(pickymux_tab);

// ---------------------------------------------------------------- helpers

static struct str_stats
stats(void)
{
  struct str_stats ss;
  memset(&ss, 0, sizeof(ss));
  int fd = kshim_open("streams", O_RDONLY);
  kshim_ioctl(fd, I_GSTATS, (long)&ss);
  kshim_close(fd);
  return ss;
}

static int
nread_at_least(void *a)
{
  int *args = a;   // fd, messages wanted
  int bytes;
  return kshim_ioctl(args[0], I_NREAD, (long)&bytes) >= args[1];
}

// Wait (bounded) until the stream head of fd holds n messages.
static int
arrived(int fd, int n)
{
  int args[2] = { fd, n };
  return kshim_waitfor(nread_at_least, args, 5000);
}

static int
quiet(void *a)
{
  (void)a;
  return st_nmblk == 0 && st_ndblk == 0;
}

static int
istr(int fd, int cmd, void *data, int len, int timout)
{
  struct strioctl sio = { cmd, timout, len, data };
  return kshim_ioctl(fd, I_STR, (long)&sio);
}

static int
readstr(int fd, char *buf, int n)
{
  int r = kshim_read(fd, buf, n - 1);
  buf[r > 0 ? r : 0] = 0;
  return r;
}

static int
contains(const char *hay, const char *needle)
{
  int n = strlen(needle);
  for(; *hay; hay++)
    if(strncmp(hay, needle, n) == 0)
      return 1;
  return 0;
}

// ---------------------------------------------------------------- tests

static void
test_basic(void)
{
  char buf[STR_ERRLEN];
  int fd = kshim_open("loop", O_RDWR);
  CHECK("basic/open", fd >= 0);
  EXPECT("basic/write", kshim_write(fd, "hello", 5), 5);
  EXPECT("basic/read", readstr(fd, buf, sizeof(buf)), 5);
  CHECK("basic/data", strcmp(buf, "hello") == 0);
  EXPECT("basic/write0", kshim_write(fd, "", 0), 0);
  EXPECT("basic/efault_write", kshim_write(fd, (void *)16, 4), -EFAULT);
  kshim_write(fd, "x", 1);
  arrived(fd, 1);
  EXPECT("basic/efault_read", kshim_read(fd, (void *)16, 4), -EFAULT);
  EXPECT("basic/data_kept_after_efault", readstr(fd, buf, sizeof(buf)), 1);
  EXPECT("basic/ioctl_unknown", kshim_ioctl(fd, 0x1234, 0), -ENOTTY);
  kshim_close(fd);
  EXPECT("basic/streams_gone", stats().ss_streams, 0);
}

static void
test_plumbing(void)
{
  char buf[STR_ERRLEN], name[FMNAMESZ + 1];
  int fd = kshim_open("loop", O_RDWR);
  EXPECT("plumb/pop_empty", kshim_ioctl(fd, I_POP, 0), -EINVAL);
  EXPECT("plumb/look_empty", kshim_ioctl(fd, I_LOOK, (long)name), -EINVAL);
  EXPECT("plumb/push_unknown", kshim_ioctl(fd, I_PUSH, (long)"nosuch"), -EINVAL);
  kshim_ioctl(fd, I_ERRSTR, (long)buf);
  CHECK("plumb/push_unknown_reason", contains(buf, "nosuch"));
  EXPECT("plumb/push_driver_name", kshim_ioctl(fd, I_PUSH, (long)"loop"), -EINVAL);
  EXPECT("plumb/push_efault", kshim_ioctl(fd, I_PUSH, 8), -EFAULT);
  EXPECT("plumb/push_toolong", kshim_ioctl(fd, I_PUSH, (long)"abcdefghijklmnopqrstuvwxyz"), -EINVAL);

  EXPECT("plumb/push_rot13", kshim_ioctl(fd, I_PUSH, (long)"rot13"), 0);
  kshim_write(fd, "hello", 5);
  readstr(fd, buf, sizeof(buf));
  CHECK("plumb/rot13_hello", strcmp(buf, "uryyb") == 0);
  EXPECT("plumb/look", kshim_ioctl(fd, I_LOOK, (long)name), 0);
  CHECK("plumb/look_name", strcmp(name, "rot13") == 0);
  EXPECT("plumb/list_count", kshim_ioctl(fd, I_LIST, 0), 2);
  struct str_mlist ml[4];
  struct str_list sl = { 4, ml };
  EXPECT("plumb/list", kshim_ioctl(fd, I_LIST, (long)&sl), 2);
  CHECK("plumb/list_names", sl.sl_nmods == 2 && strcmp(ml[0].l_name, "rot13") == 0 &&
        strcmp(ml[1].l_name, "loop") == 0);
  struct str_list small = { 1, ml };
  EXPECT("plumb/list_short", kshim_ioctl(fd, I_LIST, (long)&small), 1);
  EXPECT("plumb/find_yes", kshim_ioctl(fd, I_FIND, (long)"rot13"), 1);
  EXPECT("plumb/find_no", kshim_ioctl(fd, I_FIND, (long)"null"), 0);
  EXPECT("plumb/find_bogus", kshim_ioctl(fd, I_FIND, (long)"bogus"), -EINVAL);

  // rot13 twice is the identity
  EXPECT("plumb/push_rot13_again", kshim_ioctl(fd, I_PUSH, (long)"rot13"), 0);
  kshim_write(fd, "Hello", 5);
  readstr(fd, buf, sizeof(buf));
  CHECK("plumb/rot26", strcmp(buf, "Hello") == 0);
  EXPECT("plumb/pop", kshim_ioctl(fd, I_POP, 0), 0);
  EXPECT("plumb/pop2", kshim_ioctl(fd, I_POP, 0), 0);
  kshim_write(fd, "hello", 5);
  readstr(fd, buf, sizeof(buf));
  CHECK("plumb/pop_restores", strcmp(buf, "hello") == 0);

  // the limit: NSTRPUSH modules
  int ok = 1;
  for(int i = 0; i < NSTRPUSH; i++)
    ok &= kshim_ioctl(fd, I_PUSH, (long)"null") == 0;
  CHECK("plumb/push_nine", ok);
  EXPECT("plumb/push_tenth", kshim_ioctl(fd, I_PUSH, (long)"null"), -EINVAL);
  kshim_ioctl(fd, I_ERRSTR, (long)buf);
  CHECK("plumb/limit_reason", contains(buf, "at most 9"));
  kshim_write(fd, "through nine", 12);
  readstr(fd, buf, sizeof(buf));
  CHECK("plumb/through_nine", strcmp(buf, "through nine") == 0);
  for(int i = 0; i < NSTRPUSH; i++)
    kshim_ioctl(fd, I_POP, 0);
  EXPECT("plumb/all_popped", kshim_ioctl(fd, I_LIST, 0), 1);

  // push-time requirements and refusing modules
  EXPECT("plumb/requires", kshim_ioctl(fd, I_PUSH, (long)"picky"), -EINVAL);
  kshim_ioctl(fd, I_ERRSTR, (long)buf);
  CHECK("plumb/requires_reason", contains(buf, "frames") && contains(buf, "bytes"));
  EXPECT("plumb/open_refused", kshim_ioctl(fd, I_PUSH, (long)"refuser"), -EPERM);
  EXPECT("plumb/refused_not_there", kshim_ioctl(fd, I_LIST, 0), 1);
  kshim_close(fd);
}

static void
test_istr(void)
{
  char buf[STR_ERRLEN];
  int fd = kshim_open("loop", O_RDWR);
  kshim_ioctl(fd, I_PUSH, (long)"count");
  for(int i = 0; i < 3; i++)
    kshim_write(fd, "abcd", 4);
  arrived(fd, 3);
  kshim_ioctl(fd, I_SRDOPT, RMSGN);
  for(int i = 0; i < 2; i++)
    kshim_read(fd, buf, sizeof(buf));
  struct count_stats cs;
  memset(&cs, 0xff, sizeof(cs));
  struct strioctl sio = { COUNT_GET, 0, 0, (char *)&cs };
  EXPECT("istr/count_get", kshim_ioctl(fd, I_STR, (long)&sio), 0);
  EXPECT("istr/count_len", sio.ic_len, sizeof(cs));
  CHECK("istr/count_values", cs.down_msgs == 3 && cs.down_bytes == 12 && cs.up_msgs == 3 &&
        cs.up_bytes == 12);
  EXPECT("istr/count_reset", istr(fd, COUNT_RESET, 0, 0, 0), 0);
  istr(fd, COUNT_GET, &cs, 0, 0);
  CHECK("istr/count_zero", cs.down_msgs == 0 && cs.up_msgs == 0);

  // past the module to the driver: NAK, echo, silence
  EXPECT("istr/nak", istr(fd, 0x4242, 0, 0, 0), -EINVAL);
  char data[8] = "ping";
  struct strioctl e = { LOOP_ECHOCMD, 0, 4, data };
  EXPECT("istr/echo_rval", kshim_ioctl(fd, I_STR, (long)&e), 4);
  CHECK("istr/echo_data", e.ic_len == 4 && memcmp(data, "ping", 4) == 0);
  uint64 t0 = uptime_ms();
  EXPECT("istr/etime", istr(fd, LOOP_SILENT, 0, 0, 1), -ETIME);
  uint64 dt = uptime_ms() - t0;
  CHECK("istr/etime_waited", dt >= 900 && dt < 5000);
  EXPECT("istr/after_etime", istr(fd, LOOP_ECHOCMD, data, 2, 0), 2);
  EXPECT("istr/badlen", istr(fd, LOOP_ECHOCMD, data, STRIOCMAX + 1, 0), -EINVAL);
  EXPECT("istr/negative_timout_is_forever", istr(fd, LOOP_ECHOCMD, data, 1, -5), 1);
  EXPECT("istr/efault_arg", kshim_ioctl(fd, I_STR, 8), -EFAULT);
  struct linkblk fake = { 0, (queue_t *)0x1234, 7 };
  EXPECT("istr/no_forged_link", istr(fd, I_LINK, &fake, sizeof(fake), 0), -EINVAL);
  EXPECT("istr/read0", kshim_read(fd, buf, 0), 0);
  EXPECT("istr/efault_data", istr(fd, LOOP_ECHOCMD, (void *)8, 4, 0), -EFAULT);
  kshim_close(fd);
}

static void
test_error_hangup(void)
{
  char buf[STR_ERRLEN];
  int fd = kshim_open("loop", O_RDWR);
  int e = EPROTO;
  EXPECT("error/send", istr(fd, LOOP_ERROR, &e, sizeof(e), 0), 0);
  EXPECT("error/read", kshim_read(fd, buf, 4), -EPROTO);
  EXPECT("error/write", kshim_write(fd, "x", 1), -EPROTO);
  EXPECT("error/read_again", kshim_read(fd, buf, 4), -EPROTO);
  CHECK("error/poll", kshim_poll(fd) & POLLERR);
  EXPECT("error/push", kshim_ioctl(fd, I_PUSH, (long)"null"), -EPROTO);
  EXPECT("error/istr", istr(fd, LOOP_ECHOCMD, 0, 0, 0), -EPROTO);
  EXPECT("error/list_still_works", kshim_ioctl(fd, I_LIST, 0), 1);
  kshim_close(fd);

  fd = kshim_open("loop", O_RDWR);
  kshim_write(fd, "abc", 3);
  EXPECT("hangup/send", istr(fd, LOOP_HANGUP, 0, 0, 0), 0);
  EXPECT("hangup/data_first", readstr(fd, buf, sizeof(buf)), 3);
  EXPECT("hangup/eof", kshim_read(fd, buf, 4), 0);
  EXPECT("hangup/eof_again", kshim_read(fd, buf, 4), 0);
  EXPECT("hangup/write", kshim_write(fd, "x", 1), -ENXIO);
  int m = kshim_poll(fd);
  CHECK("hangup/poll", (m & POLLHUP) && !(m & POLLOUT));
  EXPECT("hangup/istr", istr(fd, LOOP_ECHOCMD, 0, 0, 0), -ENXIO);
  kshim_close(fd);
}

static void
test_readmodes(void)
{
  char buf[STR_ERRLEN];
  int fd = kshim_open("loop", O_RDWR);
  int opt = -1;
  kshim_ioctl(fd, I_GRDOPT, (long)&opt);
  EXPECT("rdopt/default", opt, RNORM | RPROTNORM);
  EXPECT("rdopt/bad", kshim_ioctl(fd, I_SRDOPT, 3), -EINVAL);
  EXPECT("rdopt/bad_prot", kshim_ioctl(fd, I_SRDOPT, RPROTDAT | RPROTDIS), -EINVAL);

  kshim_write(fd, "aaaa", 4);
  kshim_write(fd, "bb", 2);
  arrived(fd, 2);
  int bytes = 0;
  EXPECT("nread/msgs", kshim_ioctl(fd, I_NREAD, (long)&bytes), 2);
  EXPECT("nread/bytes", bytes, 4);
  EXPECT("rnorm/all", readstr(fd, buf, sizeof(buf)), 6);
  CHECK("rnorm/data", strcmp(buf, "aaaabb") == 0);

  EXPECT("rmsgn/set", kshim_ioctl(fd, I_SRDOPT, RMSGN), 0);
  kshim_ioctl(fd, I_GRDOPT, (long)&opt);
  EXPECT("rmsgn/get", opt, RMSGN | RPROTNORM);
  kshim_write(fd, "aaaa", 4);
  kshim_write(fd, "bb", 2);
  arrived(fd, 2);
  EXPECT("rmsgn/part1", readstr(fd, buf, 3), 2);
  EXPECT("rmsgn/part2", readstr(fd, buf, sizeof(buf)), 2);
  EXPECT("rmsgn/next_msg", readstr(fd, buf, sizeof(buf)), 2);
  CHECK("rmsgn/next_data", strcmp(buf, "bb") == 0);

  kshim_ioctl(fd, I_SRDOPT, RMSGD);
  kshim_write(fd, "aaaa", 4);
  kshim_write(fd, "bb", 2);
  arrived(fd, 2);
  EXPECT("rmsgd/part", readstr(fd, buf, 3), 2);
  EXPECT("rmsgd/rest_gone", readstr(fd, buf, sizeof(buf)), 2);
  CHECK("rmsgd/data", strcmp(buf, "bb") == 0);

  // writes are cut into messages of at most the driver's maximum (4096)
  kshim_ioctl(fd, I_SRDOPT, RMSGN);
  static char big[10000], back[10000];
  for(int i = 0; i < 10000; i++)
    big[i] = i * 7;
  EXPECT("split/write", kshim_write(fd, big, 10000), 10000);
  arrived(fd, 3);
  EXPECT("split/msg1", kshim_read(fd, back, 10000), 4096);
  EXPECT("split/msg2", kshim_read(fd, back + 4096, 10000), 4096);
  EXPECT("split/msg3", kshim_read(fd, back + 8192, 10000), 1808);
  CHECK("split/data", memcmp(big, back, 10000) == 0);

  // I_FLUSH FLUSHR empties the read side
  kshim_write(fd, "zz", 2);
  arrived(fd, 1);
  EXPECT("flush/ioctl", kshim_ioctl(fd, I_FLUSH, FLUSHR), 0);
  EXPECT("flush/empty", kshim_ioctl(fd, I_NREAD, (long)&bytes), 0);
  EXPECT("flush/bad", kshim_ioctl(fd, I_FLUSH, 0), -EINVAL);
  kshim_setflags(fd, O_RDWR | O_NONBLOCK);
  EXPECT("nonblock/read_empty", kshim_read(fd, buf, 4), -EAGAIN);
  kshim_close(fd);
}

static int
writable(void *a)
{
  return (kshim_poll(*(int *)a) & POLLOUT) != 0;
}

// Fill a stream without reading, then drain it: nothing lost or reordered.
static void
test_flow_nonblock(const char *tag, const char *mod)
{
  char name[64];
  int fd = kshim_open("loop", O_RDWR | O_NONBLOCK);
  if(mod)
    kshim_ioctl(fd, I_PUSH, (long)mod);
  static char chunk[1000];
  long written = 0;
  int r, rounds = 0;
  long pw = kshim_pollwakeups();
  // Each message fills a queue a little more; once every queue on the
  // way is full the writer gets EAGAIN. Service threads move data on
  // meanwhile, so after EAGAIN wait (bounded) for POLLOUT: only when it
  // does not come is the stream really full.
  for(;;){
    for(int i = 0; i < 1000; i++)
      chunk[i] = (written + i) & 0xff;
    r = kshim_write(fd, chunk, 1000);
    if(r == -EAGAIN){
      if(++rounds > 1000 || !kshim_waitfor(writable, &fd, 300))
        break;
      continue;
    }
    if(r != 1000)
      break;
    written += r;
    rounds = 0;
    if(written > 1000000)
      break;
  }
  snprintf(name, sizeof(name), "%s/eagain", tag);
  EXPECT(name, r, -EAGAIN);
  snprintf(name, sizeof(name), "%s/bounded", tag);
  if(written < 16000 || written > 16384 * 4 + 2048 * 2 + 2000)
    printf("# %s wrote %ld bytes before EAGAIN\n", tag, written);
  CHECK(name, written >= 16000 && written <= 16384 * 4 + 2048 * 2 + 2000);
  snprintf(name, sizeof(name), "%s/no_pollout", tag);
  CHECK(name, !(kshim_poll(fd) & POLLOUT));
  static char back[1000];
  long got = 0;
  int bad = 0;
  while(got < written){
    int n = kshim_read(fd, back, sizeof(back));
    if(n == -EAGAIN){
      int args[2] = { fd, 1 };
      if(!kshim_waitfor(nread_at_least, args, 5000))
        break;
      continue;
    }
    if(n <= 0)
      break;
    for(int i = 0; i < n; i++)
      bad |= (uchar)back[i] != (uchar)((got + i) & 0xff);
    got += n;
  }
  snprintf(name, sizeof(name), "%s/all_back", tag);
  EXPECT(name, got, written);
  snprintf(name, sizeof(name), "%s/in_order", tag);
  CHECK(name, !bad);
  snprintf(name, sizeof(name), "%s/pollout_again", tag);
  CHECK(name, kshim_poll(fd) & POLLOUT);
  snprintf(name, sizeof(name), "%s/pollwakeup", tag);
  CHECK(name, kshim_pollwakeups() > pw);
  kshim_close(fd);
}

struct writer {
  int fd;
  long n;
  volatile int done;
  int result;
};

static void
writer_main(void *a)
{
  struct writer *w = a;
  static char buf[8192];
  long sent = 0;
  while(sent < w->n){
    int m = w->n - sent < (long)sizeof(buf) ? w->n - sent : (long)sizeof(buf);
    for(int i = 0; i < m; i++)
      buf[i] = (sent + i) * 13;
    int r = kshim_write(w->fd, buf, m);
    if(r <= 0){
      w->result = r;
      break;
    }
    sent += r;
  }
  if(sent == w->n)
    w->result = 0;
  __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

static int
is_done(void *a)
{
  return __atomic_load_n(&((struct writer *)a)->done, __ATOMIC_ACQUIRE);
}

// A blocking writer stops at the high-water marks and resumes as the
// reader drains; with qmod pushed, back-enabling must cross a module.
static void
test_flow_blocking(void)
{
  int fd = kshim_open("loop", O_RDWR);
  kshim_ioctl(fd, I_PUSH, (long)"qmod");
  struct writer w = { fd, 300000, 0, 1 };
  struct kshim_thread *t = kshim_spawn(writer_main, &w);
  // The writer cannot finish 300 KB into ~40 KB of queues: it must block.
  CHECK("flowblock/blocks", !kshim_waitfor(is_done, &w, 300));
  static char back[3000];
  long got = 0;
  int bad = 0;
  while(got < w.n){
    int n = kshim_read(fd, back, sizeof(back));
    if(n <= 0)
      break;
    for(int i = 0; i < n; i++)
      bad |= back[i] != (char)((got + i) * 13);
    got += n;
  }
  kshim_join(t);
  EXPECT("flowblock/all", got, w.n);
  CHECK("flowblock/order", !bad);
  EXPECT("flowblock/writer_ok", w.result, 0);
  kshim_close(fd);
}

struct reader {
  int fd;
  int result;
};

static void
reader_main(void *a)
{
  struct reader *r = a;
  char buf[16];
  r->result = kshim_read(r->fd, buf, sizeof(buf));
}

static void
test_eintr(void)
{
  int fd = kshim_open("loop", O_RDWR);
  struct reader r = { fd, 1 };
  struct kshim_thread *t = kshim_spawn(reader_main, &r);
  kshim_kill(t);
  kshim_join(t);
  EXPECT("eintr/read", r.result, -EINTR);
  // a full stream: a blocked writer is interrupted too
  struct writer w = { fd, 1 << 20, 0, 1 };
  t = kshim_spawn(writer_main, &w);
  CHECK("eintr/writer_blocks", !kshim_waitfor(is_done, &w, 200));
  kshim_kill(t);
  kshim_join(t);
  EXPECT("eintr/write", w.result, -EINTR);
  kshim_close(fd);
}

static void
test_links(void)
{
  char buf[STR_ERRLEN];
  int u = kshim_open("muxloop", O_RDWR);
  int l = kshim_open("loop", O_RDWR);
  kshim_ioctl(l, I_PUSH, (long)"rot13");
  kshim_write(u, "direct", 6);
  readstr(u, buf, sizeof(buf));
  CHECK("link/mux_alone_loops", strcmp(buf, "direct") == 0);
  // muxloop has no flow control: a writer who never reads gets drops,
  // not an ever-growing queue
  static char chunk[4096];
  for(int i = 0; i < 100; i++)
    kshim_write(u, chunk, sizeof(chunk));
  CHECK("link/flood_bounded", st_nmblk < 20);
  kshim_ioctl(u, I_FLUSH, FLUSHRW);
  int id = kshim_ioctl(u, I_LINK, l);
  CHECK("link/id", id > 0);
  EXPECT("link/count", stats().ss_links, 1);
  EXPECT("link/lower_write", kshim_write(l, "x", 1), -EINVAL);
  EXPECT("link/lower_read", kshim_read(l, buf, 1), -EINVAL);
  // a linked stream takes no I_STR (the answer would reach the mux), but
  // its modules may be pushed and popped: that is how a tap goes into a
  // running stack
  struct strioctl lsc = { COUNT_GET, 1, 0, buf };
  EXPECT("link/lower_istr", kshim_ioctl(l, I_STR, (long)&lsc), -EINVAL);
  EXPECT("link/lower_push", kshim_ioctl(l, I_PUSH, (long)"null"), 0);
  EXPECT("link/lower_pop", kshim_ioctl(l, I_POP, 0), 0);
  kshim_write(u, "hello", 5);
  readstr(u, buf, sizeof(buf));
  CHECK("link/through_lower", strcmp(buf, "uryyb") == 0);
  EXPECT("link/twice", kshim_ioctl(u, I_LINK, l), -EINVAL);
  EXPECT("link/self", kshim_ioctl(u, I_LINK, u), -EINVAL);
  int u2 = kshim_open("muxloop", O_RDWR);
  EXPECT("link/cycle", kshim_ioctl(u, I_LINK, u2), -EINVAL);
  kshim_ioctl(u, I_ERRSTR, (long)buf);
  CHECK("link/cycle_reason", contains(buf, "cycle"));
  int l2 = kshim_open("loop", O_RDWR);
  EXPECT("link/not_mux", kshim_ioctl(l2, I_LINK, u2), -EINVAL);
  EXPECT("link/badfd", kshim_ioctl(u, I_LINK, 31), -EBADF);
  int pm = kshim_open("pickymux", O_RDWR);
  EXPECT("link/requires", kshim_ioctl(pm, I_LINK, l2), -EINVAL);
  kshim_ioctl(pm, I_ERRSTR, (long)buf);
  CHECK("link/requires_reason", contains(buf, "frames") && contains(buf, "bytes"));
  kshim_close(pm);
  EXPECT("link/unlink_bogus", kshim_ioctl(u, I_UNLINK, 999), -EINVAL);
  EXPECT("link/unlink_other_stream", kshim_ioctl(u2, I_UNLINK, id), -EINVAL);
  EXPECT("link/unlink", kshim_ioctl(u, I_UNLINK, id), 0);
  EXPECT("link/count_after", stats().ss_links, 0);
  kshim_write(l, "back", 4);
  readstr(l, buf, sizeof(buf));
  CHECK("link/lower_usable_again", strcmp(buf, "onpx") == 0);

  // closing the controlling stream undoes its links
  id = kshim_ioctl(u2, I_LINK, l);
  CHECK("link/relink", id > 0);
  kshim_close(u2);
  EXPECT("link/close_unlinks", stats().ss_links, 0);
  kshim_write(l, "ok", 2);
  readstr(l, buf, sizeof(buf));
  CHECK("link/after_close", strcmp(buf, "bx") == 0);

  // I_UNLINK MUXID_ALL
  kshim_ioctl(u, I_LINK, l);
  kshim_ioctl(u, I_LINK, l2);
  EXPECT("link/two", stats().ss_links, 2);
  EXPECT("link/unlink_all", kshim_ioctl(u, I_UNLINK, MUXID_ALL), 0);
  EXPECT("link/none", stats().ss_links, 0);
  kshim_close(l2);
  kshim_close(l);
  kshim_close(u);
  EXPECT("link/streams_gone", stats().ss_streams, 0);
}

static void
test_plink(void)
{
  char buf[STR_ERRLEN];
  int u = kshim_open("muxloop", O_RDWR);
  int l = kshim_open("loop", O_RDWR);
  kshim_ioctl(l, I_PUSH, (long)"rot13");
  int id = kshim_ioctl(u, I_PLINK, l);
  CHECK("plink/id", id > 0);
  EXPECT("plink/not_by_unlink", kshim_ioctl(u, I_UNLINK, id), -EINVAL);
  kshim_close(l);
  kshim_close(u);
  // the plumbing command is gone; the stack stays
  EXPECT("plink/survives", stats().ss_links, 1);
  EXPECT("plink/lower_alive", stats().ss_streams, 1);
  int u2 = kshim_open("muxloop", O_RDWR);
  kshim_write(u2, "abc", 3);
  readstr(u2, buf, sizeof(buf));
  CHECK("plink/new_upper_uses_it", strcmp(buf, "nop") == 0);
  EXPECT("plink/punlink", kshim_ioctl(u2, I_PUNLINK, id), 0);
  EXPECT("plink/gone", stats().ss_links, 0);
  kshim_close(u2);
  EXPECT("plink/streams_gone", stats().ss_streams, 0);
}

static void
test_keep(void)
{
  char buf[STR_ERRLEN];
  int fd = kshim_open("loop", O_RDWR);
  kshim_ioctl(fd, I_PUSH, (long)"rot13");
  struct str_keep k;
  memset(&k, 0, sizeof(k));
  safestrcpy(k.k_name, "demo", sizeof(k.k_name));
  EXPECT("keep/ok", kshim_ioctl(fd, I_KEEP, (long)&k), 0);
  CHECK("keep/major", k.k_major > 0);
  EXPECT("keep/again", kshim_ioctl(fd, I_KEEP, (long)&k), -EBUSY);
  kshim_close(fd);
  EXPECT("keep/survives", stats().ss_streams, 1);
  char path[32];
  snprintf(path, sizeof(path), "#%d,%d", k.k_major, k.k_minor);
  fd = kshim_open(path, O_RDWR);
  CHECK("keep/reopen", fd >= 0);
  kshim_write(fd, "hello", 5);
  readstr(fd, buf, sizeof(buf));
  CHECK("keep/same_stack", strcmp(buf, "uryyb") == 0);
  int other = kshim_open("loop", O_RDWR);
  EXPECT("keep/name_taken", kshim_ioctl(other, I_KEEP, (long)&k), -EEXIST);
  safestrcpy(k.k_name, "bad/name", sizeof(k.k_name));
  EXPECT("keep/bad_name", kshim_ioctl(other, I_KEEP, (long)&k), -EINVAL);
  EXPECT("keep/unkeep_not_kept", kshim_ioctl(other, I_UNKEEP, 0), -EINVAL);
  kshim_close(other);
  snprintf(path, sizeof(path), "#%d,%d", k.k_major, k.k_minor + 1);
  EXPECT("keep/empty_slot", kshim_open(path, O_RDWR), -ENXIO);
  EXPECT("keep/unkeep", kshim_ioctl(fd, I_UNKEEP, 0), 0);
  EXPECT("keep/still_open", stats().ss_streams, 1);
  kshim_close(fd);
  EXPECT("keep/gone", stats().ss_streams, 0);
}

static void
test_listing(void)
{
  static char text[16384];
  int fd = kshim_open("loop", O_RDWR);
  kshim_ioctl(fd, I_PUSH, (long)"count");
  kshim_write(fd, "abc", 3);
  arrived(fd, 1);
  int u = kshim_open("muxloop", O_RDWR);
  int l = kshim_open("loop", O_RDWR);
  kshim_ioctl(u, I_LINK, l);

  int ls = kshim_open("streams", O_RDONLY);
  int n = 0, r;
  while((r = kshim_read(ls, text + n, 100)) > 0)
    n += r;
  text[n] = 0;
  kshim_close(ls);
  CHECK("list/header", strncmp(text, "streams n=3 ", 12) == 0);
  CHECK("list/stream", contains(text, "stream id=") && contains(text, "dev=loop"));
  CHECK("list/queue", contains(text, "name=count side=w msgs=1 bytes=3"));
  CHECK("list/head_depth", contains(text, "name=head side=r msgs=1 bytes=3 drops=0 depth=1"));
  CHECK("list/lower", contains(text, "name=muxloop-lower"));
  CHECK("list/link", contains(text, "link id=") && contains(text, "mux=muxloop"));

  ls = kshim_open("streams.dot", O_RDONLY);
  n = 0;
  while((r = kshim_read(ls, text + n, 333)) > 0)
    n += r;
  text[n] = 0;
  kshim_close(ls);
  CHECK("dot/digraph", strncmp(text, "digraph streams {", 17) == 0);
  CHECK("dot/end", n > 2 && strcmp(text + n - 2, "}\n") == 0);
  CHECK("dot/cluster", contains(text, "subgraph cluster_s"));
  CHECK("dot/mux", contains(text, "multiplexor") && contains(text, "style=dashed"));
  EXPECT("list/bad_minor", kshim_open("#0,0", O_RDONLY) < 0, 1);

  kshim_close(l);
  kshim_close(u);
  kshim_close(fd);
}

// Threads on separate streams and on one shared stream, all at once.
struct hammer {
  int fd;
  int id;
  int msgs;
  long sent, got;
  int bad;
};

static void
hammer_own(void *a)
{
  struct hammer *h = a;
  char buf[300], back[300];
  for(int i = 0; i < h->msgs; i++){
    int n = 1 + (i * 37 + h->id) % 299;
    for(int j = 0; j < n; j++)
      buf[j] = 'a' + (i + j) % 26;
    if(kshim_write(h->fd, buf, n) != n){
      h->bad++;
      break;
    }
    int got = 0;
    while(got < n){
      int r = kshim_read(h->fd, back + got, n - got);
      if(r <= 0){
        h->bad++;
        return;
      }
      got += r;
    }
    if(memcmp(buf, back, n) != 0)
      h->bad++;
    h->sent += n;
  }
}

// Shared: each message is "id:seq"; each thread writes its own and reads
// whatever comes, checking per-writer sequence order.
static long shared_got;

static void
hammer_shared(void *a)
{
  struct hammer *h = a;
  int last[2] = { -1, -1 };
  int seq = 0;
  uint64 end = uptime_ms() + 20000;
  while((seq < h->msgs || __atomic_load_n(&shared_got, __ATOMIC_RELAXED) < 2L * h->msgs) &&
        uptime_ms() < end){
    int ev = kshim_poll(h->fd);
    if((ev & POLLOUT) && seq < h->msgs){
      char m[16];
      int n = snprintf(m, sizeof(m), "%d:%d", h->id, seq);
      int r = kshim_write(h->fd, m, n);
      if(r == n)
        seq++;
      else if(r != -EAGAIN)
        h->bad++;
    }
    char back[32];
    int r = kshim_read(h->fd, back, sizeof(back) - 1);
    if(r > 0){
      back[r] = 0;
      int who = back[0] - '0', s = 0;
      for(char *p = back + 2; *p; p++)
        s = s * 10 + (*p - '0');
      if(who < 0 || who > 1 || s <= last[who])
        h->bad++;
      else
        last[who] = s;
      h->got++;
      __atomic_add_fetch(&shared_got, 1, __ATOMIC_RELAXED);
    } else if(r != -EAGAIN){
      h->bad++;
    }
  }
  h->sent = seq;
}

static void
test_concurrency(void)
{
  struct hammer own[2];
  struct kshim_thread *t[4];
  for(int i = 0; i < 2; i++){
    own[i] = (struct hammer){ kshim_open("loop", O_RDWR), i, 3000, 0, 0, 0 };
    kshim_ioctl(own[i].fd, I_PUSH, (long)"rot13");
    kshim_ioctl(own[i].fd, I_PUSH, (long)"qmod");
    kshim_ioctl(own[i].fd, I_PUSH, (long)"rot13");
    t[i] = kshim_spawn(hammer_own, &own[i]);
  }
  int sfd = kshim_open("loop", O_RDWR | O_NONBLOCK);
  kshim_ioctl(sfd, I_SRDOPT, RMSGN);
  kshim_ioctl(sfd, I_PUSH, (long)"null");
  struct hammer sh[2];
  long gotcount = 0;
  for(int i = 0; i < 2; i++){
    sh[i] = (struct hammer){ sfd, i, 2000, 0, 0, 0 };
    t[2 + i] = kshim_spawn(hammer_shared, &sh[i]);
  }
  // Meanwhile, plumb the shared stream up and down under the traffic.
  for(int i = 0; i < 50; i++){
    kshim_ioctl(sfd, I_PUSH, (long)"count");
    kshim_ioctl(sfd, I_POP, 0);
  }
  for(int i = 0; i < 4; i++)
    kshim_join(t[i]);
  gotcount = sh[0].got + sh[1].got;
  CHECK("conc/own_ok", own[0].bad == 0 && own[1].bad == 0);
  CHECK("conc/own_all", own[0].sent > 0 && own[1].sent > 0);
  CHECK("conc/shared_order", sh[0].bad == 0 && sh[1].bad == 0);
  EXPECT("conc/shared_sent", sh[0].sent + sh[1].sent, 4000);
  EXPECT("conc/shared_no_loss", gotcount, 4000);
  kshim_close(own[0].fd);
  kshim_close(own[1].fd);
  kshim_close(sfd);
}

static void
test_nomem(void)
{
  int fd = kshim_open("loop", O_RDWR);
  kshim_failalloc(1);
  EXPECT("nomem/write", kshim_write(fd, "abc", 3), -ENOSR);
  kshim_failalloc(1);
  EXPECT("nomem/push", kshim_ioctl(fd, I_PUSH, (long)"null"), -ENOSR);
  kshim_failalloc(1);
  CHECK("nomem/open", kshim_open("loop", O_RDWR) < 0);
  kshim_failalloc(2);   // count's private state
  EXPECT("nomem/module_open", kshim_ioctl(fd, I_PUSH, (long)"count"), -ENOMEM);
  kshim_failalloc(0);
  EXPECT("nomem/still_fine", kshim_write(fd, "abc", 3), 3);
  kshim_close(fd);
}

int
main(void)
{
  streams_init();
  long base = kshim_kmalloc_live();
  test_basic();
  test_plumbing();
  test_istr();
  test_error_hangup();
  test_readmodes();
  test_flow_nonblock("flow", 0);
  test_flow_nonblock("flowq", "qmod");
  test_flow_blocking();
  test_eintr();
  test_links();
  test_plink();
  test_keep();
  test_listing();
  test_concurrency();
  test_nomem();
  struct str_stats ss = stats();
  EXPECT("leak/streams", ss.ss_streams, 0);
  CHECK("leak/blocks", kshim_waitfor(quiet, 0, 2000));
  EXPECT("leak/links", ss.ss_links, 0);
  EXPECT("leak/kmalloc", kshim_kmalloc_live(), base);
  return kshim_failures != 0;
}
