// malloc.c: the user heap allocator (malloc, free, realloc, calloc).
//
// The heap grows with sbrk(2) and never shrinks. Free blocks sit on one
// list sorted by address, so free() can merge a block with its free
// neighbours and the heap does not crumble into small pieces. A block is
// [header | payload]; the header records the block's size and, while the
// block is in use, a magic word so that freeing a bad or already freed
// pointer is caught instead of corrupting the list.
//
// Pure except for sbrk, which the host unit tests replace with an arena.
#include "user.h"

#define ALIGN     16                   // payload alignment (RISC-V long double)
#define MINGROW   (64 * 1024)          // ask sbrk for at least this much
#define INUSE     0x5ca1ab1e0ddba11UL  // header.next of an allocated block
#define MAXREQ    (1UL << 31)          // larger requests cannot be sbrk'd

struct header {
  uint64 size;            // whole block in bytes, header included
  struct header *next;    // next free block (address order), or INUSE
};

static struct header *freelist;   // lowest free block, or 0
static uint64 heapbytes;          // obtained from sbrk so far

static uint64
roundup(uint64 n)
{
  return (n + ALIGN - 1) & ~(uint64)(ALIGN - 1);
}

// Puts block b on the free list, merging it with adjacent free blocks.
static void
insert_free(struct header *b)
{
  struct header *prev = 0, *cur = freelist;

  while(cur && cur < b){
    prev = cur;
    cur = cur->next;
  }
  // merge with the following block if they touch
  if(cur && (char *)b + b->size == (char *)cur){
    b->size += cur->size;
    b->next = cur->next;
  } else {
    b->next = cur;
  }
  // merge with the preceding block if they touch
  if(prev && (char *)prev + prev->size == (char *)b){
    prev->size += b->size;
    prev->next = b->next;
  } else if(prev){
    prev->next = b;
  } else {
    freelist = b;
  }
}

static void
corrupt(const char *what, void *p)
{
  fprintf(2, "malloc: %s %p\n", what, p);
  exit(127);
}

// Asks the kernel for at least `need` more bytes. Returns 0 on success.
static int
grow(uint64 need)
{
  char *p = sbrk(0);
  uint64 pad;
  struct header *b;

  if(IS_ERRPTR(p))
    return -1;
  // keep every block ALIGN-aligned even if the break is not
  pad = roundup((uint64)p) - (uint64)p;
  if(need < MINGROW)
    need = MINGROW;
  need = roundup(need);
  if(need + pad > MAXREQ)
    return -1;
  p = sbrk((int)(need + pad));
  if(IS_ERRPTR(p))
    return -1;
  heapbytes += need + pad;
  b = (struct header *)(p + pad);
  b->size = need;
  insert_free(b);
  return 0;
}

void *
malloc(uint64 n)
{
  uint64 need;
  struct header *prev, *b;

  if(n > MAXREQ)
    return 0;
  need = roundup(n + sizeof(struct header));
  for(;;){
    prev = 0;
    for(b = freelist; b; prev = b, b = b->next){
      if(b->size < need)
        continue;
      if(b->size - need >= 2 * sizeof(struct header)){
        // split: the front stays free, the tail is handed out
        b->size -= need;
        b = (struct header *)((char *)b + b->size);
        b->size = need;
      } else if(prev){
        prev->next = b->next;
      } else {
        freelist = b->next;
      }
      b->next = (struct header *)INUSE;
      return b + 1;
    }
    if(grow(need) < 0)
      return 0;
  }
}

void
free(void *p)
{
  struct header *b;

  if(p == 0)
    return;
  b = (struct header *)p - 1;
  if(((uint64)p & (ALIGN - 1)) != 0 || b->next != (struct header *)INUSE)
    corrupt("free of a bad or freed pointer", p);
  insert_free(b);
}

void *
realloc(void *p, uint64 n)
{
  struct header *b;
  void *q;
  uint64 have;

  if(p == 0)
    return malloc(n);
  if(n == 0){
    free(p);
    return 0;
  }
  b = (struct header *)p - 1;
  if(b->next != (struct header *)INUSE)
    corrupt("realloc of a bad or freed pointer", p);
  have = b->size - sizeof(struct header);
  if(n <= have)
    return p;           // shrinking in place: keep the block as it is
  q = malloc(n);
  if(q == 0)
    return 0;           // like C: the old block stays valid
  memcpy(q, p, have);
  free(p);
  return q;
}

void *
calloc(uint64 count, uint64 size)
{
  void *p;
  if(size != 0 && count > MAXREQ / size)
    return 0;
  p = malloc(count * size);
  if(p)
    memset(p, 0, count * size);
  return p;
}

char *
strdup(const char *s)
{
  uint64 n = strlen(s) + 1;
  char *p = malloc(n);
  if(p)
    memcpy(p, s, n);
  return p;
}

uint64
malloc_heapsize(void)
{
  return heapbytes;
}
