// format.c: the printf formatting engine (vformat) and the snprintf
// family built on it. Pure code: printf.c connects it to file
// descriptors, and the host unit tests check it against known strings.
//
// Supported: conversions d i u x X o c s p %; flags - 0 + space #;
// width and precision as digits or '*'; length modifiers hh h l ll z.
#include "user.h"

struct spec {
  int left;       // '-': pad on the right
  int zero;       // '0': pad numbers with zeros
  int plus;       // '+': always print a sign
  int space;      // ' ': a blank where a '+' would go
  int alt;        // '#': 0x / 0 prefixes
  int width;
  int prec;       // -1 when not given
};

struct sink {
  void (*out)(void *arg, char c);
  void *arg;
  int count;
};

static void
emit(struct sink *k, char c)
{
  k->out(k->arg, c);
  k->count++;
}

static void
repeat(struct sink *k, char c, int n)
{
  while(n-- > 0)
    emit(k, c);
}

static void
emit_str(struct sink *k, const char *s, int n)
{
  while(n-- > 0)
    emit(k, *s++);
}

// One text field: the width pads it on the left or the right.
static void
field(struct sink *k, struct spec *sp, const char *s, int n)
{
  if(!sp->left)
    repeat(k, ' ', sp->width - n);
  emit_str(k, s, n);
  if(sp->left)
    repeat(k, ' ', sp->width - n);
}

// One number: [padding][prefix][zeros][digits][padding].
static void
number(struct sink *k, struct spec *sp, uint64 v, int neg, int base, int upper)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[24];          // 64 bits in octal need 22 digits
  int nd = 0;
  const char *prefix = "";
  int np, zeros, pad;
  int iszero = v == 0;

  // precision 0 with value 0 prints no digits at all (C rule)
  if(!(iszero && sp->prec == 0)){
    do {
      buf[sizeof(buf) - 1 - nd++] = digits[v % base];
      v /= base;
    } while(v != 0);
  }
  if(neg)
    prefix = "-";
  else if(sp->plus)
    prefix = "+";
  else if(sp->space)
    prefix = " ";
  else if(sp->alt && base == 16 && !iszero)
    prefix = upper ? "0X" : "0x";
  zeros = sp->prec > nd ? sp->prec - nd : 0;
  // '#' with octal: the text must start with a 0; precision zeros count
  if(prefix[0] == 0 && sp->alt && base == 8 && zeros == 0 &&
     (nd == 0 || buf[sizeof(buf) - nd] != '0'))
    prefix = "0";
  np = strlen(prefix);

  if(sp->zero && !sp->left && sp->prec < 0 && sp->width > np + nd)
    zeros = sp->width - np - nd;
  pad = sp->width - np - zeros - nd;

  if(!sp->left)
    repeat(k, ' ', pad);
  emit_str(k, prefix, np);
  repeat(k, '0', zeros);
  emit_str(k, buf + sizeof(buf) - nd, nd);
  if(sp->left)
    repeat(k, ' ', pad);
}

// Reads a decimal number or '*' (taken from the arguments).
static int
count_arg(const char **fmtp, __builtin_va_list *ap)
{
  const char *f = *fmtp;
  int v = 0;
  if(*f == '*'){
    *fmtp = f + 1;
    return __builtin_va_arg(*ap, int);
  }
  while(isdigit(*f)){
    if(v < 100000000)     // absurd widths are clamped, not overflowed
      v = v * 10 + (*f - '0');
    f++;
  }
  *fmtp = f;
  return v;
}

