// file.h: the open-file table and the device switch.
// Every open file is one of: a pipe, an inode (regular file or directory),
// or a device. A device file's major number selects an entry in devsw[];
// its driver keeps per-open state in f->priv (a stream, for instance).
#ifndef FILE_H
#define FILE_H
#include "types.h"

struct inode;
struct pipe;

enum filetype { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE };

struct file {
  enum filetype type;
  int ref;              // reference count (dup, fork)
  int flags;            // O_ACCMODE bits, O_NONBLOCK, O_APPEND
  char readable;
  char writable;
  struct pipe *pipe;    // FD_PIPE
  struct inode *ip;     // FD_INODE and FD_DEVICE
  uint64 off;           // FD_INODE
  short major;          // FD_DEVICE
  short minor;
  void *priv;           // FD_DEVICE: the driver's per-open state
};

// A device driver. All entries are optional (NULL): a missing read/write
// gives -EINVAL, a missing ioctl -ENOTTY, a missing poll means "always
// ready for what it can do". User buffers are user virtual addresses of
// the calling process; copy with copyout_user/copyin_user.
struct devsw {
  int  (*open)(struct file *f);             // 0 or -errno; may set f->priv
  void (*close)(struct file *f);            // last reference to f is gone
  int  (*read)(struct file *f, uint64 dst, int n);   // bytes or -errno
  int  (*write)(struct file *f, uint64 src, int n);  // bytes or -errno
  int  (*ioctl)(struct file *f, int cmd, uint64 arg);// result or -errno
  int  (*poll)(struct file *f);             // current POLL* readiness mask
};

extern struct devsw devsw[NDEV];

// Major numbers of built-in devices. Every other driver (STREAMS drivers
// in modules/, kernel/streams' own) gets its major at boot from
// devsw_register, and names its device files with devnode_add. The kernel
// lists all device files in /dev/devices ("path major minor" per line,
// path relative to /dev, e.g. "fish/ping 7 1"); init creates them with
// mknod (and mkdir for subdirectories) at boot, so the disk image never
// needs to know dynamic major numbers.
#define CONSOLE   1   // /dev/console
#define DEVNULL   2   // /dev/null (minor 0), /dev/zero (minor 1)
#define DEVLIST   3   // /dev/devices (read-only text)

// dev.c
int  devsw_register(const char *name, struct devsw *d); // major, or -ENODEV
const char *devsw_name(int major);                     // or 0
int  devnode_add(const char *path, int major, int minor); // 0 or -errno
void devinit(void);   // registers console, null/zero and the device list

// file.c
void          fileinit(void);
struct file  *filealloc(void);
struct file  *filedup(struct file *f);
void          fileclose(struct file *f);
int           filestat(struct file *f, uint64 addr);
int           fileread(struct file *f, uint64 addr, int n);
int           filewrite(struct file *f, uint64 addr, int n);
int           fileioctl(struct file *f, int cmd, uint64 arg);
int           filepoll(struct file *f);   // POLL* mask, POLLNVAL never
int           fdalloc(struct file *f);    // install in current process, or -EMFILE
int           file_count(void);           // entries in use

// pipe.c
int  pipealloc(struct file **f0, struct file **f1);
void pipeclose(struct pipe *pi, int writable);
int  piperead(struct pipe *pi, uint64 addr, int n, int nonblock);
int  pipewrite(struct pipe *pi, uint64 addr, int n, int nonblock);
int  pipepoll(struct pipe *pi, int writable);

#endif
