// vm.c: page tables. The kernel has one page table, an identity map of
// devices and RAM plus the trampoline and kernel stacks at the top; each
// user process has its own, built by the uvm* functions. copyin/copyout
// are the only way the kernel touches user memory, and they refuse (with
// -EFAULT) any address that is not a mapped user page.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

pagetable_t kernel_pagetable;

extern char etext[];        // kernel.ld: end of kernel text
extern char trampoline[];   // trampoline.S

static void
kvmmap(pagetable_t kpt, uint64 va, uint64 pa, uint64 sz, int perm)
{
  if(mappages(kpt, va, sz, pa, perm) != 0)
    panic("kvmmap");
}

void
kvminit(void)
{
  pagetable_t kpt = kalloc();
  if(kpt == 0)
    panic("kvminit: out of memory");
  memset(kpt, 0, PGSIZE);

  kvmmap(kpt, TESTDEV, TESTDEV, PGSIZE, PTE_R | PTE_W);
  kvmmap(kpt, UART0, UART0, PGSIZE, PTE_R | PTE_W);
  if(have_sswi)
    kvmmap(kpt, SSWI, SSWI, 0x4000, PTE_R | PTE_W);
  kvmmap(kpt, VIRTIO0, VIRTIO0, VIRTIO_SLOTS * PGSIZE, PTE_R | PTE_W);  // every virtio-mmio slot
  kvmmap(kpt, PLIC, PLIC, 0x400000, PTE_R | PTE_W);
  // PCIe: configuration space of buses 0..15 and the first 16 MiB of the
  // memory window are plenty for a handful of network cards.
  kvmmap(kpt, PCIE_ECAM, PCIE_ECAM, 16 << 20, PTE_R | PTE_W);
  kvmmap(kpt, PCIE_MMIO, PCIE_MMIO, 16 << 20, PTE_R | PTE_W);
  kvmmap(kpt, KERNBASE, KERNBASE, (uint64)etext - KERNBASE, PTE_R | PTE_X);
  kvmmap(kpt, (uint64)etext, (uint64)etext, PHYSTOP - (uint64)etext, PTE_R | PTE_W);
  kvmmap(kpt, TRAMPOLINE, (uint64)trampoline, PGSIZE, PTE_R | PTE_X);

  // A kernel stack for every process slot, each below an unmapped guard page.
  for(int i = 0; i < NPROC; i++){
    for(int j = 0; j < KSTACK_PAGES; j++){
      char *pa = kalloc();
      if(pa == 0)
        panic("kvminit: kernel stacks");
      kvmmap(kpt, KSTACK(i) + j * PGSIZE, (uint64)pa, PGSIZE, PTE_R | PTE_W);
    }
  }
  kernel_pagetable = kpt;
}

void
kvminithart(void)
{
  sfence_vma();
  csr_write(satp, MAKE_SATP(kernel_pagetable));
  sfence_vma();
}

// The PTE for va, creating the intermediate tables if alloc is set.
// Returns 0 if va is out of range or memory ran out.
pte_t *
walk(pagetable_t pt, uint64 va, int alloc)
{
  if(va >= MAXVA)
    return 0;
  for(int level = 2; level > 0; level--){
    pte_t *pte = &pt[PX(level, va)];
    if(*pte & PTE_V){
      pt = (pagetable_t)PTE2PA(*pte);
    } else {
      if(!alloc || (pt = (pagetable_t)kalloc()) == 0)
        return 0;
      memset(pt, 0, PGSIZE);
      *pte = PA2PTE(pt) | PTE_V;
    }
  }
  return &pt[PX(0, va)];
}

// The physical address of a user page, or 0 if it is not mapped for users.
uint64
walkaddr(pagetable_t pt, uint64 va)
{
  pte_t *pte = walk(pt, va, 0);
  if(pte == 0 || (*pte & PTE_V) == 0 || (*pte & PTE_U) == 0)
    return 0;
  return PTE2PA(*pte);
}

