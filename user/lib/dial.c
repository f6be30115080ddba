// dial.c: network connections by address, Plan 9 style, on /dev/tcp
// (include/net/tcp.h lists the control messages these send).
//
//   fd  = dial("tcp!10.0.2.2!6667");   connected, or -errno
//   lfd = announce("tcp!*!6667");      listening
//   cfd = accept(lfd);                 the next connection to it
//   netaddr(cfd, 1, buf, sizeof buf);  "10.0.2.2!40123"
//   tcpctl(fd, "shutdown", 0, 0);      any control message
//
// An address is [tcp!]HOST!PORT, HOST a dotted quad (or * to announce on
// every local address). The connection is a plain file descriptor: read,
// write, poll and close it like any other.
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"
#include "net/tcp.h"

#define DIAL_WAIT_S 100      // longer than the kernel's own connect timeout

// Send one control line; the answer (if any) goes to answer[0..n-1],
// NUL-terminated. timeout_s as I_STR's: 0 default, INFTIM forever.
static int
ctl_wait(int fd, const char *cmd, char *answer, int n, int timeout_s)
{
  char buf[STRIOCMAX + 1];     // the answer may be this long
  int len = strlen(cmd);
  if(len == 0 || len >= NETCTL_MAX)
    return -EINVAL;
  memmove(buf, cmd, len);
  struct strioctl sc = { NET_CTL, timeout_s, len, buf };
  int r = ioctl(fd, I_STR, (long)&sc);
  if(r < 0)
    return r;
  if(answer && n > 0){
    int m = sc.ic_len < n - 1 ? sc.ic_len : n - 1;
    if(m < 0)
      m = 0;
    memmove(answer, buf, m);
    answer[m] = 0;
  }
  return r;
}

int
tcpctl(int fd, const char *cmd, char *answer, int n)
{
  return ctl_wait(fd, cmd, answer, n, 0);
}

// "[tcp!]HOST!PORT" -> "HOST!PORT" in out. star: HOST may be "*".
static int
parseaddr(const char *addr, int star, char *out, int n)
{
  if(strncmp(addr, "tcp!", 4) == 0)
    addr += 4;
  const char *bang = strchr(addr, '!');
  if(bang == 0 || bang == addr || bang[1] == 0 || strchr(bang + 1, '!'))
    return -EINVAL;
  int hlen = bang - addr;
  if(!star && hlen == 1 && addr[0] == '*')
    return -EINVAL;
  for(const char *p = bang + 1; *p; p++)
    if(!isdigit(*p))
      return -EINVAL;
  if((int)strlen(addr) >= n)
    return -EINVAL;
  strcpy(out, addr);
  return 0;
}

static int
opentcp(void)
{
  return open("/dev/tcp", O_RDWR);
}

int
dial(const char *addr)
{
  char a[TCP_ADDRLEN + 8], cmd[64];
  int r = parseaddr(addr, 0, a, sizeof(a));
  if(r < 0)
    return r;
  int fd = opentcp();
  if(fd < 0)
    return fd;
  snprintf(cmd, sizeof(cmd), "connect %s", a);
  r = ctl_wait(fd, cmd, 0, 0, DIAL_WAIT_S);
  if(r < 0){
    close(fd);
    return r == -ETIME ? -ETIMEDOUT : r;
  }
  return fd;
}

int
announce(const char *addr)
{
  char a[TCP_ADDRLEN + 8], cmd[64];
  int r = parseaddr(addr, 1, a, sizeof(a));
  if(r < 0)
    return r;
  int fd = opentcp();
  if(fd < 0)
    return fd;
  snprintf(cmd, sizeof(cmd), "announce %s", a);
  r = ctl_wait(fd, cmd, 0, 0, 0);
  if(r < 0){
    close(fd);
    return r;
  }
  return fd;
}

// The conversation number of fd: the first word of its status line.
static int
convnum(int fd)
{
  char st[128];
  int r = ctl_wait(fd, "status", st, sizeof(st), 0);
  if(r < 0)
    return r;
  if(!isdigit(st[0]))
    return -EINVAL;
  return atoi(st);
}

// Waits for a connection - unless lfd is O_NONBLOCK: then -EAGAIN when
// none is waiting (poll lfd for POLLIN to know when one is).
int
accept(int lfd)
{
  int n = convnum(lfd);
  if(n < 0)
    return n;
  int fl = fcntl(lfd, F_GETFL, 0);
  int fd = opentcp();
  if(fd < 0)
    return fd;
  char cmd[32];
  snprintf(cmd, sizeof(cmd), "accept %d%s", n, fl >= 0 && (fl & O_NONBLOCK) ? " nowait" : "");
  int r = ctl_wait(fd, cmd, 0, 0, INFTIM);
  if(r < 0){
    close(fd);
    return r;
  }
  return fd;
}

int
netaddr(int fd, int remote, char *buf, int n)
{
  int r = ctl_wait(fd, remote ? "remote" : "local", buf, n, 0);
  if(r < 0)
    return r;
  char *nl = strchr(buf, '\n');
  if(nl)
    *nl = 0;
  return 0;
}
