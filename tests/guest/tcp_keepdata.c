// tcp_keepdata: after our shutdown every write fails with EPIPE, the first
// one included, and the data the peer sent stays readable, whether the
// peer's FIN comes after our shutdown or before it. TCP tells the stream
// head of the shutdown with an M_ERROR for the write side only (the head
// must flush only that side, not the received bytes nobody has read yet)
// and of the peer's FIN with a read-side hang-up: the reader gets every
// byte (checked by digest), then end of file, for good; writes never see
// the ENXIO of a full hang-up. Also: the peer's own data sent after the
// failed write arrives too, and a write after the peer's FIN but before
// our shutdown still reaches the peer (a half-close). Run by
// tests/test_tcphead.py (needs the stack).
// GUESTTEST-TIMEOUT: 60
#include "user.h"
#include "stropts.h"

#define WAIT_MS 5000
#define PAYLOAD 1200     // one segment: it reaches the head as one message

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
      sleep(5);      // poll said POLLERR only: nothing to read yet
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

// Wait until fd's connection is in TCP state st ("status": id, state, ...).
static int
instate(int fd, const char *st, int ms)
{
  long end = uptime() + ms;
  char line[128];
  for(;;){
    if(tcpctl(fd, "status", line, sizeof(line)) == 0){
      char *sp = strchr(line, ' ');
      if(sp && strncmp(sp + 1, st, strlen(st)) == 0 && sp[1 + strlen(st)] == ' ')
        return 1;
    }
    if(uptime() >= end)
      return 0;
    sleep(5);   // polling interval of a bounded wait
  }
}

static void
fill(char *buf, int n, uint seed)
{
  for(int i = 0; i < n; i++){
    seed = seed * 1103515245 + 12345;
    buf[i] = seed >> 16;
  }
}

static void
digest(const char *buf, int n, char hex[65])
{
  struct sha256 h;
  uint8 d[32];
  sha256_init(&h);
  sha256_update(&h, buf, n);
  sha256_final(&h, d);
  sha256_hex(d, hex);
}

// A connection on port: s dialled, a accepted.
static int
pair(const char *port, int *s, int *a)
{
  char addr[32];
  snprintf(addr, sizeof(addr), "tcp!*!%s", port);
  int l = announce(addr);
  snprintf(addr, sizeof(addr), "tcp!10.0.2.15!%s", port);
  *s = dial(addr);
  *a = accept(l);
  if(l >= 0)
    close(l);
  return l >= 0 && *s >= 0 && *a >= 0;
}

// The received bytes, in full and intact, then end of file twice.
static void
check_rest(const char *what, int s, const char *want, int n)
{
  char name[64], got[65], exp[65];
  char *b = malloc(n + 16);
  int r = readn(s, b, n + 16, WAIT_MS);
  digest(want, n, exp);
  digest(b, r > 0 ? r : 0, got);
  snprintf(name, sizeof(name), "%s_unread_data_intact", what);
  t_check(name, r == n && strcmp(got, exp) == 0, "read %d of %d bytes, sha256 %.16s want %.16s",
          r, n, got, exp);
  snprintf(name, sizeof(name), "%s_eof", what);
  t_expect(name, readn(s, b, 1, WAIT_MS), 0);
  snprintf(name, sizeof(name), "%s_eof_again", what);
  t_expect(name, readn(s, b, 1, WAIT_MS), 0);
  free(b);
}

// Our shutdown first, then the peer's FIN.
static void
shutdown_then_fin(void)
{
  int s, a;
  if(!t_check("sf_setup", pair("5301", &s, &a), "no connection"))
    return;
  static char precious[PAYLOAD + 4];
  fill(precious, PAYLOAD, 1);
  t_expect("sf_peer_writes", write(a, precious, PAYLOAD), PAYLOAD);
  t_check("sf_data_arrived_unread", queued(s, PAYLOAD, WAIT_MS), "the bytes never reached the head");
  t_expect("sf_shutdown", tcpctl(s, "shutdown", 0, 0), 0);
  t_expect_err("sf_first_write_after_shutdown", write(s, "x", 1), EPIPE);
  char b[8];
  t_expect("sf_peer_sees_eof", readn(a, b, 1, WAIT_MS), 0);
  t_expect_err("sf_write_after_shutdown", write(s, "x", 1), EPIPE);
  // non-blocking from here: lost data must fail the check, not hang it
  fcntl(s, F_SETFL, fcntl(s, F_GETFL, 0) | O_NONBLOCK);
  memmove(precious + PAYLOAD, "more", 4);
  t_expect("sf_peer_writes_more", write(a, "more", 4), 4);
  close(a);                                  // the peer's FIN
  check_rest("sf", s, precious, PAYLOAD + 4);
  t_expect_err("sf_write_after_fin", write(s, "x", 1), EPIPE);
  t_check("sf_poll_hup", (waitev(s, POLLIN, 0) & (POLLIN | POLLHUP)) == (POLLIN | POLLHUP),
          "revents %x", waitev(s, POLLIN, 0));
  close(s);
}

// The peer's FIN first (a half-close: we can still write), then our
// shutdown.
static void
fin_then_shutdown(void)
{
  int s, a;
  if(!t_check("fs_setup", pair("5302", &s, &a), "no connection"))
    return;
  static char precious[PAYLOAD];
  fill(precious, PAYLOAD, 2);
  t_expect("fs_peer_writes", write(a, precious, PAYLOAD), PAYLOAD);
  t_expect("fs_peer_shutdown", tcpctl(a, "shutdown", 0, 0), 0);
  t_check("fs_fin_arrived", instate(s, "CLOSE_WAIT", WAIT_MS), "no FIN");
  t_check("fs_data_still_unread", queued(s, PAYLOAD, WAIT_MS), "the bytes are not at the head");
  t_expect("fs_write_after_fin", write(s, "reply", 5), 5);
  char b[8];
  int r = readn(a, b, 5, WAIT_MS);
  t_check("fs_peer_gets_reply", r == 5 && memcmp(b, "reply", 5) == 0, "read %d", r);
  t_expect("fs_shutdown", tcpctl(s, "shutdown", 0, 0), 0);
  t_expect("fs_peer_sees_eof", readn(a, b, 1, WAIT_MS), 0);
  fcntl(s, F_SETFL, fcntl(s, F_GETFL, 0) | O_NONBLOCK);
  check_rest("fs", s, precious, PAYLOAD);
  // Both directions are over and the hang-up is in: the first write since
  // the shutdown fails with EPIPE (not the hang-up's ENXIO), and so does
  // the next.
  t_expect_err("fs_first_write_after_shutdown", write(s, "x", 1), EPIPE);
  t_expect_err("fs_write_after_shutdown", write(s, "x", 1), EPIPE);
  t_check("fs_poll_hup", (waitev(s, POLLIN, 0) & (POLLIN | POLLHUP)) == (POLLIN | POLLHUP),
          "revents %x", waitev(s, POLLIN, 0));
  close(a);
  close(s);
}

int
main(void)
{
  t_begin("tcp_keepdata");
  shutdown_then_fin();
  fin_then_shutdown();
  return t_done();
}
