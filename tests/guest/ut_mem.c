// ut_mem.c: in-guest acceptance tests of resource exhaustion and
// clean-up: a fork bomb (fork until the kernel refuses; every child
// reaped), a process that grows its heap until memory runs out (an
// error, or at worst the kernel kills it), system calls made while
// memory is exhausted, and afterwards every free page, process slot
// and open-file slot back where it started.
// GUESTTEST-TIMEOUT: 300
// Prints PASS/FAIL lines and DONE ut_mem (see user/lib/check.c).
#include "user.h"
#include "sysparam.h"

#define PGSIZE 4096
#define MIB    (1 << 20)

static int
waitfor(int pid, int *st)
{
  for(;;){
    int w = wait(st);
    if(w == pid || w < 0)
      return w;
  }
}

static struct sysinfo base;

// Polls sysinfo until the counters are back at the baseline or 2 s pass.
// Exits are asynchronous (a parent may run before its child's memory is
// freed), hence the bounded wait.
static void
expect_baseline(const char *name)
{
  struct sysinfo now;
  long t0 = uptime();
  for(;;){
    sysinfo(&now);
    if(now.freepages == base.freepages && now.nproc == base.nproc &&
       now.nfile == base.nfile)
      break;
    if(uptime() - t0 > 2000)
      break;
    sleep(10);
  }
  t_check(name, now.freepages == base.freepages && now.nproc == base.nproc &&
          now.nfile == base.nfile,
          "free pages %lu (baseline %lu), procs %d (%d), files %d (%d)",
          now.freepages, base.freepages, now.nproc, base.nproc, now.nfile, base.nfile);
}

// One of everything this test does, before the baseline is taken, so
// that memory a kernel keeps on first use (caches) is not counted as a
// leak.
static void
warm_up(void)
{
  int p[2];
  if(pipe(p) == 0){
    int pid = fork();
    if(pid == 0)
      exit(0);
    waitfor(pid, 0);
    close(p[0]);
    close(p[1]);
  }
}

static void
test_fork_exit(void)
{
  int bad = 0;
  for(int i = 0; i < 50; i++){
    int pid = fork();
    if(pid == 0)
      exit(i);
    int st = -1;
    if(pid < 0 || waitfor(pid, &st) != pid || st != i)
      bad++;
  }
  t_check("fork_exit_50_times", bad == 0, "%d of 50 rounds went wrong", bad);
  expect_baseline("fork_exit_no_leak");
}

static void
test_fork_bomb(void)
{
  int p[2];
  if(pipe(p) < 0){
    t_fail("fork_bomb", "pipe failed");
    return;
  }
  // Children block reading the pipe until the parent closes its write
  // end: they live exactly as long as the parent wants, with no timing.
  int made = 0, err = 0;
  while(made < 4 * NPROC){
    int pid = fork();
    if(pid == 0){
      char c;
      close(p[1]);
      read(p[0], &c, 1);
      exit(0);
    }
    if(pid < 0){
      err = pid;
      break;
    }
    made++;
  }
  struct sysinfo peak;
  sysinfo(&peak);
  t_check("fork_bomb_refused", err == -EAGAIN || err == -ENOMEM,
          "fork stopped with %d (%s) after %d children", err, errname(err), made);
  t_check("fork_bomb_made_many", made >= NPROC / 2, "only %d children", made);
  if(err == -EAGAIN)
    t_check("fork_bomb_table_full", peak.nproc == NPROC, "nproc %d at the peak, NPROC %d",
            peak.nproc, NPROC);

  // the system still works while the table is full
  int q[2];
  int r = pipe(q);
  t_check("pipe_while_table_full", r == 0, "pipe gave %d", r);
  if(r == 0){
    close(q[0]);
    close(q[1]);
  }

  close(p[1]);        // every child's read returns 0 now
  close(p[0]);
  int reaped = 0, st, w;
  long t0 = uptime();
  while((w = wait(&st)) > 0){
    if(st == 0)
      reaped++;
    if(uptime() - t0 > 10000)
      break;
  }
  t_check("fork_bomb_all_reaped", reaped == made && w == -ECHILD,
          "reaped %d of %d, last wait %d", reaped, made, w);
  expect_baseline("fork_bomb_no_leak");
}

// What the memory hog child reports to its parent.
struct hogreport {
  long bytes;          // heap obtained before sbrk failed
  long sbrk_err;       // what the failing sbrk returned
  int  touched_ok;     // the memory it got is really usable
  long fork_r;         // fork while memory is exhausted
  long pipe_r;         // pipe while memory is exhausted
  long open_r;         // open while memory is exhausted
  long sbrk_again;     // a second small sbrk
  long shrink_ok;      // giving memory back works
};

