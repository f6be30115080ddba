// proc.c: processes and the scheduler. Each hart runs scheduler(), which
// picks a RUNNABLE process and swtch()es to it; the process swtch()es back
// by calling sched() when it sleeps, yields or exits. sleep/wakeup are
// the only way to wait; sleep_until adds a deadline checked by the timer.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "fs.h"
#include "sysinfo.h"
#include "defs.h"

struct cpu cpus[NCPU];
struct proc proc[NPROC];

static struct proc *initproc;
static int nextpid = 1;
static struct spinlock pid_lock;

// Held while changing parent pointers and while waiting for children, so
// that a child's exit cannot slip between a parent's check and its sleep.
static struct spinlock wait_lock;

// Earliest sleep_until deadline, so the timer can skip the scan.
static volatile uint64 next_deadline = ~0UL;

static void forkret(void);
static void kthread_entry(void);

void
procinit(void)
{
  initlock(&pid_lock, "nextpid");
  initlock(&wait_lock, "wait_lock");
  for(int i = 0; i < NPROC; i++){
    initlock(&proc[i].lock, "proc");
    proc[i].state = UNUSED;
    proc[i].kstack = KSTACK(i);
  }
}

int
cpuid(void)
{
  return r_tp();
}

// Interrupts must be off, or the process could move to another hart.
struct cpu *
mycpu(void)
{
  return &cpus[cpuid()];
}

struct proc *
myproc(void)
{
  push_off();
  struct proc *p = mycpu()->proc;
  pop_off();
  return p;
}

static int
allocpid(void)
{
  acquire(&pid_lock);
  int pid = nextpid++;
  release(&pid_lock);
  return pid;
}

// Find an unused slot and set it up to start in the kernel at `start`.
// Returns with p->lock held, or 0 (*err set) if no slot or no memory.
static struct proc *
allocproc(int kthread, void (*start)(void), int *err)
{
  struct proc *p;
  for(p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->state == UNUSED)
      goto found;
    release(&p->lock);
  }
  *err = -EAGAIN;
  return 0;

found:
  p->pid = allocpid();
  p->state = USED;
  p->kthread = kthread;
  p->svc_local = 0;
  p->wake_ms = 0;
  p->timedout = 0;
  p->killed = 0;
  p->xstate = 0;
  if(!kthread){
    if((p->trapframe = kalloc()) == 0)
      goto nomem;
    memset(p->trapframe, 0, PGSIZE);
    if((p->pagetable = proc_pagetable(p)) == 0)
      goto nomem;
  }
  memset(&p->context, 0, sizeof(p->context));
  p->context.ra = (uint64)start;
  p->context.sp = p->kstack + KSTACK_PAGES * PGSIZE;
  return p;

nomem:
  if(p->trapframe)
    kfree(p->trapframe);
  p->trapframe = 0;
  p->state = UNUSED;
  p->pid = 0;
  release(&p->lock);
  *err = -ENOMEM;
  return 0;
}

// Free a slot and everything hanging from it. p->lock must be held.
static void
freeproc(struct proc *p)
{
  if(p->pagetable)
    proc_freepagetable(p->pagetable, p->sz);
  if(p->trapframe)
    kfree(p->trapframe);
  p->trapframe = 0;
  p->pagetable = 0;
  p->sz = 0;
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->xstate = 0;
  p->kthread = 0;
  p->kfn = 0;
  p->state = UNUSED;
}

// The first user process: it starts in forkret(), which mounts the root
// file system and execs /bin/init.
void
userinit(void)
{
  int err;
  struct proc *p = allocproc(0, forkret, &err);
  if(p == 0)
    panic("userinit");
  initproc = p;
  safestrcpy(p->name, "init", sizeof(p->name));
  p->state = RUNNABLE;
  release(&p->lock);
}

int
kproc_create(const char *name, void (*fn)(void *), void *arg)
{
  int err;
  struct proc *p = allocproc(1, kthread_entry, &err);
  if(p == 0)
    return err;
  p->kfn = fn;
  p->karg = arg;
  safestrcpy(p->name, name, sizeof(p->name));
  int pid = p->pid;
  p->state = RUNNABLE;
  release(&p->lock);
  return pid;
}

static void
kthread_entry(void)
{
  struct proc *p = myproc();
  release(&p->lock);   // held by the scheduler across swtch
  p->kfn(p->karg);
  panic("kernel thread returned");
}

