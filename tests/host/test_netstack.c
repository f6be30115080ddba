// HOSTTEST-SOURCES: tests/host/netstack.c tests/host/kshim.c kernel/callout.c kernel/streams/timer.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/eth.c modules/arp.c modules/ip.c modules/netctl.c
// test_netstack.c: host unit tests of the link and network layers – the
// real eth, arp and ip modules on the real STREAMS framework, plumbed as
// netup does, over a fake card (tests/host/netstack.c). Frames go in and
// come out as bytes, so every field on the wire is checked: ARP requests,
// replies and gratuitous ARP, ICMP echo with its checksums, packets held
// behind ARP and released, malformed input landing in the drop counter
// that names it, loopback, an echo request in a shared buffer (answered,
// the buffer left alone), ioctl answers too short to read (dropped,
// counted), and every message block back at the end.
#include "kshim.h"
#include "errno.h"
#include "fcntl.h"
#include "streams/stream.h"
#include "stropts.h"
#include "net/ether.h"
#include "inet.h"
#include "ip.h"
#include "netctl.h"
#include "netstack.h"

// the few C library calls used here (no system headers beside defs.h)
void *calloc(unsigned long n, unsigned long size);
void free(void *p);
long atol(const char *s);
char *strstr(const char *hay, const char *needle);

static const uint8 us_mac[6] = NS_MAC;
static const uint8 peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8 far_mac[6] = { 0x02, 0, 0, 0, 0, 0x03 };
#define US   0x0a000001u
#define PEER 0x0a000002u
#define FAR  0x0a000003u

static uint16
sum16(const uint8 *p, int len)
{
  return inet_cksum(p, len);
}

static int
eth_hdr(uint8 *f, const uint8 *dst, const uint8 *src, uint16 type)
{
  memcpy(f, dst, 6);
  memcpy(f + 6, src, 6);
  put16(f + 12, type);
  return 14;
}

// An IPv4 packet with an ICMP echo (type) inside; returns the frame length.
static int
icmp_frame(uint8 *f, const uint8 *src_mac, uint32 src, uint32 dst, int type, int id, int seq)
{
  int n = eth_hdr(f, us_mac, src_mac, ETHERTYPE_IP);
  uint8 *ip = f + n, *icmp = ip + 20;
  memset(ip, 0, 20);
  ip[0] = 0x45; put16(ip + 2, 20 + 16); put16(ip + 4, 99); ip[8] = 64; ip[9] = 1;
  put32(ip + 12, src); put32(ip + 16, dst);
  put16(ip + 10, sum16(ip, 20));
  memset(icmp, 0, 16);
  icmp[0] = type; put16(icmp + 4, id); put16(icmp + 6, seq);
  memcpy(icmp + 8, "payload!", 8);
  put16(icmp + 2, sum16(icmp, 16));
  return n + 36 < 60 ? 60 : n + 36;
}

static long
counter(const char *dev, const char *cmd, const char *name)
{
  char ans[4096];
  if(ns_ctl(dev, cmd, ans, sizeof(ans)) < 0)
    return -1;
  char *p = ans;
  int len = strlen(name);
  while((p = strstr(p, name)) != 0){
    if((p == ans || p[-1] == '\n') && p[len] == ' ')
      return atol(p + len + 1);
    p += len;
  }
  return -1;
}

static long ipc(const char *name) { return counter("ip", "show", name); }

static void
test_gratuitous_arp(void)
{
  uint8 f[ETH_MAXFRAME];
  int n = ns_sent(f, sizeof(f), 2000);
  CHECK("garp/sent", n == 60);
  CHECK("garp/broadcast", memcmp(f, eth_broadcast, 6) == 0);
  CHECK("garp/src", memcmp(f + 6, us_mac, 6) == 0);
  CHECK("garp/type", get16(f + 12) == ETHERTYPE_ARP);
  CHECK("garp/request", get16(f + 20) == 1);
  CHECK("garp/sha", memcmp(f + 22, us_mac, 6) == 0);
  CHECK("garp/spa_tpa", get32(f + 28) == US && get32(f + 38) == US);
}

