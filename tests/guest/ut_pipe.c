// ut_pipe.c: in-guest acceptance tests of pipes: 1 MiB between two
// processes with matching SHA-256, end-of-file rules, EPIPE without a
// reader, O_NONBLOCK (EAGAIN on an empty and on a full pipe), and poll
// on pipes (timeouts and wake-ups).
// Prints PASS/FAIL lines and DONE ut_pipe (see user/lib/check.c).
#include "user.h"

#define MIB (1 << 20)

static int
waitfor(int pid, int *st)
{
  for(;;){
    int w = wait(st);
    if(w == pid || w < 0)
      return w;
  }
}

// Sizes that vary but repeat: the pieces used to cut the stream.
static int
piece(uint64 *state, int max)
{
  *state = *state * 6364136223846793005UL + 1442695040888963407UL;
  return 1 + (int)((*state >> 33) % max);
}

static void
test_bulk(void)
{
  static char buf[8192];
  int p[2];

  if(pipe(p) < 0){
    t_fail("pipe_1mib_sha256", "pipe failed");
    return;
  }
  int pid = fork();
  if(pid == 0){
    struct prng r;
    uint64 cut = 1;
    long left = MIB;
    close(p[0]);
    prng_init(&r, 7);
    while(left > 0){
      int n = piece(&cut, sizeof(buf));
      if(n > left)
        n = left;
      prng_fill(&r, buf, n);
      if(writeall(p[1], buf, n) != n)
        exit(1);
      left -= n;
    }
    exit(0);
  }
  close(p[1]);

  struct sha256 got;
  uint64 cut = 99;
  long total = 0;
  int n;
  sha256_init(&got);
  while((n = read(p[0], buf, piece(&cut, sizeof(buf)))) > 0){
    sha256_update(&got, buf, n);
    total += n;
  }
  close(p[0]);
  int st = -1;
  waitfor(pid, &st);

  // what should have arrived
  struct sha256 want;
  struct prng r;
  sha256_init(&want);
  prng_init(&r, 7);
  for(long left = MIB; left > 0; left -= sizeof(buf)){
    prng_fill(&r, buf, sizeof(buf));
    sha256_update(&want, buf, sizeof(buf));
  }
  uint8 d1[32], d2[32];
  char h1[65], h2[65];
  sha256_final(&got, d1);
  sha256_final(&want, d2);
  sha256_hex(d1, h1);
  sha256_hex(d2, h2);
  t_check("pipe_1mib_sha256", n == 0 && total == MIB && st == 0 && strcmp(h1, h2) == 0,
          "%ld bytes, last read %d, writer status %d, sha256 %.16s... want %.16s...",
          total, n, st, h1, h2);
}

static void
test_eof(void)
{
  int p[2];
  char buf[16];

  pipe(p);
  write(p[1], "abc", 3);
  close(p[1]);
  int n1 = read(p[0], buf, sizeof(buf));
  int n2 = read(p[0], buf, sizeof(buf));
  int n3 = read(p[0], buf, sizeof(buf));
  close(p[0]);
  t_check("pipe_data_then_eof", n1 == 3 && memcmp(buf, "abc", 3) == 0 && n2 == 0 && n3 == 0,
          "reads gave %d, %d, %d", n1, n2, n3);

  // a short read does not wait for more
  pipe(p);
  write(p[1], "0123456789", 10);
  int n = read(p[0], buf, sizeof(buf));
  t_expect("pipe_short_read", n, 10);
  close(p[0]);
  close(p[1]);

  // the last writer going away (by exiting) ends the stream
  pipe(p);
  int pid = fork();
  if(pid == 0){
    close(p[0]);
    write(p[1], "x", 1);
    exit(0);          // p[1] closed by exit
  }
  close(p[1]);
  n1 = read(p[0], buf, sizeof(buf));
  n2 = read(p[0], buf, sizeof(buf));
  close(p[0]);
  waitfor(pid, 0);
  t_check("pipe_eof_when_writer_exits", n1 == 1 && n2 == 0, "reads gave %d, %d", n1, n2);

  // while another writer remains (a dup), there is no end of file yet
  pipe(p);
  int extra = dup(p[1]);
  close(p[1]);
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  n = read(p[0], buf, sizeof(buf));
  t_expect_err("pipe_no_eof_while_dup_writer", n, EAGAIN);
  close(extra);
  n = read(p[0], buf, sizeof(buf));
  t_expect("pipe_eof_after_last_dup_closed", n, 0);
  close(p[0]);
}

