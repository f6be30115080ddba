// bio.c: the buffer cache. NBUF buffers hold recently used disk blocks
// on a list kept in least-recently-used order; a block not in the cache
// takes the idle buffer that has gone unused longest.
//
// Two locks are involved. The cache's spinlock protects the list, the
// identity (dev, blockno) of every buffer and the reference counts. Each
// buffer's sleeplock protects its contents and is held for as long as a
// caller uses the buffer, possibly across disk I/O.
//
// When every buffer is in use, bget waits for one to be released rather
// than failing: running out of buffers is a matter of load, not an
// error anyone could report sensibly.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"

static struct {
  struct spinlock lock;
  struct buf buf[NBUF];
  struct buf lru;       // list head: lru.next is the most recently used
  int waiting;          // processes sleeping for a free buffer
} cache;

#define NO_DEV ((uint)-1)   // identity of a buffer that never held a block

static void
list_remove(struct buf *b)
{
  b->prev->next = b->next;
  b->next->prev = b->prev;
}

static void
list_push_front(struct buf *b)
{
  b->next = cache.lru.next;
  b->prev = &cache.lru;
  cache.lru.next->prev = b;
  cache.lru.next = b;
}

void
binit(void)
{
  initlock(&cache.lock, "bcache");
  cache.lru.next = cache.lru.prev = &cache.lru;
  for(struct buf *b = cache.buf; b < cache.buf + NBUF; b++){
    b->dev = NO_DEV;
    b->blockno = 0;
    b->valid = 0;
    b->refcnt = 0;
    initsleeplock(&b->lock, "buffer");
    list_push_front(b);
  }
}

// The buffer for (dev, blockno), locked, with valid telling whether it
// already holds the block's contents.
static struct buf *
bget(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&cache.lock);
  for(;;){
    for(b = cache.lru.next; b != &cache.lru; b = b->next){
      if(b->dev == dev && b->blockno == blockno){
        b->refcnt++;
        release(&cache.lock);
        acquiresleep(&b->lock);
        return b;
      }
    }
    // Not cached: recycle the least recently used idle buffer.
    for(b = cache.lru.prev; b != &cache.lru; b = b->prev){
      if(b->refcnt == 0){
        b->dev = dev;
        b->blockno = blockno;
        b->valid = 0;
        b->refcnt = 1;
        release(&cache.lock);
        acquiresleep(&b->lock);
        return b;
      }
    }
    // Every buffer is held or pinned by the log; one will come back.
    cache.waiting++;
    sleep(&cache, &cache.lock);
    cache.waiting--;
  }
}

struct buf *
btry(uint dev, uint blockno)
{
  struct buf *b, *victim = 0;
  acquire(&cache.lock);
  for(b = cache.lru.next; b != &cache.lru; b = b->next){
    if(b->dev == dev && b->blockno == blockno){
      if(b->valid || b->refcnt > 0)
        b = 0;   // cached, or someone is already reading it
      victim = b;
      break;
    }
  }
  if(b == &cache.lru){
    for(b = cache.lru.prev; b != &cache.lru; b = b->prev){
      if(b->refcnt == 0){
        victim = b;
        break;
      }
    }
  }
  if(victim){
    victim->dev = dev;
    victim->blockno = blockno;
    victim->valid = 0;
    victim->refcnt = 1;
    // Nobody holds a buffer with no references, so this cannot sleep;
    // taking it before dropping the cache lock keeps it so.
    acquiresleep(&victim->lock);
  }
  release(&cache.lock);
  return victim;
}

struct buf *
bread(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  if(!b->valid){
    virtio_disk_rw(b, 0);
    b->valid = 1;
  }
  return b;
}

struct buf *
bclaim(uint dev, uint blockno)
{
  struct buf *b = bget(dev, blockno);
  b->valid = 1;
  return b;
}

void
bwrite(struct buf *b)
{
  if(!holdingsleep(&b->lock))
    panic("bwrite: buffer not locked");
  virtio_disk_rw(b, 1);
}

// Drop one reference; the buffer becomes the most recently used.
static void
bput(struct buf *b)
{
  acquire(&cache.lock);
  if(b->refcnt == 0)
    panic("brelse: no reference");
  b->refcnt--;
  if(b->refcnt == 0){
    list_remove(b);
    list_push_front(b);
    if(cache.waiting)
      wakeup(&cache);
  }
  release(&cache.lock);
}

void
brelse(struct buf *b)
{
  if(!holdingsleep(&b->lock))
    panic("brelse: buffer not locked");
  releasesleep(&b->lock);
  bput(b);
}

void
bpin(struct buf *b)
{
  acquire(&cache.lock);
  b->refcnt++;
  release(&cache.lock);
}

void
bunpin(struct buf *b)
{
  bput(b);
}