static void
test_arp_reply(void)
{
  uint8 f[ETH_MAXFRAME];
  static const uint8 zero[6];
  int n = ns_arp_frame(f, 1, peer_mac, PEER, zero, US, eth_broadcast);
  ns_inject(f, n);
  n = ns_sent(f, sizeof(f), 2000);
  CHECK("arp_reply/sent", n == 60);
  CHECK("arp_reply/to_asker", memcmp(f, peer_mac, 6) == 0);
  CHECK("arp_reply/op", get16(f + 20) == 2);
  CHECK("arp_reply/sha_spa", memcmp(f + 22, us_mac, 6) == 0 && get32(f + 28) == US);
  CHECK("arp_reply/tha_tpa", memcmp(f + 32, peer_mac, 6) == 0 && get32(f + 38) == PEER);
  // a question for someone else gets no answer
  n = ns_arp_frame(f, 1, peer_mac, PEER, zero, 0x0a000063, eth_broadcast);
  ns_inject(f, n);
  CHECK("arp_reply/not_for_us_silent", ns_sent(f, sizeof(f), 300) == 0);
}

static void
test_echo_reply(void)
{
  uint8 f[ETH_MAXFRAME];
  long before = ipc("echo-replied");
  int n = icmp_frame(f, peer_mac, PEER, US, ICMP_ECHO, 0x77, 1);
  ns_inject(f, n);
  n = ns_sent(f, sizeof(f), 2000);
  CHECK("echo/sent", n >= 14 + 36);
  uint8 *ip = f + 14, *icmp = ip + 20;
  CHECK("echo/dst_mac_learned", memcmp(f, peer_mac, 6) == 0);
  CHECK("echo/ip_header_checksum", sum16(ip, 20) == 0);
  CHECK("echo/addresses", get32(ip + 12) == US && get32(ip + 16) == PEER);
  CHECK("echo/total_length", get16(ip + 2) == 36);
  CHECK("echo/type_reply", icmp[0] == ICMP_ECHOREPLY);
  CHECK("echo/icmp_checksum", sum16(icmp, 16) == 0);
  CHECK("echo/id_seq_payload", get16(icmp + 4) == 0x77 && get16(icmp + 6) == 1 &&
        memcmp(icmp + 8, "payload!", 8) == 0);
  EXPECT("echo/counted", ipc("echo-replied"), before + 1);
}

static int
open_icmp(uint32 to)
{
  int fd = kshim_open("ip", 2);
  char cmd[64];
  char buf[NETCTL_MAX];
  snprintf(cmd, sizeof(cmd), "proto 1");
  struct strioctl sc = { NET_CTL, 0, (int)strlen(cmd), buf };
  memcpy(buf, cmd, strlen(cmd));
  kshim_ioctl(fd, I_STR, (long)&sc);
  snprintf(cmd, sizeof(cmd), "connect %d.%d.%d.%d", to >> 24, (to >> 16) & 255,
           (to >> 8) & 255, to & 255);
  memcpy(buf, cmd, strlen(cmd));
  sc.ic_len = strlen(cmd);
  int r = kshim_ioctl(fd, I_STR, (long)&sc);
  kshim_ioctl(fd, I_SRDOPT, RMSGD);
  return r < 0 ? r : fd;
}

static int
write_echo(int fd, int seq)
{
  uint8 m[16];
  memset(m, 0, sizeof(m));
  m[0] = ICMP_ECHO; put16(m + 4, 0x99); put16(m + 6, seq);
  memcpy(m + 8, "question", 8);
  put16(m + 2, sum16(m, 16));
  return kshim_write(fd, m, 16);
}

