// number.c: text to number conversions of the user C library (atoi,
// strtol, strtoul, parsesize). Pure code, also used by the host tests.
#include "user.h"

static int
digitval(int c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'z')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'Z')
    return c - 'A' + 10;
  return 99;    // larger than any base
}

// The common part of strtol/strtoul: skips blanks, reads an optional sign
// and a base prefix (0x for 16, 0 for 8 when base is 0), then digits.
// Saturates at the unsigned maximum; *neg reports a leading '-'.
static unsigned long
scan(const char *s, char **end, int base, int *neg)
{
  const char *p = s;
  unsigned long v = 0;
  int any = 0, over = 0;

  *neg = 0;
  while(isspace(*p))
    p++;
  if(*p == '+' || *p == '-')
    *neg = *p++ == '-';
  if((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')
     && digitval(p[2]) < 16){
    p += 2;
    base = 16;
  } else if(base == 0){
    base = p[0] == '0' ? 8 : 10;
  }
  if(base < 2 || base > 36){
    if(end)
      *end = (char *)s;
    return 0;
  }
  for(; digitval(*p) < base; p++){
    unsigned long d = digitval(*p);
    if(v > (~0UL - d) / base)
      over = 1;
    v = v * base + d;
    any = 1;
  }
  if(end)
    *end = (char *)(any ? p : s);
  return over ? ~0UL : v;
}

unsigned long
strtoul(const char *s, char **end, int base)
{
  int neg;
  unsigned long v = scan(s, end, base, &neg);
  return neg ? -v : v;
}

long
strtol(const char *s, char **end, int base)
{
  int neg;
  unsigned long v = scan(s, end, base, &neg);
  const unsigned long lmax = ~0UL >> 1;

  // clamp to the representable range, like the C library does
  if(neg)
    return v > lmax + 1 ? (long)(lmax + 1) : (long)(0 - v);
  return v > lmax ? (long)lmax : (long)v;
}

int
atoi(const char *s)
{
  return (int)strtol(s, 0, 10);
}

int
parsesize(const char *s, long *out)
{
  char *end;
  long v;

  if(!isdigit(*s))
    return -EINVAL;
  v = strtol(s, &end, 10);
  if(v > (1L << 40))       // keeps the shifts below from overflowing
    return -EINVAL;
  switch(*end){
  case 'k': case 'K': v <<= 10; end++; break;
  case 'm': case 'M': v <<= 20; end++; break;
  case 'g': case 'G': v <<= 30; end++; break;
  }
  if(*end != 0)
    return -EINVAL;
  *out = v;
  return 0;
}
