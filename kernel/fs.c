// fs.c: the file system proper, above the log: block allocation, inodes,
// file contents, directories and path names.
//
// Locking, from the outside in:
//   - an inode's sleeplock (ilock) protects its dinode copy and contents;
//     a path walk holds one inode lock at a time, parent before child;
//   - the inode table's spinlock protects ref counts and identities;
//   - buffer sleeplocks protect block contents. Outside a log operation
//     a process never waits for a buffer while it holds another (read-
//     ahead takes several, but only ones it can have without waiting);
//     inside an operation it may hold an inode's index blocks and then a
//     bitmap block or a newly allocated block, never the other way
//     round. This is what lets the log's commit lock all the blocks of a
//     transaction without deadlock.
//
// Every change to the disk happens inside begin_op()/end_op(), including
// iput() when it frees an inode, so callers of iput() must be in one.
#include "types.h"
#include "param.h"
#include "stat.h"
#include "errno.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"

static struct superblock sb;   // read once at boot, never changes
static uint datastart;         // first data block
static uint alloc_hint;        // where balloc starts looking: next-fit

// ---------------------------------------------------------------------
// Superblock and blocks

static void reclaim_orphans(uint dev);
static void fetch_blocks(uint dev, const uint *addr, int n);

void
fsinit(int dev)
{
  struct buf *bp = bread(dev, 1);
  memmove(&sb, bp->data, sizeof(sb));
  brelse(bp);
  if(sb.magic != FSMAGIC)
    panic("fsinit: disk holds no file system (bad magic; build it with mkfs)");

  uint ninodeblocks = (sb.ninodes + IPB - 1) / IPB;
  uint nbitmap = (sb.size + BPB - 1) / BPB;
  datastart = sb.bmapstart + nbitmap;
  if(sb.logstart < 2 || sb.inodestart != sb.logstart + sb.nlog ||
     sb.bmapstart != sb.inodestart + ninodeblocks || datastart >= sb.size ||
     sb.ninodes < 2 || sb.ninodes > 65536)
    panic("fsinit: inconsistent superblock");
  if(sb.size > virtio_disk_blocks())
    panic("fsinit: file system is bigger than the disk");
  // Freeing a whole file may touch every bitmap block in one operation,
  // which also writes up to 8 other blocks (rename replacing a file).
  if(nbitmap + 8 > MAXOPBLOCKS)
    panic("fsinit: too many bitmap blocks for MAXOPBLOCKS");

  initlog(dev, &sb);
  alloc_hint = datastart;
  printf("fs: %d blocks (%d for data), %d inodes, %d log blocks\n",
         sb.size, sb.size - datastart, sb.ninodes, sb.nlog);
  reclaim_orphans(dev);
}

// Find a clear bit for a block in [from, to), set it and return the
// block number, or 0 if there is none.
static uint
bitmap_take(uint dev, uint from, uint to)
{
  uint b = from;
  while(b < to){
    struct buf *bp = bread(dev, BBLOCK(b, sb));
    uint end = (b / BPB + 1) * BPB;   // first block of the next bitmap block
    if(end > to)
      end = to;
    for(; b < end; b++){
      uint bit = b % BPB;
      uchar byte = bp->data[bit / 8];
      if(byte == 0xff && bit % 8 == 0 && b + 8 <= end){
        b += 7;   // a full byte: skip it whole
        continue;
      }
      if((byte & (1 << (bit % 8))) == 0){
        bp->data[bit / 8] = byte | (1 << (bit % 8));
        log_write(bp);
        brelse(bp);
        return b;
      }
    }
    brelse(bp);
  }
  return 0;
}

// Allocate a zeroed block. Returns 0 when the disk is full.
static uint
balloc(uint dev)
{
  uint hint = alloc_hint;   // a hint only: racing allocators stay correct
  if(hint < datastart || hint >= sb.size)
    hint = datastart;
  uint b = bitmap_take(dev, hint, sb.size);
  if(b == 0)
    b = bitmap_take(dev, datastart, hint);
  if(b == 0)
    return 0;
  alloc_hint = b + 1;

  // Never read: the old contents do not matter.
  struct buf *bp = bclaim(dev, b);
  memset(bp->data, 0, BSIZE);
  log_write(bp);
  brelse(bp);
  return b;
}