int
growproc(int n)
{
  struct proc *p = myproc();
  uint64 sz = p->sz;
  if(n > 0){
    if(sz + n < sz || (sz = uvmalloc(p->pagetable, sz, sz + n, PTE_W)) == 0)
      return -ENOMEM;
  } else if(n < 0){
    if((uint64)(-(int64)n) > sz)
      return -EINVAL;
    sz = uvmdealloc(p->pagetable, sz, sz + n);
  }
  p->sz = sz;
  return 0;
}

int
fork(void)
{
  struct proc *p = myproc();
  int err;
  struct proc *np = allocproc(0, forkret, &err);
  if(np == 0)
    return err;

  if(uvmcopy(p->pagetable, np->pagetable, p->sz) < 0){
    freeproc(np);
    release(&np->lock);
    return -ENOMEM;
  }
  np->sz = p->sz;
  *np->trapframe = *p->trapframe;
  np->trapframe->a0 = 0;   // the child's fork() returns 0

  for(int i = 0; i < NOFILE; i++)
    if(p->ofile[i])
      np->ofile[i] = filedup(p->ofile[i]);
  np->cwd = idup(p->cwd);
  safestrcpy(np->name, p->name, sizeof(np->name));
  int pid = np->pid;
  release(&np->lock);

  acquire(&wait_lock);
  np->parent = p;
  release(&wait_lock);

  acquire(&np->lock);
  np->state = RUNNABLE;
  release(&np->lock);
  return pid;
}

// Give p's children to init. wait_lock must be held.
static void
reparent(struct proc *p)
{
  for(struct proc *pp = proc; pp < &proc[NPROC]; pp++){
    if(pp->parent == p){
      pp->parent = initproc;
      wakeup(initproc);
    }
  }
}

void
exit(int status)
{
  struct proc *p = myproc();
  if(p == initproc)
    panic("init exiting");

  for(int fd = 0; fd < NOFILE; fd++){
    if(p->ofile[fd]){
      struct file *f = p->ofile[fd];
      p->ofile[fd] = 0;
      fileclose(f);
    }
  }
  if(p->cwd){
    begin_op();
    iput(p->cwd);
    end_op();
    p->cwd = 0;
  }

  sched_handoff();        // closing may have enabled queues: never run here
  acquire(&wait_lock);
  reparent(p);
  wakeup(p->parent);
  acquire(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  release(&wait_lock);

  sched();
  panic("zombie exit");
}

// Wait for a child to exit; copy its status to user address addr (if not
// 0) and return its pid. -ECHILD if there are no children.
int
wait(uint64 addr)
{
  struct proc *p = myproc();
  acquire(&wait_lock);
  for(;;){
    int havekids = 0;
    for(struct proc *pp = proc; pp < &proc[NPROC]; pp++){
      if(pp->parent != p)
        continue;
      acquire(&pp->lock);
      havekids = 1;
      if(pp->state == ZOMBIE){
        int pid = pp->pid;
        if(addr != 0 && copyout(p->pagetable, addr, &pp->xstate, sizeof(pp->xstate)) < 0){
          release(&pp->lock);
          release(&wait_lock);
          return -EFAULT;
        }
        freeproc(pp);
        release(&pp->lock);
        release(&wait_lock);
        return pid;
      }
      release(&pp->lock);
    }
    if(!havekids){
      release(&wait_lock);
      return -ECHILD;
    }
    if(killed(p)){
      release(&wait_lock);
      return -EINTR;
    }
    sleep(p, &wait_lock);
  }
}

void
scheduler(void)
{
  struct cpu *c = mycpu();
  c->proc = 0;
  for(;;){
    // Let devices interrupt, or a hart with nothing to run would deadlock.
    intr_on();
    // Idle from before the scan, not after it: a process made runnable
    // behind the scan's cursor must find us kickable (kick_idle clears
    // idle and sends an IPI), or we would wait in wfi for the next tick.
    c->idle = 1;
    __sync_synchronize();
    int ran = 0;
    for(struct proc *p = proc; p < &proc[NPROC]; p++){
      // Peek without the lock first: most slots are not runnable, and
      // taking 64 locks per pass made every context switch slow. The
      // state is checked again under the lock.
      if(__atomic_load_n(&p->state, __ATOMIC_RELAXED) != RUNNABLE)
        continue;
      acquire(&p->lock);
      if(p->state == RUNNABLE){
        c->idle = 0;
        p->state = RUNNING;
        c->proc = p;
        swtch(&c->context, &p->context);
        c->proc = 0;
        ran = 1;
        c->idle = 1;
        __sync_synchronize();
      }
      release(&p->lock);
    }
    if(!ran){
      // Nothing to run: wait for an interrupt, with interrupts off so that
      // an IPI taken between the check and the wfi cannot be consumed
      // unseen (wfi still wakes for an interrupt pending in sie). A kick
      // since the scan began cleared idle: then look again at once.
      intr_off();
      if(__atomic_load_n(&c->idle, __ATOMIC_ACQUIRE))
        asm volatile("wfi");
    }
    c->idle = 0;
  }
}

// Switch to the scheduler. Must hold only p->lock, with p->state changed.
void
sched(void)
{
  struct proc *p = myproc();
  if(!holding(&p->lock))
    panic("sched: p->lock not held");
  if(mycpu()->noff != 1)
    panic("sched: other locks held");
  if(p->state == RUNNING)
    panic("sched: still running");
  if(intr_get())
    panic("sched: interruptible");
  int intena = mycpu()->intena;
  swtch(&p->context, &mycpu()->context);
  mycpu()->intena = intena;
}

void
yield(void)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  p->state = RUNNABLE;
  sched();
  release(&p->lock);
}

