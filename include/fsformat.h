// fsformat.h: the file system's on-disk format: superblock, dinode,
// dirent and the constants that place them. The kernel (kernel/fs.h),
// the host's mkfs and fsck (tools/) and user programs that read
// directories or probe file sizes all include it, so it uses nothing but
// types.h.
#ifndef FSFORMAT_H
#define FSFORMAT_H
#include "types.h"

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

#endif
