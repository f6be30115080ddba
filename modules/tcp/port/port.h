// port.h: the services our kernel gives lwIP, named by lwipopts.h and
// arch/cc.h, implemented in port.c. Only lwIP (through those
// two headers) and the TCP driver include it.
#ifndef LWIP_PORT_PORT_H
#define LWIP_PORT_PORT_H

struct ip4_addr;

// Randomness for lwIP (its first ephemeral port) and for initial
// sequence numbers; see port.c for where it comes from.
unsigned int lwip_port_random(void);

// Initial sequence number for a connection (RFC 6528): a keyed hash of
// the address/port quadruple plus a clock, so it cannot be guessed from
// outside and yet grows for the same quadruple.
unsigned int lwip_port_isn(const struct ip4_addr *local_ip, unsigned short local_port,
                           const struct ip4_addr *remote_ip, unsigned short remote_port);

// lwIP's heap (MEM_LIBC_MALLOC): the kernel's kmalloc, with a ceiling so
// that TCP cannot take all of memory; counted for the statistics.
void *lwip_port_malloc(unsigned long size);
void *lwip_port_calloc(unsigned long count, unsigned long size);
void  lwip_port_free(void *p);

// Is the lwIP lock held by this hart? (LWIP_ASSERT_CORE_LOCKED)
void  lwip_port_assert_locked(void);

#endif