// A new process's first scheduling lands here, still holding p->lock.
static void
forkret(void)
{
  static int first = 1;
  release(&myproc()->lock);

  if(first){
    // The file system must be set up by a process: it sleeps on the disk.
    first = 0;
    fsinit(ROOTDEV);
    struct proc *p = myproc();
    p->cwd = namei("/");
    char *argv[] = { "init", 0 };
    int r = exec("/bin/init", argv);
    if(r < 0){
      printf("cannot exec /bin/init: error %d\n", -r);
      panic("no init");
    }
    __sync_synchronize();
  }
  usertrapret();
}

void
sleep(void *chan, struct spinlock *lk)
{
  struct proc *p = myproc();
  if(p->svc_local)
    sched_handoff();     // what we enabled must not wait for our waking
  // We become SLEEPING on chan before dropping lk: a waker (who changes
  // the condition holding lk, then calls wakeup) either ran before we
  // checked the condition, or finds us asleep here – even with its
  // lock-free first look (see wakeup).
  acquire(&p->lock);
  p->chan = chan;
  p->state = SLEEPING;
  release(lk);
  sched();
  p->chan = 0;
  release(&p->lock);
  acquire(lk);
}

int
sleep_until(void *chan, struct spinlock *lk, uint64 deadline_ms)
{
  if(uptime_ms() >= deadline_ms)
    return 1;
  struct proc *p = myproc();
  if(p->svc_local)
    sched_handoff();
  acquire(&p->lock);
  p->chan = chan;
  p->wake_ms = deadline_ms;
  p->timedout = 0;
  // Publish the deadline; a lost race only costs one extra scan.
  if(deadline_ms < next_deadline)
    next_deadline = deadline_ms;
  p->state = SLEEPING;
  release(lk);                 // only now: see sleep()
  sched();
  int timedout = p->timedout;
  p->chan = 0;
  p->wake_ms = 0;
  p->timedout = 0;
  release(&p->lock);
  acquire(lk);
  return timedout;
}

// A process just became runnable: if some other hart is idle in wfi,
// interrupt it so that it can run the process now.
static void
kick_idle(void)
{
  int me = cpuid();
  for(int i = 0; i < NCPU; i++){
    if(i != me && cpus[i].started && cpus[i].idle){
      cpus[i].idle = 0;
      ipi_send(i);
      return;
    }
  }
}

void
wakeup(void *chan)
{
  int woke = 0;
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    // A first look without the lock: a process asleep on chan set its
    // state and chan before it released the caller's lock (sleep), so the
    // caller, holding that lock, sees them. Taking every process's lock
    // instead made each wakeup cost 64 lock round trips.
    if(p == myproc() || __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != SLEEPING ||
       __atomic_load_n(&p->chan, __ATOMIC_RELAXED) != chan)
      continue;
    acquire(&p->lock);
    if(p->state == SLEEPING && p->chan == chan){
      p->state = RUNNABLE;
      woke = 1;
    }
    release(&p->lock);
  }
  if(woke){
    push_off();
    kick_idle();
    pop_off();
  }
}

