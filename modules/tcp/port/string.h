// string.h for lwIP only: lwIP's sources include <string.h>, and the
// freestanding kernel has none. These are the kernel's own routines
// (kernel/string.c, declared in defs.h with the same types). Reached
// through an include path used for lwIP and the TCP driver alone, so
// the rest of the kernel never sees it.
#ifndef LWIP_PORT_STRING_H
#define LWIP_PORT_STRING_H

void *memset(void *dst, int c, unsigned long n);
void *memcpy(void *dst, const void *src, unsigned long n);
void *memmove(void *dst, const void *src, unsigned long n);
int   memcmp(const void *a, const void *b, unsigned long n);
unsigned long strlen(const char *s);
int   strcmp(const char *a, const char *b);
int   strncmp(const char *a, const char *b, unsigned long n);

#endif
