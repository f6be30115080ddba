// defs.h: the kernel core's functions (boot, memory, processes, traps,
// console, time, kernel printing). Subsystems with their own header:
// file.h (open files, devices, pipes), fs.h (file system), streams/*.h.
#ifndef DEFS_H
#define DEFS_H
#include "types.h"
#include "param.h"
#include "vmtypes.h"    // pagetable_t

struct cpu;
struct proc;
struct spinlock;
struct context;
struct stat;

// printf.c
int    printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int    snprintf(char *buf, int n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void   panic(const char *s) __attribute__((noreturn));
void   printfinit(void);

// string.c (freestanding C library subset)
void  *memset(void *dst, int c, uint64 n);
void  *memcpy(void *dst, const void *src, uint64 n);
void  *memmove(void *dst, const void *src, uint64 n);
int    memcmp(const void *a, const void *b, uint64 n);
uint64 strlen(const char *s);
int    strcmp(const char *a, const char *b);
int    strncmp(const char *a, const char *b, uint64 n);
char  *strncpy(char *dst, const char *src, uint64 n);
char  *safestrcpy(char *dst, const char *src, int n);  // always NUL-terminates
char  *strchr(const char *s, int c);

// kalloc.c: physical pages and small kernel objects
void   kinit(void);
void  *kalloc(void);               // one zeroed? no: one 4096-byte page, or 0
void   kfree(void *pa);
uint64 kfreepages(void);
uint64 ktotalpages(void);
void  *kmalloc(uint64 n);          // n <= PGSIZE; zeroed; 0 when memory is out
void   kmfree(void *p);
uint64 kmalloc_bytes(void);        // bytes currently handed out by kmalloc

// vm.c
void       kvminit(void);
void       kvminithart(void);
pte_t     *walk(pagetable_t pt, uint64 va, int alloc);
uint64     walkaddr(pagetable_t pt, uint64 va);
int        mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm);
pagetable_t uvmcreate(void);
uint64     uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm);
uint64     uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz);
void       uvmfree(pagetable_t pt, uint64 sz);
int        uvmcopy(pagetable_t old, pagetable_t new, uint64 sz);
void       uvmclear(pagetable_t pt, uint64 va);   // make a page user-inaccessible (stack guard)
int        copyout(pagetable_t pt, uint64 dstva, const void *src, uint64 len); // 0 or -EFAULT
int        copyin(pagetable_t pt, void *dst, uint64 srcva, uint64 len);        // 0 or -EFAULT
int        copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max);     // 0, -EFAULT, -ENAMETOOLONG
// the current process's address space:
int        copyout_user(uint64 dstva, const void *src, uint64 len);
int        copyin_user(void *dst, uint64 srcva, uint64 len);
// user_dst/user_src nonzero: address is a user address, else a kernel pointer
int        either_copyout(int user_dst, uint64 dst, const void *src, uint64 len);
int        either_copyin(void *dst, int user_src, uint64 src, uint64 len);

// proc.c
void        procinit(void);
int         cpuid(void);
struct cpu *mycpu(void);
struct proc *myproc(void);
void        userinit(void);
int         fork(void);
void        exit(int status) __attribute__((noreturn));
int         wait(uint64 addr);
int         kill(int pid);
int         killed(struct proc *p);
void        setkilled(struct proc *p);
int         growproc(int n);
pagetable_t proc_pagetable(struct proc *p);
void        proc_freepagetable(pagetable_t pt, uint64 sz);
void        scheduler(void) __attribute__((noreturn));
void        sched(void);
void        yield(void);
void        sleep(void *chan, struct spinlock *lk);
// Like sleep, but also returns once uptime_ms() >= deadline_ms.
// Returns 1 if the deadline passed, 0 otherwise (woken, or killed).
int         sleep_until(void *chan, struct spinlock *lk, uint64 deadline_ms);
void        wakeup(void *chan);
void        wakeup_one(void *chan);       // the first sleeper on chan only
void        wakeup_timeouts(uint64 now_ms);
// A user process running its own system call (not an interrupt handler,
// not a kernel thread), interrupts on: STREAMS may defer work to its
// return to user space.
int         proc_context(void);
// Start a kernel thread running fn(arg); returns its pid or -errno.
int         kproc_create(const char *name, void (*fn)(void *), void *arg);
int         proc_count(void);
int         procinfo_fill(uint64 uaddr, int max);
void        procdump(void);

// streams/sched.c: service procedures this process enabled run here, on
// its own hart, before it returns to user space (trap.c) ...
void        runqueues(void);
// ... or go to the service threads if it sleeps or exits first (proc.c).
void        sched_handoff(void);

// swtch.S
void swtch(struct context *old, struct context *new);

// trap.c
void ipi_send(int hart);        // wake hart from wfi (no-op without SSWI)
void trapinit(void);
void trapinithart(void);
void usertrapret(void);
// Register a handler for PLIC interrupt `irq` (runs in interrupt context).
void irq_register(int irq, void (*handler)(void *), void *arg);

// irq.c: a chain of handlers per PLIC line (lines are shared). irq_register
// adds its handler to the chain (it does not replace another's).
void  irqinit(void);
int   irq_add(int irq, int (*handler)(void *), void *arg); // handler: 1 if its device
                                  // interrupted; 0, -EINVAL, -EBUSY (chain full)
int   irq_dispatch(int irq);      // run the line's handlers: how many handled, -1 none
int   irq_handlers(int irq);      // handlers on the line
ulong irq_spurious(int irq);      // interrupts on it that no handler claimed

// plic.c
void plicinit(void);
void plicinithart(void);
int  plic_claim(void);
void plic_complete(int irq);
void plic_enable(int irq);

// timer.c
void   timerinit(void);           // per hart
void   timer_interrupt(void);
uint64 uptime_ms(void);
uint64 uptime_us(void);
extern volatile uint64 ticks;     // timer interrupts seen by hart 0

// uart.c / console.c
void uartinit(void);
void uartintr(void);
void uartputc(int c);
void uartputc_sync(int c);
void consoleinit(void);
void consoleintr(int c);
void consputc(int c);

// poll.c: a global wakeup for poll(2). Any driver whose readiness may have
// changed calls pollwakeup(); pollers re-check their files.
void   pollinit(void);
void   pollwakeup(void);
uint64 poll_seq(void);                          // current wakeup sequence number
// Sleep unless the sequence has moved past seq. deadline_ms 0 = none.
// Returns 1 if the deadline passed, -EINTR if killed, else 0.
int    poll_wait(uint64 seq, uint64 deadline_ms);

// bootargs.c
extern int have_sswi;          // inter-processor interrupts available
void   bootargs_early(void);
void   bootargs_init(void);

// power
void   poweroff(int code) __attribute__((noreturn));

// syscall.c: argument fetchers for system call implementations
void   argint(int n, int *ip);
void   argaddr(int n, uint64 *ip);
int    argstr(int n, char *buf, int max);
int    fetchaddr(uint64 addr, uint64 *ip);
int    fetchstr(uint64 addr, char *buf, int max);

// number of elements in fixed-size array
#define NELEM(x) (sizeof(x)/sizeof((x)[0]))

#endif
