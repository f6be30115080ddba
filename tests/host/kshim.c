// kshim.c: the host stand-in for the kernel API (see kshim.h). Only what
// kernel/streams and modules/ call is here. It must not include <stdio.h>
// or <unistd.h>: their printf/sleep prototypes differ from the kernel's.
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"
#include "kshim.h"

// from the C library, declared here to avoid the headers above
int vsnprintf(char *buf, unsigned long n, const char *fmt, va_list ap);
long write(int fd, const void *buf, unsigned long n);
extern void *stdout;
int setvbuf(void *stream, char *buf, int mode, unsigned long size);
#define UNBUFFERED 2   // glibc's _IONBF: results appear even if a test crashes

int kshim_failures;

// ---------------------------------------------------------------- procs

static __thread struct proc *self;
static __thread int cpu_token;           // its address identifies a thread
static int nextpid = 1;

struct proc *
myproc(void)
{
  if(self == 0){
    self = calloc(1, sizeof(struct proc));
    self->pid = __atomic_fetch_add(&nextpid, 1, __ATOMIC_RELAXED);
  }
  return self;
}

int
killed(struct proc *p)
{
  return __atomic_load_n(&p->killed, __ATOMIC_ACQUIRE);
}

int
cpuid(void)
{
  return 0;
}

// ---------------------------------------------------------------- locks

void
initlock(struct spinlock *lk, char *name)
{
  lk->locked = 0;
  lk->name = name;
  lk->cpu = 0;
}

int
holding(struct spinlock *lk)
{
  return __atomic_load_n(&lk->locked, __ATOMIC_RELAXED) &&
         __atomic_load_n(&lk->cpu, __ATOMIC_RELAXED) == (struct cpu *)&cpu_token;
}

static __thread int nheld;            // spinlocks this thread holds

int
kshim_locks_held(void)
{
  return nheld;
}

void
acquire(struct spinlock *lk)
{
  if(holding(lk))
    panic("acquire: already held");
  while(__atomic_exchange_n(&lk->locked, 1, __ATOMIC_ACQUIRE))
    sched_yield();
  __atomic_store_n(&lk->cpu, (struct cpu *)&cpu_token, __ATOMIC_RELAXED);
  nheld++;
}

void
release(struct spinlock *lk)
{
  if(!holding(lk))
    panic("release: not held");
  nheld--;
  __atomic_store_n(&lk->cpu, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
}

void push_off(void) { }
void pop_off(void) { }

// ---------------------------------------------------------------- sleep

// Every sleeper is on one list under `big`; wakeup marks the matching
// ones and signals their threads' own condition variables (so a wakeup
// does not stir every sleeping thread). A sleeper registers before
// releasing its lock, so a wakeup issued after the condition changed
// cannot be missed.
struct waiter {
  void *chan;
  struct proc *p;
  int woken;
  struct waiter *next;
  int tracked;                 // the sleeper counts for kshim_settle
  uint64 deadline;             // its deadline (0: none), for kshim_settle
  pthread_cond_t *cv;          // its thread's
};
static pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER;
static pthread_condattr_t cvattr;   // CLOCK_MONOTONIC, for every cv here
static struct waiter *waiters;
static struct timespec t0;
static __thread pthread_cond_t mycv;
static __thread int mycv_ready;

// Signal every sleeper (kill, clock changes: each looks for itself).
static void
wake_all(void)
{
  for(struct waiter *w = waiters; w; w = w->next)
    pthread_cond_signal(w->cv);
}

// Threads kshim_settle waits for: kernel threads and kshim_spawn threads.
// `tracked` marks the calling thread as one; ntracked counts the live
// ones (under big); settle_cv is broadcast when one goes to sleep or ends.
static __thread int tracked;
static int ntracked;
static pthread_cond_t settle_cv;

// The manual clock (kshim_clock_manual): uptime in microseconds that only
// kshim_clock_advance moves. 0 in `manual` means the host's clock.
static int manual;
static uint64 vclock_us;

__attribute__((constructor)) static void
shim_start(void)
{
  pthread_condattr_init(&cvattr);
  pthread_condattr_setclock(&cvattr, CLOCK_MONOTONIC);
  pthread_cond_init(&settle_cv, &cvattr);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  setvbuf(stdout, 0, UNBUFFERED, 0);
}

// The host's clock, microseconds since the start.
static uint64
real_us(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec - t0.tv_nsec) / 1000;
}

