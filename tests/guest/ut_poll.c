// ut_poll.c: in-guest acceptance tests of poll(2) on the console and on
// pipes: timeouts (0, finite, none), readiness, wake-ups by another
// process, ignored negative fds, POLLNVAL for bad fds.
// The console part expects nobody to type while it runs: poll on fd 0
// must then time out.
// Prints PASS/FAIL lines and DONE ut_poll (see user/lib/check.c).
#include "user.h"

static int
waitfor(int pid, int *st)
{
  for(;;){
    int w = wait(st);
    if(w == pid || w < 0)
      return w;
  }
}

static void
set(struct pollfd *p, int fd, short events)
{
  p->fd = fd;
  p->events = events;
  p->revents = 0x7fff;      // poll must overwrite it
}

static void
test_console(void)
{
  struct pollfd f[2];
  long t0, el;
  int r;

  if(!isconsole(0))
    printf("# stdin is not the console; console checks use it anyway\n");

  set(&f[0], 0, POLLIN);
  t0 = uptime();
  r = poll(f, 1, 100);
  el = uptime() - t0;
  t_check("poll_console_timeout", r == 0 && f[0].revents == 0 && el >= 100 && el < 300,
          "poll gave %d after %ld ms, revents 0x%x", r, el, f[0].revents);

  set(&f[0], 1, POLLOUT);
  t0 = uptime();
  r = poll(f, 1, 1000);
  el = uptime() - t0;
  t_check("poll_console_writable", r == 1 && (f[0].revents & POLLOUT) && el < 50,
          "poll gave %d after %ld ms, revents 0x%x", r, el, f[0].revents);

  // console + empty pipe: times out; then the pipe alone becomes ready
  int p[2];
  pipe(p);
  set(&f[0], 0, POLLIN);
  set(&f[1], p[0], POLLIN);
  t0 = uptime();
  r = poll(f, 2, 150);
  el = uptime() - t0;
  t_check("poll_console_and_pipe_timeout", r == 0 && el >= 150 && el < 350 &&
          f[0].revents == 0 && f[1].revents == 0, "poll gave %d after %ld ms", r, el);

  write(p[1], "x", 1);
  set(&f[0], 0, POLLIN);
  set(&f[1], p[0], POLLIN);
  r = poll(f, 2, 1000);
  t_check("poll_console_and_pipe_ready", r == 1 && f[0].revents == 0 && (f[1].revents & POLLIN),
          "poll gave %d, revents 0x%x 0x%x", r, f[0].revents, f[1].revents);
  char c;
  read(p[0], &c, 1);

  // another process writes while we wait on both
  int pid = fork();
  if(pid == 0){
    sleep(100);
    write(p[1], "y", 1);
    exit(0);
  }
  set(&f[0], 0, POLLIN);
  set(&f[1], p[0], POLLIN);
  t0 = uptime();
  r = poll(f, 2, 3000);
  el = uptime() - t0;
  t_check("poll_console_and_pipe_wakeup", r == 1 && (f[1].revents & POLLIN) && el >= 90 && el < 1000,
          "poll gave %d after %ld ms", r, el);
  waitfor(pid, 0);
  read(p[0], &c, 1);
  close(p[0]);
  close(p[1]);
}

static void
test_timeouts(void)
{
  struct pollfd f[3];
  long t0, el;
  int r;

  t0 = uptime();
  r = poll(f, 0, 50);
  el = uptime() - t0;
  t_check("poll_no_fds_sleeps", r == 0 && el >= 50 && el < 250, "poll gave %d after %ld ms", r, el);

  int p[2];
  pipe(p);
  set(&f[0], p[0], POLLIN);
  t0 = uptime();
  r = poll(f, 1, 0);
  el = uptime() - t0;
  t_check("poll_timeout_0_immediate", r == 0 && el < 20, "poll gave %d after %ld ms", r, el);

  write(p[1], "a", 1);
  set(&f[0], p[0], POLLIN);
  t0 = uptime();
  r = poll(f, 1, -1);
  el = uptime() - t0;
  t_check("poll_infinite_ready_returns", r == 1 && (f[0].revents & POLLIN) && el < 50,
          "poll gave %d after %ld ms", r, el);

  // negative fds are skipped; bad and closed fds report POLLNVAL
  int closedfd = dup(p[0]);
  close(closedfd);
  set(&f[0], -1, POLLIN);
  set(&f[1], 999, POLLIN);
  set(&f[2], closedfd, POLLIN);
  r = poll(f, 3, 1000);
  t_check("poll_negative_fd_ignored", f[0].revents == 0, "revents 0x%x", f[0].revents);
  t_check("poll_bad_fd_pollnval", r == 2 && (f[1].revents & POLLNVAL) && (f[2].revents & POLLNVAL),
          "poll gave %d, revents 0x%x 0x%x", r, f[1].revents, f[2].revents);

  set(&f[0], -1, POLLIN);
  set(&f[1], p[0], POLLIN);
  r = poll(f, 2, 100);
  t_check("poll_counts_ready_fds", r == 1 && f[0].revents == 0 && (f[1].revents & POLLIN),
          "poll gave %d", r);

  // events 0: nothing asked, nothing reported (no error, no hang-up here)
  set(&f[0], p[0], 0);
  r = poll(f, 1, 0);
  t_check("poll_no_events_requested", r == 0 && f[0].revents == 0, "poll gave %d revents 0x%x",
          r, f[0].revents);

  // many pipes, only the last one ready
  int fds[12][2];
  struct pollfd many[12];
  int opened = 0;
  for(int i = 0; i < 12; i++){
    if(pipe(fds[i]) < 0)
      break;
    opened++;
    set(&many[i], fds[i][0], POLLIN);
  }
  if(opened == 12){
    write(fds[11][1], "m", 1);
    r = poll(many, 12, 1000);
    int others = 0;
    for(int i = 0; i < 11; i++)
      others |= many[i].revents;
    t_check("poll_many_fds", r == 1 && (many[11].revents & POLLIN) && others == 0,
            "poll gave %d", r);
  } else {
    t_fail("poll_many_fds", "only %d pipes could be made", opened);
  }
  for(int i = 0; i < opened; i++){
    close(fds[i][0]);
    close(fds[i][1]);
  }

  // repeated short polls: the timeout is honoured every time
  set(&f[0], p[0], POLLIN);
  char c;
  read(p[0], &c, 1);
  t0 = uptime();
  int zeros = 0;
  for(int i = 0; i < 10; i++)
    if(poll(f, 1, 20) == 0)
      zeros++;
  el = uptime() - t0;
  t_check("poll_repeated_timeouts", zeros == 10 && el >= 200 && el < 600,
          "%d timeouts in %ld ms", zeros, el);
  close(p[0]);
  close(p[1]);
}

int
main(void)
{
  t_begin("ut_poll");
  test_console();
  test_timeouts();
  return t_done();
}