static void
test_held_behind_arp(void)
{
  uint8 f[ETH_MAXFRAME];
  int fd = open_icmp(FAR);
  CHECK("held/open", fd >= 0);
  EXPECT("held/write", write_echo(fd, 5), 16);
  int n = ns_sent(f, sizeof(f), 2000);
  CHECK("held/arp_question", n == 60 && get16(f + 12) == ETHERTYPE_ARP &&
        get16(f + 20) == 1 && get32(f + 38) == FAR);
  CHECK("held/nothing_else_yet", ns_sent(f, sizeof(f), 200) == 0);
  n = ns_arp_frame(f, 2, far_mac, FAR, us_mac, US, us_mac);
  ns_inject(f, n);
  n = ns_sent(f, sizeof(f), 2000);
  CHECK("held/released", n > 0 && memcmp(f, far_mac, 6) == 0 &&
        get16(f + 12) == ETHERTYPE_IP && f[14 + 20] == ICMP_ECHO && get16(f + 14 + 26) == 5);
  // the answer comes back up to the ICMP stream as a whole IPv4 packet
  n = icmp_frame(f, far_mac, FAR, US, ICMP_ECHOREPLY, 0x99, 5);
  ns_inject(f, n);
  uint8 in[256];
  int r = kshim_read(fd, in, sizeof(in));
  CHECK("held/reply_read", r == 36 && (in[0] >> 4) == 4 && get32(in + 12) == FAR &&
        in[20] == ICMP_ECHOREPLY && get16(in + 26) == 5);
  kshim_close(fd);
}

struct arpwait { long want; };
static int
arp_timed_out(void *a)
{
  char ans[4096];
  if(ns_ctl("ip", "show", 0, 0) < 0)
    return 0;
  int fd = kshim_open("arp", 0);
  int n = kshim_read(fd, ans, sizeof(ans) - 1);
  kshim_close(fd);
  ans[n > 0 ? n : 0] = 0;
  char *t = strstr(ans, "timeouts ");
  return t && atol(t + 9) >= ((struct arpwait *)a)->want;
}

static void
test_arp_timeout_drops_held(void)
{
  uint8 f[ETH_MAXFRAME];
  int fd = open_icmp(0x0a000009);
  for(int i = 0; i < 3; i++)
    write_echo(fd, i);
  struct arpwait w = { 1 };
  CHECK("arp_timeout/gave_up", kshim_waitfor(arp_timed_out, &w, 8000));
  int questions = 0;
  while(ns_sent(f, sizeof(f), 0) > 0)
    if(get16(f + 12) == ETHERTYPE_ARP && get32(f + 38) == 0x0a000009)
      questions++;
  EXPECT("arp_timeout/three_questions", questions, 3);
  int afd = kshim_open("arp", 0);
  char ans[4096];
  int n = kshim_read(afd, ans, sizeof(ans) - 1);
  ans[n > 0 ? n : 0] = 0;
  kshim_close(afd);
  char *h = strstr(ans, "held_drops ");
  CHECK("arp_timeout/held_drops", h && atol(h + 11) >= 3);
  CHECK("arp_timeout/entry_gone", strstr(ans, "10.0.0.9") == 0);
  kshim_close(fd);
}

static void
test_loopback(void)
{
  uint8 in[256], f[ETH_MAXFRAME];
  int fd = open_icmp(US);
  EXPECT("loopback/write", write_echo(fd, 9), 16);
  int r = kshim_read(fd, in, sizeof(in));
  CHECK("loopback/reply", r == 36 && in[20] == ICMP_ECHOREPLY && get16(in + 26) == 9);
  CHECK("loopback/not_on_the_wire", ns_sent(f, sizeof(f), 200) == 0);
  kshim_close(fd);
}

static void
malformed(const char *name, const char *ctr, void (*mutate)(uint8 *f, int *n))
{
  uint8 f[ETH_MAXFRAME];
  char check[64];
  long before = ipc(ctr);
  for(int i = 0; i < 5; i++){
    int n = icmp_frame(f, peer_mac, PEER, US, ICMP_ECHO, 1, i);
    mutate(f, &n);
    ns_inject(f, n);
  }
  snprintf(check, sizeof(check), "drop/%s", name);
  EXPECT(check, ipc(ctr) - before, 5);
  snprintf(check, sizeof(check), "drop/%s_no_answer", name);
  CHECK(check, ns_sent(f, sizeof(f), 100) == 0);
}