static void
test_epipe(void)
{
  int p[2];
  pipe(p);
  close(p[0]);
  int r = write(p[1], "abc", 3);
  t_expect_err("pipe_write_no_reader_epipe", r, EPIPE);
  // no signals here: the writer just gets the error, again and again
  r = write(p[1], "abc", 3);
  t_expect_err("pipe_write_no_reader_again", r, EPIPE);
  close(p[1]);

  // A writer blocked on a full pipe is woken when the reader goes away.
  // The child holds the only read end and exits once the parent says
  // the pipe is full.
  int go[2];
  pipe(p);
  pipe(go);
  int pid = fork();
  if(pid == 0){
    char c;
    close(p[1]);
    close(go[1]);
    read(go[0], &c, 1);    // until the parent has filled the pipe
    exit(0);               // closes the read end
  }
  close(p[0]);
  close(go[0]);
  // fill the pipe without blocking
  static char buf[4096];
  int flags = fcntl(p[1], F_GETFL, 0);
  fcntl(p[1], F_SETFL, flags | O_NONBLOCK);
  while(write(p[1], buf, sizeof(buf)) > 0)
    ;
  fcntl(p[1], F_SETFL, flags);
  close(go[1]);            // the child exits now
  long t0 = uptime();
  r = write(p[1], buf, sizeof(buf));   // blocks until the reader is gone
  long el = uptime() - t0;
  waitfor(pid, 0);
  close(p[1]);
  t_check("pipe_blocked_writer_gets_epipe", r == -EPIPE && el < 2000,
          "write gave %d after %ld ms", r, el);
}

static void
test_nonblock(void)
{
  int p[2];
  static char buf[4096], back[4096];

  pipe(p);
  int r = fcntl(p[0], F_SETFL, O_NONBLOCK);
  int fl = fcntl(p[0], F_GETFL, 0);
  t_check("fcntl_setfl_nonblock", r >= 0 && fl >= 0 && (fl & O_NONBLOCK) &&
          (fl & O_ACCMODE) == O_RDONLY, "setfl %d, getfl 0x%x", r, fl);
  fl = fcntl(p[1], F_GETFL, 0);
  t_check("fcntl_getfl_write_end", fl >= 0 && (fl & O_ACCMODE) == O_WRONLY && !(fl & O_NONBLOCK),
          "getfl 0x%x", fl);

  long t0 = uptime();
  r = read(p[0], buf, 10);
  t_check("pipe_nonblock_read_empty_eagain", r == -EAGAIN && uptime() - t0 < 50,
          "read gave %d (%s)", r, errname(r));

  fcntl(p[1], F_SETFL, O_NONBLOCK);
  // fill with a recognisable stream until the pipe refuses
  struct prng g;
  prng_init(&g, 3);
  long total = 0;
  int last = 0;
  for(int i = 0; i < 10000; i++){
    prng_fill(&g, buf, 1000);
    last = write(p[1], buf, 1000);
    if(last < 0)
      break;
    total += last;
    // After a partial write the pipe is full, so the next write fails
    // and the bytes in the pipe are exactly the first `total` of the
    // stream.
  }
  t_check("pipe_nonblock_write_full_eagain", last == -EAGAIN && total > 0,
          "write gave %d after %ld bytes", last, total);

  // everything written comes back, in order
  struct prng check;
  prng_init(&check, 3);
  long got = 0;
  int same = 1;
  while((r = read(p[0], back, sizeof(back))) > 0){
    prng_fill(&check, buf, r);
    if(memcmp(buf, back, r) != 0)
      same = 0;
    got += r;
  }
  t_check("pipe_nonblock_contents", got == total && same && r == -EAGAIN,
          "read back %ld of %ld bytes, same %d, last read %d", got, total, same, r);

  r = write(p[1], "z", 1);
  t_expect("pipe_writable_after_drain", r, 1);
  close(p[0]);
  r = write(p[1], "z", 1);
  t_expect_err("pipe_nonblock_no_reader_epipe", r, EPIPE);
  close(p[1]);
}

