// HOSTTEST-SOURCES: kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/loop.c tests/host/kshim.c
// test_head.c: host unit tests of the stream head's reaction to what a
// driver sends up – M_ERROR for one side or both, NOERROR, errors cleared,
// M_HANGUP of the whole stream or of the read side only, the M_FLUSH the
// head sends down for the failed side – and of I_STR timeouts far beyond
// what fits in milliseconds in an int (on the shim's manual clock).
//
// The driver "hdt" is the test's own: its I_STR commands send up exactly
// the message the test names, and its write side records what reached it.
#include "kshim.h"
#include "errno.h"
#include "fcntl.h"
#include "poll.h"
#include "streams/stream.h"
#include "streams/strsubr.h"
#include "demo.h"

void streams_init(void);

// ---------------------------------------------------------------- driver hdt

#define HDT_UP    (('T' << 8) | 1)   // data: bytes sent up as one M_DATA
#define HDT_ERR   (('T' << 8) | 2)   // data: the M_ERROR's bytes (0, 1 or 2)
#define HDT_HUP   (('T' << 8) | 3)   // data: the M_HANGUP's bytes (0 or 1)
#define HDT_EOF   (('T' << 8) | 4)   // a zero-length M_DATA (end of file once)

static int hdt_flushes;        // M_FLUSH messages that reached the driver
static int hdt_flushflags;     // ... their flags or'ed together
static int hdt_wbytes;         // data bytes written down to the driver

static void
hdt_send(queue_t *wq, int type, mblk_t *data)
{
  int n = data ? msgsize(data) : 0;
  mblk_t *mp = allocb(n, BPRI_MED);
  if(mp == 0)
    return;
  DB_TYPE(mp) = type;
  for(mblk_t *bp = data; bp; bp = bp->b_cont){
    memmove(mp->b_wptr, bp->b_rptr, MBLKL(bp));
    mp->b_wptr += MBLKL(bp);
  }
  putnext(RD(wq), mp);
}

static int
hdt_wput(queue_t *q, mblk_t *mp)
{
  switch(DB_TYPE(mp)){
  case M_DATA:
    hdt_wbytes += msgdsize(mp);
    freemsg(mp);
    return 0;
  case M_FLUSH:
    hdt_flushes++;
    hdt_flushflags |= *mp->b_rptr;
    drv_flush(q, mp);
    return 0;
  case M_IOCTL: {
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    int cmd = ioc->ioc_cmd;
    if(cmd == HDT_UP || cmd == HDT_ERR || cmd == HDT_HUP || cmd == HDT_EOF){
      // answer first, so that the message sent up is the last thing the
      // head sees (the answer is no data: it cannot be flushed away)
      mblk_t *data = unlinkb(mp);
      miocack(q, mp, 0, 0);
      int type = cmd == HDT_ERR ? M_ERROR : cmd == HDT_HUP ? M_HANGUP : M_DATA;
      hdt_send(q, type, cmd == HDT_EOF ? 0 : data);
      freemsg(data);
      return 0;
    }
    if(cmd == LOOP_SILENT){
      freemsg(mp);
      return 0;
    }
    miocnak(q, mp, 0, EINVAL);
    return 0;
  }
  default:
    freemsg(mp);
    return 0;
  }
}

static int hdt_rput(queue_t *q, mblk_t *mp) { putnext(q, mp); return 0; }

static struct module_info hdt_info = { 3100, "hdt", 0, INFPSZ, 16384, 4096, 0 };
static struct qinit hdt_rinit = { .qi_putp = hdt_rput, .qi_minfo = &hdt_info };
static struct qinit hdt_winit = { .qi_putp = hdt_wput, .qi_minfo = &hdt_info };
static const char *const hdt_devices[] = { "hdt", 0 };
static struct streamtab hdt_tab = {
  .st_rdinit = &hdt_rinit, .st_wrinit = &hdt_winit,
  .st_flags = STR_DRIVER, .st_devices = hdt_devices,
};
STREAMS_MODULE(hdt_tab);

// ---------------------------------------------------------------- helpers

static int
istr(int fd, int cmd, const void *data, int len, int timout)
{
  struct strioctl sio = { cmd, timout, len, (char *)data };
  return kshim_ioctl(fd, I_STR, (long)&sio);
}

// Send mp up from the driver of fd's stream, as the driver would.
static void
inject(int fd, mblk_t *mp)
{
  struct stdata *sd = kshim_file(fd)->priv;
  putnext(&sd->sd_drv->qp_q[0], mp);
}

