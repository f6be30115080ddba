// param.h: compile-time limits of the kernel. Every fixed table size lives
// here or, for those a user program also sees (processes, open files,
// path and argument lengths), in include/sysparam.h, so that a reader can
// see at a glance what the machine can hold.
#ifndef PARAM_H
#define PARAM_H
#include "sysparam.h"

#define NCPU          8     // maximum number of harts
#define NFILE       512     // open files per system
#define NINODE      128     // maximum number of active i-nodes
#define ROOTDEV       1     // device number of file system root disk
#define MAXOPBLOCKS  16     // max # of blocks any FS op writes
#define LOGSIZE      (MAXOPBLOCKS*3)  // max data blocks in on-disk log
#define NBUF         256    // size of disk block cache (the log may hold 3*MAXOPBLOCKS)
#define FSSIZE       65536  // size of file system in blocks (64 MiB)
#define TICK_MS      1      // timer interrupt period in milliseconds

#endif
