// ut_hostile.c: every system call with hostile arguments: null, unmapped,
// kernel-space, guard-page, trapframe and beyond-MAXVA pointers; buffers
// that run off the end of memory; read-only memory as a destination;
// unterminated strings; huge and negative sizes; bad fds; bad flags and
// bad system call numbers. Each must fail with a negative errno (the
// right one where it matters) and the kernel must live on: reaching
// DONE is the final proof.
//
// Calls that could damage the caller if the kernel wrongly succeeded run
// in a child process (see iso()), which reports the raw result through a
// pipe; a child that dies instead counts as a failure.
// Prints PASS/FAIL lines and DONE ut_hostile (see user/lib/check.c).
#include "user.h"
#include "sysparam.h"
#include "syscall.h"
#include "fsformat.h"

#define PGSIZE    4096L
#define MAXVA     (1L << 38)
#define TRAMPOLINE (MAXVA - PGSIZE)
#define TRAPFRAME (TRAMPOLINE - PGSIZE)
#define TMPFILE   "/ut_hostile.tmp"
#define TMPDEV    "/ut_hostile.dev"
#define SCRATCH   "/ut_hostile.d"

extern char end[];      // first address after bss (user/user.ld)

// Addresses no system call may read or write.
static const struct { const char *name; long addr; } badaddrs[] = {
  { "null",       0 },
  { "unmapped",   0x3fffff000L },
  { "kernel",     0x80000000L },
  { "kernel_mid", 0x80200000L },
  { "trapframe",  TRAPFRAME },
  { "trampoline", TRAMPOLINE },
  { "maxva",      MAXVA },
  { "noncanon",   (long)0xffffffffffff0000UL },
  { "minus_one",  -1L },
};
#define NBAD ((int)(sizeof(badaddrs) / sizeof(badaddrs[0])))

static int zfd, nfd, ffd;          // /dev/zero, /dev/null, a scratch file
static int pp[2];                  // a pipe
static char *heap;                 // two pages at the top of the heap
static char *heapend;              // first unmapped byte after them

static int
waitfor(int pid, int *st)
{
  for(;;){
    int w = wait(st);
    if(w == pid || w < 0)
      return w;
  }
}

// Runs the raw system call in a child, which writes the result into a
// pipe. Returns 1 and stores the result if the child reported it; 0 if
// it died or exec'd instead. *status gets the child's exit status.
static int
iso_status(long num, long a0, long a1, long a2, long a3, long *result, int *status)
{
  int p[2];
  *status = -1;
  if(pipe(p) < 0)
    return 0;
  int pid = fork();
  if(pid < 0){
    close(p[0]);
    close(p[1]);
    return 0;
  }
  if(pid == 0){
    close(p[0]);
    long r = syscall(num, a0, a1, a2, a3, 0, 0);
    write(p[1], &r, sizeof(r));
    exit(0);
  }
  close(p[1]);
  long r = 0;
  int n = read(p[0], &r, sizeof(r));
  close(p[0]);
  waitfor(pid, status);
  *result = r;
  return n == sizeof(r) && *status == 0;
}

static int
iso(long num, long a0, long a1, long a2, long a3, long *result)
{
  int st;
  return iso_status(num, a0, a1, a2, a3, result, &st);
}

// Expects exactly -err from the isolated call.
static void
expect_iso(const char *name, int err, long num, long a0, long a1, long a2, long a3)
{
  long r;
  if(!iso(num, a0, a1, a2, a3, &r))
    t_fail(name, "the child died or exec'd instead of returning an error");
  else
    t_expect_err(name, r, err);
}

// Expects one of two errors (where either is a fair answer).
static void
expect_iso2(const char *name, int e1, int e2, long num, long a0, long a1, long a2, long a3)
{
  long r;
  if(!iso(num, a0, a1, a2, a3, &r))
    t_fail(name, "the child died or exec'd instead of returning an error");
  else
    t_check(name, r == -e1 || r == -e2, "got %ld (%s), want -%d (%s) or -%d (%s)",
            r, r >= 0 ? "a count, not an error" : errname((int)r), e1, errname(e1), e2, errname(e2));
}

