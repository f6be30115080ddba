// port.c: the services this kernel gives lwIP (declared in port.h): the
// one lock around lwIP, its heap, assertions, randomness and initial
// sequence numbers, and the empty hooks lwIP expects from the parts of
// itself we leave out (its timers and netif list). The tcp driver
// (modules/tcp/) and the IP glue (ipglue.c) are the only callers of lwIP.
//
// Randomness. The machine has no random source; what varies from run to
// run is *when* things happen. Every call to lwip_port_stir() (the glue
// calls it for each arriving packet, the driver at boot and at each
// timer tick) folds the `time` CSR (10 MHz) into a pool with a keyed
// hash. The key for initial sequence numbers is drawn from that pool the
// first time one is needed - after boot, the first link and the first
// packets have left their timing in it - and kept for the life of the
// system, as RFC 6528 wants (the ISN of one address/port quadruple must
// keep growing, so the secret must not change). Under emulation the
// timing is less random than on hardware; the construction is still the
// RFC's: ISN = 4-microsecond clock + SipHash-2-4(secret, quadruple).
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "defs.h"
#include "lwip/opt.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "tcp/port/port.h"
#include "tcp/port/glue.h"

struct spinlock lwip_lock;

// ---------------------------------------------------------------- lock

void
lwip_port_assert_locked(void)
{
  if(!holding(&lwip_lock))
    panic("lwIP called without its lock");
}

void
lwip_port_assert(const char *msg, int line, const char *file)
{
  printf("lwIP assertion \"%s\" failed at %s:%d\n", msg, file, line);
  panic("lwIP assertion");
}

// ---------------------------------------------------------------- heap

// lwIP's heap is kmalloc, so its memory shows in sysinfo like everything
// else. Each block carries its size in front (kmfree does not need it,
// but the ceiling does). The ceiling keeps many busy connections from
// taking every page: past it lwIP sees ERR_MEM and slows down.
#define HEAP_HDR   16                 // keeps lwIP's 8-byte alignment
#define HEAP_MAX   (32UL << 20)

static ulong heap_used, heap_peak, heap_fail;

void *
lwip_port_malloc(unsigned long size)
{
  if(size == 0 || size > PGSIZE - HEAP_HDR || heap_used + size > HEAP_MAX){
    heap_fail++;
    return 0;
  }
  ulong *p = kmalloc(size + HEAP_HDR);
  if(p == 0){
    heap_fail++;
    return 0;
  }
  p[0] = size;
  heap_used += size;
  if(heap_used > heap_peak)
    heap_peak = heap_used;
  return (char *)p + HEAP_HDR;
}

void *
lwip_port_calloc(unsigned long count, unsigned long size)
{
  if(size && count > PGSIZE / size)
    return 0;
  return lwip_port_malloc(count * size);   // kmalloc memory is zeroed
}

void
lwip_port_free(void *p)
{
  if(p == 0)
    return;
  ulong *h = (ulong *)((char *)p - HEAP_HDR);
  heap_used -= h[0];
  kmfree(h);
}

void
lwip_port_heapstats(ulong *used, ulong *peak, ulong *fail)
{
  *used = heap_used;
  *peak = heap_peak;
  *fail = heap_fail;
}

// ---------------------------------------------------------------- SipHash

// SipHash-2-4 (Aumasson and Bernstein, 2012) over whole 64-bit words: a
// keyed hash that is safe to expose. The message here is always a few
// words we build ourselves, so the byte-oriented tail handling of the
// general algorithm reduces to a final length word.
#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void
sipround(uint64 v[4])
{
  v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
  v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
  v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
  v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static uint64
siphash(const uint64 key[2], const uint64 *m, int nwords)
{
  uint64 v[4] = {
    key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
    key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL,
  };
  for(int i = 0; i <= nwords; i++){
    // the last word carries the length, as SipHash's final block does
    uint64 w = i < nwords ? m[i] : ((uint64)(nwords * 8) << 56);
    v[3] ^= w;
    sipround(v);
    sipround(v);
    v[0] ^= w;
  }
  v[2] ^= 0xff;
  for(int r = 0; r < 4; r++)
    sipround(v);
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

// ---------------------------------------------------------------- randomness

static uint64 pool[2] = { 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL };
static uint64 isn_key[2];
static int have_isn_key;
static uint64 rand_count;

// Fold the current time (and a caller's value) into the pool: a
// multiply and a rotate, cheap enough for every packet; the hashing
// happens when randomness is taken out. Lock held.
void
lwip_port_stir(uint64 extra)
{
  pool[0] = ROTL(pool[0] ^ r_time(), 23) * 0x9e3779b97f4a7c15ULL;
  pool[1] = ROTL(pool[1] + extra, 31) ^ pool[0];
}

unsigned int
lwip_port_random(void)
{
  uint64 m[2] = { r_time(), ++rand_count };
  return (unsigned int)siphash(pool, m, 2);
}

unsigned int
lwip_port_isn(const struct ip4_addr *lip, unsigned short lport,
              const struct ip4_addr *rip, unsigned short rport)
{
  if(!have_isn_key){
    lwip_port_stir(0);
    uint64 m[2] = { r_time(), 1 };
    isn_key[0] = siphash(pool, m, 2);
    m[1] = 2;
    isn_key[1] = siphash(pool, m, 2);
    have_isn_key = 1;
  }
  uint64 quad[2] = {
    ((uint64)lip->addr << 32) | rip->addr,
    ((uint64)lport << 16) | rport,
  };
  return (unsigned int)(uptime_us() / 4) + (unsigned int)siphash(isn_key, quad, 2);
}

// ---------------------------------------------------------------- hooks

// lwIP's netif list is not compiled in: our shadow interfaces live in
// ipglue.c and are never registered.
void
netif_init(void)
{
}

// lwIP would start its timer here; ours runs all the time (tcp_timer.c).
void
tcp_timer_needed(void)
{
}

void
lwip_port_init(void)
{
  initlock(&lwip_lock, "lwip");
  lwip_port_stir((uint64)&pool);
}
