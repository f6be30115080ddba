// netctl: send a text control message to a network module or driver and
// print its answer – the Plan 9 way of configuring a stack.
//
//   netctl /dev/ip show
//   netctl /dev/ip addr 0 10.0.2.15/24
//   netctl /dev/kept/net0 stats
//
// The words after the device are joined into one line and sent as the
// NET_CTL ioctl (I_STR); the first module on the stream that knows the
// command answers it. On failure the module's reason is printed.
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"

int
main(int argc, char *argv[])
{
  if(argc < 3){
    fprintf(2, "usage: netctl DEVICE COMMAND [ARGS...]\n");
    return 2;
  }
  char line[NETCTL_MAX];
  char answer[4096];
  int n = 0;
  for(int i = 2; i < argc; i++){
    int len = strlen(argv[i]);
    if(n + len + 2 > (int)sizeof(line)){
      fprintf(2, "netctl: command too long\n");
      return 2;
    }
    if(i > 2)
      line[n++] = ' ';
    memmove(line + n, argv[i], len);
    n += len;
  }
  int fd = open(argv[1], O_RDWR);
  if(fd < 0)
    die("netctl", argv[1], fd);
  memmove(answer, line, n);
  struct strioctl sc = { NET_CTL, 0, n, answer };
  int r = ioctl(fd, I_STR, (long)&sc);
  if(r < 0){
    char why[STR_ERRLEN];
    if(ioctl(fd, I_ERRSTR, (long)why) >= 0 && why[0])
      fprintf(2, "netctl: %s: %s (%s)\n", line, strerror(r), why);
    else
      fprintf(2, "netctl: %s: %s\n", line, strerror(r));
    return 1;
  }
  if(sc.ic_len > 0)
    writeall(1, answer, sc.ic_len);
  return 0;
}
