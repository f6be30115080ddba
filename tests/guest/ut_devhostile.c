// GUESTTEST-TIMEOUT: 240
// ut_devhostile.c: every ioctl, read and write of every device file the
// kernel lists in /dev/devices, with hostile arguments: null, unmapped,
// kernel-space and misaligned pointers, huge and negative lengths, every
// STREAMS ioctl number and junk numbers. Nothing may crash, hang or leak:
// each call returns, the kernel answers with an errno where it refuses,
// and afterwards the message blocks, streams and free pages are back at
// their baseline. Also: a stream closed by one process while another is
// blocked reading it, modules popped while data flows, a mux link taken
// away while an I_STR waits below it.
#include "user.h"
#include "syscall.h"
#include "stropts.h"
#include "demo.h"
#include "net/netctl.h"
#include "net/ether.h"

static const long bad_ptrs[] = {
  0, 1, 0x3fffff000L, 0x80000000L, 0x80001000L, -1L, 0x7ffffffffff0L,
};
#define NBAD (sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))

static int cmds[64];
static int ncmds;

static void
add_cmd(int c)
{
  cmds[ncmds++] = c;
}

// All the calls on one device, in a child: a wrong success or a crash of
// the child shows as its exit status; a hang as the test's timeout.
static int
hammer(const char *path)
{
  int fd = open(path, O_RDWR | O_NONBLOCK);
  if(fd < 0)
    fd = open(path, O_RDONLY | O_NONBLOCK);
  if(fd < 0)
    return 0;                       // some devices refuse a second opener
  char local[64];
  long ptrs[NBAD + 1];
  for(unsigned i = 0; i < NBAD; i++)
    ptrs[i] = bad_ptrs[i];
  ptrs[NBAD] = (long)(local + 1);   // misaligned, mapped
  int bad = 0;
  for(int c = 0; c < ncmds; c++){
    for(unsigned p = 0; p <= NBAD; p++){
      memset(local, 0, sizeof(local));
      long r = ioctl(fd, cmds[c], ptrs[p]);
      if(r > 0x7fffffff || r < -EMAXERRNO)
        bad++;
    }
  }
  // reads and writes: bad buffers, huge and negative lengths
  for(unsigned p = 0; p < NBAD; p++){
    long r = syscall(SYS_read, fd, ptrs[p], 64, 0, 0, 0);
    if(r > 0 && ptrs[p] != 0x7ffffffffff0L)
      bad += 0;                     // a device may legitimately have 0 bytes
    syscall(SYS_write, fd, ptrs[p], 64, 0, 0, 0);
  }
  syscall(SYS_read, fd, (long)local, -1, 0, 0, 0);
  syscall(SYS_write, fd, (long)local, -5, 0, 0, 0);
  long r = syscall(SYS_read, fd, (long)local, 0x7fffffff, 0, 0, 0);
  if(r > (long)sizeof(local))
    bad++;
  // a strioctl whose data pointer and length lie
  struct strioctl sc = { NET_CTL, 1, 1 << 30, (char *)0x80000000L };
  ioctl(fd, I_STR, (long)&sc);
  sc.ic_len = -8;
  ioctl(fd, I_STR, (long)&sc);
  struct str_list sl = { 1 << 20, (struct str_mlist *)0x3fffff000L };
  ioctl(fd, I_LIST, (long)&sl);
  close(fd);
  return bad;
}

static void
gstats(struct str_stats *st)
{
  memset(st, 0, sizeof(*st));
  int fd = open("/dev/loop", O_RDWR);
  ioctl(fd, I_GSTATS, (long)st);
  close(fd);
}

// A stream closed by its opener while a child is blocked reading it.
static void
close_while_blocked(void)
{
  int fd = open("/dev/loop", O_RDWR);
  int pid = fork();
  if(pid == 0){
    char c;
    int r = read(fd, &c, 1);        // blocks: nothing written yet
    exit(r == 1 && c == 'x' ? 0 : 1);
  }
  sleep(50);                        // let the child block (it may be late:
  close(fd);                        // then it finds the byte at once)
  int wfd = open("/dev/loop", O_RDWR);
  (void)wfd;
  close(wfd);
  kill(pid);                        // the parent's close must not wake or free it
  int st = -1;
  t_check("close_while_blocked_child_returns", wait(&st) == pid, "no child");
}

