// tcp_ut.c: in-guest acceptance tests of TCP (/dev/tcp, dial/announce/
// accept, modules/tcp/), over the loopback path to the guest's own
// address: control messages and their errors, connection refused,
// address in use, echo, half-close, write after shutdown, reset, abort,
// poll and O_NONBLOCK, connect timeout, an accept undone by closing the
// listener. Needs the network up (netup); run by tests/test_tcp.py.
// Every wait is bounded (poll with a timeout). Prints PASS/FAIL lines and
// DONE tcp_ut.
// GUESTTEST-TIMEOUT: 120
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"

#define WAIT_MS 5000

static char me[20];          // our own address, A.B.C.D

static int
waitpid(int pid, int *st)
{
  for(;;){
    int w = wait(st);
    if(w == pid || w < 0)
      return w;
  }
}

// Our first address, from ip ("addrs": "A.B.C.D/LEN" lines).
static int
own_address(void)
{
  int fd = open("/dev/ip", O_RDWR);
  if(fd < 0)
    return fd;
  char buf[STRIOCMAX];
  strcpy(buf, "addrs");
  struct strioctl sc = { NET_CTL, 0, 5, buf };
  int r = ioctl(fd, I_STR, (long)&sc);
  close(fd);
  if(r < 0)
    return r;
  buf[sc.ic_len > 0 ? sc.ic_len : 0] = 0;
  char *slash = strchr(buf, '/');
  if(slash == 0 || slash - buf >= (int)sizeof(me))
    return -EINVAL;
  *slash = 0;
  strcpy(me, buf);
  return 0;
}

static char *
addr(int port)
{
  static char a[64];
  snprintf(a, sizeof(a), "tcp!%s!%d", me, port);
  return a;
}

// poll one fd; returns revents, 0 on timeout.
static int
waitev(int fd, int events, int ms)
{
  struct pollfd p = { fd, events, 0 };
  int r = poll(&p, 1, ms);
  return r > 0 ? p.revents : r;
}

// Read exactly n bytes (or to end of file) within ms; returns the count
// or a negative error.
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
    if(r < 0)
      return got > 0 ? got : r;
    got += r;
  }
  return got;
}

// ---------------------------------------------------------------- control

static void
test_control(void)
{
  int fd = open("/dev/tcp", O_RDWR);
  if(!t_check("open_dev_tcp", fd >= 0, "open /dev/tcp: %d", fd))
    return;
  t_expect_err("ctl_unknown", tcpctl(fd, "frobnicate", 0, 0), EINVAL);
  t_expect_err("ctl_connect_no_port", tcpctl(fd, "connect 10.0.2.15", 0, 0), EINVAL);
  t_expect_err("ctl_connect_port0", tcpctl(fd, "connect 10.0.2.15!0", 0, 0), EINVAL);
  t_expect_err("ctl_connect_bad_ip", tcpctl(fd, "connect 300.1.2.3!80", 0, 0), EINVAL);
  t_expect_err("ctl_connect_bad_port", tcpctl(fd, "connect 10.0.2.15!65536", 0, 0), EINVAL);
  t_expect_err("ctl_announce_syntax", tcpctl(fd, "announce 7000", 0, 0), EINVAL);
  t_expect_err("ctl_accept_not_listener", tcpctl(fd, "accept 250", 0, 0), EINVAL);
  t_expect_err("ctl_accept_syntax", tcpctl(fd, "accept x", 0, 0), EINVAL);
  t_expect_err("ctl_keepalive_zero", tcpctl(fd, "keepalive on 0", 0, 0), EINVAL);
  t_expect_err("ctl_keepalive_syntax", tcpctl(fd, "keepalive maybe", 0, 0), EINVAL);
  t_expect("ctl_keepalive_ok", tcpctl(fd, "keepalive on 1000 500 3", 0, 0), 0);
  t_expect("ctl_nodelay_ok", tcpctl(fd, "nodelay on", 0, 0), 0);
  t_expect_err("ctl_shutdown_unconnected", tcpctl(fd, "shutdown", 0, 0), ENOTCONN);
  char st[128];
  int r = tcpctl(fd, "status", st, sizeof(st));
  t_check("ctl_status_idle", r == 0 && isdigit(st[0]) && strstr(st, " Idle "),
          "status %d: %s", r, st);
  // a write on a conversation that never connected fails
  int w1 = write(fd, "x", 1);
  int w2 = write(fd, "x", 1);
  t_check("write_unconnected", w2 == -ENOTCONN, "writes gave %d, %d", w1, w2);
  close(fd);

  t_expect_err("dial_star", dial("tcp!*!80"), EINVAL);
  t_expect_err("dial_other_net", dial("udp!10.0.2.15!80"), EINVAL);
  t_expect_err("dial_no_port", dial("tcp!10.0.2.15"), EINVAL);
  t_expect_err("dial_bad_port", dial("tcp!10.0.2.15!8x"), EINVAL);
}

