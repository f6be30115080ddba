// sysfile.c: the file system calls. Each fetches and checks its
// arguments, then works through file.c (open files), fs.c (names and
// inodes) and exec.c. Every failure is a distinct negative errno; user
// pointers are only touched through copyin/copyout, which give -EFAULT.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "stat.h"
#include "fcntl.h"
#include "poll.h"
#include "errno.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "proc.h"
#include "defs.h"
#include "fs.h"
#include "file.h"

#define POLL_MAX 256  // most pollfds one poll(2) may watch (one kmalloc)

// Removing a name (unlink, rename) takes this lock first, so that a
// rename, which works on one directory at a time, never sees its source
// name vanish or a directory move under it. Creating names needs no such
// care: the parent's inode lock covers the check and the insertion.
static struct sleeplock namespace_lock = {
  .lk = { .name = "namespace" },
  .name = "namespace",
};

// Fetch argument n as a file descriptor of the current process.
static int
argfd(int n, int *pfd, struct file **pf)
{
  int fd;
  argint(n, &fd);
  if(fd < 0 || fd >= NOFILE)
    return -EBADF;
  struct file *f = myproc()->ofile[fd];
  if(f == 0)
    return -EBADF;
  if(pfd)
    *pfd = fd;
  if(pf)
    *pf = f;
  return 0;
}

// A read or write buffer must lie inside the process's memory as a
// whole: a length running past the end (a huge one, typically) fails
// at once instead of transferring a prefix. Holes inside the memory
// (the stack's guard page) are still found by copyin/copyout.
static int
user_buffer_ok(uint64 addr, int n)
{
  return n <= 0 || (addr + n >= addr && addr + n <= myproc()->sz);
}

uint64
sys_read(void)
{
  struct file *f;
  int n, r;
  uint64 addr;
  if((r = argfd(0, 0, &f)) < 0)
    return r;
  argaddr(1, &addr);
  argint(2, &n);
  if(!f->readable)
    return -EBADF;
  if(!user_buffer_ok(addr, n))
    return -EFAULT;
  return fileread(f, addr, n);
}

uint64
sys_write(void)
{
  struct file *f;
  int n, r;
  uint64 addr;
  if((r = argfd(0, 0, &f)) < 0)
    return r;
  argaddr(1, &addr);
  argint(2, &n);
  if(!f->writable)
    return -EBADF;
  if(!user_buffer_ok(addr, n))
    return -EFAULT;
  return filewrite(f, addr, n);
}

