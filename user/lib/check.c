// check.c: reporting for the in-guest test programs (tests/guest/*).
// The host driver reads the console and counts lines of the form
//   PASS <name>
//   FAIL <name>: <reason>
//   DONE <program>
// so every report is printed with a single write and nothing else a test
// prints may start with those words.
#include "user.h"

static const char *progname = "test";
static int npass, nfail;

void
t_begin(const char *prog)
{
  progname = prog;
  npass = nfail = 0;
}

void
t_pass(const char *name)
{
  npass++;
  printf("PASS %s\n", name);
}

void
t_fail(const char *name, const char *fmt, ...)
{
  char reason[200];
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  __builtin_va_end(ap);
  nfail++;
  printf("FAIL %s: %s\n", name, reason);
}

int
t_check(const char *name, int ok, const char *fmt, ...)
{
  if(ok){
    t_pass(name);
    return 1;
  }
  char reason[200];
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  vsnprintf(reason, sizeof(reason), fmt, ap);
  __builtin_va_end(ap);
  t_fail(name, "%s", reason);
  return 0;
}

// Describes a system call result: "-2 (ENOENT)" or "5".
static void
describe(char *buf, int n, long v)
{
  if(v < 0 && v >= -EMAXERRNO)
    snprintf(buf, n, "%ld (%s)", v, errname((int)v));
  else
    snprintf(buf, n, "%ld", v);
}

int
t_expect(const char *name, long got, long want)
{
  char g[48], w[48];
  if(got == want){
    t_pass(name);
    return 1;
  }
  describe(g, sizeof(g), got);
  describe(w, sizeof(w), want);
  t_fail(name, "got %s, want %s", g, w);
  return 0;
}

int
t_expect_err(const char *name, long got, int err)
{
  return t_expect(name, got, -(long)err);
}

int
t_expect_ok(const char *name, long got)
{
  char g[48];
  if(got >= 0){
    t_pass(name);
    return 1;
  }
  describe(g, sizeof(g), got);
  t_fail(name, "got %s, want success", g);
  return 0;
}

int
t_failures(void)
{
  return nfail;
}

int
t_done(void)
{
  printf("DONE %s\n", progname);
  return nfail > 0 ? 1 : 0;
}
