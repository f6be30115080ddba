// test_ulib.c: host unit tests of the user C library (user/lib).
//
// Build from the repository root, as a single file (it includes the
// library sources it tests, see below):
//   cc -fsanitize=address,undefined -g -Iinclude -Iuser/lib
//      tests/host/test_ulib.c -o test_ulib
// Do not link user/lib/*.c separately: their malloc, printf, memcpy...
// would replace the host C library's inside the sanitizer.
//
// How it works: the library's functions have the names of the C
// library's, so each is renamed (ulib_*) with a macro before its source
// is included. The few system calls the library uses (write, read,
// sbrk, exit, ...) are replaced by stubs that work on memory, so that
// printing, line reading and the heap can be checked too.
// Prints "PASS name" / "FAIL name: reason" lines and a final count; exits
// nonzero if anything failed.

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>

// ---------------------------------------------------------------- reporting
// (defined before the renaming so that it uses the host's printf)

static int host_npass, host_nfail;   // (check.c has its own npass/nfail)

static void
report(int ok, const char *name, const char *why)
{
  if(ok){
    host_npass++;
    printf("PASS %s\n", name);
  } else {
    host_nfail++;
    printf("FAIL %s: %s\n", name, why);
  }
}

static char why[512];
#define WHY(...) host_snprintf(why, sizeof(why), __VA_ARGS__)

// the host's own formatter, for cross-checking ours
static int
host_snprintf(char *buf, size_t n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return r;
}

static int host_strcmp(const char *a, const char *b)
{
  while(*a && *a == *b){ a++; b++; }
  return (unsigned char)*a - (unsigned char)*b;
}

static unsigned long long rng = 88172645463325252ULL;
static unsigned long
rnd(void)
{
  // xorshift64: reproducible runs without the host's rand()
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned long)rng;
}

// ---------------------------------------------------------------- renaming

#include "ulib_rename.h"

#include "../../user/lib/string.c"
#include "../../user/lib/number.c"
#include "../../user/lib/format.c"
#include "../../user/lib/printf.c"
#include "../../user/lib/errstr.c"
#include "../../user/lib/malloc.c"
#include "../../user/lib/getopt.c"
#include "../../user/lib/sha256.c"
#include "../../user/lib/prng.c"
#include "../../user/lib/io.c"
#include "../../user/lib/check.c"

// ---------------------------------------------------------------- stubs

// write: fds 1 and 2 append to `out` (at most `wlimit` bytes per call,
// to exercise short writes); fd 9 fails with EIO.
static char out[1 << 16];
static int outlen, nwrites, wlimit = 1 << 30;

int
write(int fd, const void *buf, int n)
{
  if(fd == 9)
    return -EIO;
  if(n > wlimit)
    n = wlimit;
  if(outlen + n > (int)sizeof(out) - 1)
    n = sizeof(out) - 1 - outlen;
  memcpy(out + outlen, buf, n);
  outlen += n;
  out[outlen] = 0;        // so tests can compare `out` as a string
  nwrites++;
  return n;
}

static void
out_reset(void)
{
  outlen = 0;
  nwrites = 0;
  out[0] = 0;
}

// read: serves `input` in pieces of random size up to rlimit.
static const char *input;
static int inpos, inlen, rlimit = 1, nreads;

int
read(int fd, void *buf, int n)
{
  (void)fd;
  nreads++;
  if(inpos == inlen)
    return 0;
  int k = 1 + rnd() % rlimit;
  if(k > n)
    k = n;
  if(k > inlen - inpos)
    k = inlen - inpos;
  memcpy(buf, input + inpos, k);
  inpos += k;
  return k;
}

static void
in_set(const char *s, int limit)
{
  input = s;
  inpos = 0;
  inlen = strlen(s);
  rlimit = limit;
}

int open(const char *path, int flags) { (void)path; (void)flags; return -ENOENT; }
int close(int fd) { (void)fd; return 0; }
int fstat(int fd, struct stat *st) { (void)fd; (void)st; return -EBADF; }

// sbrk: a fixed arena, so the heap's growth is visible and bounded.
#define ARENA (32 << 20)
static char *arena;
static long brk_used;
static int sbrk_calls;

char *
sbrk(int n)
{
  sbrk_calls++;
  if(n < 0 || brk_used + n > ARENA)
    return (char *)(long)-ENOMEM;
  char *p = arena + brk_used;
  brk_used += n;
  return p;
}

