// assert.c: what a failed ASSERT (stream.h) does in the kernel – panic
// with the expression and where it is. Host tests and fuzzers link
// tests/host/kshim.c instead, whose st_assertfail aborts.
#include "types.h"
#include "param.h"
#include "defs.h"
#include "streams/stream.h"

void
st_assertfail(const char *expr, const char *file, int line)
{
  char msg[200];
  snprintf(msg, sizeof(msg), "assertion failed: %s at %s:%d", expr, file, line);
  panic(msg);
}