// Map [va, va+size) to [pa, pa+size). Returns 0, or -ENOMEM (pages mapped
// so far stay mapped; the caller's cleanup frees them).
int
mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
  if(size == 0)
    panic("mappages: size 0");
  uint64 a = PGROUNDDOWN(va);
  uint64 last = PGROUNDDOWN(va + size - 1);
  for(;; a += PGSIZE, pa += PGSIZE){
    pte_t *pte = walk(pt, a, 1);
    if(pte == 0)
      return -ENOMEM;
    if(*pte & PTE_V)
      panic("mappages: remap");
    *pte = PA2PTE(pa) | perm | PTE_V | PTE_A | PTE_D;
    if(a == last)
      break;
  }
  return 0;
}

// Remove npages of mappings starting at va, freeing the memory if asked.
// Pages that were never mapped are skipped (sbrk may have failed halfway).
static void
uvmunmap(pagetable_t pt, uint64 va, uint64 npages, int do_free)
{
  for(uint64 a = va; a < va + npages * PGSIZE; a += PGSIZE){
    pte_t *pte = walk(pt, a, 0);
    if(pte == 0 || (*pte & PTE_V) == 0)
      continue;
    if(PTE_FLAGS(*pte) == PTE_V)
      panic("uvmunmap: not a leaf");
    if(do_free)
      kfree((void *)PTE2PA(*pte));
    *pte = 0;
  }
}

pagetable_t
uvmcreate(void)
{
  pagetable_t pt = kalloc();
  if(pt)
    memset(pt, 0, PGSIZE);
  return pt;
}

// Grow a process from oldsz to newsz bytes. Returns newsz, or 0 when out
// of memory (having undone its own partial work).
uint64
uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm)
{
  if(newsz < oldsz)
    return oldsz;
  if(newsz > TRAPFRAME - PGSIZE)
    return 0;
  for(uint64 a = PGROUNDUP(oldsz); a < newsz; a += PGSIZE){
    char *mem = kalloc();
    if(mem == 0){
      uvmdealloc(pt, a, oldsz);
      return 0;
    }
    memset(mem, 0, PGSIZE);
    if(mappages(pt, a, PGSIZE, (uint64)mem, PTE_R | PTE_U | xperm) != 0){
      kfree(mem);
      uvmdealloc(pt, a, oldsz);
      return 0;
    }
  }
  return newsz;
}

uint64
uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
  if(newsz >= oldsz)
    return oldsz;
  if(PGROUNDUP(newsz) < PGROUNDUP(oldsz)){
    uint64 n = (PGROUNDUP(oldsz) - PGROUNDUP(newsz)) / PGSIZE;
    uvmunmap(pt, PGROUNDUP(newsz), n, 1);
  }
  return newsz;
}

// Free the page-table pages themselves (leaves must be gone already).
static void
freewalk(pagetable_t pt)
{
  for(int i = 0; i < 512; i++){
    pte_t pte = pt[i];
    if((pte & PTE_V) && (pte & (PTE_R | PTE_W | PTE_X)) == 0){
      freewalk((pagetable_t)PTE2PA(pte));
      pt[i] = 0;
    } else if(pte & PTE_V){
      panic("freewalk: leaf left");
    }
  }
  kfree(pt);
}

void
uvmfree(pagetable_t pt, uint64 sz)
{
  if(sz > 0)
    uvmunmap(pt, 0, PGROUNDUP(sz) / PGSIZE, 1);
  freewalk(pt);
}

// Copy a parent's memory into a child's page table (fork).
int
uvmcopy(pagetable_t old, pagetable_t new, uint64 sz)
{
  for(uint64 a = 0; a < sz; a += PGSIZE){
    pte_t *pte = walk(old, a, 0);
    if(pte == 0 || (*pte & PTE_V) == 0)
      continue;   // hole (never happens today, harmless if it does)
    char *mem = kalloc();
    if(mem == 0)
      goto fail;
    memmove(mem, (char *)PTE2PA(*pte), PGSIZE);
    if(mappages(new, a, PGSIZE, (uint64)mem, PTE_FLAGS(*pte) & ~(PTE_V | PTE_A | PTE_D)) != 0){
      kfree(mem);
      goto fail;
    }
  }
  return 0;
fail:
  uvmunmap(new, 0, PGROUNDUP(sz) / PGSIZE, 1);
  return -ENOMEM;
}

