// netup: plumb the network stack at boot (init runs it from /etc/rc).
//
//   /dev/e1000/0 --I_PLINK--> /dev/eth            (interface 0; the card's
//                                                  stream is kept as
//                                                  /dev/kept/net0)
//   /dev/eth "bind 0x0800" + push arp --I_PLINK--> /dev/ip
//   /dev/ip "addr 0 A.B.C.D/LEN", "route default GW"
//
// Every link is persistent (I_PLINK), so the stack stays up after netup
// exits. What to configure comes from the options, or else from the
// kernel command line (/dev/bootargs, QEMU's -append):
//   net=user            QEMU user networking: 10.0.2.15/24 via 10.0.2.2
//   net=lan node=N      a test LAN: 10.10.0.N/24, no gateway
//   net=none            nothing
//   tap=1 / fault=1     push tap (and fault) on the card stream first
//   fault=drop:0.05,dup:0.05,reorder:0.05,corrupt:0.01,delay:20,seed:3
//                       push fault and configure it ("fault drop 0.05" ...)
//                       before the card stream is linked under eth
//
//   netup [-a A.B.C.D/LEN] [-g GW] [-d DEVICE] [-t] [-f] [-F SPEC]
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"

static const char *prog = "netup";

static int
ctl(int fd, const char *text)
{
  char buf[STRIOCMAX];
  int n = strlen(text);
  memmove(buf, text, n);
  struct strioctl sc = { NET_CTL, 0, n, buf };
  int r = ioctl(fd, I_STR, (long)&sc);
  if(r < 0){
    char why[STR_ERRLEN];
    why[0] = 0;
    ioctl(fd, I_ERRSTR, (long)why);
    fprintf(2, "%s: %s: %s%s%s%s\n", prog, text, strerror(r), why[0] ? " (" : "", why,
            why[0] ? ")" : "");
  }
  return r;
}

static int
must_open(const char *path)
{
  int fd = open(path, O_RDWR);
  if(fd < 0)
    die(prog, path, fd);
  return fd;
}

static void
must(int r, const char *what, int fd)
{
  if(r >= 0)
    return;
  char why[STR_ERRLEN];
  why[0] = 0;
  ioctl(fd, I_ERRSTR, (long)why);
  fprintf(2, "%s: %s: %s%s%s%s\n", prog, what, strerror(r), why[0] ? " (" : "", why,
          why[0] ? ")" : "");
  exit(1);
}

// Keep a stream under a name: /dev/kept/NAME reopens it. Failing to keep
// it only costs that convenience, so it is reported, not fatal.
static void
keep(int fd, const char *name)
{
  struct str_keep k;
  memset(&k, 0, sizeof(k));
  strlcpy(k.k_name, name, sizeof(k.k_name));
  int r = ioctl(fd, I_KEEP, (long)&k);
  char path[48];
  snprintf(path, sizeof(path), "/dev/kept/%s", name);
  if(r >= 0){
    mkdir("/dev/kept");
    unlink(path);               // left from an earlier boot
    r = mknod(path, k.k_major, k.k_minor);
  }
  if(r < 0)
    fprintf(2, "%s: cannot keep the card stream as %s: %s\n", prog, path, strerror(r));
}

