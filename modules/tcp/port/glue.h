// glue.h: between the tcp driver (modules/tcp/) and lwIP's TCP. port.c
// holds the lock and lwIP's platform services; ipglue.c connects lwIP to
// our ip module below (segments in and out, local addresses). Functions
// marked "lock held" must be called with lwip_lock held; the others take
// it themselves.
#ifndef LWIP_PORT_GLUE_H
#define LWIP_PORT_GLUE_H
#include "types.h"
#include "spinlock.h"

struct queue;
struct msgb;
struct pbuf;

// port.c
extern struct spinlock lwip_lock;   // around every lwIP call
void lwip_port_init(void);
void lwip_port_stir(uint64 extra);  // lock held: fold timing into the pool
void lwip_port_heapstats(ulong *used, ulong *peak, ulong *fail);

// ipglue.c

void glue_link(struct queue *lowq, int muxid);   // lock held
int  glue_unlink(int muxid);                      // lock held; 0 if not ours
int  glue_linked(void);                           // lock held
int  glue_naddrs(void);                           // lock held
void glue_input(struct msgb *mp);                 // lock held; consumes mp
void glue_addrs_answer(struct msgb *mp);          // lock held; mp stays the caller's
void glue_ask_addrs(void);                        // lock not held
void glue_flush(void);                            // lock not held: send what waits
void glue_release(void);                          // lock held: release it, then send
struct msgb *glue_pbuf_block(struct pbuf *p);     // lock held: p's own buffer, or 0
int  glue_stats(char *buf, int n);                // lock held: one line of counters

#endif