uint64
sys_close(void)
{
  int fd, r;
  struct file *f;
  if((r = argfd(0, &fd, &f)) < 0)
    return r;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

uint64
sys_dup(void)
{
  struct file *f;
  int r;
  if((r = argfd(0, 0, &f)) < 0)
    return r;
  int fd = fdalloc(f);
  if(fd < 0)
    return fd;
  filedup(f);
  return fd;
}

uint64
sys_dup2(void)
{
  struct file *f;
  int r, newfd;
  if((r = argfd(0, 0, &f)) < 0)
    return r;
  argint(1, &newfd);
  if(newfd < 0 || newfd >= NOFILE)
    return -EBADF;
  struct proc *p = myproc();
  if(p->ofile[newfd] == f)
    return newfd;
  struct file *old = p->ofile[newfd];
  p->ofile[newfd] = filedup(f);
  if(old)
    fileclose(old);
  return newfd;
}

uint64
sys_fstat(void)
{
  struct file *f;
  uint64 addr;
  int r;
  if((r = argfd(0, 0, &f)) < 0)
    return r;
  argaddr(1, &addr);
  return filestat(f, addr);
}

uint64
sys_ioctl(void)
{
  struct file *f;
  int cmd, r;
  uint64 arg;
  if((r = argfd(0, 0, &f)) < 0)
    return r;
  argint(1, &cmd);
  argaddr(2, &arg);
  return fileioctl(f, cmd, arg);
}

uint64
sys_fcntl(void)
{
  struct file *f;
  int cmd, r;
  uint64 arg;
  if((r = argfd(0, 0, &f)) < 0)
    return r;
  argint(1, &cmd);
  argaddr(2, &arg);
  switch(cmd){
  case F_GETFL:
    return f->flags;
  case F_SETFL: {
    int changeable = O_NONBLOCK | O_APPEND;
    f->flags = (f->flags & ~changeable) | (arg & changeable);
    return 0;
  }
  default:
    return -EINVAL;
  }
}

uint64
sys_lseek(void)
{
  struct file *f;
  int whence, r;
  uint64 uoff;
  if((r = argfd(0, 0, &f)) < 0)
    return r;
  argaddr(1, &uoff);
  argint(2, &whence);
  if(f->type != FD_INODE)
    return -ESPIPE;
  long off = (long)uoff;

  ilock(f->ip);
  long base;
  switch(whence){
  case SEEK_SET: base = 0; break;
  case SEEK_CUR: base = f->off; break;
  case SEEK_END: base = f->ip->size; break;
  default:
    iunlock(f->ip);
    return -EINVAL;
  }
  // base is at most MAXFILESIZE, so the sum cannot overflow unless off
  // is near the limit of a long; check before adding.
  long pos;
  if(off > (long)MAXFILESIZE || off < -(long)MAXFILESIZE ||
     (pos = base + off) < 0 || pos > (long)MAXFILESIZE){
    iunlock(f->ip);
    return -EINVAL;
  }
  f->off = pos;
  iunlock(f->ip);
  return pos;
}

// Create path as a new inode of the given type; return it locked. For
// O_CREATE without O_EXCL (excl == 0) an existing file is returned
// instead, locked, as open(2) wants. Inside an operation.
static int
create(char *path, short type, short major, short minor, int excl,
       struct inode **ipp)
{
  struct inode *dp, *ip;
  char name[DIRSIZ + 1];
  int r;

  *ipp = 0;
  if((r = nameiparent_err(path, name, &dp)) < 0)
    return r;   // -EEXIST for "/": it exists
  ilock(dp);
  if(dp->nlink == 0){
    // The directory was removed while someone still used it.
    iunlockput(dp);
    return -ENOENT;
  }

  uint inum = dir_find(dp, name, 0);
  if(inum){
    if(excl){
      iunlockput(dp);
      return -EEXIST;
    }
    ip = iget(dp->dev, inum);
    iunlockput(dp);
    if(ip == 0)
      return -ENFILE;
    ilock(ip);
    if(ip->type == T_DIR){
      iunlockput(ip);
      return -EISDIR;
    }
    *ipp = ip;
    return 0;
  }

  if((ip = ialloc(dp->dev, type)) == 0){
    iunlockput(dp);
    return -ENOSPC;
  }
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  if(type == T_DIR){
    // "." is not counted in nlink: a directory names itself.
    if((r = dirlink(ip, ".", ip->inum)) < 0 ||
       (r = dirlink(ip, "..", dp->inum)) < 0)
      goto undo;
  }
  if((r = dirlink(dp, name, ip->inum)) < 0)
    goto undo;
  if(type == T_DIR){
    dp->nlink++;   // for the child's ".."
    iupdate(dp);
  }
  iunlockput(dp);
  *ipp = ip;
  return 0;

undo:
  // nlink 0 and no other reference: iput frees the inode and its blocks.
  ip->nlink = 0;
  iupdate(ip);
  iunlockput(ip);
  iunlockput(dp);
  return r;
}

#define OPEN_FLAGS (O_ACCMODE | O_CREATE | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK)

uint64
sys_open(void)
{
  char path[MAXPATH];
  int flags, r;
  struct inode *ip;

  if((r = argstr(0, path, MAXPATH)) < 0)
    return r;
  argint(1, &flags);
  int acc = flags & O_ACCMODE;
  if((flags & ~OPEN_FLAGS) || acc == O_ACCMODE)
    return -EINVAL;
  int readable = acc == O_RDONLY || acc == O_RDWR;
  int writable = acc == O_WRONLY || acc == O_RDWR;

  begin_op();
  if(flags & O_CREATE){
    r = create(path, T_FILE, 0, 0, flags & O_EXCL, &ip);
  } else if((r = namei_err(path, &ip)) == 0){
    ilock(ip);
  }
  if(r < 0){
    end_op();
    return r;
  }
  if(ip->type == T_DIR && writable){
    iunlockput(ip);
    end_op();
    return -EISDIR;
  }

  struct file *f = filealloc();
  if(f == 0){
    iunlockput(ip);
    end_op();
    return -ENFILE;
  }
  int fd = fdalloc(f);
  if(fd < 0){
    fileclose(f);   // still FD_NONE
    iunlockput(ip);
    end_op();
    return fd;
  }
  if((flags & O_TRUNC) && writable && ip->type == T_FILE)
    itrunc(ip);

  if(ip->type == T_DEVICE){
    f->type = FD_DEVICE;
    f->major = ip->major;
    f->minor = ip->minor;
  } else {
    f->type = FD_INODE;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = readable;
  f->writable = writable;
  f->flags = flags & (O_ACCMODE | O_NONBLOCK | O_APPEND);
  iunlock(ip);
  end_op();

  // A driver's open may sleep for long: not inside a log operation.
  if(f->type == FD_DEVICE){
    r = 0;
    if(f->major < 0 || f->major >= NDEV)
      r = -ENXIO;
    else {
      struct devsw *d = &devsw[f->major];
      if(!d->open && !d->close && !d->read && !d->write && !d->ioctl && !d->poll)
        r = -ENXIO;   // no driver has this major number
      else if(d->open)
        r = d->open(f);
    }
    if(r < 0){
      // Undo without calling the driver's close: it never opened.
      myproc()->ofile[fd] = 0;
      f->type = FD_INODE;
      fileclose(f);
      return r;
    }
  }
  return fd;
}

uint64
sys_mkdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int r;
  if((r = argstr(0, path, MAXPATH)) < 0)
    return r;
  begin_op();
  if((r = create(path, T_DIR, 0, 0, 1, &ip)) == 0)
    iunlockput(ip);
  end_op();
  return r;
}

uint64
sys_mknod(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int major, minor, r;
  if((r = argstr(0, path, MAXPATH)) < 0)
    return r;
  argint(1, &major);
  argint(2, &minor);
  if(major < 0 || major >= NDEV || minor < 0 || minor > 32767)
    return -EINVAL;
  begin_op();
  if((r = create(path, T_DEVICE, major, minor, 1, &ip)) == 0)
    iunlockput(ip);
  end_op();
  return r;
}

uint64
sys_chdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int r;
  struct proc *p = myproc();
  if((r = argstr(0, path, MAXPATH)) < 0)
    return r;
  begin_op();
  if((r = namei_err(path, &ip)) < 0){
    end_op();
    return r;
  }
  ilock(ip);
  if(ip->type != T_DIR){
    iunlockput(ip);
    end_op();
    return -ENOTDIR;
  }
  iunlock(ip);
  if(p->cwd)
    iput(p->cwd);
  end_op();
  p->cwd = ip;
  return 0;
}

