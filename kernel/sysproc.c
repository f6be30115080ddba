// sysproc.c: system calls about processes, memory and time.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "fs.h"
#include "sysinfo.h"
#include "defs.h"

uint64
sys_exit(void)
{
  int n;
  argint(0, &n);
  exit(n);
}

uint64
sys_getpid(void)
{
  return myproc()->pid;
}

uint64
sys_getppid(void)
{
  struct proc *p = myproc();
  return p->parent ? p->parent->pid : 0;
}

uint64
sys_fork(void)
{
  return fork();
}

uint64
sys_wait(void)
{
  uint64 addr;
  argaddr(0, &addr);
  return wait(addr);
}

// sbrk(n): grow (or shrink) memory by n bytes; returns the old break.
uint64
sys_sbrk(void)
{
  int n;
  argint(0, &n);
  uint64 old = myproc()->sz;
  int r = growproc(n);
  if(r < 0)
    return r;
  return old;
}

// sleep(ms): returns 0, or -EINTR if killed while asleep.
uint64
sys_sleep(void)
{
  int ms;
  argint(0, &ms);
  if(ms < 0)
    return -EINVAL;
  // Nothing ever wakes this channel: only the deadline ends the sleep.
  static struct spinlock lk = { .name = "sleep" };
  uint64 deadline = uptime_ms() + ms;
  acquire(&lk);
  while(uptime_ms() < deadline){
    if(killed(myproc())){
      release(&lk);
      return -EINTR;
    }
    sleep_until(&lk, &lk, deadline);
  }
  release(&lk);
  return 0;
}

uint64
sys_kill(void)
{
  int pid;
  argint(0, &pid);
  if(pid <= 0)
    return -EINVAL;
  return kill(pid);
}

uint64
sys_uptime(void)
{
  return uptime_ms();
}

uint64
sys_uptimeus(void)
{
  return uptime_us();
}

uint64
sys_procinfo(void)
{
  uint64 addr;
  int max;
  argaddr(0, &addr);
  argint(1, &max);
  return procinfo_fill(addr, max);
}

uint64
sys_sysinfo(void)
{
  uint64 addr;
  argaddr(0, &addr);
  struct sysinfo si;
  memset(&si, 0, sizeof(si));
  si.freepages = kfreepages();
  si.totalpages = ktotalpages();
  si.kmalloc_bytes = kmalloc_bytes();
  si.uptime_ms = uptime_ms();
  si.nproc = proc_count();
  si.nfile = file_count();
  si.ninode = inode_count();
  for(int i = 0; i < NCPU; i++)
    if(cpus[i].started)
      si.ncpu++;
  si.nlocks = lock_stats(si.locks, NLOCKSTAT);
  return copyout_user(addr, &si, sizeof(si));
}

uint64
sys_halt(void)
{
  int code;
  argint(0, &code);
  printf("halt: powering off (code %d)\n", code);
  poweroff(code);
}
