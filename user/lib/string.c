// string.c: memory and string functions of the user C library.
// Pure code (no system calls): also compiled into the host unit tests.
//
// The compiler may turn a simple byte loop into a call to memset or
// memcpy, which inside memset itself would recurse forever. The byte
// loops below go through a volatile pointer where that matters, and the
// word loops do the bulk of the work so the cost stays low.
#include "user.h"

void *
memset(void *dst, int c, uint64 n)
{
  uchar *d = dst;
  uint64 pattern = (uchar)c;
  pattern |= pattern << 8;
  pattern |= pattern << 16;
  pattern |= pattern << 32;

  // byte stores until d is 8-byte aligned, then whole words
  while(n > 0 && ((uint64)d & 7) != 0){
    *(volatile uchar *)d++ = (uchar)c;
    n--;
  }
  for(; n >= 8; n -= 8, d += 8)
    *(volatile uint64 *)d = pattern;
  while(n-- > 0)
    *(volatile uchar *)d++ = (uchar)c;
  return dst;
}

void *
memmove(void *dst, const void *src, uint64 n)
{
  uchar *d = dst;
  const uchar *s = src;

  if(d == s || n == 0)
    return dst;
  if(d < s || d >= s + n){
    // forward copy is safe: the destination does not start inside the source
    if((((uint64)d | (uint64)s) & 7) == 0){
      for(; n >= 8; n -= 8, d += 8, s += 8)
        *(volatile uint64 *)d = *(const uint64 *)s;
    }
    while(n-- > 0)
      *(volatile uchar *)d++ = *s++;
  } else {
    // overlapping with the destination above: copy from the end
    d += n;
    s += n;
    while(n-- > 0)
      *(volatile uchar *)--d = *--s;
  }
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
  for(; n > 0; n--, x++, y++){
    if(*x != *y)
      return *x < *y ? -1 : 1;
  }
  return 0;
}

uint64
strlen(const char *s)
{
  const char *p = s;
  while(*p)
    p++;
  return p - s;
}

int
strcmp(const char *a, const char *b)
{
  while(*a && *a == *b){
    a++;
    b++;
  }
  return (uchar)*a - (uchar)*b;
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

char *
strcpy(char *dst, const char *src)
{
  char *d = dst;
  while((*d++ = *src++) != 0)
    ;
  return dst;
}

// Like the C standard's strncpy: pads with NULs, and does not terminate
// when src is too long. Prefer strlcpy.
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

// Copies at most size-1 bytes and always terminates (when size > 0).
// Returns strlen(src), so a result >= size means the copy was cut short.
uint64
strlcpy(char *dst, const char *src, uint64 size)
{
  uint64 len = strlen(src);
  if(size > 0){
    uint64 n = len < size - 1 ? len : size - 1;
    memmove(dst, src, n);
    dst[n] = 0;
  }
  return len;
}

char *
strcat(char *dst, const char *src)
{
  strcpy(dst + strlen(dst), src);
  return dst;
}

char *
strchr(const char *s, int c)
{
  for(;; s++){
    if(*s == (char)c)
      return (char *)s;
    if(*s == 0)
      return 0;
  }
}

char *
strrchr(const char *s, int c)
{
  const char *last = 0;
  for(;; s++){
    if(*s == (char)c)
      last = s;
    if(*s == 0)
      return (char *)last;
  }
}

char *
strstr(const char *hay, const char *needle)
{
  uint64 n = strlen(needle);
  for(; *hay; hay++){
    if(strncmp(hay, needle, n) == 0)
      return (char *)hay;
  }
  return n == 0 ? (char *)hay : 0;
}

int
isdigit(int c)
{
  return c >= '0' && c <= '9';
}

int
isspace(int c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int
isalpha(int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
isalnum(int c)
{
  return isalpha(c) || isdigit(c);
}

int
isxdigit(int c)
{
  return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
