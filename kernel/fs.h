// fs.h: the file system, in two halves.
//
// The first half is the on-disk format: superblock, dinode, dirent and
// the constants that place them. The host's mkfs (tools/mkfs.c) and the
// checker (tools/fsck.c) include this half too, so it uses nothing but
// types.h; they define FS_DISK_FORMAT_ONLY to leave the second half out.
//
// The second half is the kernel's API for the layers of the file system:
// the disk driver (virtio_disk.c), the buffer cache (bio.c, details in
// buf.h), the write-ahead log (log.c) and inodes, directories and path
// names (fs.c). Open files and pipes are in file.h.
#ifndef FS_H
#define FS_H
#include "types.h"

// ---------------------------------------------------------------------
// On-disk format
//
// The disk is an array of BSIZE-byte blocks:
//
//   [ 0: boot | 1: super | log header | log blocks | inodes | bitmap | data ]
//
// All numbers are little-endian (both RISC-V and the hosts mkfs runs on).

#define BSIZE     1024        // block size in bytes
#define FSMAGIC   0x76365853  // "XS6v" in the superblock's first word
#define ROOTINO   1           // inode number of the root directory

struct superblock {
  uint magic;       // FSMAGIC
  uint size;        // blocks in the whole image
  uint nblocks;     // data blocks
  uint ninodes;     // inodes (numbered 0..ninodes-1; 0 is never used)
  uint nlog;        // log blocks, header included
  uint logstart;    // block of the log header
  uint inodestart;  // first inode block
  uint bmapstart;   // first free-map block
};

// Block addresses in an inode: NDIRECT direct ones, then one singly and
// one doubly indirect block. An indirect block is an array of NINDIRECT
// block numbers; 0 means "not allocated" (a hole reads as zeros).
#define NDIRECT     12
#define NINDIRECT   (BSIZE / sizeof(uint))            // 256
#define NDINDIRECT  (NINDIRECT * NINDIRECT)           // 65536
#define NADDRS      (NDIRECT + 2)
#define INDIRECT_SLOT   NDIRECT        // addrs[] index of the indirect block
#define DINDIRECT_SLOT  (NDIRECT + 1)  // addrs[] index of the double one
#define MAXFILE     (NDIRECT + NINDIRECT + NDINDIRECT) // blocks per file
#define MAXFILESIZE ((uint64)MAXFILE * BSIZE)          // about 64 MiB

// An inode on disk: 128 bytes, so that a block holds a whole number.
struct dinode {
  short type;          // T_DIR, T_FILE, T_DEVICE (stat.h); 0 = free
  short major;         // T_DEVICE only
  short minor;
  short nlink;         // directory entries naming this inode
  uint  size;          // bytes
  uint  addrs[NADDRS];
  uint  spare[15];     // reserved, zero
};

#define IPB           (BSIZE / sizeof(struct dinode))   // inodes per block
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart)     // block holding inode i
#define BPB           (BSIZE * 8)                       // bitmap bits per block
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmapstart)      // bitmap block of block b

// A directory is a file of dirents. inum 0 marks a free slot. A name of
// exactly DIRSIZ bytes has no terminating NUL.
#define DIRSIZ 30
struct dirent {
  ushort inum;
  char   name[DIRSIZ];
};

// The log header block: how many blocks the committed transaction holds
// and where each belongs. n == 0 means "nothing to replay".
#define LOGHDR_MAX ((BSIZE - sizeof(int)) / sizeof(int))
struct logheader_disk {
  int n;
  int block[LOGHDR_MAX];
};

_Static_assert(sizeof(struct dinode) == 128, "dinode must be 128 bytes");
_Static_assert(BSIZE % sizeof(struct dinode) == 0, "inodes straddle blocks");
_Static_assert(sizeof(struct dirent) == 32, "dirent must be 32 bytes");
_Static_assert(sizeof(struct logheader_disk) <= BSIZE, "log header too big");

#ifndef FS_DISK_FORMAT_ONLY
// ---------------------------------------------------------------------
// Kernel API
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

#endif // FS_DISK_FORMAT_ONLY
#endif
