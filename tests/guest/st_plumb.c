// st_plumb.c: in-guest acceptance tests of STREAMS plumbing and the stream
// head's ioctls on the loop driver: rot13 turns "hello" into "uryyb",
// I_LIST names the modules top first and the driver last, I_POP restores;
// the SVR4 error cases (I_POP/I_LOOK with nothing pushed, unknown module,
// past NSTRPUSH, a module in the wrong place – with its reason); I_STR
// answered, refused and unanswered (ETIME); M_ERROR and M_HANGUP; read
// modes; and message blocks back at their baseline at the end.
// Prints PASS/FAIL lines and DONE st_plumb (see user/lib/check.c).
#include "st_util.h"

static void
test_rot13(void)
{
  char buf[64], name[FMNAMESZ + 1];
  int fd = st_open("/dev/loop", O_RDWR);
  t_expect_ok("open_loop", fd);
  t_expect("push_rot13", ioctl(fd, I_PUSH, (long)"rot13"), 0);
  t_expect("write_hello", write(fd, "hello", 5), 5);
  st_readwait(fd, buf, sizeof(buf), 5000);
  t_check("rot13_uryyb", strcmp(buf, "uryyb") == 0, "read back \"%s\"", buf);

  t_expect("push_null", ioctl(fd, I_PUSH, (long)"null"), 0);
  t_expect("list_count", ioctl(fd, I_LIST, 0), 3);
  struct str_mlist ml[8];
  struct str_list sl;
  sl.sl_nmods = 8;
  sl.sl_modlist = ml;
  int n = ioctl(fd, I_LIST, (long)&sl);
  t_check("list_top_first", n == 3 && strcmp(ml[0].l_name, "null") == 0 &&
          strcmp(ml[1].l_name, "rot13") == 0 && strcmp(ml[2].l_name, "loop") == 0,
          "got %d: %s %s %s", n, ml[0].l_name, ml[1].l_name, ml[2].l_name);
  t_expect("look", ioctl(fd, I_LOOK, (long)name), 0);
  t_check("look_name", strcmp(name, "null") == 0, "I_LOOK said %s", name);
  t_expect("find_rot13", ioctl(fd, I_FIND, (long)"rot13"), 1);
  t_expect("find_count", ioctl(fd, I_FIND, (long)"count"), 0);
  t_expect_err("find_unknown", ioctl(fd, I_FIND, (long)"no-such"), EINVAL);
  t_expect("pop_null", ioctl(fd, I_POP, 0), 0);
  t_expect("pop_rot13", ioctl(fd, I_POP, 0), 0);
  write(fd, "hello", 5);
  st_readwait(fd, buf, sizeof(buf), 5000);
  t_check("pop_restores", strcmp(buf, "hello") == 0, "read back \"%s\"", buf);
  t_expect("list_driver_only", ioctl(fd, I_LIST, 0), 1);
  close(fd);
}

static void
test_errors(void)
{
  char name[FMNAMESZ + 1], why[STR_ERRLEN];
  int fd = st_open("/dev/loop", O_RDWR);
  t_expect_err("pop_nothing", ioctl(fd, I_POP, 0), EINVAL);
  t_expect_err("look_nothing", ioctl(fd, I_LOOK, (long)name), EINVAL);
  t_expect_err("push_unknown", ioctl(fd, I_PUSH, (long)"no-such"), EINVAL);
  ioctl(fd, I_ERRSTR, (long)why);
  t_check("push_unknown_reason", st_contains(why, "no-such"), "reason \"%s\"", why);
  t_expect_err("push_badptr", ioctl(fd, I_PUSH, BADPTR), EFAULT);
  t_expect_err("list_badptr", ioctl(fd, I_LIST, BADPTR), EFAULT);

  int ok = 1;
  for(int i = 0; i < NSTRPUSH; i++)
    ok = ok && ioctl(fd, I_PUSH, (long)"null") == 0;
  t_check("push_limit_ok", ok, "could not push %d modules", NSTRPUSH);
  t_expect_err("push_past_limit", ioctl(fd, I_PUSH, (long)"null"), EINVAL);
  for(int i = 0; i < NSTRPUSH; i++)
    ioctl(fd, I_POP, 0);

  // A module declares what it must sit on: arp wants an Ethernet stream.
  if(ioctl(fd, I_FIND, (long)"arp") >= 0){
    t_expect_err("push_wrong_place", ioctl(fd, I_PUSH, (long)"arp"), EINVAL);
    ioctl(fd, I_ERRSTR, (long)why);
    t_check("wrong_place_reason", st_contains(why, "needs") && st_contains(why, "loop"),
            "reason \"%s\"", why);
  }
  t_expect_err("ioctl_unknown", ioctl(fd, 0x7777, 0), ENOTTY);
  close(fd);
}