static void
test_refused_and_inuse(void)
{
  t_expect_err("refused", dial(addr(5999)), ECONNREFUSED);

  int l1 = announce("tcp!*!5100");
  t_expect_ok("announce", l1);
  t_expect_err("announce_in_use", announce("tcp!*!5100"), EADDRINUSE);
  close(l1);
  int l2 = announce("tcp!*!5100");
  t_expect_ok("announce_again_after_close", l2);
  close(l2);
}

// ---------------------------------------------------------------- data

static void
echo_child(int lfd, int abort_at_once)
{
  int c = accept(lfd);
  if(c < 0)
    exit(10);
  close(lfd);
  if(abort_at_once){
    char b[8];
    if(readn(c, b, 1, WAIT_MS) != 1)
      exit(11);
    exit(tcpctl(c, "abort", 0, 0) == 0 ? 0 : 12);
  }
  char buf[4096];
  for(;;){
    int n = read(c, buf, sizeof(buf));
    if(n == 0)
      break;
    if(n < 0)
      exit(13);
    if(writeall(c, buf, n) != n)
      exit(14);
  }
  close(c);
  exit(0);
}

static void
test_echo(void)
{
  int l = announce("tcp!*!5101");
  if(!t_check("echo_announce", l >= 0, "announce: %d", l))
    return;
  int pid = fork();
  if(pid == 0)
    echo_child(l, 0);
  close(l);
  int s = dial(addr(5101));
  if(!t_check("echo_dial", s >= 0, "dial: %d", s)){
    kill(pid);
    waitpid(pid, 0);
    return;
  }
  char la[32], ra[32], st[128];
  int r1 = netaddr(s, 0, la, sizeof(la)), r2 = netaddr(s, 1, ra, sizeof(ra));
  char want[32];
  snprintf(want, sizeof(want), "%s!5101", me);
  t_check("netaddr_remote", r2 == 0 && strcmp(ra, want) == 0, "remote %d %s", r2, ra);
  t_check("netaddr_local", r1 == 0 && strncmp(la, me, strlen(me)) == 0 && strchr(la, '!'),
          "local %d %s", r1, la);
  int r3 = tcpctl(s, "status", st, sizeof(st));
  t_check("status_established", r3 == 0 && strstr(st, "ESTABLISHED"), "status %d %s", r3, st);

  // 200 KiB in 8 KiB rounds, every byte checked as it comes back
  static char out[8192], in[8192];
  struct prng g;
  prng_init(&g, 42);
  int ok = 1;
  for(int round = 0; round < 25 && ok; round++){
    prng_fill(&g, out, sizeof(out));
    if(writeall(s, out, sizeof(out)) != sizeof(out))
      ok = 0;
    else if(readn(s, in, sizeof(in), WAIT_MS) != sizeof(in) || memcmp(in, out, sizeof(in)) != 0)
      ok = 0;
  }
  t_check("echo_200k", ok, "echoed bytes differ or missing");
  t_expect("echo_shutdown", tcpctl(s, "shutdown", 0, 0), 0);
  int n = readn(s, in, 1, WAIT_MS);
  t_expect("echo_eof", n, 0);
  int st2;
  waitpid(pid, &st2);
  t_expect("echo_server_status", st2, 0);
  close(s);
}

