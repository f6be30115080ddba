// user.h: everything a user program can call: the system call wrappers
// (user/lib/usys.S) and the small C library in user/lib/.
//
// Conventions: system call wrappers return the kernel's raw result, so a
// negative value is -errno (include/errno.h); there is no global errno.
// strerror(-r) turns such a result into text.
//
// The pure parts of the library (string, format, malloc, sha256, getopt,
// errstr, prng) include nothing but this header, so that the host unit
// tests (tests/host/test_ulib.c) can compile them with a host compiler.
#ifndef USER_H
#define USER_H

#include "types.h"
#include "errno.h"
#include "fcntl.h"
#include "stat.h"
#include "poll.h"
#include "sysinfo.h"

struct stat;
struct pollfd;
struct procinfo;
struct sysinfo;

// ---- system calls (usys.S); numbers and meaning in include/syscall.h ----
int   fork(void);
void  exit(int status) __attribute__((noreturn));
int   wait(int *status);
int   pipe(int fds[2]);
int   read(int fd, void *buf, int n);
int   kill(int pid);
int   exec(const char *path, char **argv);
int   fstat(int fd, struct stat *st);
int   chdir(const char *path);
int   dup(int fd);
int   getpid(void);
char *sbrk(int n);          // old break, or (char *)-ENOMEM
int   sleep(int ms);        // milliseconds
long  uptime(void);         // milliseconds since boot
int   open(const char *path, int flags);
int   write(int fd, const void *buf, int n);
int   mknod(const char *path, short major, short minor);
int   unlink(const char *path);
int   link(const char *oldpath, const char *newpath);
int   mkdir(const char *path);
int   close(int fd);
int   ioctl(int fd, int cmd, long arg);
int   poll(struct pollfd *fds, int nfds, int timeout_ms);
int   fcntl(int fd, int cmd, long arg);
int   rename(const char *oldpath, const char *newpath);
long  lseek(int fd, long off, int whence);
int   dup2(int oldfd, int newfd);
int   procinfo(struct procinfo *buf, int max);
int   sysinfo(struct sysinfo *info);
int   halt(int code);
int   getppid(void);
long  uptimeus(void);       // microseconds since boot
// Raw system call with any number and six arguments: for tests that must
// reach the kernel with values the typed wrappers cannot express.
long  syscall(long num, long a0, long a1, long a2, long a3, long a4, long a5);

// sbrk and pointer-returning calls report errors as small negative values.
#define IS_ERRPTR(p) ((long)(p) < 0 && (long)(p) >= -EMAXERRNO)

// ---- strings and memory (string.c) ----
void  *memset(void *dst, int c, uint64 n);
void  *memcpy(void *dst, const void *src, uint64 n);
void  *memmove(void *dst, const void *src, uint64 n);
int    memcmp(const void *a, const void *b, uint64 n);
uint64 strlen(const char *s);
int    strcmp(const char *a, const char *b);
int    strncmp(const char *a, const char *b, uint64 n);
char  *strcpy(char *dst, const char *src);
char  *strncpy(char *dst, const char *src, uint64 n);
uint64 strlcpy(char *dst, const char *src, uint64 size);  // always terminates
char  *strcat(char *dst, const char *src);
char  *strchr(const char *s, int c);
char  *strrchr(const char *s, int c);
char  *strstr(const char *hay, const char *needle);
int    isdigit(int c);
int    isspace(int c);
int    isalpha(int c);
int    isalnum(int c);
int    isxdigit(int c);

// ---- numbers (number.c) ----
int    atoi(const char *s);
long   strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
// Parses a whole string as a size: digits with an optional k/m/g suffix
// (powers of 1024). Returns 0 on success, -EINVAL if it is not a number.
int    parsesize(const char *s, long *out);

// ---- formatted printing ----
// format.c (pure): snprintf-family. %d %i %u %x %X %o %c %s %p %%, flags
// '-' and '0', width and precision (numbers or '*'), length l ll z h.
int    vsnprintf(char *buf, int n, const char *fmt, __builtin_va_list ap);
int    snprintf(char *buf, int n, const char *fmt, ...)
         __attribute__((format(__printf__, 3, 4)));
// The engine behind every printer: calls out(arg, c) for each character
// and returns how many characters were produced.
int    vformat(void (*out)(void *arg, char c), void *arg,
               const char *fmt, __builtin_va_list ap);
