// exec.c: replace the current process's memory with a program loaded
// from an ELF64 RISC-V executable.
//
// The new address space is built aside, in a fresh page table; only when
// everything has worked does the process switch to it, so a failed exec
// returns an error to an unchanged process. The file is untrusted input:
// every header field is checked, and anything odd gives -ENOEXEC.
//
// Layout built here, from address 0 up:
//   loadable segments | guard page | USERSTACK pages of stack | (heap)
// The stack starts with the argument strings, then the argv[] array;
// a0 = argc and a1 = argv when the program starts.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "errno.h"
#include "stat.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"
#include "fs.h"
#include "elf.h"

#define MAX_PHNUM 64   // more program headers than any of our programs has

// Highest address a segment may reach: the stack must still fit below
// the trapframe.
#define SEG_LIMIT (TRAPFRAME - (USERSTACK + 2) * PGSIZE)

static int
seg_perm(uint32 flags)
{
  int perm = 0;
  if(flags & PF_X)
    perm |= PTE_X;
  if(flags & PF_W)
    perm |= PTE_W;
  return perm;
}

// Check what we can of the ELF header alone.
static int
header_ok(struct elfhdr *eh, uint fsize)
{
  if(eh->magic != ELF_MAGIC)
    return 0;
  if(eh->ident[EI_CLASS - 4] != ELFCLASS64 || eh->ident[EI_DATA - 4] != ELFDATA2LSB ||
     eh->ident[EI_VERSION - 4] != EV_CURRENT)
    return 0;
  if(eh->type != ET_EXEC || eh->machine != EM_RISCV || eh->version != EV_CURRENT)
    return 0;
  if(eh->phentsize != sizeof(struct proghdr) || eh->phnum == 0 || eh->phnum > MAX_PHNUM)
    return 0;
  if(eh->phoff > fsize || eh->phnum * sizeof(struct proghdr) > fsize - eh->phoff)
    return 0;
  return 1;
}

// Check one loadable segment against the file and the address space.
static int
segment_ok(struct proghdr *ph, uint fsize, uint64 prev_end)
{
  if(ph->memsz < ph->filesz)
    return 0;
  if(ph->vaddr > SEG_LIMIT || ph->memsz > SEG_LIMIT - ph->vaddr)
    return 0;
  if(ph->off > fsize || ph->filesz > fsize - ph->off)
    return 0;
  if(ph->vaddr < prev_end)
    return 0;   // segments must come in address order, not overlapping
  if(ph->align > 1){
    if(ph->align & (ph->align - 1))
      return 0;
    if((ph->vaddr - ph->off) & (ph->align - 1))
      return 0;
  }
  return 1;
}

// Copy filesz bytes at file offset off to user address va of page table
// pt (already mapped). The pages need not be aligned with the file.
static int
load_segment(pagetable_t pt, uint64 va, struct inode *ip, uint off, uint filesz)
{
  uint done = 0;
  while(done < filesz){
    uint64 pa = walkaddr(pt, PGROUNDDOWN(va));
    if(pa == 0)
      return -ENOEXEC;
    uint n = PGSIZE - va % PGSIZE;
    if(n > filesz - done)
      n = filesz - done;
    if(readi(ip, 0, pa + va % PGSIZE, off, n) != n)
      return -ENOEXEC;
    done += n;
    va += n;
    off += n;
  }
  return 0;
}

// Give the page holding va the permissions perm as well: two segments
// may share a page (text ending and data starting in it).
static void
add_perm(pagetable_t pt, uint64 va, int perm)
{
  pte_t *pte = walk(pt, PGROUNDDOWN(va), 0);
  if(pte && (*pte & PTE_V))
    *pte |= perm;
}

