// file.c: open files. A struct file is what a file descriptor points to:
// a pipe end, an inode (regular file or directory) with an offset, or a
// device file whose driver is found through devsw[major]. fork and dup
// share a struct file, so its offset and flags are shared too.
//
// The calls here dispatch on the type; the system calls in sysfile.c
// check their arguments and call them.
#include "types.h"
#include "param.h"
#include "fcntl.h"
#include "poll.h"
#include "stat.h"
#include "errno.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "defs.h"
#include "fs.h"
#include "file.h"

static struct {
  struct spinlock lock;
  struct file file[NFILE];
} ftable;

// Writing one block of a file may log, at worst: the data block, the
// inode, a singly indirect block or a doubly indirect pair, and one
// bitmap block for each of the (up to three) blocks it allocates.
#define WRITE_STEP_BLOCKS 7
_Static_assert(WRITE_STEP_BLOCKS <= MAXOPBLOCKS, "a step must fit in an operation");

void
fileinit(void)
{
  initlock(&ftable.lock, "ftable");
}

struct file *
filealloc(void)
{
  acquire(&ftable.lock);
  for(struct file *f = ftable.file; f < ftable.file + NFILE; f++){
    if(f->ref == 0){
      memset(f, 0, sizeof(*f));
      f->type = FD_NONE;
      f->ref = 1;
      release(&ftable.lock);
      return f;
    }
  }
  release(&ftable.lock);
  return 0;
}

struct file *
filedup(struct file *f)
{
  acquire(&ftable.lock);
  if(f->ref < 1)
    panic("filedup: file not open");
  f->ref++;
  release(&ftable.lock);
  return f;
}

int
file_count(void)
{
  int n = 0;
  acquire(&ftable.lock);
  for(int i = 0; i < NFILE; i++)
    if(ftable.file[i].ref > 0)
      n++;
  release(&ftable.lock);
  return n;
}

static struct devsw *
driver(struct file *f)
{
  if(f->major < 0 || f->major >= NDEV)
    return 0;
  return &devsw[f->major];
}

void
fileclose(struct file *f)
{
  acquire(&ftable.lock);
  if(f->ref < 1)
    panic("fileclose: file not open");
  if(f->ref > 1){
    f->ref--;
    release(&ftable.lock);
    return;
  }
  // The last reference. The slot keeps ref == 1 while we clean up, so
  // filealloc cannot hand it out and a driver's close sees the same
  // struct file its open saw.
  release(&ftable.lock);

  switch(f->type){
  case FD_PIPE:
    pipeclose(f->pipe, f->writable);
    break;
  case FD_DEVICE: {
    struct devsw *d = driver(f);
    if(d && d->close)
      d->close(f);
  }
    // fall through: a device file also holds its inode
  case FD_INODE:
    begin_op();
    iput(f->ip);
    end_op();
    break;
  case FD_NONE:
    break;
  }

  acquire(&ftable.lock);
  memset(f, 0, sizeof(*f));
  f->type = FD_NONE;
  release(&ftable.lock);
}

int
filestat(struct file *f, uint64 addr)
{
  struct stat st;
  memset(&st, 0, sizeof(st));
  if(f->type == FD_INODE || f->type == FD_DEVICE){
    ilock(f->ip);
    stati(f->ip, &st);
    iunlock(f->ip);
  }
  // A pipe reports type 0 and size 0: it has no inode.
  return copyout_user(addr, &st, sizeof(st));
}

int
fileread(struct file *f, uint64 addr, int n)
{
  if(!f->readable)
    return -EBADF;
  if(n < 0)
    return -EINVAL;

  switch(f->type){
  case FD_PIPE:
    return piperead(f->pipe, addr, n, f->flags & O_NONBLOCK);
  case FD_DEVICE: {
    struct devsw *d = driver(f);
    if(d == 0 || d->read == 0)
      return -EINVAL;
    return d->read(f, addr, n);
  }
  case FD_INODE: {
    ilock(f->ip);
    int r = 0;
    if(f->off < MAXFILESIZE){
      r = readi(f->ip, 1, addr, f->off, n);
      if(r > 0)
        f->off += r;
    }
    iunlock(f->ip);
    return r;
  }
  default:
    panic("fileread: bad type");
  }
}

// Write to a file in as many log operations as it takes. Each block is
// copied from user memory into a kernel buffer first, so a bad address
// is found before the disk block is touched.
static int
inode_write(struct file *f, uint64 addr, int n)
{
  char *kbuf = kmalloc(BSIZE);
  if(kbuf == 0)
    return -ENOMEM;
  struct inode *ip = f->ip;
  int done = 0, err = 0;

  while(done < n && err == 0){
    begin_op();
    int mark = log_mark();
    ilock(ip);
    if(f->flags & O_APPEND)
      f->off = ip->size;
    do {
      if(f->off >= MAXFILESIZE){
        err = -EFBIG;
        break;
      }
      uint m = BSIZE - f->off % BSIZE;
      if(m > n - done)
        m = n - done;
      if(copyin_user(kbuf, addr + done, m) < 0){
        err = -EFAULT;
        break;
      }
      int r = writei(ip, 0, (uint64)kbuf, f->off, m);
      if(r < 0){
        err = r;
        break;
      }
      f->off += r;
      done += r;
    } while(done < n && log_fits(mark, WRITE_STEP_BLOCKS));
    iunlock(ip);
    end_op();
  }
  kmfree(kbuf);
  return done > 0 ? done : err;
}

int
filewrite(struct file *f, uint64 addr, int n)
{
  if(!f->writable)
    return -EBADF;
  if(n < 0)
    return -EINVAL;

  switch(f->type){
  case FD_PIPE:
    return pipewrite(f->pipe, addr, n, f->flags & O_NONBLOCK);
  case FD_DEVICE: {
    struct devsw *d = driver(f);
    if(d == 0 || d->write == 0)
      return -EINVAL;
    return d->write(f, addr, n);
  }
  case FD_INODE:
    return inode_write(f, addr, n);
  default:
    panic("filewrite: bad type");
  }
}

int
fileioctl(struct file *f, int cmd, uint64 arg)
{
  if(f->type != FD_DEVICE)
    return -ENOTTY;
  struct devsw *d = driver(f);
  if(d == 0 || d->ioctl == 0)
    return -ENOTTY;
  return d->ioctl(f, cmd, arg);
}

int
filepoll(struct file *f)
{
  switch(f->type){
  case FD_PIPE:
    return pipepoll(f->pipe, f->writable);
  case FD_DEVICE: {
    struct devsw *d = driver(f);
    if(d && d->poll)
      return d->poll(f);
    return POLLIN | POLLOUT;
  }
  case FD_INODE:
    return POLLIN | POLLOUT;   // a disk file never makes anyone wait
  default:
    return 0;
  }
}

int
fdalloc(struct file *f)
{
  struct proc *p = myproc();
  for(int fd = 0; fd < NOFILE; fd++){
    if(p->ofile[fd] == 0){
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -EMFILE;
}
