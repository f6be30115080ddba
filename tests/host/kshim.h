// kshim.h: a host (Linux) stand-in for the kernel API of defs.h, file.h
// and proc.h, so the real STREAMS sources (kernel/streams, modules) run
// in an ordinary process under AddressSanitizer: spinlocks spin on an
// atomic word, sleep/wakeup use pthread condition variables, kernel
// threads are pthreads, kmalloc is calloc, "user" addresses are host
// pointers. Plus a little file layer so tests can open device files by
// name and call read/write/ioctl/poll/close the way system calls do.
#ifndef KSHIM_H
#define KSHIM_H
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"

// File layer: one fd table shared by every thread of the test.
int  kshim_open(const char *devpath, int flags);   // fd or -errno
int  kshim_read(int fd, void *buf, int n);
int  kshim_write(int fd, const void *buf, int n);
int  kshim_ioctl(int fd, int cmd, long arg);
int  kshim_poll(int fd);
int  kshim_close(int fd);
int  kshim_dup(int fd);                            // another fd, same file
struct file *kshim_file(int fd);
int  kshim_setflags(int fd, int flags);

// Threads: start fn(arg) as a "process" of its own (killable).
struct kshim_thread;
struct kshim_thread *kshim_spawn(void (*fn)(void *), void *arg);
void kshim_join(struct kshim_thread *t);
void kshim_kill(struct kshim_thread *t);           // like kill(pid)

// Waiting on a condition with a deadline, without sleeps as a way to
// synchronise: polls cond() until it holds or ms pass. 1 if it held.
int  kshim_waitfor(int (*cond)(void *), void *arg, int ms);

// Time. uptime_ms/uptime_us follow the host's clock unless the manual
// clock is on: then time stands still except when kshim_clock_advance
// moves it (and deadlines that passed fire), which makes timers
// deterministic. kshim_r_time is the 10 MHz `time` CSR of the host
// riscv.h (tests/host/hostcpu/).
void   kshim_clock_manual(int on);
void   kshim_clock_advance(uint64 ms);
uint64 kshim_r_time(void);

// Wait until the system has run out of work: every kernel thread and
// every kshim_spawn thread sleeps with no wakeup, kill or passed deadline
// pending (or has ended). 1 if so within ms of the host's clock.
int  kshim_settle(int ms);
void kshim_settle_report(void);                    // why not, on stderr

// Lock discipline: the spinlocks the calling thread holds now, and a hook
// called (when set) by every kmalloc and snprintf, so a test can check
// that some work never allocates or formats with a spinlock held.
int  kshim_locks_held(void);
extern void (*kshim_watch)(const char *what);

// kmalloc failure injection: the n-th allocation from now fails (0 = off).
void kshim_failalloc(int n);
long kshim_kmalloc_live(void);                     // objects not yet freed
long kshim_pollwakeups(void);

// Invariants: ASSERT(e) of kernel/streams/stream.h works unchanged in
// everything built on this shim (host tests, fuzz harnesses); a failed
// one prints "assertion failed: E at FILE:LINE" and calls abort().
void st_assertfail(const char *expr, const char *file, int line)
  __attribute__((noreturn));

// Reporting in the format of the test runner.
extern int kshim_failures;
#define CHECK(name, cond) do { \
    if(cond) printf("PASS %s\n", name); \
    else { printf("FAIL %s: %s (line %d)\n", name, #cond, __LINE__); kshim_failures++; } \
  } while(0)
#define EXPECT(name, got, want) do { \
    long _g = (long)(got), _w = (long)(want); \
    if(_g == _w) printf("PASS %s\n", name); \
    else { printf("FAIL %s: got %ld, want %ld (line %d)\n", name, _g, _w, __LINE__); \
           kshim_failures++; } \
  } while(0)

#endif