// The driver sends up data / a two-byte M_ERROR / an M_HANGUP with n
// bytes (0 or 1). Straight from the driver's read queue, not through an
// I_STR: whether ioctls still work after an error is a test of its own.
static int
up(int fd, const char *text)
{
  inject(fd, mkctlmsg(M_DATA, text, strlen(text)));
  return 0;
}

static int
error2(int fd, int rerr, int werr)
{
  uchar b[2] = { rerr, werr };
  inject(fd, mkctlmsg(M_ERROR, b, 2));
  return 0;
}

static int
hangup(int fd, int n, int side)
{
  uchar b = side;
  inject(fd, mkctlmsg(M_HANGUP, &b, n));
  return 0;
}

static int
readstr(int fd, char *buf, int n)
{
  int r = kshim_read(fd, buf, n - 1);
  buf[r > 0 ? r : 0] = 0;
  return r;
}

static int
hdt_open(void)
{
  hdt_flushes = hdt_flushflags = hdt_wbytes = 0;
  return kshim_open("hdt", O_RDWR | O_NONBLOCK);
}

#define NOERR 0xff   // the M_ERROR byte "leave this side as it is"

// ---------------------------------------------------------------- M_ERROR

// A write error alone: writes fail, the data already received stays
// readable, and only the write side below is flushed.
static void
test_write_error(void)
{
  char buf[64];
  int fd = hdt_open();
  EXPECT("werr/up", up(fd, "unread"), 0);
  EXPECT("werr/send", error2(fd, NOERR, EPIPE), 0);
  EXPECT("werr/write_fails", kshim_write(fd, "x", 1), -EPIPE);
  EXPECT("werr/istr_fails", istr(fd, 0x4242, 0, 0, 0), -EPIPE);   // as in SVR4
  EXPECT("werr/nothing_written_down", hdt_wbytes, 0);
  EXPECT("werr/read_keeps_data", readstr(fd, buf, sizeof(buf)), 6);
  CHECK("werr/read_data", strcmp(buf, "unread") == 0);
  EXPECT("werr/flush_down_once", hdt_flushes, 1);
  EXPECT("werr/flush_write_side_only", hdt_flushflags, FLUSHW);
  int m = kshim_poll(fd);
  CHECK("werr/poll_err_not_out", (m & POLLERR) && !(m & POLLOUT));
  EXPECT("werr/read_empty_again", kshim_read(fd, buf, 4), -EAGAIN);

  // Later messages that change nothing flush nothing: the error already
  // set is no reason to throw away what arrives after it.
  EXPECT("werr/up_more", up(fd, "more"), 0);
  EXPECT("werr/noerror_both", error2(fd, NOERR, NOERR), 0);
  EXPECT("werr/no_second_flush", hdt_flushes, 1);
  EXPECT("werr/read_more", readstr(fd, buf, sizeof(buf)), 4);
  CHECK("werr/read_more_data", strcmp(buf, "more") == 0);

  // A zero-length M_ERROR says nothing: it clears nothing.
  inject(fd, mkctlmsg(M_ERROR, 0, 0));
  EXPECT("werr/still_fails", kshim_write(fd, "x", 1), -EPIPE);
  EXPECT("werr/empty_no_flush", hdt_flushes, 1);

  // 0 for a side clears that side's error (SVR4); writes go down again.
  EXPECT("werr/clear", error2(fd, NOERR, 0), 0);
  EXPECT("werr/write_after_clear", kshim_write(fd, "ab", 2), 2);
  EXPECT("werr/written_down", hdt_wbytes, 2);
  EXPECT("werr/clear_no_flush", hdt_flushes, 1);
  kshim_close(fd);
}

// A read error alone: reads fail, writes still work, the read side is
// flushed (M_FLUSH FLUSHR down, turned around by the driver).
static void
test_read_error(void)
{
  char buf[64];
  int fd = hdt_open();
  EXPECT("rerr/up", up(fd, "stale"), 0);
  EXPECT("rerr/send", error2(fd, EIO, NOERR), 0);
  EXPECT("rerr/read_fails", kshim_read(fd, buf, 4), -EIO);
  EXPECT("rerr/write_works", kshim_write(fd, "abc", 3), 3);
  EXPECT("rerr/written_down", hdt_wbytes, 3);
  EXPECT("rerr/flush_read_side_only", hdt_flushflags, FLUSHR);
  int nread = -1;
  EXPECT("rerr/nread_flushed", kshim_ioctl(fd, I_NREAD, (long)&nread), 0);
  EXPECT("rerr/clear", error2(fd, 0, NOERR), 0);
  EXPECT("rerr/read_after_clear_empty", kshim_read(fd, buf, 4), -EAGAIN);
  EXPECT("rerr/up_new", up(fd, "new"), 0);
  EXPECT("rerr/read_new", readstr(fd, buf, sizeof(buf)), 3);
  kshim_close(fd);
}

