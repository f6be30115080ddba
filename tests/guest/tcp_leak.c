// tcp_leak.c: 1,000 TCP connect/accept/close cycles over the loopback
// path, then checks that nothing leaked: conversations and live
// connections (/dev/tcpstat), message blocks (I_GSTATS), free pages and
// kmalloc'd bytes (sysinfo) all return to what they were before. A warm-up
// round first lets caches settle (TIME_WAIT connections of lwIP's own
// pool are not leaks: they hold no kernel memory and expire).
// Usage: tcp_leak [CYCLES]. Prints PASS/FAIL lines and DONE tcp_leak.
// GUESTTEST-TIMEOUT: 300
#include "user.h"
#include "stropts.h"

#define PORT 5200
#define SETTLE_MS 10000

struct counts {
  int conversations;
  int active;          // pcbs not in TIME_WAIT or LISTEN
  int mblks;
  unsigned long freepages;
  unsigned long kmalloc;
};

// A number after "KEY " in the /dev/tcpstat summary, or -1.
static int
statval(const char *text, const char *key)
{
  const char *p = strstr(text, key);
  if(p == 0)
    return -1;
  p += strlen(key);
  while(*p == ' ')
    p++;
  return isdigit(*p) ? atoi(p) : -1;
}

static int
snapshot(struct counts *c)
{
  static char buf[16384];
  int fd = open("/dev/tcpstat", O_RDONLY);
  if(fd < 0)
    return fd;
  int len = 0, r;
  while(len < (int)sizeof(buf) - 1 && (r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
    len += r;
  close(fd);
  buf[len] = 0;
  c->conversations = statval(buf, "# conversations");
  c->active = statval(buf, " active");
  struct str_stats ss;
  int s = open("/dev/tcp", O_RDWR);          // any stream answers I_GSTATS
  if(s < 0 || ioctl(s, I_GSTATS, (long)&ss) < 0)
    return -EIO;
  close(s);
  c->mblks = ss.ss_mblks;
  struct sysinfo si;
  sysinfo(&si);
  c->freepages = si.freepages;
  c->kmalloc = si.kmalloc_bytes;
  return 0;
}

static int
cycles(int n, char *me)
{
  int l = announce("tcp!*!5200");
  if(l < 0)
    return l;
  char a[48];
  snprintf(a, sizeof(a), "tcp!%s!%d", me, PORT);
  for(int i = 0; i < n; i++){
    int s = dial(a);
    if(s < 0){
      close(l);
      return s;
    }
    int c = accept(l);
    if(c < 0){
      close(s);
      close(l);
      return c;
    }
    // a little data each way, so buffers are used and freed too
    char b[8];
    if(write(s, "ping", 4) != 4 || read(c, b, 4) != 4 ||
       write(c, "pong", 4) != 4 || read(s, b, 4) != 4){
      close(s);
      close(c);
      close(l);
      return -EIO;
    }
    if(i & 1){                 // half the time the server closes first
      close(c);
      close(s);
    } else {
      close(s);
      close(c);
    }
  }
  close(l);
  return 0;
}

int
main(int argc, char *argv[])
{
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  t_begin("tcp_leak");
  // our address: the local end of a connection to ourselves is it
  char me[32] = "";
  int l = announce("tcp!*!5199");
  int fd = open("/dev/ip", O_RDWR);
  char buf[STRIOCMAX];
  strcpy(buf, "addrs");
  struct strioctl sc = { ('N' << 8) | 1, 0, 5, buf };
  if(fd >= 0 && ioctl(fd, I_STR, (long)&sc) >= 0 && sc.ic_len > 0){
    buf[sc.ic_len] = 0;
    char *slash = strchr(buf, '/');
    if(slash && slash - buf < (int)sizeof(me)){
      *slash = 0;
      strcpy(me, buf);
    }
  }
  close(fd);
  close(l);
  if(me[0] == 0){
    t_fail("network", "no address: is the network up?");
    return t_done();
  }

  int r = cycles(20, me);                    // warm-up
  struct counts before, after;
  t_expect("warmup", r, 0);
  // let the warm-up's closing handshakes finish before the baseline
  for(long end = uptime() + SETTLE_MS; uptime() < end; sleep(50))
    if(snapshot(&before) == 0 && before.active == 0 && before.conversations == 0)
      break;
  snapshot(&before);

  long t0 = uptime();
  r = cycles(n, me);
  long el = uptime() - t0;
  t_check("cycles", r == 0, "cycle failed: %d (%s)", r, strerror(r));
  printf("# %d cycles in %ld ms\n", n, el);

  // Everything must come back; closing handshakes finish asynchronously,
  // so wait (bounded) until it does.
  long end = uptime() + SETTLE_MS;
  for(;;){
    snapshot(&after);
    if((after.conversations == before.conversations && after.active == 0 &&
        after.mblks <= before.mblks && after.freepages >= before.freepages &&
        after.kmalloc <= before.kmalloc) || uptime() >= end)
      break;
    sleep(50);
  }
  t_expect("conversations_back", after.conversations, before.conversations);
  t_expect("no_active_connections", after.active, 0);
  // Back to the baseline or below it (what else runs may have freed some).
  t_check("mblks_back", after.mblks <= before.mblks, "message blocks %d, before %d",
          after.mblks, before.mblks);
  t_check("kmalloc_back", after.kmalloc <= before.kmalloc, "kmalloc bytes %lu, before %lu",
          after.kmalloc, before.kmalloc);
  t_check("pages_back", after.freepages >= before.freepages,
          "free pages %lu, before %lu", after.freepages, before.freepages);
  return t_done();
}
