// tcp_keepdata: a write after our shutdown fails, and the data the peer
// sent before it stays readable. TCP refuses such a write with an M_ERROR
// for the write side only; the stream head must flush only that side, not
// the received bytes nobody has read yet. Also: the peer's own data sent
// after the failed write arrives too, and the reader sees end of file
// after all of it. Run by tests/test_tcphead.py (needs the stack).
// GUESTTEST-TIMEOUT: 60
#include "user.h"
#include "stropts.h"

#define WAIT_MS 5000

static int
waitev(int fd, int events, int ms)
{
  struct pollfd p = { fd, events, 0 };
  int r = poll(&p, 1, ms);
  return r > 0 ? p.revents : r;
}

// Read exactly n bytes (or to end of file) within ms.
static int
readn(int fd, char *buf, int n, int ms)
{
  long end = uptime() + ms;
  int got = 0;
  while(got < n){
    long left = end - uptime();
    if(left <= 0 || waitev(fd, POLLIN, left) == 0)
      return got > 0 ? got : -ETIME;
    int r = read(fd, buf + got, n - got);
    if(r == 0)
      break;
    if(r == -EAGAIN && uptime() < end){
      sleep(5);          // poll said POLLERR only: nothing to read yet
      continue;
    }
    if(r < 0)
      return got > 0 ? got : r;
    got += r;
  }
  return got;
}

// Wait until the first message at fd's stream head holds n bytes, unread
// (I_NREAD: the size of the first message; one short write is one segment).
static int
queued(int fd, int n, int ms)
{
  long end = uptime() + ms;
  for(;;){
    int bytes = 0;
    if(ioctl(fd, I_NREAD, (long)&bytes) > 0 && bytes >= n)
      return 1;
    if(uptime() >= end)
      return 0;
    sleep(5);   // polling interval of a bounded wait
  }
}

int
main(void)
{
  t_begin("tcp_keepdata");
  int l = announce("tcp!*!5301");
  int s = dial("tcp!10.0.2.15!5301");
  int a = accept(l);
  if(!t_check("setup", l >= 0 && s >= 0 && a >= 0, "%d %d %d", l, s, a))
    return t_done();
  close(l);
  const char *precious = "received-but-not-yet-read";
  int n = strlen(precious);
  t_expect("peer_writes", write(a, precious, n), n);
  t_check("data_arrived_unread", queued(s, n, WAIT_MS), "the bytes never reached the head");
  t_expect("shutdown", tcpctl(s, "shutdown", 0, 0), 0);
  char b[64];
  t_expect("peer_sees_eof", readn(a, b, 1, WAIT_MS), 0);
  write(s, "x", 1);                          // refused below: the M_ERROR comes up
  t_expect_err("write_after_shutdown", write(s, "x", 1), EPIPE);
  // non-blocking from here: lost data must fail the check, not hang it
  fcntl(s, F_SETFL, fcntl(s, F_GETFL, 0) | O_NONBLOCK);
  int r = readn(s, b, n, WAIT_MS);
  t_check("unread_data_kept", r == n && memcmp(b, precious, n) == 0,
          "read %d bytes after the failed write", r);
  t_expect("peer_writes_more", write(a, "more", 4), 4);
  r = readn(s, b, 4, WAIT_MS);
  t_check("later_data_arrives", r == 4 && memcmp(b, "more", 4) == 0, "read %d", r);
  close(a);
  t_expect("eof_after_all", readn(s, b, 1, WAIT_MS), 0);
  close(s);
  return t_done();
}
