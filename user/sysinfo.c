// sysinfo.c: print the kernel's resource counters from sysinfo(2), one
// "name value" pair per line so scripts and tests can pick them out.
#include "user.h"

int
main(void)
{
  struct sysinfo si;
  int r = sysinfo(&si);
  if(r < 0)
    die("sysinfo", 0, r);
  printf("freepages %lu\n", si.freepages);
  printf("totalpages %lu\n", si.totalpages);
  printf("freekb %lu\n", si.freepages * 4);
  printf("kmalloc_bytes %lu\n", si.kmalloc_bytes);
  printf("uptime_ms %lu\n", si.uptime_ms);
  printf("nproc %d\n", si.nproc);
  printf("nfile %d\n", si.nfile);
  printf("ninode %d\n", si.ninode);
  printf("ncpu %d\n", si.ncpu);
  return 0;
}
