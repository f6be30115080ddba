// proc.h: harts (struct cpu) and processes (struct proc).
// A process is either a user process (own page table, trapframe, user
// memory) or a kernel thread (kproc_create: runs kernel code only, e.g. the
// STREAMS service scheduler); both are scheduled the same way.
#ifndef PROC_H
#define PROC_H
#include "types.h"
#include "param.h"
#include "vmtypes.h"    // pagetable_t
#include "spinlock.h"

// Registers saved by swtch() for a kernel context switch: only the
// callee-saved ones, because swtch is called like a function.
struct context {
  uint64 ra;
  uint64 sp;
  uint64 s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

struct cpu {
  struct proc *proc;       // running on this hart, or 0
  struct context context;  // swtch() here to enter the scheduler
  int noff;                // depth of push_off() nesting
  int intena;              // were interrupts enabled before push_off()?
  int started;
  volatile int idle;       // in wfi in the scheduler: an IPI wakes it
};

extern struct cpu cpus[NCPU];

// The trap frame: user registers saved by the trampoline on a trap from
// user mode, plus the kernel values the trampoline needs to enter the
// kernel. Offsets are fixed: trampoline.S uses them.
struct trapframe {
  /*   0 */ uint64 kernel_satp;   // kernel page table
  /*   8 */ uint64 kernel_sp;     // top of process's kernel stack
  /*  16 */ uint64 kernel_trap;   // usertrap()
  /*  24 */ uint64 epc;           // saved user program counter
  /*  32 */ uint64 kernel_hartid; // saved kernel tp
  /*  40 */ uint64 ra;
  /*  48 */ uint64 sp;
  /*  56 */ uint64 gp;
  /*  64 */ uint64 tp;
  /*  72 */ uint64 t0;
  /*  80 */ uint64 t1;
  /*  88 */ uint64 t2;
  /*  96 */ uint64 s0;
  /* 104 */ uint64 s1;
  /* 112 */ uint64 a0;
  /* 120 */ uint64 a1;
  /* 128 */ uint64 a2;
  /* 136 */ uint64 a3;
  /* 144 */ uint64 a4;
  /* 152 */ uint64 a5;
  /* 160 */ uint64 a6;
  /* 168 */ uint64 a7;
  /* 176 */ uint64 s2;
  /* 184 */ uint64 s3;
  /* 192 */ uint64 s4;
  /* 200 */ uint64 s5;
  /* 208 */ uint64 s6;
  /* 216 */ uint64 s7;
  /* 224 */ uint64 s8;
  /* 232 */ uint64 s9;
  /* 240 */ uint64 s10;
  /* 248 */ uint64 s11;
  /* 256 */ uint64 t3;
  /* 264 */ uint64 t4;
  /* 272 */ uint64 t5;
  /* 280 */ uint64 t6;
};

enum procstate { UNUSED, USED, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
  struct spinlock lock;

  // p->lock must be held when using these:
  enum procstate state;
  void *chan;                  // sleeping on chan, if non-zero
  uint64 wake_ms;              // sleep_until deadline, 0 if none
  int timedout;                // set when woken by the deadline
  int killed;
  int xstate;                  // exit status for the parent's wait()
  int pid;

  // wait_lock must be held when using this:
  struct proc *parent;

  // the run-list lock of streams/sched.c must be held when using this:
  int svc_local;               // 1 + its slot of local service runs, 0 if none

  // private to the process, so p->lock need not be held:
  int kthread;                 // kernel thread (no user memory)
  void (*kfn)(void *);         // kernel thread body
  void *karg;
  uint64 kstack;               // virtual address of kernel stack
  uint64 sz;                   // size of user memory (bytes)
  pagetable_t pagetable;       // user page table
  struct trapframe *trapframe; // page for trampoline.S
  struct context context;      // swtch() here to run the process
  struct file *ofile[NOFILE];  // open files
  struct inode *cwd;           // current directory
  char name[16];               // for ps and debugging
};

extern struct proc proc[NPROC];

#endif
