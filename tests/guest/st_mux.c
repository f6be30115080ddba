// st_mux.c: in-guest acceptance tests of multiplexing and persistence:
// I_LINK a loop stream (with rot13) under /dev/muxloop and send data
// through both; links that would make a cycle, or link a stream under
// itself, fail with EINVAL; I_UNLINK; closing the controlling stream
// undoes I_LINK; an I_PLINK made by a process that has exited still works
// for the next one until I_PUNLINK; a kept stream (I_KEEP) outlives its
// maker and is re-opened through /dev/kept/NAME.
// Prints PASS/FAIL lines and DONE st_mux (see user/lib/check.c).
#include "st_util.h"

static int
waitchild(int pid)
{
  int st = -1;
  while(wait(&st) != pid)
    ;
  return st;
}

static void
test_link(void)
{
  char buf[STR_ERRLEN];
  int links = st_stats().ss_links;
  int u = st_open("/dev/muxloop", O_RDWR);
  int l = st_open("/dev/loop", O_RDWR);
  ioctl(l, I_PUSH, (long)"rot13");
  int id = ioctl(u, I_LINK, l);
  t_check("link_id", id > 0, "I_LINK returned %d", id);
  write(u, "hello", 5);
  st_readwait(u, buf, sizeof(buf), 5000);
  t_check("link_through_lower", strcmp(buf, "uryyb") == 0, "read \"%s\"", buf);
  t_expect_err("lower_unusable", write(l, "x", 1), EINVAL);
  t_expect_err("link_twice", ioctl(u, I_LINK, l), EINVAL);
  t_expect_err("link_self", ioctl(u, I_LINK, u), EINVAL);
  int u2 = st_open("/dev/muxloop", O_RDWR);
  t_expect_err("link_cycle", ioctl(u2, I_LINK, u), EINVAL);
  ioctl(u2, I_ERRSTR, (long)buf);
  t_check("link_cycle_reason", st_contains(buf, "cycle"), "reason \"%s\"", buf);
  t_expect_err("link_not_a_mux", ioctl(l, I_LINK, u2), EINVAL);
  t_expect_err("link_badfd", ioctl(u, I_LINK, 29), EBADF);
  t_expect_err("unlink_bad_id", ioctl(u, I_UNLINK, id + 100), EINVAL);
  t_expect("unlink", ioctl(u, I_UNLINK, id), 0);
  write(l, "back", 4);
  st_readwait(l, buf, sizeof(buf), 5000);
  t_check("lower_usable_again", strcmp(buf, "onpx") == 0, "read \"%s\"", buf);

  id = ioctl(u2, I_LINK, l);
  t_check("relink", id > 0, "I_LINK returned %d", id);
  close(u2);
  t_expect("close_unlinks", st_stats().ss_links, links);
  write(l, "ok", 2);
  st_readwait(l, buf, sizeof(buf), 5000);
  t_check("lower_after_close", strcmp(buf, "bx") == 0, "read \"%s\"", buf);
  close(l);
  close(u);
}

// A child plumbs muxloop over loop+rot13 with I_PLINK and exits; the
// parent finds the stack still there.
static void
test_plink(void)
{
  char buf[64];
  int links = st_stats().ss_links;
  int p[2];
  pipe(p);
  int pid = fork();
  if(pid == 0){
    close(p[0]);
    int u = open("/dev/muxloop", O_RDWR);
    int l = open("/dev/loop", O_RDWR);
    ioctl(l, I_PUSH, (long)"rot13");
    int id = ioctl(u, I_PLINK, l);
    write(p[1], &id, sizeof(id));
    exit(0);           // closes everything
  }
  close(p[1]);
  int id = -1;
  read(p[0], &id, sizeof(id));
  close(p[0]);
  waitchild(pid);
  t_check("plink_id", id > 0, "I_PLINK returned %d", id);
  t_expect("plink_survives", st_stats().ss_links, links + 1);
  int u = st_open("/dev/muxloop", O_RDWR);
  write(u, "abc", 3);
  st_readwait(u, buf, sizeof(buf), 5000);
  t_check("plink_works", strcmp(buf, "nop") == 0, "read \"%s\"", buf);
  t_expect_err("plink_not_unlink", ioctl(u, I_UNLINK, id), EINVAL);
  t_expect("punlink", ioctl(u, I_PUNLINK, id), 0);
  t_expect("punlink_gone", st_stats().ss_links, links);
  close(u);
}

static void
test_keep(void)
{
  char buf[64];
  struct str_keep k;
  int fd = st_open("/dev/loop", O_RDWR);
  ioctl(fd, I_PUSH, (long)"rot13");
  memset(&k, 0, sizeof(k));
  strcpy(k.k_name, "st_mux_test");
  t_expect("keep", ioctl(fd, I_KEEP, (long)&k), 0);
  t_expect_err("keep_twice", ioctl(fd, I_KEEP, (long)&k), EBUSY);
  close(fd);
  mkdir("/dev/kept");
  unlink("/dev/kept/st_mux_test");
  t_expect("keep_mknod", mknod("/dev/kept/st_mux_test", k.k_major, k.k_minor), 0);
  int pid = fork();
  if(pid == 0){
    int f = open("/dev/kept/st_mux_test", O_RDWR);
    write(f, "hello", 5);
    exit(0);
  }
  waitchild(pid);
  fd = st_open("/dev/kept/st_mux_test", O_RDWR);
  t_expect_ok("keep_reopen", fd);
  st_readwait(fd, buf, sizeof(buf), 5000);
  t_check("keep_same_stream", strcmp(buf, "uryyb") == 0, "read \"%s\"", buf);
  t_expect("unkeep", ioctl(fd, I_UNKEEP, 0), 0);
  close(fd);
  unlink("/dev/kept/st_mux_test");
  t_expect_err("unkept_gone", open("/dev/kept/st_mux_test", O_RDWR), ENOENT);
}

int
main(void)
{
  t_begin("st_mux");
  struct str_stats base = st_stats();
  test_link();
  test_plink();
  test_keep();
  st_leakcheck("no_leaks", &base);
  return t_done();
}
