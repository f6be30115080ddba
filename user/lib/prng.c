// prng.c: a deterministic pseudo-random byte stream for test data.
// genfile, ut_pipe and ut_fs use it so that a reader can regenerate what
// a writer sent and compare hashes. The generator is splitmix64 (Steele,
// Lea and Flood, 2014): tiny, and every seed gives a good stream. Its
// outputs are handed out in little-endian byte order, so a host program
// can produce the same bytes with a few lines of Python.
#include "user.h"

void
prng_init(struct prng *r, uint64 seed)
{
  r->state = seed;
  r->word = 0;
  r->left = 0;
}

uint64
prng_next(struct prng *r)
{
  uint64 z;
  r->state += 0x9e3779b97f4a7c15UL;
  z = r->state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
  return z ^ (z >> 31);
}

void
prng_fill(struct prng *r, void *buf, uint64 n)
{
  uint8 *p = buf;
  while(n > 0){
    if(r->left == 0 && n >= 8){
      // fast path: a whole word at once
      uint64 w = prng_next(r);
      for(int i = 0; i < 8; i++)
        p[i] = w >> (8 * i);
      p += 8;
      n -= 8;
      continue;
    }
    if(r->left == 0){
      r->word = prng_next(r);
      r->left = 8;
    }
    // bytes of the current word go out lowest first
    *p++ = r->word >> (8 * (8 - r->left));
    r->left--;
    n--;
  }
}
