// arp: print the ARP caches of every arp module instance (the text of
// /dev/arp): one line per instance with its address and counters, then
// "A.B.C.D hh:hh:hh:hh:hh:hh expires Ns" per entry, or "(incomplete)"
// while a question is out.
#include "user.h"

int
main(int argc, char *argv[])
{
  char buf[512];
  int fd = open("/dev/arp", O_RDONLY);
  if(fd < 0)
    die("arp", "/dev/arp", fd);
  int n;
  while((n = read(fd, buf, sizeof(buf))) > 0)
    writeall(1, buf, n);
  close(fd);
  return n < 0 ? 1 : 0;
}