// We shut down our side; the peer still sends, we read it, then EOF.
static void
test_half_close(void)
{
  int l = announce("tcp!*!5102");
  if(!t_check("half_announce", l >= 0, "announce: %d", l))
    return;
  int pid = fork();
  if(pid == 0){
    int c = accept(l);
    close(l);
    char b[16];
    if(c < 0 || readn(c, b, 5, WAIT_MS) != 5 || memcmp(b, "hello", 5) != 0)
      exit(1);
    if(readn(c, b, 1, WAIT_MS) != 0)           // the client's FIN
      exit(2);
    if(writeall(c, "after-eof", 9) != 9)       // still allowed
      exit(3);
    close(c);
    exit(0);
  }
  close(l);
  int s = dial(addr(5102));
  if(!t_check("half_dial", s >= 0, "dial: %d", s)){
    kill(pid);
    waitpid(pid, 0);
    return;
  }
  writeall(s, "hello", 5);
  t_expect("half_shutdown", tcpctl(s, "shutdown", 0, 0), 0);
  char b[16];
  int n = readn(s, b, 9, WAIT_MS);
  t_check("half_read_after_shutdown", n == 9 && memcmp(b, "after-eof", 9) == 0,
          "read %d", n);
  t_expect("half_eof", readn(s, b, 1, WAIT_MS), 0);
  // both directions done: reads stay at end of file, poll says hang-up
  int ev = waitev(s, POLLIN, WAIT_MS);
  t_check("half_pollhup", ev & POLLHUP, "revents 0x%x", ev);
  t_expect("half_eof_again", read(s, b, 1), 0);
  // the connection is over: writing fails (ENXIO: the stream hung up)
  write(s, "x", 1);
  int w = write(s, "x", 1);
  t_check("write_after_close", w == -ENXIO || w == -EPIPE, "write gave %d", w);
  int st;
  waitpid(pid, &st);
  t_expect("half_server_status", st, 0);
  close(s);
}

// The peer resets the connection: reads and writes fail ECONNRESET.
static void
test_reset(void)
{
  int l = announce("tcp!*!5103");
  if(!t_check("reset_announce", l >= 0, "announce: %d", l))
    return;
  int pid = fork();
  if(pid == 0)
    echo_child(l, 1);
  close(l);
  int s = dial(addr(5103));
  if(!t_check("reset_dial", s >= 0, "dial: %d", s)){
    kill(pid);
    waitpid(pid, 0);
    return;
  }
  writeall(s, "!", 1);
  int ev = waitev(s, POLLIN, WAIT_MS);
  t_check("reset_pollerr", ev & POLLERR, "revents 0x%x", ev);
  char b[4];
  t_expect_err("reset_read", read(s, b, 1), ECONNRESET);
  t_expect_err("reset_write", write(s, "x", 1), ECONNRESET);
  int st;
  waitpid(pid, &st);
  t_expect("reset_server_status", st, 0);
  close(s);
}

// Our own "abort": this side fails with ECONNABORTED at once.
static void
test_abort_local(void)
{
  int l = announce("tcp!*!5104");
  int s = dial(addr(5104));
  int a = accept(l);
  if(!t_check("abort_setup", l >= 0 && s >= 0 && a >= 0, "%d %d %d", l, s, a))
    return;
  t_expect("abort_ctl", tcpctl(s, "abort", 0, 0), 0);
  int ev = waitev(s, POLLIN, WAIT_MS);
  char b[4];
  t_check("abort_local_err", (ev & POLLERR) && read(s, b, 1) == -ECONNABORTED,
          "revents 0x%x", ev);
  ev = waitev(a, POLLIN, WAIT_MS);
  t_check("abort_peer_reset", (ev & POLLERR) && read(a, b, 1) == -ECONNRESET,
          "revents 0x%x", ev);
  close(s);
  close(a);
  close(l);
}

