// cat.c: copy files (or stdin, or "-") to stdout.
//   cat [file...]
#include "user.h"

static char buf[4096];

// Returns 0, or -errno with the message already printed.
static int
copy(int fd, const char *name)
{
  int n;
  while((n = read(fd, buf, sizeof(buf))) > 0){
    int r = writeall(1, buf, n);
    if(r < 0){
      eprint("cat", "write", r);
      return r;
    }
  }
  if(n < 0){
    eprint("cat", name, n);
    return n;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int status = 0;

  if(argc < 2)
    return copy(0, "stdin") < 0;
  for(int i = 1; i < argc; i++){
    if(strcmp(argv[i], "-") == 0){
      if(copy(0, "stdin") < 0)
        status = 1;
      continue;
    }
    int fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      eprint("cat", argv[i], fd);
      status = 1;
      continue;
    }
    if(copy(fd, argv[i]) < 0)
      status = 1;
    close(fd);
  }
  return status;
}
