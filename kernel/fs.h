// fs.h: the kernel's API for the layers of the file system: the disk
// driver (virtio_disk.c), the buffer cache (bio.c, details in buf.h), the
// write-ahead log (log.c) and inodes, directories and path names (fs.c).
// Open files and pipes are in file.h. The on-disk format (superblock,
// dinode, dirent) is include/fsformat.h, which this file includes.
#ifndef FS_H
#define FS_H
#include "types.h"
#include "fsformat.h"
#include "sleeplock.h"

struct buf;
struct stat;

// An inode in memory. ref counts C pointers to it (open files, cwd,
// lookups in progress); the fields below `lock` are a copy of the
// dinode, valid once ilock() has read it, and protected by `lock`.
struct inode {
  uint dev;
  uint inum;
  int  ref;              // protected by the inode table's spinlock
  struct sleeplock lock;
  int  valid;            // dinode fields read from disk?
  short type;
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NADDRS];
  // Caches, also under `lock`, reset whenever the dinode is (re)read:
  uint mid_idx;          // which doubly indirect entry mid_blk is
  uint mid_blk;          // its block (0 = nothing cached)
  uint ra_next;          // file block a sequential reader wants next
};

// virtio_disk.c: the disk. Both calls sleep until the transfer is done.
void   virtio_disk_init(void);
void   virtio_disk_rw(struct buf *b, int write);   // block b->blockno
// Transfer n locked buffers at once (the disk works on them in parallel).
// blocks[i] is the disk block for bv[i]'s data, or blocks == 0 to use
// each buffer's own blockno.
void   virtio_disk_rwv(struct buf **bv, const uint *blocks, int n, int write);
uint64 virtio_disk_blocks(void);                   // capacity in BSIZE blocks

// bio.c (the rest of the buffer cache API is in buf.h)
void   binit(void);

// log.c: every change to the disk happens inside begin_op()/end_op().
// An operation may write at most MAXOPBLOCKS distinct blocks, unless it
// asks log_fits() before each step (file writes do).
void   initlog(int dev, struct superblock *sb);
void   begin_op(void);
void   end_op(void);
void   log_write(struct buf *b);       // instead of bwrite() inside an op
int    log_mark(void);                 // call right after begin_op()
int    log_fits(int mark, int nblocks);

// fs.c: inodes
void   iinit(void);
void   fsinit(int dev);
struct inode *ialloc(uint dev, short type);   // unlocked, referenced; 0 if none left
struct inode *iget(uint dev, uint inum);      // referenced; 0 if the table is full
struct inode *idup(struct inode *ip);
void   ilock(struct inode *ip);
void   iunlock(struct inode *ip);
void   iput(struct inode *ip);
void   iunlockput(struct inode *ip);
void   iupdate(struct inode *ip);
void   itrunc(struct inode *ip);
int    readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n);
int    writei(struct inode *ip, int user_src, uint64 src, uint off, uint n);
void   stati(struct inode *ip, struct stat *st);
int    inode_count(void);

// fs.c: directories and path names. Name buffers are DIRSIZ+1 bytes.
uint   dir_find(struct inode *dp, char *name, uint *poff);  // inum or 0
struct inode *dirlookup(struct inode *dp, char *name, uint *poff);
int    dirlink(struct inode *dp, char *name, uint inum);   // 0 or -errno
int    dir_isempty(struct inode *dp);                      // only . and ..
int    dir_setentry(struct inode *dp, uint off, char *name, uint inum);
int    namecmp(const char *a, const char *b);
struct inode *namei(char *path);                           // 0 on any error
struct inode *nameiparent(char *path, char *name);
// The same walks with a precise error: 0 or -ENOENT, -ENOTDIR,
// -ENAMETOOLONG, -ENFILE (inode table full).
int    namei_err(char *path, struct inode **ipp);
// *dpp = the (unlocked) parent of the last element; name = that element.
// A path without a last element ("/") gives -EEXIST: it names the root.
int    nameiparent_err(char *path, char *name, struct inode **dpp);

// exec.c
int    exec(char *path, char **argv);   // argc, or -errno

#endif
