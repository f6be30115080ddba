// log.c: the write-ahead log that makes file system updates atomic with
// respect to crashes.
//
// A system call brackets its changes with begin_op()/end_op() and calls
// log_write() instead of bwrite(): the new contents stay pinned in the
// buffer cache. When the last operation in progress ends, the whole group
// of operations (a transaction) is committed:
//
//   1. copy every changed block to the log area on disk,
//   2. write the log header naming the blocks: the commit point,
//   3. write the blocks to their home locations (install),
//   4. write an empty header.
//
// After a crash, initlog() replays a committed log (installing again is
// harmless) and discards an uncommitted one, so either every change of a
// transaction reaches its home location or none does.
//
// Space: the log holds LOGSIZE blocks. begin_op() admits an operation
// only if MAXOPBLOCKS slots remain for it and for each one already
// running. A file write that needs more than MAXOPBLOCKS blocks works in
// steps and asks log_fits() before each step; when the answer is no it
// ends its operation and begins another (file.c), which is how a large
// write becomes several transactions.
//
// Disk writes in steps 1 and 3 are issued as one batch each, so the disk
// works on the whole transaction at once.
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"

_Static_assert(LOGSIZE <= LOGHDR_MAX, "log header cannot name LOGSIZE blocks");

#define RECOVER_BATCH 16   // blocks replayed per disk batch at boot

static struct {
  struct spinlock lock;
  int dev;
  uint start;          // block of the header; the copies follow it
  int outstanding;     // operations between begin_op and end_op
  int committing;      // commit() running: nobody may begin
  int n;               // blocks in the current transaction
  uint block[LOGSIZE]; // their home block numbers, in logging order

  // commit()'s and recovery's scratch space (one of them at a time)
  struct buf *bv[LOGSIZE];
  uint where[LOGSIZE];
} wal;

static void
write_header(int n, const uint *blocks)
{
  struct buf *b = bclaim(wal.dev, wal.start);
  struct logheader_disk *h = (struct logheader_disk *)b->data;
  memset(b->data, 0, BSIZE);
  h->n = n;
  for(int i = 0; i < n; i++)
    h->block[i] = blocks[i];
  bwrite(b);
  brelse(b);
}

// Install a committed log found at boot.
static void
recover(struct superblock *sb)
{
  struct buf *b = bread(wal.dev, wal.start);
  struct logheader_disk *h = (struct logheader_disk *)b->data;
  int n = h->n;
  if(n < 0 || n > LOGSIZE)
    panic("initlog: corrupt log header (count)");
  for(int i = 0; i < n; i++){
    wal.block[i] = h->block[i];
    if(wal.block[i] >= sb->size || wal.block[i] < sb->inodestart)
      panic("initlog: corrupt log header (block number)");
    for(int j = 0; j < i; j++)
      if(wal.block[j] == wal.block[i])
        panic("initlog: corrupt log header (duplicate block)");
  }
  brelse(b);
  if(n == 0)
    return;

  printf("log: replaying %d blocks of a committed transaction\n", n);
  for(int i = 0; i < n; i += RECOVER_BATCH){
    int cnt = n - i < RECOVER_BATCH ? n - i : RECOVER_BATCH;
    for(int j = 0; j < cnt; j++){
      // The home block's buffer receives the log copy, then goes home.
      wal.bv[j] = bclaim(wal.dev, wal.block[i + j]);
      wal.where[j] = wal.start + 1 + i + j;
    }
    virtio_disk_rwv(wal.bv, wal.where, cnt, 0);
    virtio_disk_rwv(wal.bv, 0, cnt, 1);
    for(int j = 0; j < cnt; j++)
      brelse(wal.bv[j]);
  }
  write_header(0, 0);
}

void
initlog(int dev, struct superblock *sb)
{
  initlock(&wal.lock, "log");
  if(sb->nlog < LOGSIZE + 1)
    panic("initlog: the disk's log is smaller than LOGSIZE");
  wal.dev = dev;
  wal.start = sb->logstart;
  wal.n = 0;
  recover(sb);
}

static void
commit(void)
{
  int n = wal.n;
  if(n == 0)
    return;
  for(int i = 0; i < n; i++){
    wal.bv[i] = bread(wal.dev, wal.block[i]);   // pinned: always cached
    wal.where[i] = wal.start + 1 + i;
  }
  virtio_disk_rwv(wal.bv, wal.where, n, 1);   // 1. copies into the log
  write_header(n, wal.block);                  // 2. commit point
  virtio_disk_rwv(wal.bv, 0, n, 1);            // 3. install
  for(int i = 0; i < n; i++){
    bunpin(wal.bv[i]);
    brelse(wal.bv[i]);
  }
  wal.n = 0;
  write_header(0, 0);                          // 4. log is empty again
}

void
begin_op(void)
{
  acquire(&wal.lock);
  for(;;){
    if(wal.committing ||
       wal.n + (wal.outstanding + 1) * MAXOPBLOCKS > LOGSIZE){
      sleep(&wal, &wal.lock);
    } else {
      wal.outstanding++;
      break;
    }
  }
  release(&wal.lock);
}

void
end_op(void)
{
  int do_commit = 0;
  acquire(&wal.lock);
  if(wal.outstanding < 1 || wal.committing)
    panic("end_op: not in an operation");
  wal.outstanding--;
  if(wal.outstanding == 0){
    do_commit = 1;
    wal.committing = 1;
  } else {
    // Our unused reservation may let a waiting begin_op in.
    wakeup(&wal);
  }
  release(&wal.lock);

  if(do_commit){
    // No other operation can be running, so nothing changes the logged
    // buffers while commit() writes them; no lock is needed for wal.n.
    commit();
    acquire(&wal.lock);
    wal.committing = 0;
    wakeup(&wal);
    release(&wal.lock);
  }
}

// Record that b (locked, modified) belongs to the current transaction.
// A block logged twice takes one slot ("absorption").
void
log_write(struct buf *b)
{
  acquire(&wal.lock);
  if(wal.outstanding < 1)
    panic("log_write: outside of an operation");
  int i;
  for(i = 0; i < wal.n; i++)
    if(wal.block[i] == b->blockno)
      break;
  if(i == wal.n){
    if(wal.n >= LOGSIZE)
      panic("log_write: transaction too big");
    wal.block[wal.n++] = b->blockno;
    bpin(b);
  }
  release(&wal.lock);
}

int
log_mark(void)
{
  acquire(&wal.lock);
  int n = wal.n;
  release(&wal.lock);
  return n;
}

// May the calling operation, which began when the log held `mark`
// blocks, log nblocks more? (nblocks must be at most MAXOPBLOCKS.)
//
// Yes if its own reservation still covers them: wal.n - mark counts every
// block logged since it began, by anyone, so it over-estimates its own
// use. Yes also if the free slots cover them while keeping a full
// reservation for every other running operation. Either way the others
// keep the room begin_op() promised them; an operation that began while
// this one was between check and step was admitted with MAXOPBLOCKS
// still counted for this one, and a step is never bigger than that.
int
log_fits(int mark, int nblocks)
{
  acquire(&wal.lock);
  int own = wal.n - mark + nblocks <= MAXOPBLOCKS;
  int spare = LOGSIZE - wal.n - (wal.outstanding - 1) * MAXOPBLOCKS >= nblocks;
  release(&wal.lock);
  return own || spare;
}