static void
test_poll_and_nonblock(void)
{
  int l = announce("tcp!*!5105");
  int s = dial(addr(5105));
  int a = accept(l);
  if(!t_check("poll_setup", l >= 0 && s >= 0 && a >= 0, "%d %d %d", l, s, a))
    return;
  close(l);
  int ev = waitev(s, POLLIN | POLLOUT, WAIT_MS);
  t_check("poll_writable_not_readable", ev == POLLOUT, "revents 0x%x", ev);
  int fl = fcntl(s, F_GETFL, 0);
  fcntl(s, F_SETFL, fl | O_NONBLOCK);
  char b[8];
  t_expect_err("nonblock_read_empty", read(s, b, sizeof(b)), EAGAIN);
  writeall(a, "ping", 4);
  ev = waitev(s, POLLIN, WAIT_MS);
  t_check("poll_readable", ev & POLLIN, "revents 0x%x", ev);
  t_expect("nonblock_read_data", read(s, b, sizeof(b)), 4);
  close(a);                                   // FIN after no more data
  ev = waitev(s, POLLIN, WAIT_MS);
  t_check("poll_eof_readable", ev & POLLIN, "revents 0x%x", ev);
  t_expect("read_eof", read(s, b, sizeof(b)), 0);
  t_expect("eof_then_shutdown", tcpctl(s, "shutdown", 0, 0), 0);
  ev = waitev(s, POLLIN, WAIT_MS);
  t_check("poll_hup_after_both_fins", ev & POLLHUP, "revents 0x%x", ev);
  t_expect("read_eof_after_hup", read(s, b, sizeof(b)), 0);
  close(s);
}

// After our shutdown (the peer still open) writes fail with EPIPE - at
// the latest from the second write, since the first may already be on
// its way down when the driver refuses it.
static void
test_write_after_shutdown(void)
{
  int l = announce("tcp!*!5107");
  int s = dial(addr(5107));
  int a = accept(l);
  if(!t_check("wshut_setup", l >= 0 && s >= 0 && a >= 0, "%d %d %d", l, s, a))
    return;
  close(l);
  t_expect("wshut_shutdown", tcpctl(s, "shutdown", 0, 0), 0);
  char b[4];
  t_expect("wshut_peer_eof", readn(a, b, 1, WAIT_MS), 0);
  write(s, "x", 1);
  t_expect_err("write_after_shutdown", write(s, "x", 1), EPIPE);
  // the other direction still works
  writeall(a, "ok", 2);
  t_check("wshut_read_still", readn(s, b, 2, WAIT_MS) == 2 && memcmp(b, "ok", 2) == 0,
          "no data after shutdown");
  close(s);
  close(a);
}

// A SYN nobody answers: the connect gives up after its timeout.
static void
test_connect_timeout(void)
{
  int fd = open("/dev/tcp", O_RDWR);
  long t0 = uptime();
  // an address on our subnet that nobody has (no ARP answer)
  char cmd[64], net[20];
  strcpy(net, me);
  char *dot = strrchr(net, '.');
  if(dot)
    *dot = 0;
  snprintf(cmd, sizeof(cmd), "connect %s.199!80 1500", net);
  int r = tcpctl(fd, cmd, 0, 0);
  long el = uptime() - t0;
  t_check("connect_timeout", r == -ETIMEDOUT && el >= 1400 && el < 6000,
          "connect gave %d after %ld ms", r, el);
  close(fd);
}