static void
test_poll(void)
{
  int p[2];
  struct pollfd fds[2];

  pipe(p);
  fds[0].fd = p[0];
  fds[0].events = POLLIN;
  fds[0].revents = -1;
  long t0 = uptime();
  int r = poll(fds, 1, 200);
  long el = uptime() - t0;
  t_check("poll_pipe_timeout", r == 0 && el >= 200 && el < 400 && fds[0].revents == 0,
          "poll gave %d after %ld ms, revents 0x%x", r, el, fds[0].revents);

  write(p[1], "a", 1);
  fds[0].revents = 0;
  t0 = uptime();
  r = poll(fds, 1, 5000);
  el = uptime() - t0;
  t_check("poll_pipe_readable", r == 1 && (fds[0].revents & POLLIN) && el < 50,
          "poll gave %d after %ld ms, revents 0x%x", r, el, fds[0].revents);

  fds[0].fd = p[1];
  fds[0].events = POLLOUT;
  r = poll(fds, 1, 0);
  t_check("poll_pipe_writable", r == 1 && (fds[0].revents & POLLOUT),
          "poll gave %d, revents 0x%x", r, fds[0].revents);

  // full: not writable
  static char buf[4096];
  fcntl(p[1], F_SETFL, O_NONBLOCK);
  while(write(p[1], buf, sizeof(buf)) > 0)
    ;
  r = poll(fds, 1, 50);
  t_check("poll_full_pipe_not_writable", r == 0 && fds[0].revents == 0,
          "poll gave %d, revents 0x%x", r, fds[0].revents);
  close(p[0]);
  close(p[1]);

  // a write by another process wakes a poller before its timeout
  pipe(p);
  int pid = fork();
  if(pid == 0){
    close(p[0]);
    sleep(100);
    write(p[1], "w", 1);
    exit(0);
  }
  close(p[1]);
  fds[0].fd = p[0];
  fds[0].events = POLLIN;
  t0 = uptime();
  r = poll(fds, 1, 5000);
  el = uptime() - t0;
  t_check("poll_woken_by_write", r == 1 && (fds[0].revents & POLLIN) && el >= 90 && el < 1000,
          "poll gave %d after %ld ms, revents 0x%x", r, el, fds[0].revents);
  waitfor(pid, 0);

  // the writer has exited: hang-up (or readable end of file)
  char c;
  read(p[0], &c, 1);
  r = poll(fds, 1, 1000);
  t_check("poll_pipe_hangup", r == 1 && (fds[0].revents & (POLLIN | POLLHUP)),
          "poll gave %d, revents 0x%x", r, fds[0].revents);
  close(p[0]);

  // no reader: the write end reports an error or hang-up
  pipe(p);
  close(p[0]);
  fds[0].fd = p[1];
  fds[0].events = POLLOUT;
  r = poll(fds, 1, 1000);
  t_check("poll_write_end_no_reader", r == 1 && (fds[0].revents & (POLLERR | POLLHUP | POLLOUT)),
          "poll gave %d, revents 0x%x", r, fds[0].revents);
  close(p[1]);
}

int
main(void)
{
  t_begin("ut_pipe");
  test_eof();
  test_epipe();
  test_nonblock();
  test_poll();
  test_bulk();
  return t_done();
}
