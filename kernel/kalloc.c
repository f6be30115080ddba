// kalloc.c: physical memory. Pages (4096 bytes) between the end of the
// kernel image and PHYSTOP live on a free list; kalloc/kfree hand them
// out one at a time. kmalloc/kmfree carve small objects (message blocks,
// control structures) out of pages, one size class per page, and give a
// page back as soon as its last object is freed – so "free pages back at
// baseline" is a real leak check for small objects too.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "defs.h"

extern char end[];   // first address after the kernel image (kernel.ld)

struct run { struct run *next; };

static struct {
  struct spinlock lock;
  struct run *free;
  uint64 nfree;
  uint64 ntotal;
} pages;

void
kfree(void *pa)
{
  if(((uint64)pa % PGSIZE) != 0 || (char *)pa < end || (uint64)pa >= PHYSTOP)
    panic("kfree: bad page");
  memset(pa, 0x5a, PGSIZE);   // junk: catches use after free
  struct run *r = pa;
  acquire(&pages.lock);
  r->next = pages.free;
  pages.free = r;
  pages.nfree++;
  release(&pages.lock);
}

void *
kalloc(void)
{
  acquire(&pages.lock);
  struct run *r = pages.free;
  if(r){
    pages.free = r->next;
    pages.nfree--;
  }
  release(&pages.lock);
  return r;
}

uint64 kfreepages(void) { return pages.nfree; }
uint64 ktotalpages(void) { return pages.ntotal; }

// ---- small objects ----

// Each page of a size class starts with this header; its objects follow.
struct kpage {
  struct kpage *next, *prev;   // pages of this class with a free object
  void *free;                  // free objects in this page
  uint16 cls;
  uint16 nused;
  uint32 pad[3];               // header is 32 bytes: objects stay 16-aligned
};

#define HDR sizeof(struct kpage)
static const uint16 class_size[] = { 32, 64, 128, 256, 512, 1008, 2032 };
#define NCLASS NELEM(class_size)

static struct {
  struct spinlock lock;
  struct kpage *partial[NCLASS];   // pages with at least one free object
  uint64 bytes;
} km;

static void
unlink_page(struct kpage *pg)
{
  if(pg->prev) pg->prev->next = pg->next;
  else km.partial[pg->cls] = pg->next;
  if(pg->next) pg->next->prev = pg->prev;
  pg->next = pg->prev = 0;
}

static void
push_page(struct kpage *pg)
{
  pg->prev = 0;
  pg->next = km.partial[pg->cls];
  if(pg->next) pg->next->prev = pg;
  km.partial[pg->cls] = pg;
}

void *
kmalloc(uint64 n)
{
  if(n == 0 || n > PGSIZE)
    return 0;
  if(n > class_size[NCLASS - 1]){
    // Large objects get a whole page; they are the only page-aligned ones.
    void *p = kalloc();
    if(p){
      memset(p, 0, PGSIZE);
      acquire(&km.lock);
      km.bytes += PGSIZE;
      release(&km.lock);
    }
    return p;
  }
  int c = 0;
  while(class_size[c] < n)
    c++;

  acquire(&km.lock);
  struct kpage *pg = km.partial[c];
  if(pg == 0){
    release(&km.lock);
    pg = kalloc();
    if(pg == 0)
      return 0;
    memset(pg, 0, HDR);
    pg->cls = c;
    // thread every object of the fresh page onto its free list
    int count = (PGSIZE - HDR) / class_size[c];
    for(int i = count - 1; i >= 0; i--){
      void **obj = (void **)((char *)pg + HDR + i * class_size[c]);
      *obj = pg->free;
      pg->free = obj;
    }
    acquire(&km.lock);
    push_page(pg);
  }
  void **obj = pg->free;
  pg->free = *obj;
  pg->nused++;
  if(pg->free == 0)
    unlink_page(pg);
  km.bytes += class_size[c];
  release(&km.lock);
  memset(obj, 0, class_size[c]);
  return obj;
}

void
kmfree(void *p)
{
  if(p == 0)
    return;
  if(((uint64)p % PGSIZE) == 0){
    acquire(&km.lock);
    km.bytes -= PGSIZE;
    release(&km.lock);
    kfree(p);
    return;
  }
  struct kpage *pg = (struct kpage *)PGROUNDDOWN((uint64)p);
  acquire(&km.lock);
  if(pg->cls >= NCLASS || pg->nused == 0)
    panic("kmfree: not a kmalloc object");
  int was_full = (pg->free == 0);
  *(void **)p = pg->free;
  pg->free = p;
  pg->nused--;
  km.bytes -= class_size[pg->cls];
  if(pg->nused == 0){
    if(!was_full)
      unlink_page(pg);
    release(&km.lock);
    kfree(pg);
    return;
  }
  if(was_full)
    push_page(pg);
  release(&km.lock);
}

uint64
kmalloc_bytes(void)
{
  return km.bytes;
}

void
kinit(void)
{
  initlock(&pages.lock, "kalloc");
  initlock(&km.lock, "kmalloc");
  for(char *p = (char *)PGROUNDUP((uint64)end); p + PGSIZE <= (char *)PHYSTOP; p += PGSIZE){
    kfree(p);
    pages.ntotal++;
  }
}