static int
is_dot_or_dotdot(char *name)
{
  return namecmp(name, ".") == 0 || namecmp(name, "..") == 0;
}

uint64
sys_link(void)
{
  char old[MAXPATH], new[MAXPATH], name[DIRSIZ + 1];
  struct inode *ip, *dp;
  int r;
  if((r = argstr(0, old, MAXPATH)) < 0 || (r = argstr(1, new, MAXPATH)) < 0)
    return r;

  begin_op();
  if((r = namei_err(old, &ip)) < 0){
    end_op();
    return r;
  }
  ilock(ip);
  if(ip->type == T_DIR || ip->nlink >= 32767){
    r = ip->type == T_DIR ? -EPERM : -EMLINK;
    iunlockput(ip);
    end_op();
    return r;
  }
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  if((r = nameiparent_err(new, name, &dp)) < 0)
    goto undo;
  ilock(dp);
  if(dp->nlink == 0)
    r = -ENOENT;
  else if(dp->dev != ip->dev)
    r = -EXDEV;
  else
    r = dirlink(dp, name, ip->inum);
  iunlockput(dp);
  if(r < 0)
    goto undo;
  iput(ip);
  end_op();
  return 0;

undo:
  ilock(ip);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  end_op();
  return r;
}

uint64
sys_unlink(void)
{
  char path[MAXPATH], name[DIRSIZ + 1];
  struct inode *ip, *dp;
  uint off;
  int r;
  if((r = argstr(0, path, MAXPATH)) < 0)
    return r;

  acquiresleep(&namespace_lock);
  begin_op();
  if((r = nameiparent_err(path, name, &dp)) < 0){
    if(r == -EEXIST)
      r = -EBUSY;   // the root
    goto out;
  }
  ilock(dp);
  uint inum;
  if(is_dot_or_dotdot(name))
    r = -EINVAL;
  else if((inum = dir_find(dp, name, &off)) == 0)
    r = -ENOENT;
  else if((ip = iget(dp->dev, inum)) == 0)
    r = -ENFILE;
  if(r < 0){
    iunlockput(dp);
    goto out;
  }

  ilock(ip);
  if(ip->type == T_DIR && !dir_isempty(ip)){
    iunlockput(ip);
    iunlockput(dp);
    r = -ENOTEMPTY;
    goto out;
  }
  if((r = dir_setentry(dp, off, 0, 0)) < 0){
    iunlockput(ip);
    iunlockput(dp);
    goto out;
  }
  if(ip->type == T_DIR){
    dp->nlink--;   // its ".." is gone
    iupdate(dp);
  }
  iunlockput(dp);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);   // frees it if nobody has it open
out:
  end_op();
  releasesleep(&namespace_lock);
  return r;
}