static uint64
real_ms(void)
{
  return real_us() / 1000;
}

uint64
uptime_us(void)
{
  if(__atomic_load_n(&manual, __ATOMIC_ACQUIRE))
    return __atomic_load_n(&vclock_us, __ATOMIC_ACQUIRE);
  return real_us();
}

uint64
uptime_ms(void)
{
  return uptime_us() / 1000;
}

// The RISC-V `time` CSR counts at 10 MHz; the host riscv.h reads it here.
uint64
kshim_r_time(void)
{
  return uptime_us() * 10;
}

void
kshim_clock_manual(int on)
{
  pthread_mutex_lock(&big);
  if(on && !manual)
    __atomic_store_n(&vclock_us, real_us(), __ATOMIC_RELEASE);
  __atomic_store_n(&manual, on, __ATOMIC_RELEASE);
  wake_all();
  pthread_mutex_unlock(&big);
}

// Sleepers whose deadline has come look at the clock again.
void
kshim_clock_advance(uint64 ms)
{
  pthread_mutex_lock(&big);
  uint64 now = __atomic_add_fetch(&vclock_us, ms * 1000, __ATOMIC_ACQ_REL) / 1000;
  for(struct waiter *w = waiters; w; w = w->next)
    if(w->deadline && w->deadline <= now)
      pthread_cond_signal(w->cv);
  pthread_mutex_unlock(&big);
}

// Sleep until woken, killed or (deadline_ms != 0) past the deadline.
static int
dosleep(void *chan, struct spinlock *lk, uint64 deadline_ms)
{
  struct proc *p = myproc();
  if(p->svc_local)
    sched_handoff();     // as the kernel's sleep: queues it enabled go on
  if(!mycv_ready){
    pthread_cond_init(&mycv, &cvattr);
    mycv_ready = 1;
  }
  struct waiter w = { chan, p, 0, 0, tracked, deadline_ms, &mycv };
  int timedout = 0;
  pthread_mutex_lock(&big);
  w.next = waiters;
  waiters = &w;
  release(lk);
  if(tracked)
    pthread_cond_broadcast(&settle_cv);
  while(!w.woken && !killed(p)){
    if(deadline_ms){
      if(uptime_ms() >= deadline_ms){
        timedout = 1;
        break;
      }
      if(manual){
        pthread_cond_wait(&mycv, &big);   // only kshim_clock_advance moves time
        continue;
      }
      uint64 abs = deadline_ms + t0.tv_sec * 1000 + t0.tv_nsec / 1000000;
      struct timespec ts = { abs / 1000, (abs % 1000) * 1000000 };
      pthread_cond_timedwait(&mycv, &big, &ts);
    } else {
      pthread_cond_wait(&mycv, &big);
    }
  }
  for(struct waiter **pp = &waiters; *pp; pp = &(*pp)->next)
    if(*pp == &w){
      *pp = w.next;
      break;
    }
  pthread_mutex_unlock(&big);
  acquire(lk);
  return timedout;
}

void
sleep(void *chan, struct spinlock *lk)
{
  dosleep(chan, lk, 0);
}

int
sleep_until(void *chan, struct spinlock *lk, uint64 deadline_ms)
{
  return dosleep(chan, lk, deadline_ms ? deadline_ms : 1);
}

void
wakeup(void *chan)
{
  pthread_mutex_lock(&big);
  for(struct waiter *w = waiters; w; w = w->next)
    if(w->chan == chan && !w->woken){
      w->woken = 1;
      pthread_cond_signal(w->cv);
    }
  pthread_mutex_unlock(&big);
}

// Is every tracked thread asleep with nothing to wake it: not woken, not
// killed, deadline (if any) still ahead? big held.
static int
quiet(void)
{
  uint64 now = uptime_ms();
  int n = 0;
  for(struct waiter *w = waiters; w; w = w->next)
    if(w->tracked && !w->woken && !killed(w->p) && (w->deadline == 0 || w->deadline > now))
      n++;
  return n == ntracked;
}

int
kshim_settle(int ms)
{
  uint64 end = real_ms() + ms;
  pthread_mutex_lock(&big);
  int ok;
  while(!(ok = quiet()) && real_ms() < end){
    // woken when a tracked thread sleeps or ends; the timeout is only a
    // safety net (the host clock's deadlines pass without a broadcast)
    uint64 abs = real_ms() + 2 + t0.tv_sec * 1000 + t0.tv_nsec / 1000000;
    struct timespec ts = { abs / 1000, (abs % 1000) * 1000000 };
    pthread_cond_timedwait(&settle_cv, &big, &ts);
  }
  pthread_mutex_unlock(&big);
  return ok;
}

