// pipe.c: pipes. A pipe is a ring buffer of PIPE_PAGES pages with a read
// end and a write end, each an open file. nread and nwrite count every
// byte ever read and written; they never wrap in practice (64 bits), so
// nwrite - nread is the amount buffered and equal counts mean empty.
//
// Data is copied straight between the ring and user memory, a contiguous
// run at a time, so a large write costs a few copies rather than one
// call per byte. Every change of readiness calls pollwakeup() so that
// poll(2) sleepers look again.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "fcntl.h"
#include "poll.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "file.h"

#define PIPE_PAGES 4
#define PIPESIZE   (PIPE_PAGES * PGSIZE)

struct pipe {
  struct spinlock lock;
  char *page[PIPE_PAGES];
  uint64 nread;      // bytes read so far
  uint64 nwrite;     // bytes written so far
  int readopen;      // read end still open
  int writeopen;     // write end still open
};

static void
pipefree(struct pipe *pi)
{
  for(int i = 0; i < PIPE_PAGES; i++)
    if(pi->page[i])
      kfree(pi->page[i]);
  kmfree(pi);
}

int
pipealloc(struct file **f0, struct file **f1)
{
  struct pipe *pi = kmalloc(sizeof(struct pipe));
  *f0 = *f1 = 0;
  if(pi == 0)
    return -ENOMEM;
  memset(pi, 0, sizeof(*pi));
  for(int i = 0; i < PIPE_PAGES; i++){
    if((pi->page[i] = kalloc()) == 0){
      pipefree(pi);
      return -ENOMEM;
    }
  }
  initlock(&pi->lock, "pipe");
  pi->readopen = 1;
  pi->writeopen = 1;

  if((*f0 = filealloc()) == 0 || (*f1 = filealloc()) == 0){
    if(*f0)
      fileclose(*f0);   // still FD_NONE: just frees the slot
    *f0 = 0;
    pipefree(pi);
    return -ENFILE;
  }
  (*f0)->type = FD_PIPE;
  (*f0)->readable = 1;
  (*f0)->flags = O_RDONLY;
  (*f0)->pipe = pi;
  (*f1)->type = FD_PIPE;
  (*f1)->writable = 1;
  (*f1)->flags = O_WRONLY;
  (*f1)->pipe = pi;
  return 0;
}

void
pipeclose(struct pipe *pi, int writable)
{
  acquire(&pi->lock);
  if(writable){
    pi->writeopen = 0;
    wakeup(&pi->nread);     // readers see end of file
  } else {
    pi->readopen = 0;
    wakeup(&pi->nwrite);    // writers see a broken pipe
  }
  int gone = !pi->readopen && !pi->writeopen;
  release(&pi->lock);
  if(gone)
    pipefree(pi);
  else
    pollwakeup();
}

// Where byte number pos of the stream lives, and how many bytes from
// there on are contiguous in the same page.
static char *
ring_at(struct pipe *pi, uint64 pos, uint64 *contig)
{
  uint64 i = pos % PIPESIZE;
  *contig = PGSIZE - i % PGSIZE;
  return pi->page[i / PGSIZE] + i % PGSIZE;
}

int
pipewrite(struct pipe *pi, uint64 addr, int n, int nonblock)
{
  int done = 0, err = 0;
  acquire(&pi->lock);
  while(done < n){
    if(!pi->readopen){
      err = -EPIPE;
      break;
    }
    if(killed(myproc())){
      err = -EINTR;
      break;
    }
    uint64 space = PIPESIZE - (pi->nwrite - pi->nread);
    if(space == 0){
      if(nonblock){
        err = -EAGAIN;
        break;
      }
      // Full: let the readers drain it.
      wakeup(&pi->nread);
      pollwakeup();
      sleep(&pi->nwrite, &pi->lock);
      continue;
    }
    uint64 contig;
    char *dst = ring_at(pi, pi->nwrite, &contig);
    uint64 m = n - done;
    if(m > space)
      m = space;
    if(m > contig)
      m = contig;
    if(copyin_user(dst, addr + done, m) < 0){
      err = -EFAULT;
      break;
    }
    pi->nwrite += m;
    done += m;
  }
  if(done > 0)
    wakeup(&pi->nread);
  release(&pi->lock);
  if(done > 0)
    pollwakeup();
  return done > 0 ? done : err;
}

int
piperead(struct pipe *pi, uint64 addr, int n, int nonblock)
{
  acquire(&pi->lock);
  while(pi->nread == pi->nwrite && pi->writeopen){
    if(killed(myproc())){
      release(&pi->lock);
      return -EINTR;
    }
    if(nonblock){
      release(&pi->lock);
      return -EAGAIN;
    }
    sleep(&pi->nread, &pi->lock);
  }

  int done = 0, err = 0;
  while(done < n && pi->nread != pi->nwrite){
    uint64 contig;
    char *src = ring_at(pi, pi->nread, &contig);
    uint64 m = n - done;
    if(m > pi->nwrite - pi->nread)
      m = pi->nwrite - pi->nread;
    if(m > contig)
      m = contig;
    if(copyout_user(addr + done, src, m) < 0){
      err = -EFAULT;
      break;
    }
    pi->nread += m;
    done += m;
  }
  if(done > 0)
    wakeup(&pi->nwrite);
  release(&pi->lock);
  if(done > 0)
    pollwakeup();
  return done > 0 || err == 0 ? done : err;
}

int
pipepoll(struct pipe *pi, int writable)
{
  int mask = 0;
  acquire(&pi->lock);
  if(writable){
    if(!pi->readopen)
      mask |= POLLERR | POLLOUT;      // a write fails at once with EPIPE
    else if(pi->nwrite - pi->nread < PIPESIZE)
      mask |= POLLOUT;
  } else {
    if(pi->nwrite != pi->nread)
      mask |= POLLIN;
    if(!pi->writeopen)
      mask |= POLLIN | POLLHUP;       // read returns end of file at once
  }
  release(&pi->lock);
  return mask;
}