int
vformat(void (*out)(void *arg, char c), void *arg, const char *fmt, __builtin_va_list ap0)
{
  struct sink k = { out, arg, 0 };
  __builtin_va_list ap;
  __builtin_va_copy(ap, ap0);

  for(const char *f = fmt; *f; f++){
    if(*f != '%'){
      emit(&k, *f);
      continue;
    }
    const char *start = f++;
    struct spec sp = { 0, 0, 0, 0, 0, 0, -1 };

    for(;; f++){
      if(*f == '-') sp.left = 1;
      else if(*f == '0') sp.zero = 1;
      else if(*f == '+') sp.plus = 1;
      else if(*f == ' ') sp.space = 1;
      else if(*f == '#') sp.alt = 1;
      else break;
    }
    sp.width = count_arg(&f, &ap);
    if(sp.width < 0){            // a negative '*' width means left-aligned
      sp.left = 1;
      sp.width = sp.width == -2147483647 - 1 ? 0 : -sp.width;
    }
    if(*f == '.'){
      f++;
      sp.prec = count_arg(&f, &ap);
      if(sp.prec < 0)
        sp.prec = -1;            // negative precision: as if not given
    }

    // length: 0 int, 1 long (l, ll, z), -1 short, -2 char
    int len = 0;
    for(;; f++){
      if(*f == 'l' || *f == 'z' || *f == 'j' || *f == 't') len = 1;
      else if(*f == 'h') len = len == -1 ? -2 : -1;
      else break;
    }

    switch(*f){
    case 'd': case 'i': {
      long v = len == 1 ? __builtin_va_arg(ap, long) : __builtin_va_arg(ap, int);
      if(len == -1) v = (short)v;
      if(len == -2) v = (signed char)v;
      uint64 mag = v < 0 ? 0 - (uint64)v : (uint64)v;
      number(&k, &sp, mag, v < 0, 10, 0);
      break;
    }
    case 'u': case 'x': case 'X': case 'o': {
      uint64 v = len == 1 ? __builtin_va_arg(ap, unsigned long)
                          : __builtin_va_arg(ap, unsigned int);
      if(len == -1) v = (ushort)v;
      if(len == -2) v = (uchar)v;
      sp.plus = sp.space = 0;     // signs belong to signed conversions
      int base = *f == 'u' ? 10 : *f == 'o' ? 8 : 16;
      number(&k, &sp, v, 0, base, *f == 'X');
      break;
    }
    case 'p': {
      uint64 v = (uint64)__builtin_va_arg(ap, void *);
      sp.alt = 1;
      sp.plus = sp.space = 0;
      if(v == 0){
        sp.prec = -1;
        field(&k, &sp, "0x0", 3);
      } else {
        number(&k, &sp, v, 0, 16, 0);
      }
      break;
    }
    case 'c': {
      char c = (char)__builtin_va_arg(ap, int);
      field(&k, &sp, &c, 1);
      break;
    }
    case 's': {
      const char *s = __builtin_va_arg(ap, const char *);
      int n = 0;
      if(s == 0)
        s = "(null)";
      while(s[n] && (sp.prec < 0 || n < sp.prec))
        n++;
      field(&k, &sp, s, n);
      break;
    }
    case '%':
      emit(&k, '%');
      break;
    default:
      // unknown conversion: print it as written so the mistake is visible
      emit_str(&k, start, f - start + (*f != 0));
      if(*f == 0)
        f--;
      break;
    }
  }
  __builtin_va_end(ap);
  return k.count;
}

// ---- snprintf: into a buffer, always terminated, C99 return value ----

struct strbuf {
  char *buf;
  int size;
  int used;
};

static void
strbuf_out(void *arg, char c)
{
  struct strbuf *b = arg;
  if(b->used < b->size - 1)
    b->buf[b->used] = c;
  b->used++;
}

// Returns the length the full text has, even when it was cut short.
int
vsnprintf(char *buf, int n, const char *fmt, __builtin_va_list ap)
{
  struct strbuf b = { buf, n, 0 };
  int len = vformat(strbuf_out, &b, fmt, ap);
  if(n > 0)
    buf[b.used < n - 1 ? b.used : n - 1] = 0;
  return len;
}

int
snprintf(char *buf, int n, const char *fmt, ...)
{
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  int r = vsnprintf(buf, n, fmt, ap);
  __builtin_va_end(ap);
  return r;
}