// Why kshim_settle gave up, on standard error: the tracked threads and
// what each sleeping one waits for.
void
kshim_settle_report(void)
{
  char line[160];
  pthread_mutex_lock(&big);
  uint64 now = uptime_ms();
  int n = snprintf(line, sizeof(line), "kshim: %d tracked threads, now %lu ms; asleep:\n",
                   ntracked, (unsigned long)now);
  write(2, line, n);
  for(struct waiter *w = waiters; w; w = w->next){
    n = snprintf(line, sizeof(line), "  pid %d tracked %d woken %d killed %d deadline %lu\n",
                 w->p->pid, w->tracked, w->woken, killed(w->p), (unsigned long)w->deadline);
    write(2, line, n);
  }
  pthread_mutex_unlock(&big);
}

static void
track(int delta)
{
  pthread_mutex_lock(&big);
  ntracked += delta;
  pthread_cond_broadcast(&settle_cv);
  pthread_mutex_unlock(&big);
}

static long npollwakeups;

void
pollwakeup(void)
{
  __atomic_add_fetch(&npollwakeups, 1, __ATOMIC_RELAXED);
}

long
kshim_pollwakeups(void)
{
  return __atomic_load_n(&npollwakeups, __ATOMIC_RELAXED);
}

// ---------------------------------------------------------------- threads

struct kshim_thread {
  pthread_t tid;
  void (*fn)(void *);
  void *arg;
  struct proc *p;
  volatile int started;
};

static void *
trampoline(void *a)
{
  struct kshim_thread *t = a;
  t->p = myproc();
  tracked = 1;
  track(1);
  __atomic_store_n(&t->started, 1, __ATOMIC_RELEASE);
  t->fn(t->arg);
  track(-1);
  return 0;
}

struct kshim_thread *
kshim_spawn(void (*fn)(void *), void *arg)
{
  struct kshim_thread *t = calloc(1, sizeof(*t));
  t->fn = fn;
  t->arg = arg;
  pthread_create(&t->tid, 0, trampoline, t);
  while(!__atomic_load_n(&t->started, __ATOMIC_ACQUIRE))
    sched_yield();
  return t;
}

void
kshim_join(struct kshim_thread *t)
{
  pthread_join(t->tid, 0);
  free(t->p);
  free(t);
}

void
kshim_kill(struct kshim_thread *t)
{
  __atomic_store_n(&t->p->killed, 1, __ATOMIC_RELEASE);
  pthread_mutex_lock(&big);
  wake_all();
  pthread_mutex_unlock(&big);
}

// Kernel threads live for the whole test process.
struct kthread { void (*fn)(void *); void *arg; };

static void *
kthread_main(void *a)
{
  struct kthread k = *(struct kthread *)a;
  free(a);
  myproc()->kthread = 1;
  tracked = 1;
  track(1);
  k.fn(k.arg);
  track(-1);
  free(self);      // a thread that ends (tests' own kernel threads)
  self = 0;
  return 0;
}

// Stand-ins for builds without kernel/streams/sched.c (message-only
// tests): nothing is ever enabled there. sched.c's own win when linked.
__attribute__((weak)) void runqueues(void) { }
__attribute__((weak)) void sched_handoff(void) { }

// Only the first sleeper on chan (sched.c's pool of service threads).
void
wakeup_one(void *chan)
{
  pthread_mutex_lock(&big);
  for(struct waiter *w = waiters; w; w = w->next)
    if(w->chan == chan && !w->woken){
      w->woken = 1;
      pthread_cond_signal(w->cv);
      break;
    }
  pthread_mutex_unlock(&big);
}

// A test thread is a user process making a system call; a kernel thread
// (kproc_create) is not. There are no interrupts here.
int
proc_context(void)
{
  return !myproc()->kthread;
}

// A kernel thread giving up its hart for a moment (sched.c between runs).
void
yield(void)
{
  sched_yield();
}

