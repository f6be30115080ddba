// FUZZ-SOURCES: tests/host/netstack.c tests/host/kshim.c kernel/callout.c kernel/streams/timer.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/eth.c modules/arp.c modules/ip.c modules/fish/fish_wire.c modules/fish/fish_link.c modules/fish/fish_school.c modules/fish/fish_serve.c modules/fish/fish_client.c modules/fish/fish_input.c modules/fish/fish_ctl.c modules/fish/fish_streams.c modules/netctl.c
// fuzz_fishctl.c: libFuzzer harness for the user side of the fish driver:
// everything a program can write to /dev/fish. The real fish driver runs
// linked over eth (as fishd links it) on the fake card of
// tests/host/netstack.c, with one node in its school so that the per-node
// files exist. Each input is a list of operations, each one opcode byte
// (mod 6), a length byte and that many bytes:
//   0  the bytes as a NET_CTL (I_STR) to /dev/fish/ctl
//   1  the bytes written to /dev/fish/ctl as a settings line
//   2  a fresh /dev/fish/req: the bytes written as its request, one
//      non-blocking read of the answer, close (often mid-request)
//   3  the bytes as a daemon record (struct fish_down and its data) on
//      /dev/fish/daemon, length field kept as given or made to match
//   4  open a minor the bytes choose (ping, school, a node's dir or file,
//      or nonsense), one non-blocking read, close
//   5  an ANNOUNCE from a peer the bytes name, so the school changes
// After each input the settings go back to their defaults and the school
// is forgotten, so inputs do not depend on one another. Everything is
// non-blocking: an input must never wait for the network.
#include "kshim.h"
#include "fcntl.h"
#include "stropts.h"
#include "net/ether.h"
#include "fish.h"
#include "netctl.h"
#include "netstack.h"

int LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size);

static int daemon_fd, ctl_fd, fish_major;

static void
announce(const uint8 *name, int n, uint8 who)
{
  uint8 f[14 + FISH_MINPAYLOAD + FISH_CAP_LEN + 1];
  memset(f, 0, sizeof(f));
  memmove(f, eth_broadcast, 6);
  uint8 peer[6] = { 0x02, 0, 0, 0, 0, who };
  memmove(f + 6, peer, 6);
  fish_put16(f + 12, FISH_ETHERTYPE);
  f[14] = FISH_ANNOUNCE;
  if(n > FISH_MAXNAME - 1)
    n = FISH_MAXNAME - 1;
  memmove(f + 15, name, n);
  if(who & 1)    // an extended node shows the marker in the padding
    memmove(f + 14 + FISH_CAP_OFF, FISH_CAP, FISH_CAP_LEN);
  ns_inject(f, sizeof(f));
}

// An I_STR answer may be as long as STRIOCMAX: the buffer must hold it.
static char answer[STRIOCMAX];

// n bytes of text as a NET_CTL to /dev/fish/ctl (n < STRIOCMAX).
static int
ctl_bytes(const void *text, int n)
{
  memmove(answer, text, n);
  struct strioctl sc = { NET_CTL, 0, n, answer };
  return kshim_ioctl(ctl_fd, I_STR, (long)&sc);
}

static int
ctl(const char *text)
{
  return ctl_bytes(text, strlen(text));
}

static void
setup(void)
{
  if(ns_up() < 0)
    panic("fuzz_fishctl: cannot plumb the stack");
  daemon_fd = ns_link_eth_under("fish/daemon", O_RDWR | O_NONBLOCK, "bind 0x3250");
  ctl_fd = kshim_open("fish/ctl", O_RDWR | O_NONBLOCK);
  if(daemon_fd < 0 || ctl_fd < 0)
    panic("fuzz_fishctl: cannot link fish");
  fish_major = kshim_file(ctl_fd)->major;
  ns_flush_sent();
}

static void
drain_daemon(void)
{
  static char junk[4096];
  while(kshim_read(daemon_fd, junk, sizeof(junk)) > 0)
    ;
}

static void
request(const uint8 *p, int n)
{
  int fd = kshim_open("fish/req", O_RDWR | O_NONBLOCK);
  if(fd < 0)
    return;
  kshim_write(fd, p, n);
  kshim_read(fd, answer, sizeof(answer));
  kshim_close(fd);
}

static void
daemon_record(const uint8 *p, int n)
{
  uint8 rec[sizeof(struct fish_down) + 300];
  int want = sizeof(struct fish_down);
  if(n < 1)
    return;
  int fix = p[0] & 1;
  p++, n--;
  if(n > (int)sizeof(rec))
    n = sizeof(rec);
  memset(rec, 0, sizeof(rec));
  memmove(rec, p, n);
  int len = n > want ? n : want;
  if(fix){
    struct fish_down *d = (struct fish_down *)rec;
    d->len = len - want;
  }
  kshim_write(daemon_fd, rec, len);
}

static void
open_minor(const uint8 *p, int n)
{
  static char buf[2048];
  char path[32];
  int minor = n >= 2 ? (p[0] << 8 | p[1]) % 4096 : n == 1 ? p[0] : 0;
  snprintf(path, sizeof(path), "#%d,%d", fish_major, minor);
  int fd = kshim_open(path, O_RDONLY | O_NONBLOCK);
  if(fd < 0)
    return;
  kshim_read(fd, buf, sizeof(buf));
  kshim_close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size)
{
  static int up;
  if(!up){
    setup();
    up = 1;
  }
  announce((const uint8 *)"peer", 4, 1);
  drain_daemon();
  while(size >= 2){
    int op = data[0] % 6, n = data[1];
    data += 2, size -= 2;
    if((unsigned long)n > size)
      n = size;
    switch(op){
    case 0:
      ctl_bytes(data, n);
      break;
    case 1:
      kshim_write(ctl_fd, data, n);
      break;
    case 2:
      request(data, n);
      break;
    case 3:
      daemon_record(data, n);
      break;
    case 4:
      open_minor(data, n);
      break;
    case 5:
      announce(data + (n > 0), n > 0 ? n - 1 : 0, n > 0 ? data[0] : 0);
      break;
    }
    data += n, size -= n;
    drain_daemon();
    ns_flush_sent();
  }
  // Back to the defaults of modules/fish.c, with an empty school.
  if(ctl("wait 1000") < 0 || ctl("timeout 4000") < 0 || ctl("rto 300") < 0 ||
     ctl("reqrto 600") < 0 || ctl("window 32") < 0 || ctl("classic off") < 0 ||
     ctl("forget") < 0)
    panic("fuzz_fishctl: the defaults are refused");
  drain_daemon();
  ns_flush_sent();
  return 0;
}
