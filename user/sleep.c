// sleep.c: pause for a while.
//   sleep MS      MS is in milliseconds (not seconds as on Unix)
#include "user.h"

int
main(int argc, char *argv[])
{
  char *end;
  long ms;

  if(argc != 2){
    fprintf(2, "usage: sleep MS   (milliseconds)\n");
    return 2;
  }
  ms = strtol(argv[1], &end, 10);
  if(*end != 0 || end == argv[1] || ms < 0 || ms > 0x7fffffff){
    fprintf(2, "sleep: %s: not a number of milliseconds\n", argv[1]);
    return 2;
  }
  int r = sleep((int)ms);
  if(r < 0)
    die("sleep", 0, r);
  return 0;
}
