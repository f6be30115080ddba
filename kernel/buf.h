// buf.h: the buffer cache (bio.c), the layer between the disk driver and
// the log. A buffer holds one disk block; at most one buffer exists per
// block, so every process sees the same copy. A buffer is used while its
// sleeplock is held (bread returns it locked, brelse unlocks it).
#ifndef BUF_H
#define BUF_H
#include "types.h"
#include "sleeplock.h"
#include "fs.h"

struct buf {
  int valid;             // data[] holds the block's contents
  volatile int disk;     // the disk is working on it (virtio_disk.c)
  uint dev;
  uint blockno;
  struct sleeplock lock;
  uint refcnt;           // holders + the log's pin; 0 = may be recycled
  struct buf *prev;      // LRU list, most recently used first
  struct buf *next;
  uchar data[BSIZE];
};

// Locked buffer holding the block, read from disk if not cached.
struct buf *bread(uint dev, uint blockno);
// Locked buffer for a block the caller is about to overwrite entirely:
// never reads the disk. Marked valid; contents undefined until written.
struct buf *bclaim(uint dev, uint blockno);
// For read-ahead: a locked buffer for a block that is not cached yet,
// if one is free right now; 0 otherwise (never sleeps).
struct buf *btry(uint dev, uint blockno);
void bwrite(struct buf *b);   // write to disk now (the log's business)
void brelse(struct buf *b);
// Keep a buffer in the cache while the log holds its new contents.
void bpin(struct buf *b);
void bunpin(struct buf *b);

#endif
