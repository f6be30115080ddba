// provides.h: what a stream carries, in the words modules declare in
// their streamtab: st_provides (what a module pushed on top of this one
// gets) and st_requires (what must sit right below it). The framework
// only compares the strings (kernel/streams/plumb.c, mux.c) and knows no
// protocol; these names are the whole vocabulary, so that modules meant
// to fit spell it one way. A push in the wrong place fails with EINVAL
// and a reason naming them.
#ifndef PROVIDES_H
#define PROVIDES_H

#define ST_BYTES     "bytes"      // a byte stream: loop, muxloop, a tcp conversation
#define ST_FRAMES    "frames"     // raw Ethernet frames as M_DATA: a card (e1000)
#define ST_ETHER     "ether"      // eth upper stream: M_PROTO eth_unitdata + payload
#define ST_IPV4LINK  "ipv4-link"  // arp on eth: M_PROTO link_ipreq + IPv4 packet
#define ST_IPV4      "ipv4"       // ip upper stream: ip_unitdata_req + payload
#define ST_FISH      "fish"       // the fish driver's streams

#endif