static void
bfree(uint dev, uint b)
{
  if(b < datastart || b >= sb.size)
    panic("bfree: block outside the data area");
  struct buf *bp = bread(dev, BBLOCK(b, sb));
  uint bit = b % BPB;
  if((bp->data[bit / 8] & (1 << (bit % 8))) == 0)
    panic("bfree: block already free");
  bp->data[bit / 8] &= ~(1 << (bit % 8));
  log_write(bp);
  brelse(bp);
}

// ---------------------------------------------------------------------
// Inodes
//
// The inode table holds the inodes some part of the kernel refers to.
// iget() finds or makes an entry (ref + 1) without reading the disk;
// ilock() reads the dinode the first time; iput() drops a reference and,
// if it was the last one and no directory names the inode any more,
// frees the inode and its blocks.

static struct {
  struct spinlock lock;
  struct inode inode[NINODE];
} itable;

void
iinit(void)
{
  initlock(&itable.lock, "itable");
  for(int i = 0; i < NINODE; i++)
    initsleeplock(&itable.inode[i].lock, "inode");
}

// The table entry for (dev, inum), referenced; 0 if the table is full.
struct inode *
iget(uint dev, uint inum)
{
  struct inode *empty = 0;
  acquire(&itable.lock);
  for(struct inode *ip = itable.inode; ip < itable.inode + NINODE; ip++){
    if(ip->ref > 0 && ip->dev == dev && ip->inum == inum){
      ip->ref++;
      release(&itable.lock);
      return ip;
    }
    if(empty == 0 && ip->ref == 0)
      empty = ip;
  }
  if(empty){
    empty->dev = dev;
    empty->inum = inum;
    empty->ref = 1;
    empty->valid = 0;
  }
  release(&itable.lock);
  return empty;
}

int
inode_count(void)
{
  int n = 0;
  acquire(&itable.lock);
  for(int i = 0; i < NINODE; i++)
    if(itable.inode[i].ref > 0)
      n++;
  release(&itable.lock);
  return n;
}

// Allocate a free dinode as `type`. Returns it referenced and unlocked,
// or 0 if the disk has no free inode or the table no free entry.
struct inode *
ialloc(uint dev, short type)
{
  uint ninodeblocks = (sb.ninodes + IPB - 1) / IPB;
  for(uint blk = 0; blk < ninodeblocks; blk++){
    struct buf *bp = bread(dev, sb.inodestart + blk);
    for(uint i = 0; i < IPB; i++){
      uint inum = blk * IPB + i;
      struct dinode *dip = (struct dinode *)bp->data + i;
      if(inum == 0 || inum >= sb.ninodes || dip->type != 0)
        continue;
      memset(dip, 0, sizeof(*dip));
      dip->type = type;
      log_write(bp);
      brelse(bp);
      struct inode *ip = iget(dev, inum);
      if(ip == 0){
        // No table entry for it: give the dinode back.
        bp = bread(dev, sb.inodestart + blk);
        ((struct dinode *)bp->data + i)->type = 0;
        log_write(bp);
        brelse(bp);
      }
      return ip;
    }
    brelse(bp);
  }
  return 0;
}

// Write ip's dinode copy back (inside an operation, ip locked).
void
iupdate(struct inode *ip)
{
  struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = (struct dinode *)bp->data + ip->inum % IPB;
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(bp);
  brelse(bp);
}

struct inode *
idup(struct inode *ip)
{
  acquire(&itable.lock);
  ip->ref++;
  release(&itable.lock);
  return ip;
}

void
ilock(struct inode *ip)
{
  if(ip == 0 || ip->ref < 1)
    panic("ilock: no reference");
  acquiresleep(&ip->lock);
  if(!ip->valid){
    struct buf *bp = bread(ip->dev, IBLOCK(ip->inum, sb));
    struct dinode *dip = (struct dinode *)bp->data + ip->inum % IPB;
    ip->type = dip->type;
    ip->major = dip->major;
    ip->minor = dip->minor;
    ip->nlink = dip->nlink;
    ip->size = dip->size;
    memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
    brelse(bp);
    ip->mid_blk = 0;
    ip->ra_next = 0;
    ip->valid = 1;
    if(ip->type == 0)
      panic("ilock: free inode in use (file system corrupt)");
  }
}

void
iunlock(struct inode *ip)
{
  if(ip == 0 || !holdingsleep(&ip->lock) || ip->ref < 1)
    panic("iunlock: not locked");
  releasesleep(&ip->lock);
}