// Expects some negative errno.
static void
expect_iso_neg(const char *name, long num, long a0, long a1, long a2, long a3)
{
  long r;
  if(!iso(num, a0, a1, a2, a3, &r))
    t_fail(name, "the child died or exec'd instead of returning an error");
  else
    t_check(name, r < 0 && r >= -EMAXERRNO, "got %ld, want a negative errno%s", r,
            r >= 0 ? " (a partial transfer is not enough)" : "");
}

// Removes path and, for a directory, everything below it.
static void
rmtree(const char *path)
{
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  struct stat st;
  if(fd < 0)
    return;
  if(fstat(fd, &st) == 0 && st.type == T_DIR){
    struct dirent de;
    char sub[MAXPATH];
    while(read(fd, &de, sizeof(de)) == sizeof(de)){
      char nm[DIRSIZ + 1];
      if(de.inum == 0)
        continue;
      memcpy(nm, de.name, DIRSIZ);
      nm[DIRSIZ] = 0;
      if(strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
        continue;
      snprintf(sub, sizeof(sub), "%s/%s", path, nm);
      rmtree(sub);
    }
  }
  close(fd);
  unlink(path);
}

// Expects the isolated call to return at all (any value).
static void
expect_iso_any(const char *name, long num, long a0, long a1, long a2, long a3)
{
  long r;
  if(!iso(num, a0, a1, a2, a3, &r))
    t_fail(name, "the child died");
  else
    t_pass(name);
}

// Expects -err, or an exec that worked (the child then ran a program
// that exited 0 without reporting). Used for exec with arguments read
// from address 0, which is readable program text.
static void
expect_iso_or_exec(const char *name, int err, long num, long a0, long a1, long a2, long a3)
{
  long r;
  int st = -1;
  if(iso_status(num, a0, a1, a2, a3, &r, &st))
    t_expect_err(name, r, err);
  else
    t_check(name, st == 0, "the child died (status %d)", st);
}

static void
refill_pipe(void)
{
  // the isolated reads consume what is in the pipe; keep data in it
  char junk[64];
  fcntl(pp[0], F_SETFL, O_NONBLOCK);
  while(read(pp[0], junk, sizeof(junk)) > 0)
    ;
  fcntl(pp[0], F_SETFL, 0);
  write(pp[1], "0123456789abcdef", 16);
}

// ------------------------------------------------ pointers the kernel writes

static void
test_bad_destinations(void)
{
  char name[64];
  long text = (long)&test_bad_destinations;    // mapped, but not writable

  for(int i = 0; i <= NBAD; i++){
    const char *an = i < NBAD ? badaddrs[i].name : "text";
    long a = i < NBAD ? badaddrs[i].addr : text;

    snprintf(name, sizeof(name), "read_zero_into_%s", an);
    expect_iso(name, EFAULT, SYS_read, zfd, a, 16, 0);
    snprintf(name, sizeof(name), "read_file_into_%s", an);
    lseek(ffd, 0, SEEK_SET);
    expect_iso(name, EFAULT, SYS_read, ffd, a, 16, 0);
    snprintf(name, sizeof(name), "read_pipe_into_%s", an);
    refill_pipe();
    expect_iso(name, EFAULT, SYS_read, pp[0], a, 16, 0);
    snprintf(name, sizeof(name), "fstat_into_%s", an);
    expect_iso(name, EFAULT, SYS_fstat, ffd, a, 0, 0);
    snprintf(name, sizeof(name), "pipe_into_%s", an);
    expect_iso(name, EFAULT, SYS_pipe, a, 0, 0, 0);
    snprintf(name, sizeof(name), "sysinfo_into_%s", an);
    expect_iso(name, EFAULT, SYS_sysinfo, a, 0, 0, 0);
    snprintf(name, sizeof(name), "procinfo_into_%s", an);
    expect_iso(name, EFAULT, SYS_procinfo, a, NPROC, 0, 0);
  }

  // the unmapped page right after the heap
  expect_iso("read_zero_into_heap_end", EFAULT, SYS_read, zfd, (long)heapend, 16, 0);
  // a buffer that starts mapped and runs off the end of the heap
  long r;
  if(!iso(SYS_read, zfd, (long)(heapend - 8), 16, 0, &r))
    t_fail("read_zero_straddling_heap_end", "the child died");
  else
    t_check("read_zero_straddling_heap_end", r == -EFAULT || r == 8,
            "got %ld, want -EFAULT or a short count of 8", r);
  expect_iso("fstat_straddling_heap_end", EFAULT, SYS_fstat, ffd,
             (long)(heapend - sizeof(struct stat) / 2), 0, 0);
  expect_iso("sysinfo_straddling_heap_end", EFAULT, SYS_sysinfo,
             (long)(heapend - sizeof(struct sysinfo) / 2), 0, 0, 0);
  // room for one procinfo only, and more than one process exists
  expect_iso("procinfo_straddling_heap_end", EFAULT, SYS_procinfo,
             (long)(heapend - sizeof(struct procinfo)), NPROC, 0, 0);

  // the guard page below the stack (layout in kernel/memlayout.h)
  long guard = ((long)end + PGSIZE - 1) & ~(PGSIZE - 1);
  char local;
  long sp = (long)&local;
  if(sp > guard + PGSIZE && sp < guard + (USERSTACK + 1) * PGSIZE){
    expect_iso("read_zero_into_stack_guard", EFAULT, SYS_read, zfd, guard + 100, 16, 0);
  } else {
    t_fail("read_zero_into_stack_guard", "stack at %p is not right above the guard page %p",
           (void *)sp, (void *)guard);
  }

  // wait with a bad status pointer: error, and the child is not lost
  for(int i = 0; i < 3; i++){
    long a = i == 0 ? 0x3fffff000L : i == 1 ? 0x80000000L : text;
    int pid = fork();
    if(pid == 0)
      exit(7);
    int w = wait((int *)a);
    int st = -1;
    int w2 = wait(&st);
    snprintf(name, sizeof(name), "wait_status_into_%s",
             i == 0 ? "unmapped" : i == 1 ? "kernel" : "text");
    t_check(name, w == -EFAULT && w2 == pid && st == 7,
            "wait gave %d, then %d with status %d (child %d)", w, w2, st, pid);
  }

  // pipe(bad) must not leave descriptors behind
  int before = dup(0);
  close(before);
  pipe((int *)0x3fffff000L);
  pipe((int *)0x80000000L);
  int after = dup(0);
  close(after);
  t_check("pipe_efault_no_fd_leak", before == after, "lowest free fd %d before, %d after",
          before, after);
}

// ------------------------------------------------ pointers the kernel reads

// Page 0 is never accessible to a program (user/user.ld starts at 0x1000
// and exec takes page 0 away), so a null pointer is a bad address like any
// other: every call must give EFAULT. Path calls run with the current
// directory in a scratch directory, so that a path that was wrongly read
// could only touch files there.
static void
test_bad_sources(void)
{
  char name[64];
  long r;

  for(int i = 0; i < NBAD; i++){
    const char *an = badaddrs[i].name;
    long a = badaddrs[i].addr;
    int null = 0;          // see above: null is not special any more

    snprintf(name, sizeof(name), "write_file_from_%s", an);
    if(null){
      if(!iso(SYS_write, ffd, a, 16, 0, &r))
        t_fail(name, "the child died");
      else
        t_check(name, r == -EFAULT || r == 16, "got %ld", r);
    } else {
      expect_iso(name, EFAULT, SYS_write, ffd, a, 16, 0);
    }
    refill_pipe();
    snprintf(name, sizeof(name), "write_pipe_from_%s", an);
    if(!null)
      expect_iso(name, EFAULT, SYS_write, pp[1], a, 16, 0);
    if(!null){
      // a console write that wrongly succeeded would leave bytes on the
      // line; end it so the next report starts a line of its own
      snprintf(name, sizeof(name), "write_console_from_%s", an);
      if(!iso(SYS_write, 1, a, 16, 0, &r)){
        t_fail(name, "the child died");
      } else {
        if(r != -EFAULT)
          write(1, "\n", 1);
        t_expect_err(name, r, EFAULT);
      }
    }
    snprintf(name, sizeof(name), "open_path_%s", an);
    if(null)
      expect_iso_any(name, SYS_open, a, O_RDONLY, 0, 0);
    else
      expect_iso(name, EFAULT, SYS_open, a, O_RDONLY, 0, 0);
    snprintf(name, sizeof(name), "exec_path_%s", an);
    if(null)
      expect_iso_or_exec(name, ENOENT, SYS_exec, a, (long)heap, 0, 0);
    else
      expect_iso(name, EFAULT, SYS_exec, a, (long)heap, 0, 0);
    snprintf(name, sizeof(name), "exec_argv_%s", an);
    if(null)
      expect_iso_or_exec(name, EFAULT, SYS_exec, (long)"/bin/true", a, 0, 0);
    else
      expect_iso(name, EFAULT, SYS_exec, (long)"/bin/echo", a, 0, 0);
    snprintf(name, sizeof(name), "poll_fds_%s", an);
    expect_iso(name, EFAULT, SYS_poll, a, 1, 0, 0);
  }

  // the rest of the path-taking calls, in the scratch directory
  rmtree(SCRATCH);
  if(mkdir(SCRATCH) < 0 || chdir(SCRATCH) < 0){
    t_fail("scratch_dir", "cannot make %s", SCRATCH);
    return;
  }
  close(open("src", O_CREATE | O_WRONLY));
  for(int i = 0; i < NBAD; i++){
    const char *an = badaddrs[i].name;
    long a = badaddrs[i].addr;
    int e = a == 0 ? 0 : EFAULT;     // 0: any result, as long as it returns
    struct { const char *call; long num, a0, a1, a2; } c[] = {
      { "chdir",      SYS_chdir,  a, 0, 0 },
      { "mkdir",      SYS_mkdir,  a, 0, 0 },
      { "unlink",     SYS_unlink, a, 0, 0 },
      { "mknod",      SYS_mknod,  a, 2, 0 },
      { "link_old",   SYS_link,   a, (long)"lnk", 0 },
      { "link_new",   SYS_link,   (long)"src", a, 0 },
      { "rename_old", SYS_rename, a, (long)"ren", 0 },
      { "rename_new", SYS_rename, (long)"src", a, 0 },
    };
    for(unsigned k = 0; k < sizeof(c) / sizeof(c[0]); k++){
      snprintf(name, sizeof(name), "%s_%s", c[k].call, an);
      if(e)
        expect_iso(name, e, c[k].num, c[k].a0, c[k].a1, c[k].a2, 0);
      else
        expect_iso_any(name, c[k].num, c[k].a0, c[k].a1, c[k].a2, 0);
    }
  }
  chdir("/");
  rmtree(SCRATCH);

  // poll writes revents: read-only memory is as bad as no memory
  expect_iso("poll_fds_in_text", EFAULT, SYS_poll, (long)&test_bad_sources, 1, 0, 0);
  expect_iso("poll_fds_straddling_heap_end", EFAULT, SYS_poll,
             (long)(heapend - sizeof(struct pollfd)), 2, 0, 0);

  // strings that run into unmapped memory without a terminating NUL
  char *s = heapend - 40;
  memset(s, 'a', 40);
  expect_iso("open_unterminated_path", EFAULT, SYS_open, (long)s, O_RDONLY, 0, 0);
  expect_iso("mkdir_unterminated_path", EFAULT, SYS_mkdir, (long)s, 0, 0, 0);
  expect_iso("exec_unterminated_path", EFAULT, SYS_exec, (long)s, (long)heap, 0, 0);

  // argv arrays: a bad element, a bad string, no terminating null
  char **av = (char **)heap;
  av[0] = "echo";
  av[1] = (char *)0x3fffff000L;
  av[2] = 0;
  expect_iso("exec_argv_element_unmapped", EFAULT, SYS_exec, (long)"/bin/echo", (long)av, 0, 0);
  av[1] = (char *)0x80000000L;
  expect_iso("exec_argv_element_kernel", EFAULT, SYS_exec, (long)"/bin/echo", (long)av, 0, 0);
  av[1] = s;             // unterminated string
  expect_iso("exec_argv_unterminated_string", EFAULT, SYS_exec, (long)"/bin/echo", (long)av, 0, 0);
  char **tail = (char **)(heapend - 4 * sizeof(char *));
  for(int i = 0; i < 4; i++)
    tail[i] = "x";      // and then the heap ends: no null pointer
  expect_iso("exec_argv_unterminated_array", EFAULT, SYS_exec, (long)"/bin/echo", (long)tail, 0, 0);
  heap[0] = 0;
  expect_iso("exec_empty_path", ENOENT, SYS_exec, (long)heap, (long)(heap + 64), 0, 0);

  // a misaligned argv array is unusual but valid memory: exec works
  char **mis = (char **)(heap + 1001);
  char *vals[3] = { "true", 0, 0 };
  memcpy(mis, vals, sizeof(vals));
  int pid = fork();
  if(pid == 0){
    exec("/bin/true", mis);
    exit(99);
  }
  int st = -1;
  waitfor(pid, &st);
  t_check("exec_misaligned_argv", st == 0, "status %d (99: exec failed)", st);

  // paths that are too long
  static char longpath[MAXPATH * 4];
  memset(longpath, 'p', sizeof(longpath) - 1);
  expect_iso("open_path_too_long", ENAMETOOLONG, SYS_open, (long)longpath, O_RDONLY, 0, 0);
  expect_iso("mkdir_path_too_long", ENAMETOOLONG, SYS_mkdir, (long)longpath, 0, 0, 0);
  expect_iso2("exec_path_too_long", ENAMETOOLONG, ENOENT, SYS_exec, (long)longpath, (long)(heap + 64), 0, 0);
}

// ------------------------------------------------ file descriptors

static void
test_bad_fds(void)
{
  static const int fds[] = { -1, 999, NOFILE, 0x7fffffff };
  char name[64];
  char buf[16];
  int closedfd = dup(0);
  close(closedfd);

  for(int i = 0; i <= 4; i++){
    int fd = i < 4 ? fds[i] : closedfd;
    char fn[16];
    if(i < 4)
      snprintf(fn, sizeof(fn), "%d", fd);
    else
      snprintf(fn, sizeof(fn), "closed");
    snprintf(name, sizeof(name), "read_fd_%s", fn);
    t_expect_err(name, read(fd, buf, 1), EBADF);
    snprintf(name, sizeof(name), "write_fd_%s", fn);
    t_expect_err(name, write(fd, buf, 1), EBADF);
    snprintf(name, sizeof(name), "close_fd_%s", fn);
    t_expect_err(name, close(fd), EBADF);
    snprintf(name, sizeof(name), "fstat_fd_%s", fn);
    struct stat st;
    t_expect_err(name, fstat(fd, &st), EBADF);
    snprintf(name, sizeof(name), "dup_fd_%s", fn);
    t_expect_err(name, dup(fd), EBADF);
    snprintf(name, sizeof(name), "dup2_from_fd_%s", fn);
    t_expect_err(name, dup2(fd, 20), EBADF);
    snprintf(name, sizeof(name), "ioctl_fd_%s", fn);
    t_expect_err(name, ioctl(fd, 1, 0), EBADF);
    snprintf(name, sizeof(name), "fcntl_fd_%s", fn);
    t_expect_err(name, fcntl(fd, F_GETFL, 0), EBADF);
    snprintf(name, sizeof(name), "lseek_fd_%s", fn);
    t_expect_err(name, lseek(fd, 0, SEEK_SET), EBADF);
  }
  t_expect_err("dup2_to_negative", dup2(0, -1), EBADF);
  t_expect_err("dup2_to_nofile", dup2(0, NOFILE), EBADF);
  t_expect_err("dup2_to_huge", dup2(0, 999), EBADF);
  t_expect("dup2_same_fd", dup2(1, 1), 1);
  // upper bits of a 64-bit register are not part of an int argument
  long r = syscall(SYS_close, 0x100000000L + 999, 0, 0, 0, 0, 0);
  t_expect_err("close_fd_with_high_bits", r, EBADF);

  // using up the descriptor table
  int got[NOFILE + 1];
  int n = 0, last = 0;
  while(n <= NOFILE){
    last = dup(0);
    if(last < 0)
      break;
    got[n++] = last;
  }
  t_check("dup_until_emfile", last == -EMFILE && n > 0 && n < NOFILE,
          "dup stopped with %d after %d", last, n);
  int op = open("/dev/null", O_RDONLY);
  t_expect_err("open_when_full_emfile", op, EMFILE);
  if(op >= 0)
    close(op);
  int pf[2];
  t_expect_err("pipe_when_full_emfile", pipe(pf), EMFILE);
  for(int i = 0; i < n; i++)
    close(got[i]);
  t_expect_ok("fds_usable_after_emfile", op = open("/dev/null", O_RDONLY));
  close(op);

  // poll entries with bad fds are not errors: they report POLLNVAL
  struct pollfd pf1 = { 999, POLLIN, 0 };
  int pr = poll(&pf1, 1, 0);
  t_check("poll_bad_fd_is_pollnval", pr == 1 && pf1.revents == POLLNVAL,
          "poll gave %d, revents 0x%x", pr, pf1.revents);
}

// ------------------------------------------------ sizes, flags, numbers

static void
test_bad_values(void)
{
  char buf[64];
  long r;

  t_expect_err("read_negative_len", read(zfd, buf, -1), EINVAL);
  t_expect_err("write_negative_len", write(nfd, buf, -1), EINVAL);
  t_expect_err("write_file_negative_len", write(ffd, buf, -5), EINVAL);
  t_expect("read_zero_len", read(zfd, buf, 0), 0);
  t_expect_err("procinfo_negative_max", procinfo((struct procinfo *)heap, -1), EINVAL);
  t_expect_err("poll_negative_nfds", poll((struct pollfd *)heap, -1, 0), EINVAL);
  r = poll((struct pollfd *)heap, 1000000, 0);
  t_check("poll_huge_nfds", r == -EINVAL || r == -EFAULT, "got %ld", r);
  t_expect_err("sleep_negative", sleep(-5), EINVAL);

  // huge lengths with small buffers
  expect_iso2("read_zero_huge_len", EFAULT, EINVAL, SYS_read, zfd, (long)heap, 0x7fffffff, 0);
  lseek(ffd, 0, SEEK_SET);
  expect_iso_neg("write_file_huge_len", SYS_write, ffd, (long)heap, 0x7fffffff, 0);
  expect_iso2("write_console_huge_len", EFAULT, EINVAL, SYS_write, 1, (long)heapend - 1, 0x7fffffff, 0);

  // sbrk extremes
  char *top = sbrk(0);
  t_check("sbrk_huge_grow_enomem", sbrk(0x7fffffff) == (char *)-ENOMEM && sbrk(0) == top,
          "break moved to %p", sbrk(0));
  r = (long)sbrk(-0x7fffffff);
  t_check("sbrk_huge_shrink_fails", r < 0 && r >= -EMAXERRNO && sbrk(0) == top,
          "sbrk(-0x7fffffff) gave %ld", r);
  r = (long)sbrk(-(int)((long)top + PGSIZE));
  t_check("sbrk_below_zero_fails", r < 0 && sbrk(0) == top, "gave %ld", r);

  // bad flags
  t_expect_err("open_accmode_3", open(TMPFILE, 3), EINVAL);
  t_expect_err("open_unknown_flag", open(TMPFILE, 0x10000000), EINVAL);
  t_expect_err("open_flags_minus_one", open(TMPFILE, -1), EINVAL);
  t_expect_err("fcntl_bad_cmd", fcntl(ffd, 999, 0), EINVAL);
  r = fcntl(ffd, F_SETFL, 0x7fffffff);
  int fl = fcntl(ffd, F_GETFL, 0);
  t_check("fcntl_setfl_garbage", (r == 0 || r == -EINVAL) && (fl & O_ACCMODE) == O_RDWR,
          "setfl gave %ld, flags now 0x%x", r, fl);
  fcntl(ffd, F_SETFL, 0);
  t_expect_err("lseek_bad_whence", lseek(ffd, 0, 99), EINVAL);
  t_expect_err("lseek_negative", lseek(ffd, -1, SEEK_SET), EINVAL);
  t_expect_err("ioctl_file_enotty", ioctl(ffd, 0x7fffffff, 0x3fffff000L), ENOTTY);
  r = ioctl(1, 0x7fff1234, 0x3fffff000L);
  t_check("ioctl_console_unknown_cmd", r < 0, "got %ld", r);

  // offsets far beyond any file: no crash, writes refused
  r = lseek(ffd, 1L << 40, SEEK_SET);
  long w = write(ffd, "x", 1);
  t_check("write_at_huge_offset_fails", (r < 0 || w < 0), "lseek %ld, write %ld", r, w);
  r = lseek(ffd, 0x7fffffffffffffffL, SEEK_SET);
  long r2 = lseek(ffd, 10, SEEK_CUR);
  t_check("lseek_overflow", r < 0 || r2 < 0, "lseek %ld then +10 gave %ld", r, r2);
  lseek(ffd, 0, SEEK_SET);

  // device numbers that no driver has
  static const short majors[] = { -1, 50, NDEV, 1000, 32767 };
  for(int i = 0; i < 5; i++){
    char name[48];
    unlink(TMPDEV);
    int m = mknod(TMPDEV, majors[i], 0);
    int fd = m == 0 ? open(TMPDEV, O_RDWR) : -EINVAL;
    snprintf(name, sizeof(name), "device_major_%d_unusable", majors[i]);
    t_check(name, m < 0 || fd < 0, "mknod %d, open %d", m, fd);
    if(fd >= 0)
      close(fd);
    unlink(TMPDEV);
  }

  // pids
  r = kill(0);
  t_check("kill_pid_0", r == -ESRCH || r == -EINVAL, "got %ld", r);
  r = kill(-1);
  t_check("kill_pid_minus_1", r == -ESRCH || r == -EINVAL, "got %ld", r);
  t_expect_err("kill_pid_huge", kill(0x7fffffff), ESRCH);

  // system call numbers
  static const long nums[] = { 0, SYS_NSYSCALL, 999, -1, 1L << 40 };
  for(int i = 0; i < 5; i++){
    char name[48];
    snprintf(name, sizeof(name), "syscall_number_%ld_enosys", nums[i]);
    t_expect_err(name, syscall(nums[i], 1, 2, 3, 4, 5, 6), ENOSYS);
  }
}

// ------------------------------------------------ misaligned but valid

static void
test_misaligned(void)
{
  struct stat ref;
  fstat(ffd, &ref);
  struct stat *st = (struct stat *)(heap + 1);
  int r = fstat(ffd, st);
  struct stat copy;
  memcpy(&copy, st, sizeof(copy));
  t_check("fstat_misaligned_ok", r == 0 && copy.ino == ref.ino && copy.size == ref.size,
          "fstat gave %d", r);
  r = sysinfo((struct sysinfo *)(heap + 3));
  t_expect("sysinfo_misaligned_ok", r, 0);
  r = read(zfd, heap + 5, 13);
  t_expect("read_misaligned_ok", r, 13);
  long res;
  if(iso(SYS_pipe, (long)(heap + 2), 0, 0, 0, &res))
    t_expect("pipe_misaligned_ok", res, 0);
  else
    t_fail("pipe_misaligned_ok", "the child died");
  struct pollfd *pf = (struct pollfd *)(heap + 7);
  struct pollfd v = { pp[1], POLLOUT, 0 };
  memcpy(pf, &v, sizeof(v));
  r = poll(pf, 1, 0);
  memcpy(&v, pf, sizeof(v));
  t_check("poll_misaligned_ok", r == 1 && (v.revents & POLLOUT), "poll gave %d", r);
}

// ------------------------------------------------ faults in user mode

// Recurses far past the user stack (USERSTACK pages) into the guard page.
static int
deep(int n)
{
  volatile char frame[1024];
  frame[0] = (char)n;
  if(n > 1000000)
    return 0;
  return deep(n + 1) + frame[0];
}

static void
crash(const char *name, int how)
{
  int pid = fork();
  if(pid == 0){
    switch(how){
    case 0: *(volatile int *)0x80000000L = 1; break;       // kernel memory
    case 1: *(volatile int *)0 = 1; break;                 // text is read-only
    case 2: *(volatile int *)TRAPFRAME = 1; break;         // not user memory
    case 3: { volatile int x = *(volatile int *)0x3fffff000L; (void)x; break; }
    case 4: asm volatile(".word 0"); break;                // illegal instruction
    case 5: { long v; asm volatile("csrr %0, sstatus" : "=r"(v)); break; }  // privileged
    case 6: ((void (*)(void))heap)(); break;               // heap is not executable
    case 7: deep(0); break;                                // stack overflow into the guard
    }
    exit(0);
  }
  int st = 0;
  waitfor(pid, &st);
  t_expect(name, st, -1);
}

static void
test_user_faults(void)
{
  crash("user_store_to_kernel_killed", 0);
  crash("user_store_to_text_killed", 1);
  crash("user_store_to_trapframe_killed", 2);
  crash("user_load_unmapped_killed", 3);
  crash("user_illegal_instruction_killed", 4);
  crash("user_privileged_csr_killed", 5);
  crash("user_exec_heap_killed", 6);
  crash("user_stack_overflow_killed", 7);
}

int
main(void)
{
  t_begin("ut_hostile");

  zfd = open("/dev/zero", O_RDONLY);
  nfd = open("/dev/null", O_RDWR);
  ffd = open(TMPFILE, O_CREATE | O_RDWR | O_TRUNC);
  if(zfd < 0 || nfd < 0 || ffd < 0 || pipe(pp) < 0){
    t_fail("setup", "cannot open /dev/zero, /dev/null, %s or a pipe", TMPFILE);
    return t_done();
  }
  write(ffd, "some file contents for the tests", 32);

  // two page-aligned pages at the very top of the heap
  char *top = sbrk(0);
  sbrk((int)((((long)top + PGSIZE - 1) & ~(PGSIZE - 1)) - (long)top));
  heap = sbrk(2 * PGSIZE);
  heapend = heap + 2 * PGSIZE;
  if(IS_ERRPTR(heap) || sbrk(0) != heapend){
    t_fail("setup", "sbrk failed");
    return t_done();
  }
  memset(heap, 0, 2 * PGSIZE);

  test_bad_destinations();
  test_bad_sources();
  test_bad_fds();
  test_bad_values();
  test_misaligned();
  test_user_faults();

  close(zfd);
  close(nfd);
  close(ffd);
  close(pp[0]);
  close(pp[1]);
  unlink(TMPFILE);
  t_pass("kernel_survived");
  return t_done();
}