int
kproc_create(const char *name, void (*fn)(void *), void *arg)
{
  struct kthread *k = malloc(sizeof(*k));
  k->fn = fn;
  k->arg = arg;
  pthread_t tid;
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  if(pthread_create(&tid, &a, kthread_main, k) != 0){
    free(k);
    return -ENOMEM;
  }
  return __atomic_fetch_add(&nextpid, 1, __ATOMIC_RELAXED);
}

int
kshim_waitfor(int (*cond)(void *), void *arg, int ms)
{
  uint64 end = real_ms() + ms;    // the host's clock even when time is manual
  while(!cond(arg)){
    if(real_ms() >= end)
      return cond(arg);
    sched_yield();
  }
  return 1;
}

// ---------------------------------------------------------------- memory

static long live;
static int failin;

void
kshim_failalloc(int n)
{
  __atomic_store_n(&failin, n, __ATOMIC_RELAXED);
}

long
kshim_kmalloc_live(void)
{
  return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

void (*kshim_watch)(const char *what);

void *
kmalloc(uint64 n)
{
  if(kshim_watch)
    kshim_watch("kmalloc");
  if(n == 0 || n > 4096)
    panic("kmalloc: size out of range");
  int f = __atomic_load_n(&failin, __ATOMIC_RELAXED);
  if(f > 0 && __atomic_sub_fetch(&failin, 1, __ATOMIC_RELAXED) == 0)
    return 0;
  __atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
  return calloc(1, n);
}

void
kmfree(void *p)
{
  if(p == 0)
    panic("kmfree: null");
  __atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
  free(p);
}

// Host pointers stand for user addresses; the first 64 KiB, like an
// unmapped page, fault.
#define BADLIMIT 0x10000

int
copyin_user(void *dst, uint64 srcva, uint64 len)
{
  if(srcva < BADLIMIT || srcva + len < srcva)
    return -EFAULT;
  memmove(dst, (void *)srcva, len);
  return 0;
}

int
copyout_user(uint64 dstva, const void *src, uint64 len)
{
  if(dstva < BADLIMIT || dstva + len < dstva)
    return -EFAULT;
  memmove((void *)dstva, src, len);
  return 0;
}

// ---------------------------------------------------------------- printing

int
snprintf(char *buf, int n, const char *fmt, ...)
{
  if(kshim_watch)
    kshim_watch("snprintf");
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, n < 0 ? 0 : n, fmt, ap);
  va_end(ap);
  return r;
}

void
panic(const char *s)
{
  write(2, "panic: ", 7);
  write(2, s, strlen(s));
  write(2, "\n", 1);
  abort();
}

// A failed ASSERT (kernel/streams/stream.h): the kernel panics; here the
// same words go to standard error and abort() ends the process, which
// ASan/UBSan and libFuzzer report as a crash with its stack.
void
st_assertfail(const char *expr, const char *file, int line)
{
  char msg[256];
  int n = snprintf(msg, sizeof(msg), "assertion failed: %s at %s:%d\n", expr, file, line);
  write(2, msg, n > 0 && n < (int)sizeof(msg) ? n : (int)strlen(msg));
  abort();
}

char *
safestrcpy(char *dst, const char *src, int n)
{
  if(n <= 0)
    return dst;
  int i;
  for(i = 0; i < n - 1 && src[i]; i++)
    dst[i] = src[i];
  dst[i] = 0;
  return dst;
}

// ---------------------------------------------------------------- devices

struct devsw devsw[NDEV];
static const char *devnames[NDEV];
static struct { char path[48]; int major, minor; } nodes[64];
static int nnodes;

int
devsw_register(const char *name, struct devsw *d)
{
  for(int m = DEVLIST + 1; m < NDEV; m++)
    if(devnames[m] == 0){
      devnames[m] = name;
      devsw[m] = *d;
      return m;
    }
  return -ENODEV;
}

const char *
devsw_name(int major)
{
  return major > 0 && major < NDEV ? devnames[major] : 0;
}

int
devnode_add(const char *path, int major, int minor)
{
  if(nnodes == 64 || strlen(path) >= 48)
    return -ENOSPC;
  safestrcpy(nodes[nnodes].path, path, 48);
  nodes[nnodes].major = major;
  nodes[nnodes].minor = minor;
  nnodes++;
  return 0;
}

// ---------------------------------------------------------------- files

static struct file *files[NOFILE];
static pthread_mutex_t ftab = PTHREAD_MUTEX_INITIALIZER;

