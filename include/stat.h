// stat.h: what fstat(2) reports about a file, shared with user space.
#ifndef STAT_H
#define STAT_H

#define T_DIR     1   // directory
#define T_FILE    2   // regular file
#define T_DEVICE  3   // device file (major, minor)

struct stat {
  int dev;               // file system's disk device
  unsigned int ino;      // inode number
  short type;            // T_DIR, T_FILE or T_DEVICE
  short nlink;           // number of links to file
  short major;           // device files only
  short minor;
  unsigned long size;    // size of file in bytes
};

#endif