// Two different errors: each side reports its own.
static void
test_both_errors(void)
{
  char buf[64];
  int fd = hdt_open();
  EXPECT("rwerr/send", error2(fd, ECONNRESET, EPIPE), 0);
  EXPECT("rwerr/read", kshim_read(fd, buf, 4), -ECONNRESET);
  EXPECT("rwerr/write", kshim_write(fd, "x", 1), -EPIPE);
  EXPECT("rwerr/flush_both", hdt_flushflags, FLUSHRW);
  kshim_close(fd);

  // One byte: the same error for both sides (old style), both flushed.
  fd = hdt_open();
  up(fd, "gone");
  uchar e = EPROTO;
  EXPECT("err1/send", istr(fd, HDT_ERR, &e, 1, 0), 0);
  EXPECT("err1/read", kshim_read(fd, buf, 4), -EPROTO);
  EXPECT("err1/write", kshim_write(fd, "x", 1), -EPROTO);
  EXPECT("err1/flush_both", hdt_flushflags, FLUSHRW);
  EXPECT("err1/istr_fails", istr(fd, 0x4242, 0, 0, 0), -EPROTO);
  kshim_close(fd);

  // One byte 0 is no error at all.
  fd = hdt_open();
  e = 0;
  EXPECT("err0/send", istr(fd, HDT_ERR, &e, 1, 0), 0);
  EXPECT("err0/write", kshim_write(fd, "x", 1), 1);
  EXPECT("err0/no_flush", hdt_flushes, 0);
  kshim_close(fd);
}

// ---------------------------------------------------------------- M_HANGUP

// Whole stream: reads drain then 0, writes fail with ENXIO – unless the
// write side had already failed, whose error stays (EPIPE after shutdown,
// whichever comes first).
static void
test_hangup(void)
{
  char buf[64];
  int fd = hdt_open();
  up(fd, "last");
  EXPECT("hup/send", istr(fd, HDT_HUP, 0, 0, 0), 0);
  EXPECT("hup/istr_fails", istr(fd, 0x4242, 0, 0, 0), -ENXIO);
  EXPECT("hup/data_first", readstr(fd, buf, sizeof(buf)), 4);
  EXPECT("hup/eof", kshim_read(fd, buf, 4), 0);
  EXPECT("hup/eof_again", kshim_read(fd, buf, 4), 0);
  EXPECT("hup/write", kshim_write(fd, "x", 1), -ENXIO);
  int m = kshim_poll(fd);
  CHECK("hup/poll", (m & POLLHUP) && (m & POLLIN) && !(m & POLLOUT));
  kshim_close(fd);

  fd = hdt_open();
  up(fd, "data");
  error2(fd, NOERR, EPIPE);               // our write side was shut
  hangup(fd, 0, 0);
  EXPECT("shut_hup/write_epipe", kshim_write(fd, "x", 1), -EPIPE);
  EXPECT("shut_hup/data", readstr(fd, buf, sizeof(buf)), 4);
  EXPECT("shut_hup/eof", kshim_read(fd, buf, 4), 0);
  kshim_close(fd);

  fd = hdt_open();
  EXPECT("hup_shut/send", istr(fd, HDT_HUP, 0, 0, 0), 0);
  uchar b[2] = { NOERR, EPIPE };          // hang-up first, then the write error
  inject(fd, mkctlmsg(M_ERROR, b, 2));
  EXPECT("hup_shut/write_epipe", kshim_write(fd, "x", 1), -EPIPE);
  kshim_close(fd);
}