// exit: jumps back into the test that expected it.
static jmp_buf exit_jump;
static int exit_armed, exit_code;

void
exit(int code)
{
  exit_code = code;
  if(exit_armed)
    longjmp(exit_jump, 1);
  abort();
}

// ---------------------------------------------------------------- printf

// Checks one snprintf result against an expected string.
#define FMT(expect, ...) do { \
    char b_[256]; \
    int n_ = snprintf(b_, sizeof(b_), __VA_ARGS__); \
    int ok_ = host_strcmp(b_, expect) == 0 && n_ == (int)strlen(expect); \
    if(!ok_) { \
      WHY("format %s: got \"%s\" (%d), want \"%s\"", #__VA_ARGS__, b_, n_, expect); \
      report(0, "printf_format", why); \
      bad++; \
    } \
  } while(0)

// Some checks pass what a compiler warns about (an unknown conversion, a
// null %s) on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-overflow"
#endif
static void
test_format(void)
{
  int bad = 0;
  FMT("42", "%d", 42);
  FMT("-42", "%d", -42);
  FMT("-2147483648", "%d", -2147483647 - 1);
  FMT("4294967295", "%u", 4294967295U);
  FMT("-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
  FMT("18446744073709551615", "%lu", 18446744073709551615UL);
  FMT("ffffffffffffffff", "%lx", ~0UL);
  FMT("DEADBEEF", "%X", 0xdeadbeefU);
  FMT("0x1f", "%#x", 31);
  FMT("0", "%#x", 0);
  FMT("17", "%o", 15);
  FMT("017", "%#o", 15);
  FMT("   42", "%5d", 42);
  FMT("42   |", "%-5d|", 42);
  FMT("00042", "%05d", 42);
  FMT("-0042", "%05d", -42);
  FMT("+42", "%+d", 42);
  FMT(" 42", "% d", 42);
  FMT("  007", "%5.3d", 7);
  FMT("", "%.0d", 0);
  FMT("x", "%c", 'x');
  FMT("  x", "%3c", 'x');
  FMT("hello", "%s", "hello");
  FMT("  hi", "%4s", "hi");
  FMT("hi  |", "%-4s|", "hi");
  FMT("hel", "%.3s", "hello");
  FMT("(null)", "%s", (char *)0);
  FMT("   ab", "%*s", 5, "ab");
  FMT("ab   |", "%*s|", -5, "ab");
  FMT("abc", "%.*s", 3, "abcdef");
  FMT("100%", "%d%%", 100);
  FMT("0x1000", "%p", (void *)0x1000);
  FMT("0x0", "%p", (void *)0);
  FMT("        0x1000", "%14p", (void *)0x1000);
  FMT("12 ab -1", "%d %s %d", 12, "ab", -1);
  FMT("%y", "%y");
  FMT("255 -1", "%hhu %hhd", 255, 255);
  FMT("65535", "%hu", 65535);
  FMT("123456789012", "%zu", (unsigned long)123456789012UL);
  if(bad == 0)
    report(1, "printf_format", "");
}
#pragma GCC diagnostic pop

// Every combination of flags, width, precision and value against the
// host's printf, for the conversions where the C standard fixes the text.
static void
test_format_matrix(void)
{
  static const char *flags[] = { "", "-", "0", "+", " ", "#", "-+", "0+", "-#", "0#" };
  static const char *widths[] = { "", "1", "6", "21" };
  static const char *precs[] = { "", ".0", ".3", ".12" };
  static const char *convs[] = { "d", "u", "x", "X", "o", "ld", "lu", "lx" };
  static const long vals[] = { 0, 1, -1, 7, 42, -42, 255, 65536, 2147483647L,
                               -2147483647L - 1, 9223372036854775807L };
  int checked = 0, bad = 0;

  for(unsigned f = 0; f < sizeof(flags)/sizeof(*flags); f++)
  for(unsigned w = 0; w < sizeof(widths)/sizeof(*widths); w++)
  for(unsigned p = 0; p < sizeof(precs)/sizeof(*precs); p++)
  for(unsigned c = 0; c < sizeof(convs)/sizeof(*convs); c++)
  for(unsigned v = 0; v < sizeof(vals)/sizeof(*vals); v++){
    char fmt[32], mine[128], host[128];
    int is_long = convs[c][0] == 'l';
    host_snprintf(fmt, sizeof(fmt), "[%%%s%s%s%s]", flags[f], widths[w], precs[p], convs[c]);
    int n1, n2;
    #pragma GCC diagnostic push
    #pragma GCC diagnostic ignored "-Wformat-nonliteral"
    #pragma GCC diagnostic ignored "-Wformat-security"
    if(is_long){
      n1 = snprintf(mine, sizeof(mine), fmt, vals[v]);
      n2 = host_snprintf(host, sizeof(host), fmt, vals[v]);
    } else {
      n1 = snprintf(mine, sizeof(mine), fmt, (int)vals[v]);
      n2 = host_snprintf(host, sizeof(host), fmt, (int)vals[v]);
    }
    #pragma GCC diagnostic pop
    checked++;
    if(n1 != n2 || host_strcmp(mine, host) != 0){
      if(bad++ < 5){
        WHY("%s with %ld: got %s, host %s", fmt, vals[v], mine, host);
        report(0, "printf_matrix", why);
      }
    }
  }
  if(bad == 0){
    WHY("%d formats", checked);
    report(1, "printf_matrix", why);
  }
}

static void
test_snprintf_truncation(void)
{
  char b[8];
  memset(b, 'Z', sizeof(b));
  int n = snprintf(b, 5, "%s", "abcdefgh");
  int ok = n == 8 && host_strcmp(b, "abcd") == 0 && b[5] == 'Z';
  n = snprintf(b, 0, "%d", 12345);
  ok = ok && n == 5 && b[0] == 'a';
  n = snprintf(b, 1, "xyz");
  ok = ok && n == 3 && b[0] == 0;
  report(ok, "snprintf_truncation", "length or termination wrong");
}

static void
test_fprintf(void)
{
  char big[1000];
  for(int i = 0; i < 999; i++)
    big[i] = 'a' + i % 26;
  big[999] = 0;

  out_reset();
  int n = fprintf(1, "x=%d %s\n", 5, "ok");
  report(n == 7 && outlen == 7 && nwrites == 1 && memcmp(out, "x=5 ok\n", 7) == 0,
         "fprintf_one_write", "short line not written in one piece");

  out_reset();
  wlimit = 100;      // every write is short: writeall must loop
  n = printf("%s|", big);
  wlimit = 1 << 30;
  report(n == 1000 && outlen == 1000 && memcmp(out, big, 999) == 0 && out[999] == '|',
         "fprintf_long_and_short_writes", "text lost or reordered");

  n = fprintf(9, "fails %d\n", 1);
  report(n == -EIO, "fprintf_error", "write error not returned");

  out_reset();
  fputs("plain", 2);
  report(outlen == 5 && memcmp(out, "plain", 5) == 0, "fputs", "wrong output");
}

// ---------------------------------------------------------------- strings

static void
test_memfuncs(void)
{
  static unsigned char a[300], b[300], ref[300];
  int bad = 0;

  // memset at every alignment and length up to 40
  for(int off = 0; off < 16; off++)
    for(int len = 0; len < 40; len++){
      for(int i = 0; i < 100; i++)
        a[i] = ref[i] = (unsigned char)i;
      memset(a + off, 0xab, len);
      for(int i = off; i < off + len; i++)
        ref[i] = 0xab;
      for(int i = 0; i < 100; i++)
        if(a[i] != ref[i])
          bad++;
    }
  report(bad == 0, "memset", "wrong bytes");

  // memmove with overlaps in both directions, all small offsets
  bad = 0;
  for(int src = 0; src < 24; src++)
    for(int dst = 0; dst < 24; dst++)
      for(int len = 0; len < 70; len += 3){
        for(int i = 0; i < 120; i++)
          a[i] = b[i] = (unsigned char)(i * 7 + 1);
        memmove(a + dst, a + src, len);
        // reference: through a separate buffer
        for(int i = 0; i < len; i++)
          ref[i] = b[src + i];
        for(int i = 0; i < len; i++)
          b[dst + i] = ref[i];
        if(memcmp(a, b, 120) != 0)
          bad++;
      }
  report(bad == 0, "memmove_overlap", "overlapping copy wrong");

  bad = 0;
  for(int i = 0; i < 200; i++)
    a[i] = b[i] = (unsigned char)rnd();
  if(memcmp(a, b, 200) != 0) bad++;
  b[150] ^= 0x80;
  if(!(memcmp(a, b, 200) != 0 && (memcmp(a, b, 200) < 0) == (a[150] < b[150]))) bad++;
  if(memcmp(a, b, 150) != 0) bad++;
  memcpy(b, a, 200);
  if(memcmp(a, b, 200) != 0) bad++;
  report(bad == 0, "memcmp_memcpy", "wrong result");
}

static int
sign(int x)
{
  return x < 0 ? -1 : x > 0;
}

static void
test_strfuncs(void)
{
  char buf[64];
  int bad = 0;

  if(strlen("") != 0 || strlen("hello") != 5) bad++;
  if(strcmp("abc", "abc") != 0) bad++;
  if(sign(strcmp("abc", "abd")) != -1 || sign(strcmp("b", "a")) != 1) bad++;
  if(sign(strcmp("ab", "abc")) != -1 || sign(strcmp("\xff", "a")) != 1) bad++;
  if(strncmp("abcx", "abcy", 3) != 0 || sign(strncmp("abcx", "abcy", 4)) != -1) bad++;
  if(strncmp("a", "a", 100) != 0) bad++;
  if(host_strcmp(strcpy(buf, "copy"), "copy") != 0) bad++;
  strcat(buf, "cat");
  if(host_strcmp(buf, "copycat") != 0) bad++;
  const char *h = "hello";
  if(strchr(h, 'l') != h + 2 || strrchr(h, 'l') != h + 3) bad++;
  if(strchr(h, 'z') != 0 || strchr(h, 0) != h + 5 || strrchr(h, 'z') != 0) bad++;
  if(strstr(h, "ll") != h + 2 || strstr(h, "") != h || strstr(h, "lo!") != 0) bad++;
  if(strstr("aaab", "aab") == 0) bad++;
  report(bad == 0, "string_basics", "a string function gave a wrong result");

  bad = 0;
  memset(buf, 'Z', sizeof(buf));
  if(strlcpy(buf, "abcdef", 4) != 6 || host_strcmp(buf, "abc") != 0) bad++;
  if(strlcpy(buf, "ab", 10) != 2 || host_strcmp(buf, "ab") != 0) bad++;
  memset(buf, 'Z', sizeof(buf));
  strncpy(buf, "ab", 5);
  if(memcmp(buf, "ab\0\0\0Z", 6) != 0) bad++;
  strncpy(buf, "abcdefg", 3);
  if(memcmp(buf, "abc\0", 4) != 0) bad++;   // not terminated by strncpy
  report(bad == 0, "strlcpy_strncpy", "wrong copy or termination");

  bad = 0;
  if(!isdigit('7') || isdigit('a') || !isspace('\t') || isspace('x')) bad++;
  if(!isalpha('Q') || isalpha('1') || !isalnum('1') || !isxdigit('F') || isxdigit('g')) bad++;
  report(bad == 0, "ctype", "classification wrong");

  char *d = strdup("duplicate");
  report(d != 0 && host_strcmp(d, "duplicate") == 0, "strdup", "wrong copy");
  free(d);
}

static void
test_numbers(void)
{
  int bad = 0;
  char *end;

  if(atoi("123") != 123 || atoi("  -45x") != -45 || atoi("") != 0 || atoi("+7") != 7) bad++;
  if(strtol("0x1F", &end, 0) != 31 || *end != 0) bad++;
  if(strtol("0755", &end, 0) != 493) bad++;
  if(strtol("755", &end, 8) != 493) bad++;
  if(strtol("zz", &end, 36) != 1295) bad++;
  if(strtol("12abc", &end, 10) != 12 || host_strcmp(end, "abc") != 0) bad++;
  if(strtol("abc", &end, 10) != 0 || host_strcmp(end, "abc") != 0) bad++;
  if(strtol("-", &end, 10) != 0 || host_strcmp(end, "-") != 0) bad++;
  if(strtol("0x", &end, 16) != 0 || host_strcmp(end, "x") != 0) bad++;
  if(strtol("99999999999999999999999", 0, 10) != 9223372036854775807L) bad++;
  if(strtol("-99999999999999999999999", 0, 10) != -9223372036854775807L - 1) bad++;
  if(strtol("-9223372036854775808", 0, 10) != -9223372036854775807L - 1) bad++;
  if(strtoul("18446744073709551615", 0, 10) != 18446744073709551615UL) bad++;
  if(strtol("10", &end, 1) != 0) bad++;     // invalid base
  report(bad == 0, "strtol_atoi", "wrong conversion");

  long v;
  bad = 0;
  if(parsesize("4096", &v) != 0 || v != 4096) bad++;
  if(parsesize("16m", &v) != 0 || v != 16L << 20) bad++;
  if(parsesize("3k", &v) != 0 || v != 3072) bad++;
  if(parsesize("1g", &v) != 0 || v != 1L << 30) bad++;
  if(parsesize("12x", &v) != -EINVAL || parsesize("", &v) != -EINVAL) bad++;
  if(parsesize("-1", &v) != -EINVAL || parsesize("99999999999999m", &v) != -EINVAL) bad++;
  report(bad == 0, "parsesize", "wrong size");
}

// ---------------------------------------------------------------- sha256

static void
hexof(const void *data, uint64 n, char hex[65])
{
  struct sha256 c;
  uint8 d[32];
  sha256_init(&c);
  sha256_update(&c, data, n);
  sha256_final(&c, d);
  sha256_hex(d, hex);
}

static void
test_sha256(void)
{
  // FIPS 180-2 / NIST example vectors
  static const struct { const char *msg; const char *hex; } v[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
    { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
  };
  char hex[65];
  for(unsigned i = 0; i < sizeof(v)/sizeof(*v); i++){
    hexof(v[i].msg, strlen(v[i].msg), hex);
    WHY("message %u: got %s", i, hex);
    char name[32];
    host_snprintf(name, sizeof(name), "sha256_vector_%u", i);
    report(host_strcmp(hex, v[i].hex) == 0, name, why);
  }

  // one million 'a', fed in irregular pieces
  static char ma[1000000];
  memset(ma, 'a', sizeof(ma));
  struct sha256 c;
  uint8 d[32];
  sha256_init(&c);
  for(uint64 off = 0; off < sizeof(ma);){
    uint64 k = 1 + rnd() % 200;
    if(k > sizeof(ma) - off)
      k = sizeof(ma) - off;
    sha256_update(&c, ma + off, k);
    off += k;
  }
  sha256_final(&c, d);
  sha256_hex(d, hex);
  report(host_strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
         "sha256_million_a_pieces", hex);

  // every length around the padding boundaries: pieces == whole
  int bad = 0;
  for(int len = 0; len < 200; len++){
    char h1[65], h2[65];
    hexof(ma, len, h1);
    sha256_init(&c);
    for(int i = 0; i < len; i++)
      sha256_update(&c, ma + i, 1);
    sha256_final(&c, d);
    sha256_hex(d, h2);
    if(host_strcmp(h1, h2) != 0)
      bad++;
  }
  report(bad == 0, "sha256_bytewise", "byte-at-a-time hash differs");
}

static void
test_prng(void)
{
  struct prng r;
  uint8 b[16];
  char hex[65];
  prng_init(&r, 1);
  prng_fill(&r, b, 16);
  // first outputs of splitmix64 from seed 1, little-endian
  static const uint8 want[16] = { 0xc1, 0x5c, 0x02, 0x89, 0xec, 0x2d, 0x0a, 0x91,
                                  0x67, 0xec, 0x8e, 0x65, 0xa1, 0x8d, 0xeb, 0xbe };
  report(memcmp(b, want, 16) == 0, "prng_first_bytes", "stream differs from splitmix64");

  // 64 KiB from seed 1 in odd-sized pieces, as genfile would produce
  static uint8 big[65536];
  prng_init(&r, 1);
  for(int off = 0; off < 65536;){
    int k = 1 + rnd() % 37;
    if(k > 65536 - off)
      k = 65536 - off;
    prng_fill(&r, big + off, k);
    off += k;
  }
  hexof(big, sizeof(big), hex);
  report(host_strcmp(hex, "1ebd584fa2a31942b2dfbbda3f53aa00f0e7abe48e88e96c200f0d57845e61a7") == 0,
         "prng_64k_sha256", hex);
}

// ---------------------------------------------------------------- errors

static void
test_strerror(void)
{
  // every value of include/errno.h
  static const int all[] = {
    EPERM, ENOENT, ESRCH, EINTR, EIO, ENXIO, E2BIG, ENOEXEC, EBADF, ECHILD,
    EAGAIN, ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EXDEV, ENODEV, ENOTDIR,
    EISDIR, EINVAL, ENFILE, EMFILE, ENOTTY, EFBIG, ENOSPC, ESPIPE, EROFS,
    EMLINK, EPIPE, ERANGE, EDEADLK, ENAMETOOLONG, ENOSYS, ENOTEMPTY, ENOSTR,
    ENODATA, ETIME, ENOSR, EPROTO, EBADMSG, EOVERFLOW, EMSGSIZE,
    EPROTONOSUPPORT, ENOTSUP, EADDRINUSE, EADDRNOTAVAIL, ENETDOWN,
    ENETUNREACH, ECONNABORTED, ECONNRESET, ENOBUFS, EISCONN, ENOTCONN,
    ETIMEDOUT, ECONNREFUSED, EHOSTUNREACH, EALREADY, EINPROGRESS,
  };
  int n = sizeof(all) / sizeof(*all);
  int bad = 0;
  for(int i = 0; i < n; i++){
    const char *m = strerror(all[i]);
    if(strncmp(m, "unknown", 7) == 0 || m[0] == 0){
      WHY("errno %d has no message", all[i]);
      bad++;
    }
    if(strerror(-all[i]) != m)
      bad++;
    if(errname(all[i])[0] != 'E' || host_strcmp(errname(all[i]), "E?") == 0)
      bad++;
    for(int j = 0; j < i; j++)
      if(host_strcmp(m, strerror(all[j])) == 0 || host_strcmp(errname(all[i]), errname(all[j])) == 0)
        bad++;
  }
  if(bad == 0)
    WHY("ok");
  report(bad == 0, "strerror_all_errnos", why);
  report(host_strcmp(strerror(ENOENT), "no such file or directory") == 0 &&
         host_strcmp(errname(-ENOENT), "ENOENT") == 0, "strerror_enoent", "wrong text");
  report(host_strcmp(strerror(0), "success") == 0 &&
         host_strcmp(strerror(127), "unknown error 127") == 0 &&
         host_strcmp(strerror(-127), "unknown error 127") == 0 &&
         strerror(-2147483647 - 1)[0] == 'u', "strerror_unknown", "wrong fallback text");

  // Every #define E... in include/errno.h (read from the repository root,
  // where the test runner starts us), so that an error number added
  // there later without a message here is caught.
  FILE *f = fopen("include/errno.h", "r");
  if(f == 0){
    report(0, "strerror_covers_errno_h", "cannot open include/errno.h (run from the repository root)");
  } else {
    char line[256], ename[64];
    int num, seen = 0;
    bad = 0;
    why[0] = 0;
    while(fgets(line, sizeof(line), f)){
      if(sscanf(line, "#define %63s %d", ename, &num) != 2 || ename[0] != 'E')
        continue;
      if(host_strcmp(ename, "EMAXERRNO") == 0)
        continue;
      seen++;
      if(host_strcmp(errname(num), ename) != 0 || strncmp(strerror(num), "unknown", 7) == 0){
        bad++;
        WHY("%s (%d) has no entry", ename, num);
      }
    }
    fclose(f);
    if(bad == 0)
      WHY("%d error numbers", seen);
    report(bad == 0 && seen > 50, "strerror_covers_errno_h", why);
  }

  out_reset();
  eprint("cat", "x", -ENOENT);
  report(host_strcmp(out, "cat: x: no such file or directory\n") == 0, "eprint", out);
}

// ---------------------------------------------------------------- getopt

static int
parse(int argc, char **argv, const char *opts, char *seen, int seenmax)
{
  int c, n = 0;
  getopt_reset();
  while((c = getopt(argc, argv, opts)) != -1 && n < seenmax - 1){
    seen[n++] = (char)c;
    if(optarg){
      for(char *p = optarg; *p && n < seenmax - 2; p++)
        seen[n++] = *p;
      seen[n++] = ',';
    }
  }
  seen[n] = 0;
  return optind;
}

static void
test_getopt(void)
{
  char seen[64];
  int ind, bad = 0;

  { char *av[] = { "p", "-l", "-c", "file", 0 };
    ind = parse(4, av, "lc", seen, 64);
    if(host_strcmp(seen, "lc") != 0 || ind != 3) bad++; }
  { char *av[] = { "p", "-lc", "file", 0 };
    ind = parse(3, av, "lc", seen, 64);
    if(host_strcmp(seen, "lc") != 0 || ind != 2) bad++; }
  { char *av[] = { "p", "-fFILE", "-l", "x", 0 };
    ind = parse(4, av, "lf:", seen, 64);
    if(host_strcmp(seen, "fFILE,l") != 0 || ind != 3) bad++; }
  { char *av[] = { "p", "-lf", "FILE", "x", 0 };
    ind = parse(4, av, "lf:", seen, 64);
    if(host_strcmp(seen, "lfFILE,") != 0 || ind != 3) bad++; }
  { char *av[] = { "p", "--", "-l", 0 };
    ind = parse(3, av, "l", seen, 64);
    if(host_strcmp(seen, "") != 0 || ind != 2) bad++; }
  { char *av[] = { "p", "-", "-l", 0 };
    ind = parse(3, av, "l", seen, 64);
    if(host_strcmp(seen, "") != 0 || ind != 1) bad++; }
  out_reset();
  { char *av[] = { "p", "-x", "-l", 0 };
    ind = parse(3, av, "l", seen, 64);
    if(host_strcmp(seen, "?l") != 0 || ind != 3 || optopt != 'x' || outlen == 0) bad++; }
  out_reset();
  { char *av[] = { "p", "-f", 0 };
    ind = parse(2, av, "f:", seen, 64);
    if(host_strcmp(seen, "?") != 0 || ind != 2 || outlen == 0) bad++; }
  out_reset();
  { char *av[] = { "p", "-f", 0 };
    ind = parse(2, av, ":f:", seen, 64);
    if(host_strcmp(seen, ":") != 0 || outlen != 0) bad++; }
  { char *av[] = { "p", "file", "-l", 0 };
    ind = parse(3, av, "l", seen, 64);
    if(host_strcmp(seen, "") != 0 || ind != 1) bad++; }
  { char *av[] = { "p", "-:", 0 };
    out_reset();
    ind = parse(2, av, "a:", seen, 64);
    if(host_strcmp(seen, "?") != 0) bad++; }
  report(bad == 0, "getopt", "an option list parsed wrongly");
}

// ---------------------------------------------------------------- malloc

static void
test_malloc(void)
{
  enum { SLOTS = 1500, ROUNDS = 200000 };
  static unsigned char *p[SLOTS];
  static uint64 sz[SLOTS];
  static unsigned char tag[SLOTS];
  int bad = 0, misaligned = 0;

  for(long r = 0; r < ROUNDS; r++){
    int i = rnd() % SLOTS;
    if(p[i]){
      // the contents must have survived everything since
      for(uint64 k = 0; k < sz[i]; k++)
        if(p[i][k] != (unsigned char)(tag[i] + k)){
          bad++;
          break;
        }
      if(rnd() % 3 == 0){
        uint64 nsz = rnd() % 3000;
        unsigned char *q = realloc(p[i], nsz);
        if(nsz == 0){
          p[i] = 0;
          continue;
        }
        if(q == 0){ bad++; continue; }
        // kept prefix is intact; refill the rest
        uint64 keep = nsz < sz[i] ? nsz : sz[i];
        for(uint64 k = 0; k < keep; k++)
          if(q[k] != (unsigned char)(tag[i] + k)){ bad++; break; }
        for(uint64 k = keep; k < nsz; k++)
          q[k] = (unsigned char)(tag[i] + k);
        p[i] = q;
        sz[i] = nsz;
      } else {
        free(p[i]);
        p[i] = 0;
      }
    } else {
      uint64 n = rnd() % 8 == 0 ? rnd() % 70000 : rnd() % 300;
      p[i] = malloc(n);
      if(p[i] == 0){ bad++; continue; }
      if((uint64)p[i] % 16 != 0)
        misaligned++;
      sz[i] = n;
      tag[i] = (unsigned char)rnd();
      for(uint64 k = 0; k < n; k++)
        p[i][k] = (unsigned char)(tag[i] + k);
    }
  }
  for(int i = 0; i < SLOTS; i++){
    free(p[i]);
    p[i] = 0;
  }
  WHY("%d corruptions, %d misaligned", bad, misaligned);
  report(bad == 0 && misaligned == 0, "malloc_stress", why);

  // After freeing everything the heap is one block again: a request of
  // almost the whole heap fits without asking sbrk for more.
  uint64 heap = malloc_heapsize();
  int calls = sbrk_calls;
  void *all = malloc(heap - 64);
  WHY("heap %lu bytes, sbrk calls %d -> %d", (unsigned long)heap, calls, sbrk_calls);
  report(all != 0 && sbrk_calls == calls, "malloc_coalesce", why);
  free(all);

  report(malloc((uint64)1 << 40) == 0, "malloc_huge_fails", "huge request did not fail");
  report(calloc((uint64)1 << 33, (uint64)1 << 33) == 0, "calloc_overflow", "overflow not caught");
  unsigned char *z = calloc(100, 10);
  int zero = z != 0;
  for(int i = 0; zero && i < 1000; i++)
    zero = z[i] == 0;
  report(zero, "calloc_zeroes", "calloc memory not zero");
  free(z);

  // running out: malloc returns 0 rather than failing otherwise
  int got = 0;
  void *chunks[1000];
  for(; got < 1000; got++){
    chunks[got] = malloc(1 << 20);
    if(chunks[got] == 0)
      break;
  }
  report(got > 0 && got < 1000, "malloc_out_of_memory", "no clean failure when sbrk refuses");
  for(int i = 0; i < got; i++)
    free(chunks[i]);

  // a double free is caught, not silently corrupting the list
  void *d = malloc(40);
  free(d);
  exit_armed = 1;
  exit_code = 0;
  if(setjmp(exit_jump) == 0)
    free(d);
  exit_armed = 0;
  report(exit_code == 127, "free_detects_double_free", "double free not detected");
}

// ---------------------------------------------------------------- io, check

static void
test_lines(void)
{
  char line[16];
  int bad = 0;

  in_set("one\ntwo\n\nlast", 1);
  const char *want[] = { "one\n", "two\n", "\n", "last" };
  for(int i = 0; i < 4; i++){
    int n = readline(0, line, sizeof(line));
    if(n != (int)strlen(want[i]) || host_strcmp(line, want[i]) != 0)
      bad++;
  }
  if(readline(0, line, sizeof(line)) != 0)
    bad++;
  report(bad == 0, "readline", "lines split wrongly");

  // the buffered reader, with reads of random sizes and a long line
  bad = 0;
  in_set("alpha\nbeta gamma delta epsilon\nz\n", 7);
  struct linebuf lb;
  lb_init(&lb, 0);
  const char *w2[] = { "alpha\n", "beta gamma delt", "a epsilon\n", "z\n" };
  for(int i = 0; i < 4; i++){
    int n = lb_getline(&lb, line, sizeof(line));
    if(n != (int)strlen(w2[i]) || host_strcmp(line, w2[i]) != 0)
      bad++;
  }
  if(lb_getline(&lb, line, sizeof(line)) != 0)
    bad++;
  report(bad == 0, "lb_getline", "lines split wrongly");
}

static void
test_check_lines(void)
{
  out_reset();
  t_begin("ut_x");
  t_expect("a", 3, 3);
  t_expect_err("b", -ENOENT, EEXIST);
  t_expect_ok("c", -EBADF);
  t_check("d", 0, "why %d", 7);
  int code = t_done();
  const char *want =
    "PASS a\n"
    "FAIL b: got -2 (ENOENT), want -17 (EEXIST)\n"
    "FAIL c: got -9 (EBADF), want success\n"
    "FAIL d: why 7\n"
    "DONE ut_x\n";
  report(host_strcmp(out, want) == 0 && code == 1 && t_failures() == 3,
         "check_report_lines", out);
}

int
main(void)
{
  arena = aligned_alloc(4096, ARENA);
  if(arena == 0)
    return 2;

  test_format();
  test_format_matrix();
  test_snprintf_truncation();
  test_fprintf();
  test_memfuncs();
  test_strfuncs();
  test_numbers();
  test_sha256();
  test_prng();
  test_strerror();
  test_getopt();
  test_malloc();
  test_lines();
  test_check_lines();

  // host printf is renamed away by now; write the summary by hand
  char sum[64];
  int n = host_snprintf(sum, sizeof(sum), "%d passed, %d failed\n", host_npass, host_nfail);
  fwrite(sum, 1, n, stdout);
  return host_nfail ? 1 : 0;
}
