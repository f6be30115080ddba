// ip.h: the messages of ip's upper streams (/dev/ip), used by tcp and by
// user programs such as ping.
//
// An upper stream binds a protocol number ("proto 6" as NET_CTL text).
// Up, it receives every packet of that protocol addressed to this host as
// one M_DATA message: the whole IPv4 packet, header included (so the
// receiver sees addresses, TTL and options). Down, it sends either
//   M_PROTO ip_unitdata_req + payload in b_cont (tcp: per-packet addresses)
// or plain M_DATA payload to the address set with "connect A.B.C.D"
// (ping). ip adds the header, chooses the source address and the route.
#ifndef IP_H
#define IP_H
#include "types.h"

#define IPPROTO_ICMP 1
#define IPPROTO_TCP  6
#define IPPROTO_UDP  17

#define IP_HLEN      20          // header without options
#define IP_DEFTTL    64

#define IP_UNITDATA_REQ 5        // M_PROTO primitive going down

struct ip_unitdata_req {
  int    prim;                   // IP_UNITDATA_REQ
  uint32 dst;                    // host order
  uint32 src;                    // 0 = the outgoing interface's address
  uint8  proto;                  // 0 = the stream's bound protocol
  uint8  ttl;                    // 0 = IP_DEFTTL
  uint8  tos;
  uint8  pad;
};

// ICMP types
#define ICMP_ECHOREPLY   0
#define ICMP_UNREACH     3
#define ICMP_ECHO        8
#define ICMP_TIMXCEED    11
#define ICMP_PARAMPROB   12

// The Internet checksum (RFC 1071) over a buffer, folded, not inverted.
static inline uint32
inet_sum(const uint8 *p, int len, uint32 sum)
{
  for(; len > 1; len -= 2, p += 2)
    sum += (p[0] << 8) | p[1];
  if(len == 1)
    sum += p[0] << 8;
  while(sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

static inline uint16
inet_cksum(const uint8 *p, int len)
{
  return ~inet_sum(p, len, 0) & 0xffff;
}

#endif
