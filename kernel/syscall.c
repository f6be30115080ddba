// syscall.c: system call dispatch. The number arrives in a7 and the
// arguments in a0..a5 of the trap frame; the result goes back in a0.
// Argument fetchers never trust user pointers: strings and words are
// copied with copyin, which fails with -EFAULT.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "syscall.h"
#include "defs.h"

int
fetchaddr(uint64 addr, uint64 *ip)
{
  return copyin(myproc()->pagetable, ip, addr, sizeof(*ip));
}

int
fetchstr(uint64 addr, char *buf, int max)
{
  int r = copyinstr(myproc()->pagetable, buf, addr, max);
  return r < 0 ? r : (int)strlen(buf);
}

static uint64
argraw(int n)
{
  struct trapframe *tf = myproc()->trapframe;
  switch(n){
  case 0: return tf->a0;
  case 1: return tf->a1;
  case 2: return tf->a2;
  case 3: return tf->a3;
  case 4: return tf->a4;
  case 5: return tf->a5;
  }
  panic("argraw");
}

void
argint(int n, int *ip)
{
  *ip = argraw(n);
}

// An address is not checked here: copyin/copyout check it when used.
void
argaddr(int n, uint64 *ip)
{
  *ip = argraw(n);
}

// Fetch the nth argument as a string of at most max bytes (NUL included).
// Returns its length, or -EFAULT / -ENAMETOOLONG.
int
argstr(int n, char *buf, int max)
{
  uint64 addr;
  argaddr(n, &addr);
  return fetchstr(addr, buf, max);
}

#define SYSCALLS(X) \
  X(fork) X(exit) X(wait) X(pipe) X(read) X(kill) X(exec) X(fstat) \
  X(chdir) X(dup) X(getpid) X(sbrk) X(sleep) X(uptime) X(open) X(write) \
  X(mknod) X(unlink) X(link) X(mkdir) X(close) X(ioctl) X(poll) X(fcntl) \
  X(rename) X(lseek) X(dup2) X(procinfo) X(sysinfo) X(halt) X(getppid) \
  X(uptimeus)

#define DECLARE(name) uint64 sys_##name(void);
SYSCALLS(DECLARE)

#define ENTRY(name) [SYS_##name] sys_##name,
static uint64 (*syscalls[])(void) = {
  SYSCALLS(ENTRY)
};

void
syscall(void)
{
  struct proc *p = myproc();
  uint64 num = p->trapframe->a7;
  if(num > 0 && num < NELEM(syscalls) && syscalls[num])
    p->trapframe->a0 = syscalls[num]();
  else
    p->trapframe->a0 = -ENOSYS;
}
