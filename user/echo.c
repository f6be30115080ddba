// echo.c: print the arguments separated by blanks.
//   echo [-n] [word...]     -n: no newline at the end
// The line is assembled first and written with one write, so that echo
// into a pipe or device delivers it as one piece.
#include "user.h"

int
main(int argc, char *argv[])
{
  int newline = 1, first = 1;
  static char line[4096];
  int n = 0;

  if(argc > 1 && strcmp(argv[1], "-n") == 0){
    newline = 0;
    first = 2;
  }
  for(int i = first; i < argc; i++){
    uint64 len = strlen(argv[i]);
    if(n + len + 2 > sizeof(line)){
      fprintf(2, "echo: line too long\n");
      return 1;
    }
    if(i > first)
      line[n++] = ' ';
    memcpy(line + n, argv[i], len);
    n += len;
  }
  if(newline)
    line[n++] = '\n';
  if(n > 0 && writeall(1, line, n) < 0)
    return 1;
  return 0;
}
