// arch/cc.h: what lwIP asks of the compiler and platform (lwIP includes it
// as "arch/cc.h" from lwip/arch.h). Part of the lwIP port that carries the
// TCP driver (modules/tcp/); lwIP itself is compiled from the fetched
// source tree, never kept in this repository.
//
// The kernel is freestanding: the compiler's own <stdint.h>, <stddef.h>
// and <limits.h> are there, but no C library, so lwIP must not look for
// <inttypes.h>, <ctype.h> or <unistd.h>. The few <string.h>/<stdlib.h>
// functions lwIP calls come from this folder, modules/tcp/port/ (mapped
// to the kernel's own string routines).
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H    1
#define LWIP_NO_UNISTD_H   1

// printf formats for lwIP's fixed-width types (only used by its debug
// output, which is compiled out, but the names must exist).
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"

#define BYTE_ORDER LITTLE_ENDIAN

// Byte swapping, inline: lwIP swaps on every sequence number it looks
// at, and without the bit-manipulation extension the compiler's builtin
// is a call into libgcc. (lwIP derives the ntoh forms from these.)
static inline unsigned short
lwip_port_swap16(unsigned short x)
{
  return (unsigned short)((x << 8) | (x >> 8));
}
static inline unsigned int
lwip_port_swap32(unsigned int x)
{
  return (x << 24) | ((x & 0xff00u) << 8) | ((x >> 8) & 0xff00u) | (x >> 24);
}
#define lwip_htons(x) lwip_port_swap16((unsigned short)(x))
#define lwip_htonl(x) lwip_port_swap32((unsigned int)(x))

// Diagnostics go to the kernel console. An lwIP assertion is a bug in the
// stack or in our glue, never a consequence of what arrived on the wire
// (lwIP checks input with LWIP_ERROR, which just drops), so it stops the
// kernel with the place it failed.
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lwip_port_assert(const char *msg, int line, const char *file) __attribute__((noreturn));
#define LWIP_PLATFORM_DIAG(x) do { printf x; } while(0)
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __LINE__, __FILE__)

// Random numbers (initial ports) and the rest of the port: port.h.
#include "tcp/port/port.h"

#endif
