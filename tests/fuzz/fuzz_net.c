// FUZZ-SOURCES: tests/host/netstack.c tests/host/kshim.c kernel/callout.c kernel/streams/timer.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/eth.c modules/arp.c modules/ip.c modules/netctl.c
// fuzz_net.c: libFuzzer harness for the wire side of the link and network
// layers. Each input is one Ethernet frame handed to the real eth, arp and
// ip modules (plumbed as netup does, over the fake card of
// tests/host/netstack.c); whatever the stack answers is drained. The
// first byte picks a shape so that the fuzzer reaches deep quickly:
//   0: the raw frame as given
//   1: an IPv4 packet for us (valid Ethernet header prepended)
//   2: an ARP packet (Ethernet header prepended)
//   3: an IPv4 packet for us with a correct header checksum
// Sanitizers (ASan, UBSan) turn any memory error into a finding.
#include "kshim.h"
#include "net/ether.h"
#include "inet.h"
#include "ip.h"
#include "netstack.h"

static const uint8 us[6] = NS_MAC;
static const uint8 peer[6] = { 0x02, 0, 0, 0, 0, 0x02 };

int LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size);

int
LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size)
{
  static int up;
  if(!up){
    if(ns_up() < 0)
      panic("fuzz_net: cannot plumb the stack");
    ns_flush_sent();
    up = 1;
  }
  if(size < 1)
    return 0;
  static uint8 f[ETH_MAXFRAME];
  int shape = data[0] & 3, n = 0;
  data++, size--;
  if(shape != 0){
    memmove(f, us, 6);
    memmove(f + 6, peer, 6);
    put16(f + 12, shape == 2 ? ETHERTYPE_ARP : ETHERTYPE_IP);
    n = 14;
  }
  if(size > (unsigned long)(ETH_MAXFRAME - n))
    size = ETH_MAXFRAME - n;
  memmove(f + n, data, size);
  n += size;
  if(shape == 3 && n >= 14 + 20){
    uint8 *h = f + 14;
    h[0] = 0x40 | (h[0] & 0x0f);
    int hlen = (h[0] & 15) * 4;
    if(hlen >= 20 && 14 + hlen <= n){
      put32(h + 16, 0x0a000001);
      put16(h + 10, 0);
      put16(h + 10, inet_cksum(h, hlen));
    }
  }
  ns_inject(f, n);
  ns_flush_sent();
  return 0;
}