// Like wakeup, but only the first process asleep on chan: for a pool of
// identical workers (the STREAMS service threads), where waking them all
// for one piece of work sends all but one back to sleep.
void
wakeup_one(void *chan)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    if(p == myproc() || __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != SLEEPING ||
       __atomic_load_n(&p->chan, __ATOMIC_RELAXED) != chan)
      continue;
    acquire(&p->lock);
    int woke = p->state == SLEEPING && p->chan == chan;
    if(woke)
      p->state = RUNNABLE;
    release(&p->lock);
    if(woke){
      push_off();
      kick_idle();
      pop_off();
      return;
    }
  }
}

int
proc_context(void)
{
  if(!intr_get())
    return 0;        // an interrupt handler, or a spinlock held
  struct proc *p = myproc();
  return p != 0 && !p->kthread;
}

// Called on every hart's tick: wake processes whose deadline passed.
void
wakeup_timeouts(uint64 now)
{
  static int scanning;      // one hart scans; the others' ticks skip it
  if(now < next_deadline || __atomic_exchange_n(&scanning, 1, __ATOMIC_ACQUIRE))
    return;
  uint64 next = ~0UL;
  int kick = 0;
  next_deadline = ~0UL;
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->state == SLEEPING && p->wake_ms){
      if(p->wake_ms <= now){
        p->timedout = 1;
        p->wake_ms = 0;
        p->state = RUNNABLE;
        kick = 1;
      } else if(p->wake_ms < next){
        next = p->wake_ms;
      }
    }
    release(&p->lock);
  }
  if(next < next_deadline)
    next_deadline = next;
  __atomic_store_n(&scanning, 0, __ATOMIC_RELEASE);
  if(kick)
    kick_idle();
}

int
kill(int pid)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->pid == pid && p->state != UNUSED){
      if(p->kthread){
        release(&p->lock);
        return -EPERM;
      }
      p->killed = 1;
      if(p->state == SLEEPING)
        p->state = RUNNABLE;   // it will notice on its way back
      release(&p->lock);
      return 0;
    }
    release(&p->lock);
  }
  return -ESRCH;
}

void
setkilled(struct proc *p)
{
  acquire(&p->lock);
  p->killed = 1;
  release(&p->lock);
}

int
killed(struct proc *p)
{
  acquire(&p->lock);
  int k = p->killed;
  release(&p->lock);
  return k;
}

int
proc_count(void)
{
  int n = 0;
  for(struct proc *p = proc; p < &proc[NPROC]; p++)
    if(p->state != UNUSED)
      n++;
  return n;
}

static const int state_to_ps[] = {
  [UNUSED] PS_UNUSED, [USED] PS_USED, [SLEEPING] PS_SLEEPING,
  [RUNNABLE] PS_RUNNABLE, [RUNNING] PS_RUNNING, [ZOMBIE] PS_ZOMBIE,
};

int
procinfo_fill(uint64 uaddr, int max)
{
  int n = 0;
  if(max < 0)
    return -EINVAL;
  for(struct proc *p = proc; p < &proc[NPROC] && n < max; p++){
    struct procinfo pi;
    memset(&pi, 0, sizeof(pi));
    acquire(&p->lock);
    if(p->state == UNUSED){
      release(&p->lock);
      continue;
    }
    pi.pid = p->pid;
    pi.state = state_to_ps[p->state];
    pi.kernel = p->kthread;
    pi.size = p->sz;
    safestrcpy(pi.name, p->name, sizeof(pi.name));
    release(&p->lock);
    acquire(&wait_lock);
    pi.ppid = p->parent ? p->parent->pid : 0;
    release(&wait_lock);
    if(copyout_user(uaddr + n * sizeof(pi), &pi, sizeof(pi)) < 0)
      return -EFAULT;
    n++;
  }
  return n;
}

// ^P on the console: list processes (no locks: the system may be stuck).
void
procdump(void)
{
  static const char *names[] = {
    [UNUSED] "unused", [USED] "used", [SLEEPING] "sleep",
    [RUNNABLE] "runble", [RUNNING] "run", [ZOMBIE] "zombie",
  };
  printf("\n");
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    if(p->state == UNUSED)
      continue;
    printf("%d %s %s%s", p->pid, names[p->state], p->name, p->kthread ? " [k]" : "");
    if(p->state == SLEEPING)
      printf(" chan %p%s", p->chan, p->wake_ms ? " (timed)" : "");
    printf("\n");
  }
}