static void m_cksum(uint8 *f, int *n) { f[24] ^= 0x40; }
static void m_version(uint8 *f, int *n) { f[14] = 0x65; }
static void m_hlen(uint8 *f, int *n) { f[14] = 0x44; }
static void m_total(uint8 *f, int *n) { put16(f + 16, 1400); put16(f + 24, 0); put16(f + 24, sum16(f + 14, 20)); }
static void m_ttl(uint8 *f, int *n) { f[22] = 0; put16(f + 24, 0); put16(f + 24, sum16(f + 14, 20)); }
static void m_frag(uint8 *f, int *n) { put16(f + 20, 0x2000); put16(f + 24, 0); put16(f + 24, sum16(f + 14, 20)); }
static void m_notus(uint8 *f, int *n) { put32(f + 30, 0x0a000077); put16(f + 24, 0); put16(f + 24, sum16(f + 14, 20)); }
static void m_icmp(uint8 *f, int *n) { f[34 + 2] ^= 1; }
static void m_short(uint8 *f, int *n) { *n = 14 + 10; }
static void m_proto(uint8 *f, int *n) { f[23] = 99; put16(f + 24, 0); put16(f + 24, sum16(f + 14, 20)); }

static void
test_malformed(void)
{
  malformed("checksum", "drop checksum", m_cksum);
  malformed("version", "drop version", m_version);
  malformed("header_length", "drop header-length", m_hlen);
  malformed("total_length", "drop total-length", m_total);
  malformed("ttl", "drop ttl", m_ttl);
  malformed("fragment", "drop fragment", m_frag);
  malformed("not_for_us", "drop not-for-us", m_notus);
  malformed("icmp", "drop icmp-malformed", m_icmp);
  malformed("short", "drop short", m_short);
  malformed("unbound_protocol", "drop unbound-protocol", m_proto);

  uint8 f[60];
  long before = counter("eth", "stats", "if0 drop-unbound-type");
  memset(f, 0, sizeof(f));
  eth_hdr(f, us_mac, peer_mac, 0x88b5);
  for(int i = 0; i < 4; i++)
    ns_inject(f, sizeof(f));
  EXPECT("drop/unbound_ethertype", counter("eth", "stats", "if0 drop-unbound-type") - before, 4);
  before = counter("eth", "stats", "if0 drop-not-for-us");
  eth_hdr(f, far_mac, peer_mac, ETHERTYPE_IP);
  ns_inject(f, sizeof(f));
  EXPECT("drop/other_station", counter("eth", "stats", "if0 drop-not-for-us") - before, 1);
  before = counter("eth", "stats", "if0 drop-runt");
  ns_inject(f, 9);
  EXPECT("drop/runt", counter("eth", "stats", "if0 drop-runt") - before, 1);
  // ARP with a wrong hardware length is counted as bad by arp
  static const uint8 zero[6];
  int n = ns_arp_frame(f, 1, peer_mac, PEER, zero, US, eth_broadcast);
  f[18] = 7;
  int fd = kshim_open("arp", 0);
  char ans[2048];
  int r = kshim_read(fd, ans, sizeof(ans) - 1);
  ans[r > 0 ? r : 0] = 0;
  kshim_close(fd);
  long bad0 = strstr(ans, "bad ") ? atol(strstr(ans, "bad ") + 4) : -1;
  ns_inject(f, n);
  fd = kshim_open("arp", 0);
  r = kshim_read(fd, ans, sizeof(ans) - 1);
  ans[r > 0 ? r : 0] = 0;
  kshim_close(fd);
  EXPECT("drop/arp_bad", (strstr(ans, "bad ") ? atol(strstr(ans, "bad ") + 4) : -1) - bad0, 1);
  CHECK("drop/arp_bad_no_answer", ns_sent(f, sizeof(f), 100) == 0);
}

