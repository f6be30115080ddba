// uptime.c: time since boot.
// Prints "up S.mmm s" where S are seconds and mmm milliseconds.
#include "user.h"

int
main(void)
{
  long ms = uptime();
  if(ms < 0)
    die("uptime", 0, ms);
  printf("up %ld.%03ld s\n", ms / 1000, ms % 1000);
  return 0;
}