// Is directory `dir` the directory dp or one of its ancestors? Walks
// up from dp through "..". Called with no inode locked.
static int
is_ancestor(struct inode *dir, struct inode *dp)
{
  struct inode *cur = idup(dp);
  for(int depth = 0; depth < 4096; depth++){
    if(cur->inum == dir->inum){
      iput(cur);
      return 1;
    }
    if(cur->inum == ROOTINO){
      iput(cur);
      return 0;
    }
    ilock(cur);
    uint up = dir_find(cur, "..", 0);
    struct inode *next = up ? iget(cur->dev, up) : 0;
    iunlock(cur);
    iput(cur);
    if(next == 0)
      return 1;   // cannot tell: refuse the move
    cur = next;
  }
  iput(cur);
  return 1;
}

// rename(old, new): give old's inode the name new, atomically replacing
// what new named before (an empty directory may replace a directory).
// Under namespace_lock nothing else removes names, so the steps below
// run one directory at a time: link new (in place if it exists), then
// remove old. All of it is one log operation: a crash leaves either the
// old state or the new one.
uint64
sys_rename(void)
{
  char old[MAXPATH], new[MAXPATH];
  char oname[DIRSIZ + 1], nname[DIRSIZ + 1];
  struct inode *odp = 0, *ndp = 0, *ip = 0, *tp = 0;
  uint ooff, noff;
  int r;
  if((r = argstr(0, old, MAXPATH)) < 0 || (r = argstr(1, new, MAXPATH)) < 0)
    return r;

  acquiresleep(&namespace_lock);
  begin_op();
  if((r = nameiparent_err(old, oname, &odp)) < 0 ||
     (r = nameiparent_err(new, nname, &ndp)) < 0){
    if(r == -EEXIST)
      r = -EBUSY;   // the root cannot move or be replaced
    goto out;
  }
  if(is_dot_or_dotdot(oname) || is_dot_or_dotdot(nname)){
    r = -EINVAL;
    goto out;
  }

  // The source.
  ilock(odp);
  uint inum = dir_find(odp, oname, &ooff);
  ip = inum ? iget(odp->dev, inum) : 0;
  iunlock(odp);
  if(ip == 0){
    r = inum ? -ENFILE : -ENOENT;
    goto out;
  }
  ilock(ip);
  int isdir = ip->type == T_DIR;
  iunlock(ip);
  int moving_dir = isdir && odp->inum != ndp->inum;
  if(moving_dir && is_ancestor(ip, ndp)){
    r = -EINVAL;   // a directory cannot go inside itself
    goto out;
  }

  // Step 1: the new name.
  ilock(ndp);
  if(ndp->nlink == 0){
    iunlock(ndp);
    r = -ENOENT;
    goto out;
  }
  uint tinum = dir_find(ndp, nname, &noff);
  if(tinum == ip->inum){
    // Both names already refer to the same file: nothing to do.
    iunlock(ndp);
    r = 0;
    goto out;
  }
  if(tinum){
    if((tp = iget(ndp->dev, tinum)) == 0){
      iunlock(ndp);
      r = -ENFILE;
      goto out;
    }
    ilock(tp);
    if(tp->type == T_DIR && !isdir)
      r = -EISDIR;
    else if(tp->type != T_DIR && isdir)
      r = -ENOTDIR;
    else if(tp->type == T_DIR && !dir_isempty(tp))
      r = -ENOTEMPTY;
    else
      r = dir_setentry(ndp, noff, nname, ip->inum);
    if(r == 0){
      if(tp->type == T_DIR)
        ndp->nlink--;   // the replaced directory's ".." is gone
      tp->nlink--;
      iupdate(tp);
    }
    iunlock(tp);
  } else {
    r = dirlink(ndp, nname, ip->inum);
  }
  if(r == 0 && moving_dir)
    ndp->nlink++;       // the moved directory's ".." will name it
  if(r == 0)
    iupdate(ndp);
  iunlock(ndp);
  if(r < 0)
    goto out;

  // Step 2: remove the old name (still there: nobody else may remove).
  ilock(odp);
  if(dir_find(odp, oname, &ooff) == ip->inum)
    r = dir_setentry(odp, ooff, 0, 0);
  if(r == 0 && moving_dir){
    odp->nlink--;
    iupdate(odp);
  }
  iunlock(odp);

  // Step 3: a moved directory's ".." names its new parent.
  if(r == 0 && moving_dir){
    ilock(ip);
    uint doff;
    if(dir_find(ip, "..", &doff))
      r = dir_setentry(ip, doff, "..", ndp->inum);
    iunlock(ip);
  }

out:
  if(tp)
    iput(tp);   // frees the replaced file if this was its last name
  if(ip)
    iput(ip);
  if(ndp)
    iput(ndp);
  if(odp)
    iput(odp);
  end_op();
  releasesleep(&namespace_lock);
  return r;
}