static void
test_control_errors(void)
{
  EXPECT("ctl/unknown", ns_ctl("ip", "frobnicate", 0, 0), -EINVAL);
  EXPECT("ctl/bad_addr", ns_ctl("ip", "addr 0 1.2.3.400/24", 0, 0), -EINVAL);
  EXPECT("ctl/bad_prefix", ns_ctl("ip", "addr 0 1.2.3.4/33", 0, 0), -EINVAL);
  EXPECT("ctl/no_such_if", ns_ctl("ip", "addr 3 1.2.3.4/24", 0, 0), -ENXIO);
  EXPECT("ctl/eth_low_type", ns_ctl("eth", "bind 0x0100", 0, 0), -EINVAL);
  EXPECT("ctl/eth_busy", ns_ctl("eth", "bind 0 0x0800", 0, 0), -EBUSY);
  EXPECT("ctl/too_many_words", ns_ctl("ip", "a b c d e f g h i j", 0, 0), -EINVAL);
  EXPECT("ctl/empty", ns_ctl("ip", " ", 0, 0), -EINVAL);
}

// ---------------------------------------------------------------- shared buffers

// An echo request whose data block is shared (fault's dup does this:
// dupmsg, one buffer, two messages) is answered twice, correctly, and
// the buffer the other holders see is left as it was.
static void
test_dup_echo(void)
{
  uint8 f[ETH_MAXFRAME];
  ns_flush_sent();
  long before = ipc("echo-replied");
  int n = icmp_frame(f, peer_mac, PEER, US, ICMP_ECHO, 0x55, 7);
  mblk_t *mp = allocb(n, BPRI_MED);
  memcpy(mp->b_wptr, f, n);
  mp->b_wptr += n;
  mblk_t *dup = dupmsg(mp);
  mblk_t *mine = dupmsg(mp);      // a third holder that only looks
  CHECK("dup_echo/shared", dup && mine && dup->b_datap == mp->b_datap);
  ns_inject_msg(mp);
  ns_inject_msg(dup);
  int replies = 0, bad = 0;
  for(int i = 0; i < 2; i++){
    n = ns_sent(f, sizeof(f), 2000);
    if(n < 14 + 36)
      continue;
    uint8 *ip = f + 14, *icmp = ip + 20;
    if(get16(f + 12) == ETHERTYPE_IP && icmp[0] == ICMP_ECHOREPLY && sum16(ip, 20) == 0 &&
       sum16(icmp, 16) == 0 && get32(ip + 12) == US && get32(ip + 16) == PEER &&
       get16(icmp + 4) == 0x55 && get16(icmp + 6) == 7 && memcmp(icmp + 8, "payload!", 8) == 0)
      replies++;
    else
      bad++;
  }
  EXPECT("dup_echo/two_replies", replies, 2);
  EXPECT("dup_echo/no_bad_frame", bad, 0);
  EXPECT("dup_echo/counted", ipc("echo-replied") - before, 2);
  uint8 *icmp = mine->b_rptr + 14 + 20;
  CHECK("dup_echo/shared_buffer_untouched", icmp[0] == ICMP_ECHO && sum16(icmp, 16) == 0 &&
        memcmp(mine->b_rptr, us_mac, 6) == 0);
  freemsg(mine);
}

// ---------------------------------------------------------------- short answers

// Sum of drops= over the queues named name in /dev/streams; *why set if
// one of them names reason.
static long
qdrops(const char *name, const char *reason, int *why)
{
  static char text[32768];
  char key[64];
  int fd = kshim_open("streams", O_RDONLY);
  int n = 0, r;
  while(n < (int)sizeof(text) - 1 && (r = kshim_read(fd, text + n, sizeof(text) - 1 - n)) > 0)
    n += r;
  text[n] = 0;
  kshim_close(fd);
  snprintf(key, sizeof(key), " name=%s side=r ", name);
  long sum = 0;
  if(why)
    *why = 0;
  for(char *line = text; line && *line; ){
    char *end = strstr(line, "\n");
    if(end)
      *end = 0;
    char *k = strstr(line, key), *d = strstr(line, " drops=");
    if(k && d){
      sum += atol(d + 7);
      if(why && reason && strstr(line, reason))
        *why = 1;
    }
    line = end ? end + 1 : 0;
  }
  return sum;
}