static void
test_istr(void)
{
  char buf[64];
  int fd = st_open("/dev/loop", O_RDWR);
  ioctl(fd, I_PUSH, (long)"count");
  for(int i = 0; i < 4; i++)
    write(fd, "12345", 5);
  st_waitmsgs(fd, 4, 5000);
  struct count_stats cs;
  memset(&cs, 0, sizeof(cs));
  struct strioctl sio;
  sio.ic_cmd = COUNT_GET;
  sio.ic_timout = 0;
  sio.ic_len = 0;
  sio.ic_dp = (char *)&cs;
  t_expect("istr_count", ioctl(fd, I_STR, (long)&sio), 0);
  t_expect("istr_count_len", sio.ic_len, sizeof(cs));
  t_check("istr_count_values", cs.down_msgs == 4 && cs.down_bytes == 20 && cs.up_msgs == 4 &&
          cs.up_bytes == 20, "down %lu/%lu up %lu/%lu", cs.down_msgs, cs.down_bytes,
          cs.up_msgs, cs.up_bytes);
  t_expect_err("istr_nak", st_istr(fd, 0x5151, 0, 0, 0), EINVAL);
  memcpy(buf, "echo", 4);
  t_expect("istr_echo", st_istr(fd, LOOP_ECHOCMD, buf, 4, 0), 4);
  long t0 = uptime();
  t_expect_err("istr_etime", st_istr(fd, LOOP_SILENT, 0, 0, 1), ETIME);
  long dt = uptime() - t0;
  t_check("istr_etime_waited", dt >= 900 && dt < 5000, "waited %ld ms", dt);
  t_expect("istr_after_etime", st_istr(fd, LOOP_ECHOCMD, buf, 2, 0), 2);
  t_expect_err("istr_badptr", ioctl(fd, I_STR, BADPTR), EFAULT);
  long fake[3] = { 0, 0x80001000L, 7 };   // a forged linkblk
  t_expect_err("istr_no_forged_link", st_istr(fd, I_LINK, fake, sizeof(fake), 0), EINVAL);
  t_expect("read_zero", read(fd, buf, 0), 0);
  close(fd);
}

static void
test_error_hangup(void)
{
  char buf[64];
  int fd = st_open("/dev/loop", O_RDWR);
  int e = EPROTO;
  t_expect("merror_sent", st_istr(fd, LOOP_ERROR, &e, sizeof(e), 0), 0);
  t_expect_err("merror_read", read(fd, buf, 4), EPROTO);
  t_expect_err("merror_write", write(fd, "x", 1), EPROTO);
  t_expect_err("merror_sticky", read(fd, buf, 4), EPROTO);
  t_expect_err("merror_push", ioctl(fd, I_PUSH, (long)"null"), EPROTO);
  struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
  poll(&p, 1, 0);
  t_check("merror_pollerr", (p.revents & POLLERR) != 0, "revents %x", p.revents);
  close(fd);

  fd = st_open("/dev/loop", O_RDWR);
  write(fd, "bye", 3);
  t_expect("mhangup_sent", st_istr(fd, LOOP_HANGUP, 0, 0, 0), 0);
  int n = read(fd, buf, sizeof(buf));
  t_expect("mhangup_data_first", n, 3);
  t_expect("mhangup_eof", read(fd, buf, sizeof(buf)), 0);
  t_expect("mhangup_eof_again", read(fd, buf, sizeof(buf)), 0);
  t_expect_err("mhangup_write", write(fd, "x", 1), ENXIO);
  p.revents = 0;
  poll(&p, 1, 0);
  t_check("mhangup_pollhup", (p.revents & POLLHUP) && !(p.revents & POLLOUT),
          "revents %x", p.revents);
  close(fd);
}

static void
test_readmodes(void)
{
  static char big[10000], back[10000];
  char buf[64];
  int fd = st_open("/dev/loop", O_RDWR);
  write(fd, "aaaa", 4);
  write(fd, "bb", 2);
  st_waitmsgs(fd, 2, 5000);
  int bytes = 0;
  t_expect("nread", ioctl(fd, I_NREAD, (long)&bytes), 2);
  t_expect("nread_bytes", bytes, 4);
  t_expect("rnorm_joins", read(fd, buf, sizeof(buf)), 6);

  t_expect("srdopt_rmsgn", ioctl(fd, I_SRDOPT, RMSGN), 0);
  write(fd, "aaaa", 4);
  write(fd, "bb", 2);
  st_waitmsgs(fd, 2, 5000);
  t_expect("rmsgn_part", read(fd, buf, 3), 3);
  t_expect("rmsgn_rest", read(fd, buf, sizeof(buf)), 1);
  t_expect("rmsgn_next", read(fd, buf, sizeof(buf)), 2);
  ioctl(fd, I_SRDOPT, RMSGD);
  write(fd, "aaaa", 4);
  write(fd, "bb", 2);
  st_waitmsgs(fd, 2, 5000);
  t_expect("rmsgd_part", read(fd, buf, 3), 3);
  t_expect("rmsgd_discards", read(fd, buf, sizeof(buf)), 2);
  int opt = 0;
  ioctl(fd, I_GRDOPT, (long)&opt);
  t_expect("grdopt", opt, RMSGD | RPROTNORM);
  t_expect_err("srdopt_bad", ioctl(fd, I_SRDOPT, 3), EINVAL);

  // a write is cut into messages of at most the driver's 4096 bytes
  ioctl(fd, I_SRDOPT, RMSGN);
  for(int i = 0; i < 10000; i++)
    big[i] = i * 31;
  t_expect("split_write", write(fd, big, 10000), 10000);
  st_waitmsgs(fd, 3, 5000);
  int a = read(fd, back, 10000);
  int b = read(fd, back + a, 10000);
  int c = read(fd, back + a + b, 10000);
  t_check("split_sizes", a == 4096 && b == 4096 && c == 1808, "%d %d %d", a, b, c);
  t_check("split_data", memcmp(big, back, 10000) == 0, "data differs");

  write(fd, "zz", 2);
  st_waitmsgs(fd, 1, 5000);
  t_expect("iflush", ioctl(fd, I_FLUSH, FLUSHRW), 0);
  t_expect("iflush_empty", ioctl(fd, I_NREAD, (long)&bytes), 0);
  fcntl(fd, F_SETFL, O_NONBLOCK);
  t_expect_err("nonblock_empty", read(fd, buf, 4), EAGAIN);
  close(fd);
}

int
main(void)
{
  t_begin("st_plumb");
  struct str_stats base = st_stats();
  test_rot13();
  test_errors();
  test_istr();
  test_error_hangup();
  test_readmodes();
  st_leakcheck("no_leaks", &base);
  return t_done();
}