void
iput(struct inode *ip)
{
  acquire(&itable.lock);
  if(ip->ref == 1 && ip->valid && ip->nlink == 0){
    // Last reference to an inode no directory names: free it. Nobody
    // else can hold or wait for its lock, so this does not sleep long.
    acquiresleep(&ip->lock);
    release(&itable.lock);
    itrunc(ip);
    ip->type = 0;
    iupdate(ip);
    ip->valid = 0;
    releasesleep(&ip->lock);
    acquire(&itable.lock);
  }
  ip->ref--;
  release(&itable.lock);
}

void
iunlockput(struct inode *ip)
{
  iunlock(ip);
  iput(ip);
}

// At boot nothing is open, so an inode in use that no directory names
// was unlinked while open when the machine stopped: free it now, or its
// blocks would be lost for good.
static void
reclaim_orphans(uint dev)
{
  int n = 0;
  uint ninodeblocks = (sb.ninodes + IPB - 1) / IPB;
  for(uint blk = 0; blk < ninodeblocks; blk++){
    if(blk % 32 == 0){
      uint addr[32];
      for(int i = 0; i < 32; i++)
        addr[i] = blk + i < ninodeblocks ? sb.inodestart + blk + i : 0;
      fetch_blocks(dev, addr, 32);   // one disk batch per 32 blocks
    }
    struct buf *bp = bread(dev, sb.inodestart + blk);
    uint found[IPB];
    int nfound = 0;
    for(uint i = 0; i < IPB; i++){
      struct dinode *dip = (struct dinode *)bp->data + i;
      uint inum = blk * IPB + i;
      if(inum != 0 && inum < sb.ninodes && dip->type != 0 && dip->nlink == 0)
        found[nfound++] = inum;
    }
    brelse(bp);
    for(int i = 0; i < nfound; i++){
      struct inode *ip = iget(dev, found[i]);
      if(ip == 0)
        continue;
      begin_op();
      ilock(ip);
      iunlockput(ip);   // nlink 0, last reference: iput frees it
      end_op();
      n++;
    }
  }
  if(n)
    printf("fs: freed %d inodes unlinked while open before a crash\n", n);
}

// ---------------------------------------------------------------------
// File contents: mapping file block numbers to disk blocks

// Entry idx of index block ib; with alloc, a missing block is allocated
// and recorded. 0 = hole (or disk full, with alloc).
static uint
index_entry(uint dev, uint ib, uint idx, int alloc)
{
  struct buf *bp = bread(dev, ib);
  uint *entries = (uint *)bp->data;
  uint a = entries[idx];
  if(a == 0 && alloc){
    a = balloc(dev);
    if(a){
      entries[idx] = a;
      log_write(bp);
    }
  }
  brelse(bp);
  return a;
}

// An address slot in the inode itself (written back by iupdate).
static uint
inode_slot(struct inode *ip, int slot, int alloc)
{
  if(ip->addrs[slot] == 0 && alloc)
    ip->addrs[slot] = balloc(ip->dev);
  return ip->addrs[slot];
}

// Middle block number idx of the doubly indirect tree, or 0.
// Sequential access stays in one middle block for 256 blocks, so the
// last one is remembered rather than looked up in the top block again.
static uint
mid_block(struct inode *ip, uint idx, int alloc)
{
  if(ip->mid_blk && ip->mid_idx == idx)
    return ip->mid_blk;
  uint top = inode_slot(ip, DINDIRECT_SLOT, alloc);
  if(top == 0)
    return 0;
  uint mid = index_entry(ip->dev, top, idx, alloc);
  if(mid){
    ip->mid_idx = idx;
    ip->mid_blk = mid;
  }
  return mid;
}

// Disk block holding block bn of the file, or 0 (hole, or no space when
// alloc is set, or bn beyond MAXFILE).
static uint
bmap(struct inode *ip, uint bn, int alloc)
{
  if(bn < NDIRECT)
    return inode_slot(ip, bn, alloc);
  bn -= NDIRECT;

  if(bn < NINDIRECT){
    uint ind = inode_slot(ip, INDIRECT_SLOT, alloc);
    return ind ? index_entry(ip->dev, ind, bn, alloc) : 0;
  }
  bn -= NINDIRECT;

  if(bn < NDINDIRECT){
    uint mid = mid_block(ip, bn / NINDIRECT, alloc);
    return mid ? index_entry(ip->dev, mid, bn % NINDIRECT, alloc) : 0;
  }
  return 0;
}

