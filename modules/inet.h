// inet.h: messages between ip and the link below it (arp), and a few
// IPv4 constants shared by the modules that speak IPv4.
//
//   arp  provides "ipv4-link": down, M_PROTO link_ipreq (the next hop)
//        with the IPv4 packet in b_cont; up, IPv4 packets as M_DATA (with
//        any Ethernet padding still on: ip trims to the total length).
#ifndef INET_H
#define INET_H
#include "types.h"

#define LINK_IP_REQ  3          // M_PROTO primitive: send b_cont to nexthop

struct link_ipreq {
  int    prim;                  // LINK_IP_REQ
  uint32 nexthop;               // host order; 0xffffffff = link broadcast
};

#define IPV4_BROADCAST 0xffffffffu

// Byte order on the wire is big-endian.
static inline uint16 get16(const uint8 *p) { return (p[0] << 8) | p[1]; }
static inline uint32 get32(const uint8 *p)
{
  return ((uint32)p[0] << 24) | ((uint32)p[1] << 16) | ((uint32)p[2] << 8) | p[3];
}
static inline void put16(uint8 *p, uint16 v) { p[0] = v >> 8; p[1] = v; }
static inline void put32(uint8 *p, uint32 v)
{
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

#endif
