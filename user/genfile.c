// genfile.c: write deterministic pseudo-random bytes to stdout.
//   genfile SIZE [SEED]
// SIZE in bytes, or with a k/m/g suffix (powers of 1024); SEED defaults
// to 1. The bytes are the splitmix64 stream described in user/lib/prng.c,
// so a host test can regenerate them and compare checksums.
#include "user.h"

int
main(int argc, char *argv[])
{
  static char buf[4096];
  struct prng r;
  long size, seed = 1;

  if(argc < 2 || argc > 3 || parsesize(argv[1], &size) < 0 ||
     (argc == 3 && parsesize(argv[2], &seed) < 0)){
    fprintf(2, "usage: genfile SIZE[k|m|g] [SEED]\n");
    return 2;
  }
  prng_init(&r, seed);
  while(size > 0){
    int n = size < (long)sizeof(buf) ? size : (long)sizeof(buf);
    prng_fill(&r, buf, n);
    int w = writeall(1, buf, n);
    if(w < 0)
      die("genfile", "write", w);
    size -= n;
  }
  return 0;
}
