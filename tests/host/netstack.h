// netstack.h: a network stack on the host, for tests and fuzzing. The
// real eth, arp and ip modules run on the STREAMS framework under the
// kernel shim (kshim.h), plumbed exactly as netup does it, over "fakenic":
// a driver whose frames go to a list the test reads and whose received
// frames the test injects. Used by tests/host/test_netstack.c and the
// fuzz harness tests/fuzz/fuzz_net.c.
#ifndef NETSTACK_H
#define NETSTACK_H
#include "types.h"

struct msgb;

#define NS_MAC   { 0x52, 0x54, 0x00, 0xaa, 0x00, 0x01 }
#define NS_ADDR  "10.0.0.1/24"

// Plumb fakenic -> eth -> (eth stream + arp) -> ip and give ip NS_ADDR.
// Returns 0 or -errno.
int  ns_up(void);
// Take it all down again (I_PUNLINK MUXID_ALL everywhere).
void ns_down(void);
// Hand a frame to eth as if the card had received it.
void ns_inject(const uint8 *frame, int len);
// Hand any message up from the card (an ioctl answer, say); consumes it.
void ns_inject_msg(struct msgb *mp);
// Two more drivers for tests: "fakeether" (offers "ether": push arp on
// it) and "fakelink" (offers "ipv4-link": link it under ip). They
// swallow what comes down (refusing ioctls); ns_below_up(dev, mp) sends
// mp up from the open stream of that device.
void ns_below_up(const char *dev, struct msgb *mp);
// Frames the stack sent, oldest first. Returns its length, or 0 if none
// (waits up to ms milliseconds for one).
int  ns_sent(uint8 *buf, int max, int ms);
void ns_flush_sent(void);
// Send a NET_CTL text to a device ("ip", as in /dev/devices); answer
// (if any) into ans.
int  ns_ctl(const char *dev, const char *text, char *ans, int max);
// Open DEV with `flags` and link under it, for good (I_PLINK), an eth
// stream bound with the NET_CTL text `bind` ("bind 0x3250", as fishd
// does for fish). The open fd, or -errno.
int  ns_link_eth_under(const char *dev, int flags, const char *bind);
// Build an ARP frame (op 1 question, 2 answer) from sha/spa to tha/tpa,
// sent to dst, padded to Ethernet's 60 bytes; returns 60.
int  ns_arp_frame(uint8 *f, int op, const uint8 *sha, uint32 spa, const uint8 *tha,
                  uint32 tpa, const uint8 *dst);

#endif
