// sha256sum.c: print SHA-256 checksums, in the coreutils format
// "<64 hex digits>  <name>" ("-" for stdin).
//   sha256sum [file...]
#include "user.h"

static int
sum(int fd, const char *name)
{
  static char buf[8192];
  struct sha256 c;
  uint8 d[32];
  char hex[65];
  int n;

  sha256_init(&c);
  while((n = read(fd, buf, sizeof(buf))) > 0)
    sha256_update(&c, buf, n);
  if(n < 0){
    eprint("sha256sum", name, n);
    return 1;
  }
  sha256_final(&c, d);
  sha256_hex(d, hex);
  printf("%s  %s\n", hex, name);
  return 0;
}

int
main(int argc, char *argv[])
{
  int status = 0;

  if(argc < 2)
    return sum(0, "-");
  for(int i = 1; i < argc; i++){
    if(strcmp(argv[i], "-") == 0){
      status |= sum(0, "-");
      continue;
    }
    int fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      eprint("sha256sum", argv[i], fd);
      status = 1;
      continue;
    }
    status |= sum(fd, argv[i]);
    close(fd);
  }
  return status;
}