// Pop modules while a writer pushes data through them.
static void
pop_while_flowing(void)
{
  int fd = open("/dev/loop", O_RDWR);
  ioctl(fd, I_PUSH, (long)"null");
  int pid = fork();
  if(pid == 0){
    char buf[512];
    memset(buf, 'a', sizeof(buf));
    for(int i = 0; i < 400; i++){
      if(write(fd, buf, sizeof(buf)) < 0)
        break;
      char in[512];
      read(fd, in, sizeof(in));
    }
    exit(0);
  }
  int pops = 0;
  for(int i = 0; i < 40; i++){
    if(ioctl(fd, I_PUSH, (long)(i & 1 ? "null" : "count")) == 0 && ioctl(fd, I_POP, 0) == 0)
      pops++;
  }
  int st = -1;
  wait(&st);
  t_check("pop_while_flowing", pops > 0 && st == 0, "pops %d writer %d", pops, st);
  close(fd);
}

// A mux link taken away while an ioctl waits for an answer below it.
static void
unlink_while_istr(void)
{
  int mux = open("/dev/muxloop", O_RDWR);
  int low = open("/dev/loop", O_RDWR);
  int id = ioctl(mux, I_LINK, low);
  close(low);
  int pid = fork();
  if(pid == 0){
    char data[8];
    struct strioctl sc = { LOOP_SILENT, 3, 0, data };   // never answered: ETIME
    int r = ioctl(mux, I_STR, (long)&sc);
    exit(r < 0 ? 0 : 1);
  }
  sleep(50);
  int r = ioctl(mux, I_UNLINK, MUXID_ALL);
  int st = -1;
  wait(&st);
  t_check("unlink_while_istr", id > 0 && st == 0, "link %d unlink %d child %d", id, r, st);
  close(mux);
}

int
main(void)
{
  t_begin("ut_devhostile");
  int cmd_list[] = { I_NREAD, I_PUSH, I_POP, I_LOOK, I_FLUSH, I_SRDOPT, I_GRDOPT, I_STR,
                     I_FIND, I_LINK, I_UNLINK, I_LIST, I_PLINK, I_PUNLINK, I_ERRSTR, I_KEEP,
                     I_GSTATS, NET_CTL, DL_INFO, DL_STATS, ETH_BIND, ETH_ADDR,
                     0, -1, 0x7fffffff, ('S' << 8) | 0377, ('S' << 8) | 0177 };
  for(unsigned i = 0; i < sizeof(cmd_list) / sizeof(cmd_list[0]); i++)
    add_cmd(cmd_list[i]);

  struct sysinfo si0, si1;
  struct str_stats s0, s1;
  sysinfo(&si0);
  gstats(&s0);

  // every device the kernel lists
  char list[4096];
  int fd = open("/dev/devices", O_RDONLY);
  int n = read(fd, list, sizeof(list) - 1);
  close(fd);
  list[n > 0 ? n : 0] = 0;
  int devices = 0, failures = 0;
  for(char *line = list; *line; ){
    char *end = strchr(line, '\n');
    if(end)
      *end = 0;
    char path[80];
    char *sp = strchr(line, ' ');
    if(sp){
      *sp = 0;
      snprintf(path, sizeof(path), "/dev/%s", line);
      if(strcmp(line, "console") != 0){   // keep the console usable
        int pid = fork();
        if(pid == 0)
          exit(hammer(path) ? 1 : 0);
        int st = -1;
        wait(&st);
        if(st != 0){
          failures++;
          t_fail("device", "%s: status %d", path, st);
        }
        devices++;
      }
    }
    if(!end)
      break;
    line = end + 1;
  }
  t_check("every_device_survives", failures == 0 && devices >= 8, "%d devices, %d failures",
          devices, failures);

  close_while_blocked();
  pop_while_flowing();
  unlink_while_istr();

  // everything back: wait for exited children's streams to be torn down
  long deadline = uptime() + 3000;
  do {
    gstats(&s1);
    sysinfo(&si1);
    if(s1.ss_mblks == s0.ss_mblks && s1.ss_streams == s0.ss_streams &&
       si1.freepages == si0.freepages)
      break;
    sleep(20);
  } while(uptime() < deadline);
  t_expect("streams_back", s1.ss_streams, s0.ss_streams);
  t_expect("mblks_back", s1.ss_mblks, s0.ss_mblks);
  t_expect("dblks_back", s1.ss_dblks, s0.ss_dblks);
  t_expect("links_back", s1.ss_links, s0.ss_links);
  t_expect("free_pages_back", si1.freepages, si0.freepages);
  return t_done();
}
