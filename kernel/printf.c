// printf.c: formatted output for the kernel – printf to the console,
// snprintf into buffers (device files that produce text use it), and panic.
// One formatter serves both; it understands %d %i %u %x %X %o %c %s %p %%,
// the l and ll size prefixes, a field width, '0' padding and '-' alignment.
#include <stdarg.h>
#include "types.h"
#include "param.h"
#include "spinlock.h"
#include "defs.h"

volatile int panicked;

static struct {
  struct spinlock lock;
  int ready;
} pr;

// Where formatted characters go: either the console or a buffer.
struct sink {
  char *buf;      // 0 = console
  int size;
  int len;        // characters produced (may exceed size for snprintf)
};

static void
emit(struct sink *s, char c)
{
  if(s->buf == 0)
    consputc(c);
  else if(s->len < s->size - 1)
    s->buf[s->len] = c;
  s->len++;
}

static void
emit_number(struct sink *s, uint64 v, int base, int neg, int width, int zero,
            int left, int upper)
{
  char tmp[24];
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  int n = 0;
  do {
    tmp[n++] = digits[v % base];
    v /= base;
  } while(v);
  int len = n + (neg ? 1 : 0);
  if(neg && zero)
    emit(s, '-');
  if(!left)
    for(; len < width; width--)
      emit(s, zero ? '0' : ' ');
  if(neg && !zero)
    emit(s, '-');
  while(n > 0)
    emit(s, tmp[--n]);
  if(left)
    for(; len < width; width--)
      emit(s, ' ');
}

static void
format(struct sink *s, const char *fmt, va_list ap)
{
  for(; *fmt; fmt++){
    if(*fmt != '%'){
      emit(s, *fmt);
      continue;
    }
    fmt++;
    int left = 0, zero = 0, width = 0, lng = 0;
    if(*fmt == '-'){ left = 1; fmt++; }
    if(*fmt == '0'){ zero = !left; fmt++; }
    while(*fmt >= '0' && *fmt <= '9')
      width = width * 10 + (*fmt++ - '0');
    while(*fmt == 'l'){ lng = 1; fmt++; }
    switch(*fmt){
    case 'd': case 'i': {
      int64 v = lng ? va_arg(ap, int64) : va_arg(ap, int);
      emit_number(s, v < 0 ? -(uint64)v : (uint64)v, 10, v < 0, width, zero, left, 0);
      break;
    }
    case 'u':
      emit_number(s, lng ? va_arg(ap, uint64) : va_arg(ap, uint), 10, 0, width, zero, left, 0);
      break;
    case 'x': case 'X':
      emit_number(s, lng ? va_arg(ap, uint64) : va_arg(ap, uint), 16, 0, width, zero, left, *fmt == 'X');
      break;
    case 'o':
      emit_number(s, lng ? va_arg(ap, uint64) : va_arg(ap, uint), 8, 0, width, zero, left, 0);
      break;
    case 'p':
      emit(s, '0'); emit(s, 'x');
      emit_number(s, va_arg(ap, uint64), 16, 0, 16, 1, 0, 0);
      break;
    case 'c':
      emit(s, (char)va_arg(ap, int));
      break;
    case 's': {
      const char *str = va_arg(ap, const char *);
      if(str == 0)
        str = "(null)";
      int n = strlen(str);
      if(!left) for(; n < width; width--) emit(s, ' ');
      for(; *str; str++) emit(s, *str);
      if(left) for(; n < width; width--) emit(s, ' ');
      break;
    }
    case '%':
      emit(s, '%');
      break;
    case 0:
      return;
    default:
      emit(s, '%');
      emit(s, *fmt);
    }
  }
}

int
printf(const char *fmt, ...)
{
  struct sink s = { 0, 0, 0 };
  va_list ap;
  int locking = pr.ready && !panicked;
  if(locking)
    acquire(&pr.lock);
  va_start(ap, fmt);
  format(&s, fmt, ap);
  va_end(ap);
  if(locking)
    release(&pr.lock);
  return s.len;
}

// Like C's snprintf: always NUL-terminates (when n > 0) and returns the
// length the full output would have had.
int
snprintf(char *buf, int n, const char *fmt, ...)
{
  struct sink s = { buf, n, 0 };
  va_list ap;
  va_start(ap, fmt);
  format(&s, fmt, ap);
  va_end(ap);
  if(n > 0)
    buf[s.len < n ? s.len : n - 1] = 0;
  return s.len;
}

void
panic(const char *msg)
{
  pr.ready = 0;            // print without the lock: it may be held
  printf("panic: %s\n", msg);
  panicked = 1;            // freezes console output from other harts
  for(;;)
    asm volatile("wfi");
}

void
printfinit(void)
{
  initlock(&pr.lock, "printf");
  pr.ready = 1;
}
