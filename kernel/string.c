// string.c: the few C library string and memory functions the kernel
// uses. The compiler may also emit calls to memset/memcpy on its own.
#include "types.h"
#include "defs.h"

void *
memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  // word stores when aligned: page zeroing is hot
  if((((uint64)d) & 7) == 0){
    uint64 w = (uchar)c;
    w |= w << 8; w |= w << 16; w |= w << 32;
    for(; n >= 8; n -= 8, d += 8)
      *(uint64 *)d = w;
  }
  while(n-- > 0)
    *d++ = c;
  return dst;
}

void *
memmove(void *dst, const void *src, uint64 n)
{
  uchar *d = dst;
  const uchar *s = src;
  if(s < d && s + n > d){
    // overlapping with dst after src: copy backwards
    d += n; s += n;
    while(n-- > 0)
      *--d = *--s;
    return dst;
  }
  if(((((uint64)d) | ((uint64)s)) & 7) == 0){
    for(; n >= 8; n -= 8, d += 8, s += 8)
      *(uint64 *)d = *(const uint64 *)s;
  }
  while(n-- > 0)
    *d++ = *s++;
  return dst;
}

void *
memcpy(void *dst, const void *src, uint64 n)
{
  return memmove(dst, src, n);
}

int
memcmp(const void *a, const void *b, uint64 n)
{
  const uchar *x = a, *y = b;
  for(; n > 0; n--, x++, y++)
    if(*x != *y)
      return *x - *y;
  return 0;
}

uint64
strlen(const char *s)
{
  uint64 n = 0;
  while(s[n])
    n++;
  return n;
}

int
strncmp(const char *a, const char *b, uint64 n)
{
  for(; n > 0; n--, a++, b++){
    if(*a != *b)
      return (uchar)*a - (uchar)*b;
    if(*a == 0)
      return 0;
  }
  return 0;
}

int
strcmp(const char *a, const char *b)
{
  return strncmp(a, b, ~0UL);
}

char *
strncpy(char *dst, const char *src, uint64 n)
{
  uint64 i = 0;
  for(; i < n && src[i]; i++)
    dst[i] = src[i];
  for(; i < n; i++)
    dst[i] = 0;
  return dst;
}

char *
safestrcpy(char *dst, const char *src, int n)
{
  if(n <= 0)
    return dst;
  int i = 0;
  for(; i < n - 1 && src[i]; i++)
    dst[i] = src[i];
  dst[i] = 0;
  return dst;
}

char *
strchr(const char *s, int c)
{
  for(; *s; s++)
    if(*s == (char)c)
      return (char *)s;
  return c == 0 ? (char *)s : 0;
}