// Make the calling thread's process see the shared fd table (I_LINK
// looks file descriptors up in myproc()->ofile).
static void
syncfds(void)
{
  struct proc *p = myproc();
  pthread_mutex_lock(&ftab);
  for(int i = 0; i < NOFILE; i++)
    p->ofile[i] = files[i];
  pthread_mutex_unlock(&ftab);
}

static int
install(struct file *f)
{
  pthread_mutex_lock(&ftab);
  for(int i = 3; i < NOFILE; i++)
    if(files[i] == 0){
      files[i] = f;
      pthread_mutex_unlock(&ftab);
      return i;
    }
  pthread_mutex_unlock(&ftab);
  return -EMFILE;
}

struct file *
kshim_file(int fd)
{
  if(fd < 0 || fd >= NOFILE)
    return 0;
  pthread_mutex_lock(&ftab);
  struct file *f = files[fd];
  pthread_mutex_unlock(&ftab);
  return f;
}

// devpath: "loop", "kept/demo" – relative to /dev, as in /dev/devices;
// or "#major,minor" for a device file made with mknod.
int
kshim_open(const char *devpath, int flags)
{
  int major = -1, minor = 0;
  if(devpath[0] == '#'){
    major = atoi(devpath + 1);
    const char *c = strchr(devpath, ',');
    minor = c ? atoi(c + 1) : 0;
  } else {
    for(int i = 0; i < nnodes; i++)
      if(strcmp(nodes[i].path, devpath) == 0){
        major = nodes[i].major;
        minor = nodes[i].minor;
      }
  }
  if(major <= 0 || major >= NDEV || devsw[major].open == 0)
    return -ENOENT;
  struct file *f = calloc(1, sizeof(*f));
  f->type = FD_DEVICE;
  f->ref = 1;
  f->flags = flags;
  f->readable = f->writable = 1;
  f->major = major;
  f->minor = minor;
  int err = devsw[major].open(f);
  if(err < 0){
    free(f);
    return err;
  }
  int fd = install(f);
  if(fd < 0){
    if(devsw[major].close)
      devsw[major].close(f);
    free(f);
  }
  return fd;
}

int
kshim_dup(int fd)
{
  struct file *f = kshim_file(fd);
  if(f == 0)
    return -EBADF;
  __atomic_add_fetch(&f->ref, 1, __ATOMIC_RELAXED);
  int nfd = install(f);
  if(nfd < 0)
    __atomic_sub_fetch(&f->ref, 1, __ATOMIC_RELAXED);
  return nfd;
}

int
kshim_setflags(int fd, int flags)
{
  struct file *f = kshim_file(fd);
  if(f == 0)
    return -EBADF;
  f->flags = flags;
  return 0;
}

int
kshim_close(int fd)
{
  pthread_mutex_lock(&ftab);
  struct file *f = fd >= 0 && fd < NOFILE ? files[fd] : 0;
  if(f)
    files[fd] = 0;
  pthread_mutex_unlock(&ftab);
  if(f == 0)
    return -EBADF;
  if(__atomic_sub_fetch(&f->ref, 1, __ATOMIC_ACQ_REL) == 0){
    if(devsw[f->major].close)
      devsw[f->major].close(f);
    free(f);
  }
  runqueues();
  return 0;
}

int
kshim_read(int fd, void *buf, int n)
{
  struct file *f = kshim_file(fd);
  if(f == 0)
    return -EBADF;
  int r = devsw[f->major].read ? devsw[f->major].read(f, (uint64)buf, n) : -EINVAL;
  runqueues();     // the return to user space (trap.c's usertrapret)
  return r;
}

int
kshim_write(int fd, const void *buf, int n)
{
  struct file *f = kshim_file(fd);
  if(f == 0)
    return -EBADF;
  int r = devsw[f->major].write ? devsw[f->major].write(f, (uint64)buf, n) : -EINVAL;
  runqueues();
  return r;
}

int
kshim_ioctl(int fd, int cmd, long arg)
{
  struct file *f = kshim_file(fd);
  if(f == 0)
    return -EBADF;
  syncfds();
  int r = devsw[f->major].ioctl ? devsw[f->major].ioctl(f, cmd, arg) : -ENOTTY;
  runqueues();
  return r;
}

int
kshim_poll(int fd)
{
  struct file *f = kshim_file(fd);
  if(f == 0)
    return -EBADF;
  int r = devsw[f->major].poll ? devsw[f->major].poll(f) : 0;
  runqueues();
  return r;
}