// The value of key=value in the kernel command line, or 0.
static char *
bootarg(char *args, const char *key, char *out, int max)
{
  int klen = strlen(key);
  for(char *p = args; *p; ){
    while(*p == ' ' || *p == '\n')
      p++;
    char *w = p;
    while(*p && *p != ' ' && *p != '\n')
      p++;
    if(p - w > klen && strncmp(w, key, klen) == 0 && w[klen] == '='){
      int n = p - w - klen - 1;
      if(n >= max)
        n = max - 1;
      memmove(out, w + klen + 1, n);
      out[n] = 0;
      return out;
    }
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  char addr[40] = "", gw[20] = "", dev[40] = "/dev/e1000/0", faultspec[128] = "";
  int tap = 0, fault = 0, c;
  while((c = getopt(argc, argv, "a:g:d:tfF:")) != -1){
    switch(c){
    case 'a': strlcpy(addr, optarg, sizeof(addr)); break;
    case 'g': strlcpy(gw, optarg, sizeof(gw)); break;
    case 'd': strlcpy(dev, optarg, sizeof(dev)); break;
    case 't': tap = 1; break;
    case 'f': fault = 1; break;
    case 'F': fault = 1; strlcpy(faultspec, optarg, sizeof(faultspec)); break;
    default:
      fprintf(2, "usage: netup [-a A.B.C.D/LEN] [-g GW] [-d DEVICE] [-t] [-f] [-F SPEC]\n");
      return 2;
    }
  }

  if(addr[0] == 0){
    char args[256], v[32];
    int fd = open("/dev/bootargs", O_RDONLY);
    int n = fd >= 0 ? read(fd, args, sizeof(args) - 1) : 0;
    if(fd >= 0)
      close(fd);
    args[n > 0 ? n : 0] = 0;
    char *net = bootarg(args, "net", v, sizeof(v));
    if(net == 0 || strcmp(net, "user") == 0){
      strlcpy(addr, "10.0.2.15/24", sizeof(addr));
      strlcpy(gw, "10.0.2.2", sizeof(gw));
    } else if(strcmp(net, "lan") == 0){
      char node[8];
      if(bootarg(args, "node", node, sizeof(node)) == 0 || atoi(node) < 1 || atoi(node) > 250){
        fprintf(2, "%s: net=lan needs node=N (1..250) on the kernel command line\n", prog);
        return 1;
      }
      snprintf(addr, sizeof(addr), "10.10.0.%d/24", atoi(node));
    } else if(strcmp(net, "none") == 0){
      return 0;
    } else {
      fprintf(2, "%s: unknown net=%s (user, lan, none)\n", prog, net);
      return 1;
    }
    if(bootarg(args, "tap", v, sizeof(v)) && v[0] == '1')
      tap = 1;
    char spec[128];
    if(bootarg(args, "fault", spec, sizeof(spec))){
      fault = 1;
      if(strchr(spec, ':'))
        strlcpy(faultspec, spec, sizeof(faultspec));
    }
  }

  int card = open(dev, O_RDWR);
  if(card < 0){
    fprintf(2, "%s: %s: %s: no network\n", prog, dev, strerror(card));
    return 1;
  }
  if(tap)
    must(ioctl(card, I_PUSH, (long)"tap"), "push tap", card);
  if(fault){
    must(ioctl(card, I_PUSH, (long)"fault"), "push fault", card);
    // "drop:0.05,seed:3" -> "fault drop 0.05", "fault seed 3"
    for(char *p = faultspec; *p; ){
      char *item = p;
      while(*p && *p != ',')
        p++;
      if(*p)
        *p++ = 0;
      char *colon = strchr(item, ':');
      if(colon == 0){
        fprintf(2, "%s: fault setting %s: want NAME:VALUE\n", prog, item);
        return 1;
      }
      *colon = 0;
      char cmd[80];
      snprintf(cmd, sizeof(cmd), "fault %s %s", item, colon + 1);
      if(ctl(card, cmd) < 0)
        return 1;
    }
  }

  // Keep the card's stream as /dev/kept/netN, so that modules (tap,
  // fault) can be pushed on it later, while it carries traffic.
  char keepname[16];
  const char *digit = dev + strlen(dev) - 1;
  snprintf(keepname, sizeof(keepname), "net%c", *digit >= '0' && *digit <= '9' ? *digit : '0');
  keep(card, keepname);

  int eth = must_open("/dev/eth");
  int ifindex = ioctl(eth, I_PLINK, card);    // the mux id
  must(ifindex, "link the card under eth", eth);

  int lnk = must_open("/dev/eth");
  char cmd[80];
  snprintf(cmd, sizeof(cmd), "bind mux=%d 0x0800", ifindex);
  if(ctl(lnk, cmd) < 0)
    return 1;
  must(ioctl(lnk, I_PUSH, (long)"arp"), "push arp", lnk);

  int ip = must_open("/dev/ip");
  int ipif = ioctl(ip, I_PLINK, lnk);
  must(ipif, "link arp's stream under ip", ip);
  snprintf(cmd, sizeof(cmd), "addr mux=%d %s", ipif, addr);
  if(ctl(ip, cmd) < 0)
    return 1;
  if(gw[0]){
    snprintf(cmd, sizeof(cmd), "route default %s", gw);
    if(ctl(ip, cmd) < 0)
      return 1;
  }
  // ---- TCP (the tcp driver's part): an /dev/ip stream bound to
  // protocol 6, linked for good under /dev/tcp, which then asks ip for
  // the local addresses itself. A kernel built without lwIP has no
  // /dev/tcp; the rest of the network works without it.
  // A second card (netup -d /dev/e1000/1) finds tcp plumbed already.
  int tcp = open("/dev/tcp", O_RDWR);
  if(tcp >= 0){
    int tip = must_open("/dev/ip");
    char p6[NETCTL_MAX] = "proto 6";
    struct strioctl sc = { NET_CTL, 0, 7, p6 };
    int r = ioctl(tip, I_STR, (long)&sc);
    if(r == -EADDRINUSE){
      close(tip);
      close(tcp);
      printf("netup: %s is %s%s%s\n", dev, addr, gw[0] ? " via " : "", gw);
      return 0;
    }
    if(r < 0 && ctl(tip, "proto 6") < 0)
      return 1;
    must(ioctl(tcp, I_PLINK, tip), "link an ip stream under tcp", tcp);
    close(tip);
    close(tcp);
  }
  // ---- end of TCP
  printf("netup: %s is %s%s%s\n", dev, addr, gw[0] ? " via " : "", gw);
  return 0;
}