static void
hog(int fd)
{
  struct hogreport rep;
  memset(&rep, 0, sizeof(rep));
  char *start = sbrk(0);
  int step = MIB;
  // big steps first, then smaller ones to squeeze out the last pages
  while(step >= PGSIZE){
    char *p = sbrk(step);
    if(IS_ERRPTR(p)){
      if(rep.sbrk_err == 0)
        rep.sbrk_err = (long)p;
      step /= 2;
      continue;
    }
    rep.bytes += step;
  }
  // write to one byte of every page obtained
  char *end = sbrk(0);
  rep.touched_ok = 1;
  for(char *q = start; q < end; q += PGSIZE)
    *q = 1;
  for(char *q = start; q < end; q += PGSIZE)
    if(*q != 1)
      rep.touched_ok = 0;

  int pid = fork();
  if(pid == 0)
    exit(0);
  if(pid > 0)
    waitfor(pid, 0);
  rep.fork_r = pid > 0 ? 0 : pid;
  int pp[2];
  rep.pipe_r = pipe(pp);
  if(rep.pipe_r == 0){
    close(pp[0]);
    close(pp[1]);
  }
  int f = open("/README", O_RDONLY);
  rep.open_r = f < 0 ? f : 0;
  if(f >= 0)
    close(f);
  rep.sbrk_again = (long)sbrk(PGSIZE);
  if(!IS_ERRPTR((char *)rep.sbrk_again))
    rep.sbrk_again = 0;
  char *before = sbrk(0);
  rep.shrink_ok = sbrk(-(int)(rep.bytes / 2)) == before && sbrk(0) == before - rep.bytes / 2;

  write(fd, &rep, sizeof(rep));
  exit(0);
}

static void
test_sbrk_exhaust(void)
{
  int p[2];
  pipe(p);
  int pid = fork();
  if(pid == 0){
    close(p[0]);
    hog(p[1]);
  }
  close(p[1]);
  struct hogreport rep;
  memset(&rep, 0, sizeof(rep));
  int n = read(p[0], &rep, sizeof(rep));
  close(p[0]);
  int st = 0;
  waitfor(pid, &st);

  if(n != sizeof(rep)){
    // killed before it could report: allowed, as long as its parent
    // sees it die
    t_check("sbrk_exhaust_error_or_killed", st == -1, "child status %d, no report", st);
    printf("# memory hog was killed by the kernel (status %d)\n", st);
  } else {
    long avail = (long)base.freepages * PGSIZE;
    t_check("sbrk_exhaust_error_or_killed", st == 0, "child status %d", st);
    t_expect_err("sbrk_exhaust_enomem", rep.sbrk_err, ENOMEM);
    t_check("sbrk_exhaust_got_most_memory", rep.bytes >= avail / 10 * 9,
            "got %ld KiB of %ld KiB free", rep.bytes / 1024, avail / 1024);
    t_check("sbrk_exhaust_memory_usable", rep.touched_ok, "pages did not keep their contents");
    t_check("fork_when_out_of_memory", rep.fork_r == 0 || rep.fork_r == -ENOMEM ||
            rep.fork_r == -EAGAIN, "fork gave %ld", rep.fork_r);
    t_check("pipe_when_out_of_memory", rep.pipe_r == 0 || rep.pipe_r == -ENOMEM ||
            rep.pipe_r == -ENFILE, "pipe gave %ld", rep.pipe_r);
    t_check("open_when_out_of_memory", rep.open_r == 0 || rep.open_r == -ENOMEM,
            "open gave %ld", rep.open_r);
    t_check("sbrk_again_when_out_of_memory", rep.sbrk_again == 0 || rep.sbrk_again == -ENOMEM,
            "sbrk gave %ld", rep.sbrk_again);
    t_check("shrink_when_out_of_memory", rep.shrink_ok, "sbrk(-n) did not give memory back");
    printf("# memory hog got %ld MiB\n", rep.bytes / MIB);
  }
  expect_baseline("sbrk_exhaust_no_leak");
}

// A child with a big heap forks and exits: copying and freeing that
// much memory must balance too.
static void
test_big_fork(void)
{
  int pid = fork();
  if(pid == 0){
    char *p = sbrk(32 * MIB);
    if(IS_ERRPTR(p))
      exit(1);
    for(long i = 0; i < 32 * MIB; i += PGSIZE)
      p[i] = (char)i;
    int c = fork();
    if(c == 0){
      for(long i = 0; i < 32 * MIB; i += PGSIZE)
        if(p[i] != (char)i)
          exit(2);
      exit(0);
    }
    int st = -1;
    if(c < 0 || waitfor(c, &st) != c)
      exit(3);
    exit(st);
  }
  int st = -1;
  waitfor(pid, &st);
  t_expect("fork_32mib_process", st, 0);
  expect_baseline("fork_32mib_no_leak");
}

int
main(void)
{
  t_begin("ut_mem");
  warm_up();
  if(sysinfo(&base) < 0){
    t_fail("sysinfo", "sysinfo failed");
    return t_done();
  }
  printf("# baseline: %lu free pages, %d processes, %d open files\n",
         base.freepages, base.nproc, base.nfile);
  test_fork_exit();
  test_big_fork();
  test_fork_bomb();
  test_sbrk_exhaust();
  return t_done();
}
