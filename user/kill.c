// kill.c: terminate processes.
//   kill pid...
#include "user.h"

int
main(int argc, char *argv[])
{
  int status = 0;

  if(argc < 2){
    fprintf(2, "usage: kill pid...\n");
    return 2;
  }
  for(int i = 1; i < argc; i++){
    char *end;
    long pid = strtol(argv[i], &end, 10);
    if(*end != 0 || end == argv[i]){
      fprintf(2, "kill: %s: not a process id\n", argv[i]);
      status = 1;
      continue;
    }
    int r = kill((int)pid);
    if(r < 0){
      eprint("kill", argv[i], r);
      status = 1;
    }
  }
  return status;
}