// Closing the listener ends an accept that waits on it.
static void
test_accept_aborted(void)
{
  int l = announce("tcp!*!5106");
  char st[128];
  if(!t_check("acc_announce", l >= 0 && tcpctl(l, "status", st, sizeof(st)) == 0,
              "announce %d", l))
    return;
  int n = atoi(st);
  int pid = fork();
  if(pid == 0){
    close(l);                                 // only the parent holds it now
    int fd = open("/dev/tcp", O_RDWR);
    char cmd[32];
    snprintf(cmd, sizeof(cmd), "accept %d", n);
    int r = tcpctl(fd, cmd, 0, 0);
    exit(r == -ECONNABORTED ? 0 : 1);
  }
  // wait until the child is in accept: a conversation in state Accepting
  int seen = 0;
  for(long end = uptime() + WAIT_MS; !seen && uptime() < end; ){
    int fd = open("/dev/tcpstat", O_RDONLY);
    static char buf[8192];
    int len = 0, r;
    while(len < (int)sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
      len += r;
    buf[len] = 0;
    close(fd);
    seen = strstr(buf, " Accepting ") != 0;
    if(!seen)
      sleep(20);                              // polling interval
  }
  t_check("acc_waiting", seen, "no conversation in accept");
  close(l);
  int st2 = -1;
  waitpid(pid, &st2);
  t_expect("accept_aborted_by_close", st2, 0);
}

// A listener polls readable exactly while a connection waits; with
// O_NONBLOCK, accept says EAGAIN instead of waiting.
static void
test_listener_poll(void)
{
  int l = announce("tcp!*!5108");
  if(!t_check("lpoll_announce", l >= 0, "announce: %d", l))
    return;
  t_expect("lpoll_idle_not_readable", waitev(l, POLLIN, 0), 0);
  fcntl(l, F_SETFL, fcntl(l, F_GETFL, 0) | O_NONBLOCK);
  t_expect_err("accept_nonblock_none", accept(l), EAGAIN);
  int s = dial(addr(5108));
  int ev = waitev(l, POLLIN, WAIT_MS);
  t_check("lpoll_readable", s >= 0 && (ev & POLLIN), "dial %d, revents 0x%x", s, ev);
  char b[4];
  t_expect_err("lpoll_read_listener", read(l, b, sizeof(b)), EBADMSG);
  int a = accept(l);
  t_expect_ok("accept_nonblock_ready", a);
  // the marker is taken back once nobody waits
  int still = 1;
  for(long end = uptime() + WAIT_MS; still && uptime() < end; )
    if((still = waitev(l, POLLIN, 0)) != 0)
      sleep(10);                              // polling interval
  t_expect("lpoll_clear_after_accept", still, 0);
  t_expect_err("accept_nonblock_empty_again", accept(l), EAGAIN);
  close(a);
  close(s);
  close(l);
}

// Hostile control input: junk lines, commands with junk arguments, other
// ioctl numbers. Each gets an answer (mostly EINVAL), never a crash.
static void
test_ctl_fuzz(void)
{
  static const char *words[] = {
    "announce", "shutdown", "keepalive", "nodelay", "local", "remote", "status",
    "abort", "list", "on", "off", "*!", "!", "*!0", "1.2.3", "!!", "999999999999",
    "-1", "0x10", "*!65535", "*!70000", "", "\t", "announce*!5",
  };
  struct prng g;
  prng_init(&g, 7);
  int answered = 0, runs = 2000;
  for(int i = 0; i < runs; i++){
    int fd = open("/dev/tcp", O_RDWR);
    if(fd < 0)
      break;
    char line[300];
    int n = 0;
    if(i % 3 == 0){                           // raw bytes
      n = 1 + prng_next(&g) % 250;
      prng_fill(&g, line, n);
      for(int k = 0; k < n; k++)
        if(line[k] == 0)
          line[k] = 'x';
    } else {                                  // word soup
      int nw = 1 + prng_next(&g) % 6;
      for(int k = 0; k < nw && n < 250; k++)
        n += snprintf(line + n, sizeof(line) - n, "%s%s", k ? " " : "",
                      words[prng_next(&g) % (sizeof(words) / sizeof(words[0]))]);
    }
    line[n] = 0;
    if(n == 0)
      strcpy(line, " ");
    char ans[STRIOCMAX];
    int r = tcpctl(fd, line, ans, sizeof(ans));
    if(r == 0 || (r < 0 && r > -EMAXERRNO))
      answered++;
    struct strioctl sc = { (int)(prng_next(&g) & 0xffff), 1, 0, ans };
    ioctl(fd, I_STR, (long)&sc);              // some other command
    close(fd);
  }
  t_expect("ctl_fuzz_answered", answered, runs);
  struct strioctl sc = { ('N' << 8) | 1, 1, 0, 0 };
  int fd = open("/dev/tcp", O_RDWR);
  t_expect_err("ctl_empty", ioctl(fd, I_STR, (long)&sc), EINVAL);
  close(fd);
}

int
main(void)
{
  t_begin("tcp_ut");
  if(own_address() < 0){
    t_fail("network", "no address: is the network up?");
    return t_done();
  }
  test_control();
  test_refused_and_inuse();
  test_echo();
  test_half_close();
  test_reset();
  test_abort_local();
  test_poll_and_nonblock();
  test_write_after_shutdown();
  test_connect_timeout();
  test_accept_aborted();
  test_listener_poll();
  test_ctl_fuzz();
  return t_done();
}
