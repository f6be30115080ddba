// st_util.h: helpers shared by the in-guest STREAMS tests (st_*.c):
// opening streams, I_STR in one call, global counters and the leak check
// ("message blocks back at their baseline"), bounded waits for data.
// Header-only so that each test stays one program.
#ifndef ST_UTIL_H
#define ST_UTIL_H
#include "user.h"
#include "stropts.h"
#include "demo.h"

// An address no test program has mapped (user memory starts at 0).
#define BADPTR 0x2000000000L

static inline struct str_stats
st_stats(void)
{
  struct str_stats ss;
  memset(&ss, 0, sizeof(ss));
  int fd = open("/dev/streams", O_RDONLY);
  if(fd >= 0){
    ioctl(fd, I_GSTATS, (long)&ss);
    close(fd);
  }
  return ss;
}

// Wait (at most ms) until the counters are back at base: streams closed
// and their messages freed happen a moment after close returns when a
// service thread is still finishing.
static inline int
st_settled(struct str_stats *base, int ms)
{
  long end = uptime() + ms;
  for(;;){
    struct str_stats s = st_stats();
    if(s.ss_mblks == base->ss_mblks && s.ss_dblks == base->ss_dblks &&
       s.ss_streams == base->ss_streams && s.ss_links == base->ss_links)
      return 1;
    if(uptime() >= end){
      printf("# counters: streams %d/%d mblks %d/%d dblks %d/%d links %d/%d (now/base)\n",
             s.ss_streams, base->ss_streams, s.ss_mblks, base->ss_mblks,
             s.ss_dblks, base->ss_dblks, s.ss_links, base->ss_links);
      return 0;
    }
    sleep(10);   // polling interval of a bounded wait, not synchronisation
  }
}

static inline void
st_leakcheck(const char *name, struct str_stats *base)
{
  t_check(name, st_settled(base, 5000), "message blocks or streams not back at baseline");
}

static inline int
st_open(const char *dev, int flags)
{
  int fd = open(dev, flags);
  if(fd < 0)
    printf("# open %s: %s\n", dev, strerror(fd));
  return fd;
}

static inline int
st_istr(int fd, int cmd, void *data, int len, int timout)
{
  struct strioctl sio;
  sio.ic_cmd = cmd;
  sio.ic_timout = timout;
  sio.ic_len = len;
  sio.ic_dp = data;
  return ioctl(fd, I_STR, (long)&sio);
}

// Read what comes within ms into buf (NUL-terminated); returns bytes.
static inline int
st_readwait(int fd, char *buf, int max, int ms)
{
  struct pollfd p;
  p.fd = fd;
  p.events = POLLIN;
  p.revents = 0;
  if(poll(&p, 1, ms) <= 0){
    buf[0] = 0;
    return 0;
  }
  int n = read(fd, buf, max - 1);
  buf[n > 0 ? n : 0] = 0;
  return n;
}

// Wait (at most ms) until the stream head of fd holds n messages.
static inline int
st_waitmsgs(int fd, int n, int ms)
{
  long end = uptime() + ms;
  int bytes;
  while(ioctl(fd, I_NREAD, (long)&bytes) < n){
    if(uptime() >= end)
      return 0;
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    if(poll(&p, 1, 10) > 0)
      sleep(1);   // some data is there already: do not spin
  }
  return 1;
}

static inline int
st_contains(const char *hay, const char *needle)
{
  return strstr(hay, needle) != 0;
}

#endif
