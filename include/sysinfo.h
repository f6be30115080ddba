// sysinfo.h: structures returned by procinfo(2) and sysinfo(2), used by
// `ps` and by tests that check kernel resources return to their baseline.
#ifndef SYSINFO_H
#define SYSINFO_H

#define PROCNAME 16

// process states as reported to user space
#define PS_UNUSED   0
#define PS_USED     1
#define PS_SLEEPING 2
#define PS_RUNNABLE 3
#define PS_RUNNING  4
#define PS_ZOMBIE   5

struct procinfo {
  int pid;
  int ppid;
  int state;             // PS_*
  int kernel;            // 1 for a kernel thread
  unsigned long size;    // bytes of user memory
  char name[PROCNAME];
};

// Spinlock counters, one entry per lock name (every queue's "queue" lock
// counts in one entry): acquisitions, those that found the lock taken,
// and the turns spent spinning for it.
#define NLOCKSTAT 40
#define LOCKNAME  16

struct sysinfo_lock {
  char name[LOCKNAME];
  unsigned long acquires;
  unsigned long contended;
  unsigned long spins;
};

struct sysinfo {
  unsigned long freepages;   // free physical pages
  unsigned long totalpages;  // pages managed by the page allocator
  unsigned long kmalloc_bytes; // bytes handed out by kmalloc
  unsigned long uptime_ms;
  int nproc;                 // processes in use (including kernel threads)
  int nfile;                 // open file table entries in use
  int ninode;                // in-memory inodes referenced
  int ncpu;                  // harts running
  int nlocks;                // entries used in locks[]
  struct sysinfo_lock locks[NLOCKSTAT];
};

#endif
