// stdlib.h for lwIP only: mem.c includes it when the heap is the
// platform's allocator (MEM_LIBC_MALLOC). Nothing from it is used: the
// allocator functions are named in lwipopts.h (port.c).
#ifndef LWIP_PORT_STDLIB_H
#define LWIP_PORT_STDLIB_H
#endif