// An ioctl answer of len bytes (less than an iocblk when short).
static mblk_t *
answer(int type, int len, uint id)
{
  mblk_t *mp = allocb(len, BPRI_MED);
  memset(mp->b_wptr, 0, len);
  if(len >= (int)sizeof(uint) * 2)
    memcpy(mp->b_wptr + sizeof(int), &id, sizeof(id));
  mp->b_wptr += len;
  DB_TYPE(mp) = type;
  return mp;
}

static void
test_short_answers(void)
{
  int why;
  // eth, from the card below
  long before = qdrops("eth", 0, 0);
  ns_inject_msg(answer(M_IOCACK, 0, 0));
  ns_inject_msg(answer(M_IOCNAK, 3, 0));
  ns_inject_msg(answer(M_IOCACK, sizeof(struct iocblk) - 1, 0));
  EXPECT("short_answer/eth_dropped", qdrops("eth", "short ioctl answer", &why) - before, 3);
  CHECK("short_answer/eth_reason", why);

  // arp, pushed on a stream whose driver answers short
  int fd = kshim_open("fakeether", O_RDWR);
  CHECK("short_answer/fakeether_open", fd >= 0);
  EXPECT("short_answer/push_arp", kshim_ioctl(fd, I_PUSH, (long)"arp"), 0);
  before = qdrops("arp", 0, 0);
  ns_below_up("fakeether", answer(M_IOCACK, 2, 0));
  ns_below_up("fakeether", answer(M_IOCNAK, sizeof(struct iocblk) - 1, 0x61000001u));
  EXPECT("short_answer/arp_dropped", qdrops("arp", "short ioctl answer", &why) - before, 2);
  CHECK("short_answer/arp_reason", why);
  kshim_close(fd);

  // ip, over a link that answers short
  int ipfd = kshim_open("ip", O_RDWR);
  int lfd = kshim_open("fakelink", O_RDWR);
  int muxid = kshim_ioctl(ipfd, I_PLINK, lfd);
  CHECK("short_answer/link_under_ip", muxid > 0);
  kshim_close(lfd);
  before = qdrops("ip", 0, 0);
  long ipbefore = ipc("drop bad-answer");
  ns_below_up("fakelink", answer(M_IOCNAK, 1, 0));
  ns_below_up("fakelink", answer(M_IOCACK, sizeof(struct iocblk) - 1, 0x69000001u));
  EXPECT("short_answer/ip_dropped", qdrops("ip", "short ioctl answer", &why) - before, 2);
  CHECK("short_answer/ip_reason", why);
  EXPECT("short_answer/ip_counted", ipc("drop bad-answer") - ipbefore, 2);
  EXPECT("short_answer/unlink", kshim_ioctl(ipfd, I_PUNLINK, muxid), 0);
  kshim_close(ipfd);
}

int
main(void)
{
  int r = ns_up();
  EXPECT("up", r, 0);
  if(r < 0)
    return 1;
  struct str_stats base;
  int fd = kshim_open("ip", 2);
  kshim_ioctl(fd, I_GSTATS, (long)&base);
  kshim_close(fd);

  test_gratuitous_arp();
  test_arp_reply();
  test_echo_reply();
  test_held_behind_arp();
  test_loopback();
  test_malformed();
  test_control_errors();
  test_arp_timeout_drops_held();
  test_dup_echo();
  test_short_answers();

  ns_down();
  struct str_stats now;
  fd = kshim_open("ip", 2);
  kshim_ioctl(fd, I_GSTATS, (long)&now);
  kshim_close(fd);
  // the three streams netup linked are gone: fewer blocks than at the start
  CHECK("leaks/mblks", now.ss_mblks <= base.ss_mblks);
  CHECK("leaks/dblks", now.ss_dblks <= base.ss_dblks);
  EXPECT("leaks/links", now.ss_links, 0);
  return kshim_failures ? 1 : 0;
}
