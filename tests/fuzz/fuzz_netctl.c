// FUZZ-SOURCES: tests/host/netstack.c tests/host/kshim.c kernel/callout.c kernel/streams/timer.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/eth.c modules/arp.c modules/ip.c modules/netctl.c
// fuzz_netctl.c: libFuzzer harness for the text control messages of the
// network modules (the stack configuration parser): each input is one
// NET_CTL line sent to /dev/ip or /dev/eth (first byte chooses), through
// the real stream head, as `netctl` would send it. A line that sets the
// interface's address would break the next inputs' assumptions, so the
// address is put back after every input.
#include "kshim.h"
#include "stropts.h"
#include "netctl.h"
#include "netstack.h"

int LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size);

int
LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size)
{
  static int up;
  if(!up){
    if(ns_up() < 0)
      panic("fuzz_netctl: cannot plumb the stack");
    up = 1;
  }
  if(size < 1)
    return 0;
  char line[NETCTL_MAX + 8];
  const char *dev = (data[0] & 1) ? "eth" : "ip";
  data++, size--;
  if(size > NETCTL_MAX + 4)
    size = NETCTL_MAX + 4;
  memmove(line, data, size);
  line[size] = 0;
  char ans[512];
  ns_ctl(dev, line, ans, sizeof(ans));
  ns_ctl("ip", "addr 0 " NS_ADDR, 0, 0);
  ns_ctl("ip", "route del default", 0, 0);
  ns_flush_sent();
  return 0;
}