uint64
sys_pipe(void)
{
  uint64 fdarray;
  struct file *rf, *wf;
  struct proc *p = myproc();
  int r;

  argaddr(0, &fdarray);
  if((r = pipealloc(&rf, &wf)) < 0)
    return r;
  int fd[2] = { -1, -1 };
  if((fd[0] = fdalloc(rf)) < 0 || (fd[1] = fdalloc(wf)) < 0){
    r = -EMFILE;
    goto fail;
  }
  if(copyout_user(fdarray, fd, sizeof(fd)) < 0){
    r = -EFAULT;
    goto fail;
  }
  return 0;

fail:
  if(fd[0] >= 0)
    p->ofile[fd[0]] = 0;
  if(fd[1] >= 0)
    p->ofile[fd[1]] = 0;
  fileclose(rf);
  fileclose(wf);
  return r;
}

uint64
sys_exec(void)
{
  char path[MAXPATH];
  char *argv[MAXARG + 1];
  uint64 uargv;
  int r;

  if((r = argstr(0, path, MAXPATH)) < 0)
    return r;
  argaddr(1, &uargv);
  memset(argv, 0, sizeof(argv));

  // Copy the argument strings into the kernel, one page each. A null
  // argv is a bad address like any other (page 0 is never the user's).
  for(int i = 0; ; i++){
    uint64 uarg;
    if(fetchaddr(uargv + i * sizeof(uint64), &uarg) < 0){
      r = -EFAULT;
      goto out;
    }
    if(uarg == 0)
      break;
    if(i >= MAXARG){
      r = -E2BIG;
      goto out;
    }
    if((argv[i] = kalloc()) == 0){
      r = -ENOMEM;
      goto out;
    }
    int len = fetchstr(uarg, argv[i], PGSIZE);
    if(len < 0){
      r = len == -EFAULT ? -EFAULT : -E2BIG;
      goto out;
    }
  }
  r = exec(path, argv);

out:
  for(int i = 0; i < MAXARG && argv[i]; i++)
    kfree(argv[i]);
  return r;
}

// poll(fds, nfds, timeout_ms): wait until one of the files is ready for
// what its pollfd asks, or the timeout passes (< 0: never; 0: just look).
// Waiting uses the global poll sequence (poll.c): note the sequence,
// check every file, and sleep only if nobody signalled since the note.
static int poll_files(struct proc *p, struct pollfd *pfd, uint64 ufds, int nfds,
                      int timeout);

uint64
sys_poll(void)
{
  uint64 ufds;
  int nfds, timeout;
  struct proc *p = myproc();

  argaddr(0, &ufds);
  argint(1, &nfds);
  argint(2, &timeout);
  if(nfds < 0 || nfds > POLL_MAX)
    return -EINVAL;
  // Not on the kernel stack: 256 entries would take a quarter of it.
  struct pollfd *pfd = kmalloc(POLL_MAX * sizeof(struct pollfd));
  if(pfd == 0)
    return -ENOMEM;
  int r = poll_files(p, pfd, ufds, nfds, timeout);
  kmfree(pfd);
  return r;
}

static int
poll_files(struct proc *p, struct pollfd *pfd, uint64 ufds, int nfds, int timeout)
{
  if(nfds > 0 && copyin_user(pfd, ufds, nfds * sizeof(struct pollfd)) < 0)
    return -EFAULT;

  uint64 deadline = timeout > 0 ? uptime_ms() + timeout : 0;
  int ready;
  for(;;){
    uint64 seq = poll_seq();
    ready = 0;
    for(int i = 0; i < nfds; i++){
      int fd = pfd[i].fd;
      pfd[i].revents = 0;
      if(fd < 0)
        continue;   // ignored, as POSIX has it
      if(fd >= NOFILE || p->ofile[fd] == 0)
        pfd[i].revents = POLLNVAL;
      else
        pfd[i].revents = filepoll(p->ofile[fd]) &
                         (pfd[i].events | POLLERR | POLLHUP);
      if(pfd[i].revents)
        ready++;
    }
    if(ready || timeout == 0 || (deadline && uptime_ms() >= deadline))
      break;
    int w = poll_wait(seq, deadline);
    if(w < 0)
      return w;   // killed
  }
  if(nfds > 0 && copyout_user(ufds, pfd, nfds * sizeof(struct pollfd)) < 0)
    return -EFAULT;
  return ready;
}