// printf.c: printing to file descriptors, one write(2) per call when the
// text fits in 256 bytes (so lines from concurrent processes stay whole).
int    vfprintf(int fd, const char *fmt, __builtin_va_list ap);
int    fprintf(int fd, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
int    printf(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
int    fputs(const char *s, int fd);        // no newline added
int    writeall(int fd, const void *buf, int n);   // loops over short writes

// ---- errors (errstr.c) ----
const char *strerror(int err);     // err may be positive or negative
const char *errname(int err);      // "ENOENT", or "E?" when unknown
// Prints "prog: what: <strerror(err)>" to fd 2 (what may be 0).
void   eprint(const char *prog, const char *what, int err);
// eprint, then exit(1).
void   die(const char *prog, const char *what, int err) __attribute__((noreturn));

// ---- memory allocation (malloc.c, grows the heap with sbrk) ----
void  *malloc(uint64 n);
void   free(void *p);
void  *realloc(void *p, uint64 n);
void  *calloc(uint64 count, uint64 size);
char  *strdup(const char *s);
// Bytes the allocator currently holds from sbrk (for tests).
uint64 malloc_heapsize(void);

// ---- command line options (getopt.c), the classic interface ----
extern char *optarg;    // argument of the option just returned
extern int   optind;    // next argv index to look at
extern int   opterr;    // print messages for unknown options (default 1)
extern int   optopt;    // the offending option character
int    getopt(int argc, char *const argv[], const char *optstring);
void   getopt_reset(void);   // start again at argv[1]

// ---- input (io.c) ----
// Reads one line (at most max-1 bytes) from fd, one byte at a time so the
// file offset stays right after the line; keeps the '\n' like fgets.
// Returns the bytes stored, 0 at end of file, or -errno.
int    readline(int fd, char *buf, int max);
char  *gets(char *buf, int max);    // readline on fd 0; 0 at end of file
// A buffered line reader for tools that own their input (grep, sh FILE).
struct linebuf {
  int fd;
  int pos, len;
  char buf[1024];
};
void   lb_init(struct linebuf *lb, int fd);
int    lb_getline(struct linebuf *lb, char *line, int max);  // like readline
// stat by name: open, fstat, close. Opening a device file runs its
// driver's open, so ls and friends only use this where that is harmless.
int    stat(const char *path, struct stat *st);
int    isconsole(int fd);          // fd is the console device (T_DEVICE major 1)

// ---- SHA-256 (sha256.c) ----
struct sha256 {
  uint32 h[8];
  uint64 len;        // bytes hashed so far
  uint8  block[64];
  int    used;       // bytes waiting in block
};
void   sha256_init(struct sha256 *c);
void   sha256_update(struct sha256 *c, const void *data, uint64 n);
void   sha256_final(struct sha256 *c, uint8 digest[32]);
void   sha256_hex(const uint8 digest[32], char out[65]);

// ---- deterministic pseudo-random bytes (prng.c) ----
// The stream genfile prints: the 64-bit "splitmix64" generator started at
// SEED, each output stored little-endian. Host tools can reproduce it.
struct prng {
  uint64 state;
  uint64 word;       // current output word
  int    left;       // bytes of word not yet handed out
};
void   prng_init(struct prng *r, uint64 seed);
uint64 prng_next(struct prng *r);            // next 64-bit output
void   prng_fill(struct prng *r, void *buf, uint64 n);

// ---- in-guest test reporting (check.c) ----
// Every check prints one line "PASS name" or "FAIL name: reason"; the
// program ends with t_done(), which prints "DONE prog".
void   t_begin(const char *prog);
void   t_pass(const char *name);
void   t_fail(const char *name, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
int    t_check(const char *name, int ok, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
int    t_expect(const char *name, long got, long want);  // PASS iff got == want
int    t_expect_err(const char *name, long got, int err); // want -err
int    t_expect_ok(const char *name, long got);           // want >= 0
int    t_failures(void);
int    t_done(void);       // prints DONE; returns an exit code (0 = all passed)

#include "irc.h"        // IRC lines (irc.c): shared by chatd and chat

// ---- network connections (dial.c; the TCP driver's section) ----
// Addresses are [tcp!]A.B.C.D!PORT ("*" for the host part of announce).
// Each returns a file descriptor or -errno (ECONNREFUSED, ETIMEDOUT,
// EHOSTUNREACH, EADDRINUSE, EINVAL ...). See docs/tcp.md.
int    dial(const char *addr);          // connect; the fd carries the bytes
int    announce(const char *addr);      // listen; the fd is the listener
int    accept(int lfd);                 // wait for and take the next connection
int    netaddr(int fd, int remote, char *buf, int n);  // "A.B.C.D!PORT"
// One control line to a connection ("shutdown", "keepalive on", ...);
// a text answer, if wanted, lands NUL-terminated in answer[0..n-1].
int    tcpctl(int fd, const char *cmd, char *answer, int n);
// ---- end of network connections ----

#endif
