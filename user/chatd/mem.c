// mem.c: chatd's allocations, counted. Every record of the server comes
// from mem_alloc and goes back through mem_free, which count the bytes
// in use: STATS reports them, so a test can check that the server gives
// back everything its clients cost once they leave.
#include "user.h"
#include "chatd.h"

long live_bytes, live_objects;

struct mem_hdr {
  uint64 size;
  uint64 pad;        // keep the payload 16-byte aligned
};

// Zeroed memory, or 0.
void *
mem_alloc(uint64 n)
{
  struct mem_hdr *h = malloc(sizeof(*h) + n);
  if(h == 0)
    return 0;
  memset(h + 1, 0, n);
  h->size = n;
  live_bytes += n;
  live_objects++;
  return h + 1;
}

void
mem_free(void *p)
{
  if(p == 0)
    return;
  struct mem_hdr *h = (struct mem_hdr *)p - 1;
  live_bytes -= h->size;
  live_objects--;
  free(h);
}
