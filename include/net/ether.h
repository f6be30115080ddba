// net/ether.h: the messages between the link layer and the modules above it.
//
//   e1000 (driver)  -- raw Ethernet frames as M_DATA, both directions;
//                      provides "frames".
//   eth (mux)       -- lower: streams that provide "frames";
//                      upper: one stream per user of an ethertype,
//                      provides "ether": M_PROTO eth_unitdata + M_DATA.
//
// Frames and unitdata are plain structs in the first (M_PROTO) block; the
// payload follows in b_cont. Multi-byte fields in these structs are in host
// order; on the wire (frames) everything is big-endian. A user program
// that opens /dev/eth (or a card) reads and writes the same messages and
// sends the same I_STR commands, so they live here, in include/.
#ifndef ETHER_H
#define ETHER_H
#include "types.h"

#define ETH_ALEN      6
#define ETH_HLEN      14
#define ETH_MINFRAME  60      // without the FCS: shorter frames are padded
#define ETH_MAXFRAME  1514    // without the FCS
#define ETH_MTU       1500

#define ETHERTYPE_IP    0x0800
#define ETHERTYPE_ARP   0x0806
#define ETHERTYPE_FISH  0x3250

// M_PROTO primitives (first word of the block)
#define ETH_UNITDATA_REQ 1    // down: send the payload in b_cont
#define ETH_UNITDATA_IND 2    // up: a frame arrived, payload in b_cont

struct eth_unitdata {
  int    prim;                 // ETH_UNITDATA_REQ or ETH_UNITDATA_IND
  int    ifindex;              // IND: interface it came in on
  uint16 type;                 // ethertype
  uint8  dst[ETH_ALEN];        // REQ: where to; IND: to whom it was sent
  uint8  src[ETH_ALEN];        // IND: sender (REQ: ignored, eth fills it in)
};

// I_STR commands of link drivers (e1000). eth sends DL_INFO down a
// newly linked stream to learn the card's address.
#define DL_INFO   (('D' << 8) | 1)   // answer: struct dl_info
#define DL_STATS  (('D' << 8) | 2)   // answer: text, one "name value" per line

struct dl_info {
  uint8 addr[ETH_ALEN];
  uint8 link_up;
  uint8 pad;
  int   mtu;
};

// I_STR commands of eth upper streams.
#define ETH_BIND    (('E' << 8) | 1) // struct eth_bind: receive this ethertype
#define ETH_UNBIND  (('E' << 8) | 2) // struct eth_bind
#define ETH_ADDR    (('E' << 8) | 3) // data: int ifindex (-1: this stream's); answer: 6-byte address

struct eth_bind {
  int ifindex;                 // which linked interface (0 = first linked)
  int type;                    // ethertype
};

static const uint8 eth_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#endif
