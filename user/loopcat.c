// loopcat.c: a command for trying streams in the shell (the tours in
// README.md and docs/streams.md; tests/test_streams.py uses it too).
//   loopcat DEV [WORD...]
// opens DEV (say /dev/loop or a kept /dev/kept/NAME), writes the words
// (joined by spaces, with a newline) if any are given, then prints what
// comes back until nothing more arrives for half a second – so, unlike
// cat, it does not wait forever on a stream that stays open.
#include "user.h"

int
main(int argc, char *argv[])
{
  static char buf[4096];
  if(argc < 2){
    fprintf(2, "usage: loopcat DEV [WORD...]\n");
    return 2;
  }
  int fd = open(argv[1], O_RDWR);
  if(fd < 0)
    die("loopcat", argv[1], fd);
  if(argc > 2){
    int n = 0;
    for(int i = 2; i < argc && n < (int)sizeof(buf) - 2; i++){
      n += snprintf(buf + n, sizeof(buf) - 1 - n, "%s%s", i > 2 ? " " : "", argv[i]);
      if(n > (int)sizeof(buf) - 2)
        n = sizeof(buf) - 2;
    }
    buf[n++] = '\n';
    int r = write(fd, buf, n);
    if(r < 0)
      die("loopcat", "write", r);
  }
  for(;;){
    struct pollfd p = { fd, POLLIN, 0 };
    if(poll(&p, 1, 500) <= 0)
      break;
    int n = read(fd, buf, sizeof(buf));
    if(n <= 0){
      if(n < 0)
        eprint("loopcat", "read", n);
      break;
    }
    writeall(1, buf, n);
  }
  close(fd);
  return 0;
}
