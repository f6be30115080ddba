// st_flow.c: in-guest acceptance tests of STREAMS flow control on the loop
// driver: a writer nobody reads from stops at the high-water marks
// (O_NONBLOCK: EAGAIN, poll without POLLOUT), nothing is lost or
// reordered when the reader drains, a blocked writer resumes by itself
// (back-enabling), a poller waiting for POLLOUT is woken, and a process
// blocked in a stream read or write can be killed.
// Prints PASS/FAIL lines and DONE st_flow (see user/lib/check.c).
#include "st_util.h"

#define CHUNK 1000

static char buf[8192];

static int
pollout(int fd, int ms)
{
  struct pollfd p = { fd, POLLOUT, 0 };
  return poll(&p, 1, ms) == 1 && (p.revents & POLLOUT);
}

static int
waitchild(int pid, int *st)
{
  for(;;){
    int w = wait(st);
    if(w == pid || w < 0)
      return w;
  }
}

// Read len bytes, checking they are pattern(seed) from offset 0 on.
static long
drain(int fd, long len, int seed, int *bad)
{
  long got = 0;
  while(got < len){
    int n = read(fd, buf, sizeof(buf));
    if(n == -EAGAIN){
      struct pollfd p = { fd, POLLIN, 0 };
      if(poll(&p, 1, 5000) <= 0)
        break;
      continue;
    }
    if(n <= 0)
      break;
    for(int i = 0; i < n; i++)
      if((uchar)buf[i] != (uchar)((got + i) * seed))
        (*bad)++;
    got += n;
  }
  return got;
}

static void
test_nonblock(const char *mod)
{
  char name[48];
  int fd = st_open("/dev/loop", O_RDWR | O_NONBLOCK);
  if(mod)
    ioctl(fd, I_PUSH, (long)mod);
  long written = 0;
  int r;
  for(;;){
    for(int i = 0; i < CHUNK; i++)
      buf[i] = (written + i) * 7;
    r = write(fd, buf, CHUNK);
    if(r == -EAGAIN){
      // service threads may still be moving data down: full only if
      // POLLOUT does not come back
      if(!pollout(fd, 300))
        break;
      continue;
    }
    if(r != CHUNK || written > 4 * 1024 * 1024)
      break;
    written += r;
  }
  snprintf(name, sizeof(name), "%s_eagain", mod ? mod : "loop");
  t_expect_err(name, r, EAGAIN);
  snprintf(name, sizeof(name), "%s_stops_at_hiwat", mod ? mod : "loop");
  // head 16K + loop read 16K + loop write 16K (+ a module's) + one message
  t_check(name, written >= 16384 && written <= 5 * 16384 + CHUNK,
          "wrote %ld bytes before EAGAIN", written);
  snprintf(name, sizeof(name), "%s_no_pollout", mod ? mod : "loop");
  t_check(name, !pollout(fd, 0), "POLLOUT on a full stream");
  int bad = 0;
  long got = drain(fd, written, 7, &bad);
  snprintf(name, sizeof(name), "%s_no_loss", mod ? mod : "loop");
  t_expect(name, got, written);
  snprintf(name, sizeof(name), "%s_in_order", mod ? mod : "loop");
  t_check(name, bad == 0, "%d bytes out of place", bad);
  snprintf(name, sizeof(name), "%s_pollout_again", mod ? mod : "loop");
  t_check(name, pollout(fd, 1000), "no POLLOUT after draining");
  close(fd);
}

// A child writes much more than the stream holds; it must block, and
// finish once the parent reads.
static void
test_blocking(void)
{
  const long total = 400 * 1024;
  int fd = st_open("/dev/loop", O_RDWR);
  ioctl(fd, I_PUSH, (long)"count");
  int p[2];
  pipe(p);
  int pid = fork();
  if(pid == 0){
    close(p[0]);
    long sent = 0;
    while(sent < total){
      int m = total - sent < (long)sizeof(buf) ? total - sent : (long)sizeof(buf);
      for(int i = 0; i < m; i++)
        buf[i] = (sent + i) * 13;
      int r = write(fd, buf, m);
      if(r <= 0)
        exit(1);
      sent += r;
    }
    write(p[1], "d", 1);
    exit(0);
  }
  close(p[1]);
  struct pollfd pp = { p[0], POLLIN, 0 };
  // Negative check with a deadline: the writer cannot be done yet.
  t_check("writer_blocks", poll(&pp, 1, 500) == 0, "the writer finished without a reader");
  int bad = 0;
  long got = drain(fd, total, 13, &bad);
  t_expect("blocked_writer_all_data", got, total);
  t_check("blocked_writer_in_order", bad == 0, "%d bytes out of place", bad);
  char c = 0;
  t_check("writer_resumed", poll(&pp, 1, 10000) == 1 && read(p[0], &c, 1) == 1 && c == 'd',
          "the writer did not finish");
  int st = -1;
  waitchild(pid, &st);
  t_expect("writer_exit", st, 0);
  close(p[0]);
  close(fd);
}

// A poller waiting for POLLOUT on a full stream wakes when it drains.
static void
test_poll_wakeup(void)
{
  int fd = st_open("/dev/loop", O_RDWR | O_NONBLOCK);
  long written = 0;
  for(;;){
    for(int i = 0; i < CHUNK; i++)
      buf[i] = (written + i) * 3;
    int r = write(fd, buf, CHUNK);
    if(r == -EAGAIN && !pollout(fd, 300))
      break;
    if(r > 0)
      written += r;
    if(written > 4 * 1024 * 1024)
      break;
  }
  int pid = fork();
  if(pid == 0){
    int bad = 0;
    long got = drain(fd, written, 3, &bad);
    exit(got == written && bad == 0 ? 0 : 1);
  }
  long t0 = uptime();
  int ok = pollout(fd, 10000);
  t_check("poll_woken_by_drain", ok, "no POLLOUT within 10 s (waited %ld ms)", uptime() - t0);
  int st = -1;
  waitchild(pid, &st);
  t_expect("drainer_ok", st, 0);
  close(fd);
}

// kill() ends a process blocked in a stream read or write.
static void
test_kill(void)
{
  int fd = st_open("/dev/loop", O_RDWR);
  int pid = fork();
  if(pid == 0){
    read(fd, buf, 10);     // nothing will come
    exit(0);
  }
  int bytes;
  ioctl(fd, I_NREAD, (long)&bytes);   // (the child is in read by now or soon)
  kill(pid);
  int st;
  t_expect("kill_blocked_reader", waitchild(pid, &st), pid);

  pid = fork();
  if(pid == 0){
    for(;;)
      if(write(fd, buf, sizeof(buf)) < 0)
        exit(0);
  }
  // wait until the stream is full: then the child is blocked in write
  long end = uptime() + 10000;
  while(pollout(fd, 0) && uptime() < end)
    sleep(10);
  kill(pid);
  t_expect("kill_blocked_writer", waitchild(pid, &st), pid);
  close(fd);
}

int
main(void)
{
  t_begin("st_flow");
  struct str_stats base = st_stats();
  test_nonblock(0);
  test_nonblock("null");
  test_blocking();
  test_poll_wakeup();
  test_kill();
  st_leakcheck("no_leaks", &base);
  return t_done();
}