// Load the program's segments into pt. Returns the end of the image
// (0 = error, *err set).
static uint64
load_image(pagetable_t pt, struct inode *ip, struct elfhdr *eh, int *err)
{
  uint64 sz = 0, lowest = ~0UL;
  int nload = 0;
  *err = -ENOEXEC;
  for(int i = 0; i < eh->phnum; i++){
    struct proghdr ph;
    uint phoff = eh->phoff + i * sizeof(ph);
    if(readi(ip, 0, (uint64)&ph, phoff, sizeof(ph)) != sizeof(ph))
      goto bad;
    if(ph.type != PT_LOAD || ph.memsz == 0)
      continue;
    if(!segment_ok(&ph, ip->size, sz))
      goto bad;
    int perm = seg_perm(ph.flags);
    if(ph.vaddr < PGROUNDUP(sz))
      add_perm(pt, ph.vaddr, perm);
    uint64 newsz = uvmalloc(pt, sz, ph.vaddr + ph.memsz, perm);
    if(newsz == 0){
      *err = -ENOMEM;
      goto bad;
    }
    sz = newsz;
    if((*err = load_segment(pt, ph.vaddr, ip, ph.off, ph.filesz)) < 0)
      goto bad;
    *err = -ENOEXEC;
    if(ph.vaddr < lowest)
      lowest = ph.vaddr;
    nload++;
  }
  if(nload == 0 || eh->entry >= sz)
    goto bad;
  // Pages below the image (page 0 at least: programs start at 0x1000)
  // stay mapped but out of the user's reach, so that a null pointer
  // faults in the program and gives EFAULT in system calls.
  for(uint64 va = 0; va + PGSIZE <= PGROUNDDOWN(lowest); va += PGSIZE)
    uvmclear(pt, va);
  *err = 0;
  return sz;

bad:
  // The caller frees pt with the size mapped so far; say how much that is.
  if(sz)
    uvmdealloc(pt, sz, 0);
  return 0;
}

// Push the argument strings and argv[] onto the stack ending at sp.
// Returns the new sp (the address of argv[]), or 0 if they do not fit.
static uint64
push_args(pagetable_t pt, uint64 sp, uint64 stackbase, char **argv, int *pargc)
{
  uint64 ustack[MAXARG + 1];
  int argc;
  for(argc = 0; argv[argc]; argc++){
    if(argc >= MAXARG)
      return 0;
    uint64 len = strlen(argv[argc]) + 1;
    if(len > sp - stackbase)
      return 0;
    sp -= len;
    sp -= sp % 16;   // RISC-V wants sp 16-byte aligned
    if(sp < stackbase || copyout(pt, sp, argv[argc], len) < 0)
      return 0;
    ustack[argc] = sp;
  }
  ustack[argc] = 0;
  uint64 bytes = (argc + 1) * sizeof(uint64);
  if(bytes > sp - stackbase)
    return 0;
  sp -= bytes;
  sp -= sp % 16;
  if(sp < stackbase || copyout(pt, sp, ustack, bytes) < 0)
    return 0;
  *pargc = argc;
  return sp;
}

int
exec(char *path, char **argv)
{
  struct proc *p = myproc();
  struct inode *ip;
  struct elfhdr eh;
  pagetable_t pt = 0;
  uint64 sz = 0;
  int err;

  begin_op();
  if((err = namei_err(path, &ip)) < 0){
    end_op();
    return err;
  }
  ilock(ip);
  if(ip->type != T_FILE){
    err = -EACCES;
    goto bad;
  }
  err = -ENOEXEC;
  if(readi(ip, 0, (uint64)&eh, 0, sizeof(eh)) != sizeof(eh) || !header_ok(&eh, ip->size))
    goto bad;
  if((pt = proc_pagetable(p)) == 0){
    err = -ENOMEM;
    goto bad;
  }
  if((sz = load_image(pt, ip, &eh, &err)) == 0)
    goto bad;
  iunlockput(ip);
  end_op();
  ip = 0;

  // A guard page (no user access) below the stack catches overflows.
  sz = PGROUNDUP(sz);
  uint64 newsz = uvmalloc(pt, sz, sz + (USERSTACK + 1) * PGSIZE, PTE_W);
  if(newsz == 0){
    err = -ENOMEM;
    goto bad;
  }
  sz = newsz;
  uvmclear(pt, sz - (USERSTACK + 1) * PGSIZE);
  int argc;
  uint64 sp = push_args(pt, sz, sz - USERSTACK * PGSIZE, argv, &argc);
  if(sp == 0){
    err = -E2BIG;
    goto bad;
  }

  // Commit: from here on nothing can fail.
  char *last = path, *s;
  for(s = path; *s; s++)
    if(*s == '/' && s[1] != 0)
      last = s + 1;
  safestrcpy(p->name, last, sizeof(p->name));
  for(s = p->name; *s; s++)
    if(*s == '/'){
      *s = 0;   // "dir/" leaves a trailing slash: drop it
      break;
    }

  pagetable_t oldpt = p->pagetable;
  uint64 oldsz = p->sz;
  p->pagetable = pt;
  p->sz = sz;
  p->trapframe->epc = eh.entry;
  p->trapframe->sp = sp;
  p->trapframe->a0 = argc;   // also the return value, for exec from the kernel
  p->trapframe->a1 = sp;     // argv
  proc_freepagetable(oldpt, oldsz);
  return argc;

bad:
  if(pt)
    proc_freepagetable(pt, sz);
  if(ip){
    iunlockput(ip);
    end_op();
  }
  return err;
}