// Read side only (one byte FLUSHR): end of file after the data, for good,
// while writes and ioctls go on.
static void
test_read_hangup(void)
{
  char buf[64];
  int fd = hdt_open();
  up(fd, "tail");
  uchar r = FLUSHR;
  EXPECT("rhup/send", istr(fd, HDT_HUP, &r, 1, 0), 0);
  int m = kshim_poll(fd);
  CHECK("rhup/poll_in_out_not_hup", (m & POLLIN) && (m & POLLOUT) && !(m & POLLHUP));
  EXPECT("rhup/data_first", readstr(fd, buf, sizeof(buf)), 4);
  EXPECT("rhup/eof", kshim_read(fd, buf, 4), 0);
  EXPECT("rhup/eof_stays", kshim_read(fd, buf, 4), 0);
  EXPECT("rhup/write_works", kshim_write(fd, "abc", 3), 3);
  EXPECT("rhup/written_down", hdt_wbytes, 3);
  EXPECT("rhup/istr_reaches_driver", istr(fd, 0x4242, 0, 0, 0), -EINVAL);
  EXPECT("rhup/no_flush", hdt_flushes, 0);
  // then the write side is shut: EPIPE, reads still end of file
  error2(fd, NOERR, EPIPE);
  EXPECT("rhup/then_epipe", kshim_write(fd, "x", 1), -EPIPE);
  EXPECT("rhup/then_eof", kshim_read(fd, buf, 4), 0);
  // and a full hang-up after it keeps EPIPE
  hangup(fd, 0, 0);
  EXPECT("rhup/full_keeps_epipe", kshim_write(fd, "x", 1), -EPIPE);
  CHECK("rhup/full_poll_hup", kshim_poll(fd) & POLLHUP);
  kshim_close(fd);

  // A zero-length message is end of file once (unchanged): the next read
  // waits for more.
  fd = hdt_open();
  EXPECT("eof_once/send", istr(fd, HDT_EOF, 0, 0, 0), 0);
  EXPECT("eof_once/eof", kshim_read(fd, buf, 4), 0);
  EXPECT("eof_once/then_waits", kshim_read(fd, buf, 4), -EAGAIN);
  kshim_close(fd);
}

// ---------------------------------------------------------------- I_STR timeout

struct waiter {
  int fd, timout;
  volatile int done;
  int result;
};

static void
istr_main(void *a)
{
  struct waiter *w = a;
  w->result = istr(w->fd, LOOP_SILENT, 0, 0, w->timout);
  __atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

static int
isdone(void *a)
{
  return __atomic_load_n(&((struct waiter *)a)->done, __ATOMIC_ACQUIRE);
}

// A timeout of `secs` seconds ends after that time and not before: the
// clock is moved to just before the deadline, then just past it.
static void
check_timeout(const char *tag, int timout, int secs)
{
  char name[64];
  int fd = kshim_open("hdt", O_RDWR);
  struct waiter w = { fd, timout, 0, 0 };
  struct kshim_thread *t = kshim_spawn(istr_main, &w);
  kshim_settle(2000);                     // it sleeps in the I_STR
  kshim_clock_advance((uint64)secs * 1000 - 1000);
  kshim_settle(2000);
  snprintf(name, sizeof(name), "timeout/%s/waits", tag);
  CHECK(name, !isdone(&w));
  kshim_clock_advance(2000);
  snprintf(name, sizeof(name), "timeout/%s/ends", tag);
  CHECK(name, kshim_waitfor(isdone, &w, 5000));
  if(!isdone(&w)){
    kshim_kill(t);
    kshim_waitfor(isdone, &w, 5000);
  }
  snprintf(name, sizeof(name), "timeout/%s/etime", tag);
  EXPECT(name, w.result, -ETIME);
  kshim_join(t);
  kshim_close(fd);
}

static void
test_istr_timeout(void)
{
  kshim_clock_manual(1);
  check_timeout("ms_past_int", 2147484, 2147484);   // 2147484000 ms > INT_MAX
  check_timeout("int_max", 0x7fffffff, 0x7fffffff); // 68 years
  check_timeout("default", 0, STRTIMOUT);
  // negative: forever (ended by a kill)
  int fd = kshim_open("hdt", O_RDWR);
  struct waiter w = { fd, -7, 0, 0 };
  struct kshim_thread *t = kshim_spawn(istr_main, &w);
  kshim_settle(2000);
  kshim_clock_advance((uint64)0x7fffffff * 1000);
  kshim_settle(2000);
  CHECK("timeout/negative/forever", !isdone(&w));
  kshim_kill(t);
  CHECK("timeout/negative/killed", kshim_waitfor(isdone, &w, 5000));
  EXPECT("timeout/negative/eintr", w.result, -EINTR);
  kshim_join(t);
  kshim_close(fd);
  kshim_clock_manual(0);
}

static int
quiet(void *a)
{
  (void)a;
  return st_nmblk == 0 && st_ndblk == 0;
}

int
main(void)
{
  streams_init();
  long base = kshim_kmalloc_live();
  test_write_error();
  test_read_error();
  test_both_errors();
  test_hangup();
  test_read_hangup();
  test_istr_timeout();
  CHECK("leak/blocks", kshim_waitfor(quiet, 0, 2000));
  EXPECT("leak/streams", st_nstreams, 0);
  EXPECT("leak/kmalloc", kshim_kmalloc_live(), base);
  return kshim_failures != 0;
}
