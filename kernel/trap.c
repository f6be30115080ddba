// trap.c: everything that enters the kernel other than boot – system calls,
// exceptions of user programs, and device and timer interrupts, from user
// mode (usertrap, via trampoline.S) or from kernel mode (kerneltrap, via
// kernelvec.S). A user program's fault kills that program, never the kernel.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

extern char trampoline[], uservec[], userret[];
void kernelvec(void);
void syscall(void);

void
trapinit(void)
{
  irqinit();
}

void
trapinithart(void)
{
  csr_write(stvec, (uint64)kernelvec);
  // User programs may read `cycle` and `time` (rdcycle, rdtime): the
  // benchmarks time a path of a few microseconds with the hart's own
  // counters, with no system call of their own in the way.
  csr_write(scounteren, 3);
}

void
ipi_send(int hart)
{
  if(have_sswi)
    *(volatile uint32 *)(SSWI + 4 * hart) = 1;
}

// Handle an interrupt if that is what scause says. Returns 2 for a timer
// interrupt, 1 for another device, 0 if it was not an interrupt.
static int
devintr(void)
{
  uint64 scause = csr_read(scause);
  if(scause == SCAUSE_S_SOFT){
    // An IPI: its only job was to end a wfi; the scheduler looks again.
    csr_clear(sip, IE_SSIE);
    return 1;
  }
  if(scause == SCAUSE_S_EXTERNAL){
    int irq = plic_claim();
    if(irq == UART0_IRQ)
      uartintr();
    else if(irq && irq_dispatch(irq) < 0)   // every device on the line (irq.c)
      printf("unexpected interrupt irq=%d\n", irq);
    if(irq)
      plic_complete(irq);
    return 1;
  }
  if(scause == SCAUSE_S_TIMER){
    timer_interrupt();
    return 2;
  }
  return 0;
}

static const char *
cause_name(uint64 scause)
{
  switch(scause){
  case 0: return "instruction address misaligned";
  case 1: return "instruction access fault";
  case 2: return "illegal instruction";
  case 3: return "breakpoint";
  case 4: return "load address misaligned";
  case 5: return "load access fault";
  case 6: return "store address misaligned";
  case 7: return "store access fault";
  case 12: return "instruction page fault";
  case 13: return "load page fault";
  case 15: return "store page fault";
  default: return "unknown exception";
  }
}

// A trap from user mode (trampoline.S jumps here on the kernel stack).
void
usertrap(void)
{
  if(csr_read(sstatus) & SSTATUS_SPP)
    panic("usertrap: not from user mode");

  // Traps from now on belong to the kernel.
  csr_write(stvec, (uint64)kernelvec);

  struct proc *p = myproc();
  p->trapframe->epc = csr_read(sepc);

  int which = 0;
  uint64 scause = csr_read(scause);
  if(scause == SCAUSE_ECALL_U){
    if(killed(p))
      exit(-1);
    p->trapframe->epc += 4;   // resume after the ecall
    intr_on();                // system calls may take a while
    syscall();
  } else if((which = devintr()) != 0){
    // handled
  } else {
    printf("pid %d %s: %s at pc 0x%lx addr 0x%lx: killed\n", p->pid, p->name,
           cause_name(scause), csr_read(sepc), csr_read(stval));
    setkilled(p);
  }

  if(killed(p))
    exit(-1);
  if(which == 2)
    yield();
  usertrapret();
}

// Return to user space through the trampoline.
void
usertrapret(void)
{
  struct proc *p = myproc();

  // Service procedures this system call enabled run now, on this hart.
  runqueues();

  // From here until sret, a trap would go to uservec with kernel state:
  // keep interrupts off.
  intr_off();
  csr_write(stvec, TRAMPOLINE + (uservec - trampoline));

  p->trapframe->kernel_satp = csr_read(satp);
  p->trapframe->kernel_sp = p->kstack + KSTACK_PAGES * PGSIZE;
  p->trapframe->kernel_trap = (uint64)usertrap;
  p->trapframe->kernel_hartid = r_tp();

  uint64 s = csr_read(sstatus);
  s &= ~SSTATUS_SPP;    // sret goes to user mode
  s |= SSTATUS_SPIE;    // with interrupts enabled
  csr_write(sstatus, s);
  csr_write(sepc, p->trapframe->epc);

  uint64 satp = MAKE_SATP(p->pagetable);
  uint64 fn = TRAMPOLINE + (userret - trampoline);
  ((void (*)(uint64))fn)(satp);
}

// A trap while in the kernel: only interrupts are expected.
void
kerneltrap(void)
{
  uint64 sepc = csr_read(sepc);
  uint64 sstatus = csr_read(sstatus);
  uint64 scause = csr_read(scause);

  if((sstatus & SSTATUS_SPP) == 0)
    panic("kerneltrap: not from supervisor mode");
  if(intr_get())
    panic("kerneltrap: interrupts enabled");

  int which = devintr();
  if(which == 0){
    printf("kernel trap: %s scause=0x%lx sepc=0x%lx stval=0x%lx\n",
           cause_name(scause), scause, sepc, csr_read(stval));
    panic("kerneltrap");
  }

  // Give up the CPU on a timer tick, if a process is running.
  if(which == 2 && myproc() != 0)
    yield();

  // yield() may have taken other traps: restore what sret needs.
  csr_write(sepc, sepc);
  csr_write(sstatus, sstatus);
}