// Map count blocks from bn on (without allocating) into addr[], reading
// each index block once for the whole run rather than once per block.
static void
bmap_range(struct inode *ip, uint bn, uint count, uint *addr)
{
  uint i = 0;
  while(i < count){
    uint b = bn + i;
    if(b < NDIRECT){
      addr[i++] = ip->addrs[b];
      continue;
    }
    uint ib, first, span;   // index block, first entry, entries left in it
    if(b < NDIRECT + NINDIRECT){
      ib = ip->addrs[INDIRECT_SLOT];
      first = b - NDIRECT;
    } else if(b < MAXFILE){
      uint d = b - NDIRECT - NINDIRECT;
      ib = mid_block(ip, d / NINDIRECT, 0);
      first = d % NINDIRECT;
    } else {
      ib = 0;
      first = 0;
    }
    span = NINDIRECT - first;
    if(span > count - i)
      span = count - i;
    if(ib == 0){
      memset(addr + i, 0, span * sizeof(uint));
    } else {
      struct buf *bp = bread(ip->dev, ib);
      memmove(addr + i, (uint *)bp->data + first, span * sizeof(uint));
      brelse(bp);
    }
    i += span;
  }
}

// Free block b and, for an index block (depth > 0), everything below it.
static void
free_tree(uint dev, uint b, int depth)
{
  if(depth > 0){
    struct buf *bp = bread(dev, b);
    uint *entries = (uint *)bp->data;
    for(int i = 0; i < NINDIRECT; i++)
      if(entries[i])
        free_tree(dev, entries[i], depth - 1);
    brelse(bp);
  }
  bfree(dev, b);
}

