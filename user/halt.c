// halt.c: power the machine off.
//   halt [code]     code: the exit status QEMU reports (default 0)
#include "user.h"

int
main(int argc, char *argv[])
{
  int code = argc > 1 ? atoi(argv[1]) : 0;
  int r = halt(code);
  die("halt", 0, r);     // only reached if the kernel refused
}
