// ifconfig: show the network interfaces, or configure one.
//
//   ifconfig                     addresses, routes and counters of ip,
//                                then the Ethernet interfaces of eth
//   ifconfig IF A.B.C.D/LEN      set interface IF's address (ip "addr")
//   ifconfig default GW          set the default route
//
// A thin client of the text control messages of /dev/ip and /dev/eth.
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"

static int
ctl(const char *dev, const char *text, int print)
{
  static char buf[STRIOCMAX];
  int fd = open(dev, O_RDWR);
  if(fd < 0){
    eprint("ifconfig", dev, fd);
    return fd;
  }
  int n = strlen(text);
  memmove(buf, text, n);
  struct strioctl sc = { NET_CTL, 0, n, buf };
  int r = ioctl(fd, I_STR, (long)&sc);
  if(r < 0){
    char why[STR_ERRLEN];
    why[0] = 0;
    ioctl(fd, I_ERRSTR, (long)why);
    fprintf(2, "ifconfig: %s: %s%s%s%s\n", text, strerror(r), why[0] ? " (" : "", why,
            why[0] ? ")" : "");
  } else if(print && sc.ic_len > 0){
    writeall(1, buf, sc.ic_len);
  }
  close(fd);
  return r;
}

int
main(int argc, char *argv[])
{
  char cmd[80];
  if(argc == 1){
    int r = ctl("/dev/ip", "show", 1);
    if(ctl("/dev/eth", "stats", 1) < 0 || r < 0)
      return 1;
    return 0;
  }
  if(argc == 3 && strcmp(argv[1], "default") == 0){
    snprintf(cmd, sizeof(cmd), "route default %s", argv[2]);
    return ctl("/dev/ip", cmd, 0) < 0;
  }
  if(argc == 3){
    snprintf(cmd, sizeof(cmd), "addr %s %s", argv[1], argv[2]);
    return ctl("/dev/ip", cmd, 0) < 0;
  }
  fprintf(2, "usage: ifconfig [IF A.B.C.D/LEN | default GW]\n");
  return 2;
}