// Discard a file's contents (ip locked, inside an operation). Writes only
// bitmap blocks and the inode, so it fits in one operation at any size.
void
itrunc(struct inode *ip)
{
  for(int i = 0; i < NDIRECT; i++){
    if(ip->addrs[i]){
      bfree(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }
  if(ip->addrs[INDIRECT_SLOT]){
    free_tree(ip->dev, ip->addrs[INDIRECT_SLOT], 1);
    ip->addrs[INDIRECT_SLOT] = 0;
  }
  if(ip->addrs[DINDIRECT_SLOT]){
    free_tree(ip->dev, ip->addrs[DINDIRECT_SLOT], 2);
    ip->addrs[DINDIRECT_SLOT] = 0;
  }
  ip->mid_blk = 0;
  ip->size = 0;
  iupdate(ip);
}

void
stati(struct inode *ip, struct stat *st)
{
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->major = ip->major;
  st->minor = ip->minor;
  st->size = ip->size;
}

static const uchar zeros[BSIZE];   // what a hole reads as

// Read-ahead: a read brings the blocks it needs into the cache with one
// batch of disk requests, and a sequential reader also gets the blocks
// after them, so the disk works on many blocks per round trip.
#define RA_MAX   32   // most blocks fetched by one batch
#define RA_AHEAD 16   // extra blocks for a sequential reader

// Read the blocks addr[0..n) (0 = skip) into the cache in one batch.
// Blocks already cached, or without a free buffer, are left out.
static void
fetch_blocks(uint dev, const uint *addr, int n)
{
  struct buf *bv[RA_MAX];
  int nb = 0;
  for(int i = 0; i < n && nb < RA_MAX; i++){
    if(addr[i] == 0)
      continue;
    struct buf *b = btry(dev, addr[i]);
    if(b)
      bv[nb++] = b;
  }
  if(nb == 0)
    return;
  virtio_disk_rwv(bv, 0, nb, 0);
  for(int i = 0; i < nb; i++){
    bv[i]->valid = 1;
    brelse(bv[i]);
  }
}

// Read up to n bytes at off (ip locked). Returns the bytes read (0 at or
// past the end), or -EFAULT if the destination was bad from the start.
//
// Works in runs of up to RA_MAX blocks: map the run, fetch what is not
// cached in one batch (for a sequential reader, RA_AHEAD blocks more),
// then copy block by block.
int
readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  if(off >= ip->size)
    return 0;
  if(n > ip->size - off)
    n = ip->size - off;

  uint addr[RA_MAX];
  uint fileblocks = (ip->size + BSIZE - 1) / BSIZE;
  int sequential = off / BSIZE == ip->ra_next && off > 0;
  uint tot = 0;
  while(tot < n){
    uint bn = off / BSIZE;
    uint run = (off + (n - tot) - 1) / BSIZE - bn + 1;   // blocks still wanted
    if(run > RA_MAX)
      run = RA_MAX;
    // Read ahead for long reads, and for sequential ones when they enter
    // a new block (not on every byte of a reader going byte by byte).
    uint fetch = run;
    if(run > 1 || (sequential && off % BSIZE == 0))
      fetch = run + RA_AHEAD < RA_MAX ? run + RA_AHEAD : RA_MAX;
    if(fetch > fileblocks - bn)
      fetch = fileblocks - bn;
    bmap_range(ip, bn, fetch, addr);
    if(fetch > 1)
      fetch_blocks(ip->dev, addr, fetch);

    for(uint i = 0; i < run && tot < n; i++){
      uint m = BSIZE - off % BSIZE;
      if(m > n - tot)
        m = n - tot;
      int r;
      if(addr[i] == 0){
        r = either_copyout(user_dst, dst, zeros, m);
      } else {
        struct buf *bp = bread(ip->dev, addr[i]);
        r = either_copyout(user_dst, dst, bp->data + off % BSIZE, m);
        brelse(bp);
      }
      if(r < 0)
        return tot > 0 ? (int)tot : -EFAULT;
      tot += m;
      off += m;
      dst += m;
    }
  }
  ip->ra_next = off / BSIZE;
  return tot;
}

// Write n bytes at off (ip locked, inside an operation that has room for
// them: see log_fits). Writing past the end leaves a hole that reads as
// zeros. Returns the bytes written, or -EFBIG, -ENOSPC, -EFAULT if none.
int
writei(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
  if(off >= MAXFILESIZE)
    return n == 0 ? 0 : -EFBIG;
  if(n > MAXFILESIZE - off)
    n = MAXFILESIZE - off;

  uint tot = 0;
  int err = 0;
  while(tot < n){
    uint m = BSIZE - off % BSIZE;
    if(m > n - tot)
      m = n - tot;
    uint a = bmap(ip, off / BSIZE, 1);
    if(a == 0){
      err = -ENOSPC;
      break;
    }
    // A whole block from kernel memory replaces the old contents, so
    // there is no need to read them. From user memory the copy could
    // fail halfway, so the block must hold its real contents first.
    struct buf *bp = (m == BSIZE && !user_src) ? bclaim(ip->dev, a)
                                               : bread(ip->dev, a);
    if(either_copyin(bp->data + off % BSIZE, user_src, src, m) < 0){
      brelse(bp);
      err = -EFAULT;
      break;
    }
    log_write(bp);
    brelse(bp);
    tot += m;
    off += m;
    src += m;
  }
  if(off > ip->size)
    ip->size = off;
  // Even without a size change, bmap may have filled address slots.
  iupdate(ip);
  return tot > 0 ? (int)tot : err;
}

// ---------------------------------------------------------------------
// Directories

int
namecmp(const char *a, const char *b)
{
  return strncmp(a, b, DIRSIZ);
}

// Look for name in directory dp (locked). Returns its inum and offset, or
// 0; *freeoff (if given) receives the offset of the first empty slot, or
// dp->size if there is none.
static uint
dir_scan(struct inode *dp, const char *name, uint *poff, uint *freeoff)
{
  if(dp->type != T_DIR)
    panic("dir_scan: not a directory");
  int have_free = 0;
  if(freeoff)
    *freeoff = dp->size;
  for(uint boff = 0; boff < dp->size; boff += BSIZE){
    uint a = bmap(dp, boff / BSIZE, 0);
    uint inblock = dp->size - boff < BSIZE ? dp->size - boff : BSIZE;
    uint nent = inblock / sizeof(struct dirent);
    if(a == 0){
      // A hole in a directory reads as empty entries.
      if(!have_free && freeoff && nent > 0){
        *freeoff = boff;
        have_free = 1;
      }
      continue;
    }
    struct buf *bp = bread(dp->dev, a);
    struct dirent *de = (struct dirent *)bp->data;
    for(uint i = 0; i < nent; i++){
      if(de[i].inum == 0){
        if(!have_free && freeoff){
          *freeoff = boff + i * sizeof(struct dirent);
          have_free = 1;
        }
        continue;
      }
      if(name && namecmp(name, de[i].name) == 0){
        uint inum = de[i].inum;
        brelse(bp);
        if(poff)
          *poff = boff + i * sizeof(struct dirent);
        return inum;
      }
    }
    brelse(bp);
  }
  return 0;
}

uint
dir_find(struct inode *dp, char *name, uint *poff)
{
  return dir_scan(dp, name, poff, 0);
}

// The inode name refers to in dp (locked), referenced, or 0 if there is
// none (or no free inode table entry).
struct inode *
dirlookup(struct inode *dp, char *name, uint *poff)
{
  uint inum = dir_scan(dp, name, poff, 0);
  return inum ? iget(dp->dev, inum) : 0;
}

// Write the entry at off: name -> inum, or an empty slot if inum is 0.
int
dir_setentry(struct inode *dp, uint off, char *name, uint inum)
{
  struct dirent de;
  memset(&de, 0, sizeof(de));
  if(inum){
    strncpy(de.name, name, DIRSIZ);
    de.inum = inum;
  }
  int r = writei(dp, 0, (uint64)&de, off, sizeof(de));
  if(r == sizeof(de))
    return 0;
  return r < 0 ? r : -ENOSPC;
}

// Add name -> inum to dp (locked, inside an operation).
int
dirlink(struct inode *dp, char *name, uint inum)
{
  if(strlen(name) > DIRSIZ)
    return -ENAMETOOLONG;
  if(name[0] == 0)
    return -ENOENT;
  uint freeoff;
  if(dir_scan(dp, name, 0, &freeoff))
    return -EEXIST;
  return dir_setentry(dp, freeoff, name, inum);
}

// Does dp (locked) hold nothing but "." and ".."?
int
dir_isempty(struct inode *dp)
{
  for(uint off = 0; off < dp->size; off += sizeof(struct dirent)){
    struct dirent de;
    if(readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      break;
    if(de.inum == 0)
      continue;
    if(namecmp(de.name, ".") != 0 && namecmp(de.name, "..") != 0)
      return 0;
  }
  return 1;
}

// ---------------------------------------------------------------------
// Path names

// Take the next element of *pp into name (DIRSIZ+1 bytes) and advance
// past it and the slashes after it. Returns 1, or 0 if no element is
// left, or -ENAMETOOLONG.
static int
next_elem(char **pp, char *name)
{
  char *p = *pp;
  while(*p == '/')
    p++;
  if(*p == 0)
    return 0;
  char *s = p;
  while(*p != '/' && *p != 0)
    p++;
  int len = p - s;
  if(len > DIRSIZ)
    return -ENAMETOOLONG;
  memmove(name, s, len);
  name[len] = 0;
  while(*p == '/')
    p++;
  *pp = p;
  return 1;
}

// Walk path. With parent set, stop one element early and leave the last
// element in name. Callers must be inside an operation: iput may write.
static int
namex(char *path, int parent, char *name, struct inode **ipp)
{
  struct inode *ip, *next;
  *ipp = 0;
  if(path == 0 || path[0] == 0)
    return -ENOENT;

  struct proc *p = myproc();
  if(path[0] == '/' || p == 0 || p->cwd == 0)
    ip = iget(ROOTDEV, ROOTINO);
  else
    ip = idup(p->cwd);
  if(ip == 0)
    return -ENFILE;

  for(;;){
    int r = next_elem(&path, name);
    if(r < 0){
      iput(ip);
      return r;
    }
    if(r == 0)
      break;
    ilock(ip);
    if(ip->type != T_DIR){
      iunlockput(ip);
      return -ENOTDIR;
    }
    if(parent && *path == 0){
      iunlock(ip);
      *ipp = ip;
      return 0;
    }
    uint inum = dir_scan(ip, name, 0, 0);
    if(inum == 0){
      iunlockput(ip);
      return -ENOENT;
    }
    next = iget(ip->dev, inum);
    iunlockput(ip);
    if(next == 0)
      return -ENFILE;
    ip = next;
  }
  if(parent){
    // The path has no last element: it names the root (or cwd via "").
    iput(ip);
    return -EEXIST;
  }
  *ipp = ip;
  return 0;
}

int
namei_err(char *path, struct inode **ipp)
{
  char name[DIRSIZ + 1];
  return namex(path, 0, name, ipp);
}

int
nameiparent_err(char *path, char *name, struct inode **dpp)
{
  return namex(path, 1, name, dpp);
}

struct inode *
namei(char *path)
{
  struct inode *ip;
  namei_err(path, &ip);
  return ip;
}

struct inode *
nameiparent(char *path, char *name)
{
  struct inode *dp;
  nameiparent_err(path, name, &dp);
  return dp;
}