void
uvmclear(pagetable_t pt, uint64 va)
{
  pte_t *pte = walk(pt, va, 0);
  if(pte == 0)
    panic("uvmclear");
  *pte &= ~PTE_U;
}

// The kernel address of user address va if the page is mapped for the
// user (and writable, if write is set), else 0.
static char *
user_page(pagetable_t pt, uint64 va, int write)
{
  pte_t *pte = walk(pt, PGROUNDDOWN(va), 0);
  if(pte == 0 || (*pte & (PTE_V | PTE_U)) != (PTE_V | PTE_U))
    return 0;
  if(write && (*pte & PTE_W) == 0)
    return 0;
  return (char *)PTE2PA(*pte) + (va - PGROUNDDOWN(va));
}

int
copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len)
{
  const char *s = src;
  while(len > 0){
    char *d = user_page(pt, dstva, 1);
    if(d == 0)
      return -EFAULT;
    uint64 n = PGSIZE - (dstva % PGSIZE);
    if(n > len)
      n = len;
    memmove(d, s, n);
    len -= n; s += n; dstva += n;
  }
  return 0;
}

int
copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len)
{
  char *d = dst;
  while(len > 0){
    char *s = user_page(pt, srcva, 0);
    if(s == 0)
      return -EFAULT;
    uint64 n = PGSIZE - (srcva % PGSIZE);
    if(n > len)
      n = len;
    memmove(d, s, n);
    len -= n; d += n; srcva += n;
  }
  return 0;
}

// Copy a NUL-terminated string of at most max bytes (NUL included).
int
copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
  while(max > 0){
    char *s = user_page(pt, srcva, 0);
    if(s == 0)
      return -EFAULT;
    uint64 n = PGSIZE - (srcva % PGSIZE);
    for(; n > 0 && max > 0; n--, max--, srcva++){
      *dst = *s++;
      if(*dst++ == 0)
        return 0;
    }
  }
  return -ENAMETOOLONG;
}

int
copyout_user(uint64 dstva, const void *src, uint64 len)
{
  return copyout(myproc()->pagetable, dstva, src, len);
}

int
copyin_user(void *dst, uint64 srcva, uint64 len)
{
  return copyin(myproc()->pagetable, dst, srcva, len);
}

int
either_copyout(int user_dst, uint64 dst, const void *src, uint64 len)
{
  if(user_dst)
    return copyout_user(dst, src, len);
  memmove((void *)dst, src, len);
  return 0;
}

int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if(user_src)
    return copyin_user(dst, src, len);
  memmove(dst, (void *)src, len);
  return 0;
}

// Map the trampoline and a trapframe page into a fresh user page table.
pagetable_t
proc_pagetable(struct proc *p)
{
  pagetable_t pt = uvmcreate();
  if(pt == 0)
    return 0;
  if(mappages(pt, TRAMPOLINE, PGSIZE, (uint64)trampoline, PTE_R | PTE_X) != 0){
    uvmfree(pt, 0);
    return 0;
  }
  if(mappages(pt, TRAPFRAME, PGSIZE, (uint64)p->trapframe, PTE_R | PTE_W) != 0){
    uvmunmap(pt, TRAMPOLINE, 1, 0);
    uvmfree(pt, 0);
    return 0;
  }
  return pt;
}

void
proc_freepagetable(pagetable_t pt, uint64 sz)
{
  uvmunmap(pt, TRAMPOLINE, 1, 0);
  uvmunmap(pt, TRAPFRAME, 1, 0);
  uvmfree(pt, sz);
}
