// FUZZ-SOURCES: tests/host/netstack.c tests/host/kshim.c kernel/callout.c kernel/streams/timer.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/eth.c modules/arp.c modules/ip.c modules/fish/fish_wire.c modules/fish/fish_link.c modules/fish/fish_school.c modules/fish/fish_serve.c modules/fish/fish_client.c modules/fish/fish_input.c modules/fish/fish_ctl.c modules/fish/fish_streams.c modules/netctl.c
// fuzz_fish.c: libFuzzer harness for the FiSh decoder (classic and
// extended frames). The real fish driver is linked over eth as fishd links
// it (an eth stream bound to 0x3250 under /dev/fish/daemon), on the fake
// card of tests/host/netstack.c. Each input is the payload of one FiSh
// frame (first byte: 0 = to us, 1 = broadcast, 2 = raw whole frame);
// requests the driver hands to the daemon are read and thrown away.
#include "kshim.h"
#include "fcntl.h"
#include "stropts.h"
#include "net/ether.h"
#include "netctl.h"
#include "netstack.h"

int LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size);

static const uint8 us[6] = NS_MAC;
static const uint8 peer[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static int daemon_fd;

static void
setup(void)
{
  if(ns_up() < 0)
    panic("fuzz_fish: cannot plumb the stack");
  daemon_fd = ns_link_eth_under("fish/daemon", O_RDWR | O_NONBLOCK, "bind 0x3250");
  if(daemon_fd < 0)
    panic("fuzz_fish: cannot link fish");
  ns_flush_sent();
}

int
LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size)
{
  static int up;
  if(!up){
    setup();
    up = 1;
  }
  if(size < 1)
    return 0;
  static uint8 f[ETH_MAXFRAME];
  int shape = data[0] % 3, n = 0;
  data++, size--;
  if(shape != 2){
    memmove(f, shape == 0 ? us : eth_broadcast, 6);
    memmove(f + 6, peer, 6);
    f[12] = 0x32;
    f[13] = 0x50;
    n = 14;
  }
  if(size > (unsigned long)(ETH_MAXFRAME - n))
    size = ETH_MAXFRAME - n;
  memmove(f + n, data, size);
  ns_inject(f, n + size);
  static char junk[4096];
  while(kshim_read(daemon_fd, junk, sizeof(junk)) > 0)
    ;
  ns_flush_sent();
  return 0;
}
