// tcpstack.c: the host plumbing of /dev/tcp for the lwIP fuzz harnesses
// (see tcpstack.h). Not a test by itself. Compiled with lwIP's headers
// and the driver's private tcp_impl.h: the reset at the end of an input
// looks at lwIP's pcb lists, and fast-forwarded time runs lwIP's timer in
// the driver's own locked sections (tcp_lock, tcp_unlock).
//
// Segment record (ts_segment), the bytes in order:
//   sel     flow: < 0x80 an existing flow (sel % count); otherwise, or when
//           there is none, a new one: peer 10.0.0.2 + (sel & 1), local
//           port {80, 81, 9, 7000}[(sel >> 1) & 3], peer port
//           40000 + ((sel >> 3) & 15)
//   flags   the TCP flags byte as sent (FIN SYN RST PSH ACK URG ECE CWR)
//   mode    bits 0-1 sequence number: 0 our next one, 1 what the stack
//                    acknowledged last, 2 four raw bytes follow,
//                    3 our next one + a signed byte that follows
//           bits 2-3 acknowledgement: 0 all the stack sent, 1 all but its
//                    newest segment, 2 four raw bytes follow,
//                    3 all it sent + a signed byte that follows
//           bit 4    usual SYN options (MSS 1460, window scale 7, SACK
//                    permitted)
//           bit 5    raw options follow: a length byte (0-40), the bytes
//           bit 6    wrong TCP checksum
//           bit 7    the payload is a pattern of 8 * LEN bytes
//   win     two bytes, the window field
//   ...     the sequence/acknowledgement bytes and options the mode asks for
//   LEN     payload length; unless bit 7, that many payload bytes follow
// Checksums, lengths and addresses are filled in; the segment goes into
// the real eth module as a frame from the peer's MAC address.
//
// Raw record (ts_raw): a byte `fix`, a length byte, that many bytes of an
// IPv4 packet. fix bit 0: make the IP header sane (version, length,
// protocol 6, destination us, checksum); bit 1: fix the TCP checksum.
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
#include "tcpstack.h"
#include "tcp/tcp_impl.h"

// the C library's, declared here (no system headers beside defs.h)
long write(int fd, const void *buf, unsigned long n);
char *getenv(const char *name);

#define SETTLE_MS  5000           // host time for the stack to run dry
#define NFLOW      16
#define NFD        32
#define NWORKER    12

static const uint8 us_mac[6] = NS_MAC;
static int up;
static long baseline;             // kmalloc objects with no input running

static void drain(void);

// TCPSTACK_TRACE=1 in the environment: every segment in and out, every
// command and its result, on standard output (to follow a finding).
static int tracing;

static void
trace_tcp(const char *dir, const uint8 *ip, int n)
{
  if(!tracing || n < IP_HLEN)
    return;
  int hlen = (ip[0] & 15) * 4;
  if(get16(ip + 2) < n)
    n = get16(ip + 2);
  if(n < hlen + 20)
    return;
  const uint8 *t = ip + hlen;
  int fl = t[13];
  char f[9];
  int k = 0;
  const char *names = "FSRPAUEC";
  for(int i = 0; i < 8; i++)
    if(fl & (1 << i))
      f[k++] = names[i];
  f[k] = 0;
  printf("%s %u.%u.%u.%u:%d > %u.%u.%u.%u:%d [%s] seq %u ack %u win %d len %d\n", dir,
         ip[12], ip[13], ip[14], ip[15], get16(t), ip[16], ip[17], ip[18], ip[19],
         get16(t + 2), f, get32(t + 4), get32(t + 8), get16(t + 14),
         n - hlen - (t[12] >> 4) * 4);
}

// ---------------------------------------------------------------- bytes

int
ts_byte(struct ts_in *in)
{
  if(in->n == 0)
    return 0;
  in->n--;
  return *in->p++;
}

uint32
ts_u32(struct ts_in *in)
{
  uint32 v = 0;
  for(int i = 0; i < 4; i++)
    v = (v << 8) | ts_byte(in);
  return v;
}

// ---------------------------------------------------------------- settling

// Wait until every thread sleeps with nothing to do. A stack that keeps
// itself busy for seconds with no input is live-locked: a finding.
static void
settle_only(void)
{
  if(!kshim_settle(SETTLE_MS)){
    kshim_settle_report();
    panic("tcpstack: the stack never settles (live-lock?)");
  }
}

static void reap_workers(void);

void
ts_settle(void)
{
  settle_only();
  drain();
  reap_workers();
}

// Long waits are fast-forwarded: the first FF_AFTER ticks are real (the
// callout runs tcptimer_tick, which runs lwIP's timer), then each step of
// FF_STEP ticks runs lwIP's timer FF_STEP - 1 times here, in one of the
// driver's locked sections as the tick does, and one real tick after the
// clock has moved the whole step (the driver's own deadlines go by the
// clock). A real tick costs thread
// switches, which on a loaded machine take long; minutes of TCP time
// (TIME_WAIT, back-off, keepalive) would not fit in an input otherwise.
#define FF_AFTER 8
#define FF_STEP  16

// /dev/tcpstat, read through its devsw entry (it has no open function,
// which the shim's kshim_open insists on).
static int stat_major;

static int
read_tcpstat(char *buf, int n)
{
  struct file f;
  memset(&f, 0, sizeof(f));
  f.type = FD_DEVICE;
  f.readable = 1;
  f.major = stat_major;
  return devsw[stat_major].read(&f, (uint64)buf, n);
}

static void
lwip_timer(int n)
{
  for(int i = 0; i < n; i++){
    tcp_lock();
    tcp_tmr();
    tcp_unlock();                 // frees what died, sends what the timer made
  }
}

void
ts_ticks(int n)
{
  for(int i = 0; i < n && i < FF_AFTER; i++){
    kshim_clock_advance(TS_TICK);
    ts_settle();
  }
  for(n -= FF_AFTER; n > 0; n -= FF_STEP){
    int k = n < FF_STEP ? n : FF_STEP;
    lwip_timer(k - 1);
    kshim_clock_advance(k * TS_TICK);
    ts_settle();
  }
}

void
ts_tick_record(struct ts_in *in, int bits, int *left)
{
  int n = ts_byte(in), mask = (1 << bits) - 1;
  int k = ((n & mask) + 1) * ((n & (mask + 1)) ? 16 : 1);
  if(k > *left)
    k = *left;
  *left -= k;
  ts_ticks(k);
}

// ---------------------------------------------------------------- workers

// A worker thread runs one NET_CTL command that may wait (connect,
// accept) on a dup of the caller's fd, so the harness goes on; its result
// is thrown away when it comes.
struct worker {
  struct kshim_thread *t;
  int job;                        // a command to run or running
  int done;                       // finished: fd still to close
  int fd;                         // the dup it works on
  struct file *file;              // the stream (to see it is busy)
  int len, r, anslen;
  char buf[STRIOCMAX + 1];        // command, then the answer
};
static struct spinlock wlock;
static struct worker workers[NWORKER];

// I_STR NET_CTL on fd: text in buf (len bytes), the answer replaces it.
static int
istr(int fd, char *buf, int len, int *anslen)
{
  struct strioctl sc = { NET_CTL, 0, len, buf };
  int r = kshim_ioctl(fd, I_STR, (long)&sc);
  *anslen = r >= 0 && sc.ic_len > 0 && sc.ic_len <= STRIOCMAX ? sc.ic_len : 0;
  return r;
}

static void
worker_main(void *arg)
{
  struct worker *w = arg;
  acquire(&wlock);
  for(;;){
    while(!w->job && !killed(myproc()))
      sleep(w, &wlock);
    if(!w->job)
      break;
    release(&wlock);
    int n, r = istr(w->fd, w->buf, w->len, &n);
    acquire(&wlock);
    w->r = r;
    w->anslen = n;
    w->job = 0;
    w->done = 1;
    if(killed(myproc()))
      break;                      // killed in the middle: end the thread
  }
  release(&wlock);
}

// Close the fds of finished jobs.
static void
reap_workers(void)
{
  for(int i = 0; i < NWORKER; i++){
    struct worker *w = &workers[i];
    acquire(&wlock);
    int done = w->done;
    w->done = 0;
    release(&wlock);
    if(done)
      kshim_close(w->fd);
  }
}

static int
busy(struct file *f)
{
  int b = 0;
  acquire(&wlock);
  for(int i = 0; i < NWORKER; i++)
    if(workers[i].job && workers[i].file == f)
      b = 1;
  release(&wlock);
  return b;
}

// Kill the workers still waiting, and wait for their threads to end.
static void
stop_workers(void)
{
  for(int i = 0; i < NWORKER; i++){
    struct worker *w = &workers[i];
    acquire(&wlock);
    int waiting = w->t && w->job;
    release(&wlock);
    if(!waiting)
      continue;
    kshim_kill(w->t);
    kshim_join(w->t);
    w->t = 0;
    w->job = 0;
    w->done = 0;
    kshim_close(w->fd);
  }
}

// Would the driver keep this command waiting? Its first word, split as
// netctl_split does, is connect or accept.
static int
may_wait(const char *s, int len)
{
  int i = 0;
  while(i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    i++;
  int j = i;
  while(j < len && s[j] && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r')
    j++;
  return (j - i == 7 && memcmp(s + i, "connect", 7) == 0) ||
         (j - i == 6 && memcmp(s + i, "accept", 6) == 0);
}

static int
answer(char *ans, int max, const char *buf, int n)
{
  if(ans && max > 0){
    int m = n < max - 1 ? n : max - 1;
    memmove(ans, buf, m);
    ans[m] = 0;
  }
  return 0;
}

static int ctl_bytes(int fd, const char *text, int len, char *ans, int max);

static int
ctl_worker(int fd, struct file *f, const char *text, int len, char *ans, int max)
{
  struct worker *w = 0;
  acquire(&wlock);
  for(int i = 0; i < NWORKER && w == 0; i++)
    if(!workers[i].job && !workers[i].done)
      w = &workers[i];
  release(&wlock);
  if(w == 0)
    return -EAGAIN;               // all busy: the command is not sent
  int dfd = kshim_dup(fd);
  if(dfd < 0)
    return dfd;
  if(w->t == 0)
    w->t = kshim_spawn(worker_main, w);
  acquire(&wlock);
  w->fd = dfd;
  w->file = f;
  w->len = len;
  memmove(w->buf, text, len);
  w->job = 1;
  wakeup(w);
  release(&wlock);
  settle_only();
  acquire(&wlock);
  int done = w->done, r = w->r;
  if(done){
    answer(ans, max, w->buf, r >= 0 ? w->anslen : 0);
    w->done = 0;
  }
  release(&wlock);
  if(done)
    kshim_close(dfd);
  drain();
  return done ? r : TS_PENDING;
}

int
ts_ctl(int fd, const char *text, char *ans, int max)
{
  return ts_ctl_bytes(fd, text, strlen(text), ans, max);
}

static int
trace_ctl(int fd, const char *text, int len, int r, const char *ans)
{
  if(tracing)
    printf("ctl fd %d \"%.*s\": %d %s", fd, len, text, r,
           r == 0 && ans && ans[0] ? ans : "\n");
  return r;
}

int
ts_ctl_bytes(int fd, const char *text, int len, char *ans, int max)
{
  static char own[STRIOCMAX + 1];
  if(ans == 0 && tracing){
    ans = own;
    max = sizeof(own);
  }
  return trace_ctl(fd, text, len, ctl_bytes(fd, text, len, ans, max), ans);
}

static int
ctl_bytes(int fd, const char *text, int len, char *ans, int max)
{
  struct file *f = kshim_file(fd);
  if(f == 0)
    return -EBADF;
  if(ans && max > 0)
    ans[0] = 0;
  if(len > STRIOCMAX)
    len = STRIOCMAX;
  // One I_STR at a time per stream: behind a waiting one it would wait.
  if(may_wait(text, len) || busy(f))
    return ctl_worker(fd, f, text, len, ans, max);
  static char buf[STRIOCMAX + 1];
  memmove(buf, text, len);
  int n, r = istr(fd, buf, len, &n);
  if(r >= 0)
    answer(ans, max, buf, n);
  ts_settle();
  return r;
}

int
ts_conv_id(const char *s)
{
  if(s[0] < '0' || s[0] > '9')
    return -1;
  int n = 0;
  for(; *s >= '0' && *s <= '9'; s++)
    n = n * 10 + (*s - '0');
  return n;
}

// ---------------------------------------------------------------- streams

static int fds[NFD];
static int nfds;

int
ts_open(void)
{
  if(nfds == NFD)
    return -EMFILE;
  int fd = kshim_open("tcp", O_RDWR | O_NONBLOCK);
  if(fd >= 0)
    fds[nfds++] = fd;
  ts_settle();
  return fd;
}

void
ts_close(int fd)
{
  for(int i = 0; i < nfds; i++)
    if(fds[i] == fd){
      fds[i] = fds[--nfds];
      kshim_close(fd);
      ts_settle();
      return;
    }
}

int
ts_write(int fd, int n)
{
  static uint8 pattern[16384];
  if(pattern[1] == 0)
    for(int i = 0; i < (int)sizeof(pattern); i++)
      pattern[i] = 'a' + i % 26;
  if(n > (int)sizeof(pattern))
    n = sizeof(pattern);
  int r = kshim_write(fd, pattern, n);
  ts_settle();
  return r;
}

void
ts_read(int fd)
{
  static uint8 buf[8192];
  for(int i = 0; i < 64; i++)
    if(kshim_read(fd, buf, sizeof(buf)) <= 0)
      break;
  ts_settle();
}

// ---------------------------------------------------------------- flows

static struct ts_flow flows[NFLOW];
static int nflows, nextslot;

int
ts_nflows(void)
{
  return nflows;
}

struct ts_flow *
ts_flow_at(int i)
{
  return i >= 0 && i < nflows ? &flows[i] : 0;
}

static struct ts_flow *
flow_find(uint32 peer, int pport, int lport)
{
  for(int i = 0; i < nflows; i++)
    if(flows[i].peer == peer && flows[i].pport == pport && flows[i].lport == lport)
      return &flows[i];
  return 0;
}

// A new flow; when the table is full the oldest makes room.
static struct ts_flow *
flow_new(uint32 peer, int pport, int lport)
{
  struct ts_flow *f;
  if(nflows < NFLOW){
    f = &flows[nflows++];
  } else {
    f = &flows[nextslot];
    nextslot = (nextslot + 1) % NFLOW;
  }
  memset(f, 0, sizeof(*f));
  f->peer = peer;
  f->pport = pport;
  f->lport = lport;
  f->peer_nxt = 0x10000000u * (1 + pport % 15) + lport;   // our ISN
  return f;
}

static int
seq_gt(uint32 a, uint32 b)
{
  return (int)(a - b) > 0;
}

// A TCP segment the stack sent: what it tells about the flow.
static void
look_tcp(const uint8 *ip, int n)
{
  int hlen = (ip[0] & 15) * 4;
  if(get16(ip + 2) < n)
    n = get16(ip + 2);            // short frames carry Ethernet padding
  if(n < hlen + 20 || get32(ip + 12) != TS_US)
    return;
  const uint8 *t = ip + hlen;
  int doff = (t[12] >> 4) * 4;
  int flags = t[13];
  int len = n - hlen - doff;
  if(doff < 20 || len < 0)
    return;
  uint32 peer = get32(ip + 16);
  struct ts_flow *f = flow_find(peer, get16(t + 2), get16(t));
  if(f == 0)
    f = flow_new(peer, get16(t + 2), get16(t));
  uint32 seq = get32(t + 4);
  uint32 end = seq + len + ((flags & 2) != 0) + ((flags & 1) != 0);
  if(!f->heard || seq_gt(end, f->snd_max))
    f->snd_max = end;
  f->snd_last = seq;
  if(flags & 0x10){
    f->ack = get32(t + 8);
    f->acked = 1;
  }
  f->heard = 1;
}

static void
peer_mac(uint8 *mac, uint32 peer)
{
  static const uint8 base[6] = { 0x02, 0, 0, 0, 0, 0 };
  memmove(mac, base, 6);
  mac[5] = peer & 0xff;
}

// An ARP question for one of the peers: answer as the peer.
static int
look_arp(const uint8 *a, int n)
{
  if(n < 28 || get16(a + 6) != 1)
    return 0;
  uint32 tpa = get32(a + 24);
  if(tpa != TS_PEER1 && tpa != TS_PEER2)
    return 0;
  uint8 f[60], mac[6];
  peer_mac(mac, tpa);
  ns_inject(f, ns_arp_frame(f, 2, mac, tpa, a + 8, get32(a + 14), a + 8));  // to the asker
  return 1;
}

// Take every frame the stack sent; answering ARP may release more.
static void
drain(void)
{
  static uint8 f[ETH_MAXFRAME];
  for(int round = 0; round < 8; round++){
    int answered = 0, n;
    while((n = ns_sent(f, sizeof(f), 0)) > 0){
      if(n < 14)
        continue;
      int type = get16(f + 12);
      if(type == ETHERTYPE_ARP)
        answered |= look_arp(f + 14, n - 14);
      else if(type == ETHERTYPE_IP && n >= 34 && f[14 + 9] == IPPROTO_TCP){
        trace_tcp("out", f + 14, n - 14);
        look_tcp(f + 14, n - 14);
      }
    }
    if(!answered)
      return;
    settle_only();
  }
}

// ---------------------------------------------------------------- segments

static uint16 ipid;

static void
ip_header(uint8 *h, uint32 src, int total)
{
  h[0] = 0x45;
  h[1] = 0;
  put16(h + 2, total);
  put16(h + 4, ++ipid);
  put16(h + 6, 0x4000);
  h[8] = 64;
  h[9] = IPPROTO_TCP;
  put16(h + 10, 0);
  put32(h + 12, src);
  put32(h + 16, TS_US);
  put16(h + 10, inet_cksum(h, IP_HLEN));
}

// TCP checksum over the pseudo header and the segment at t (n bytes).
static uint16
tcp_cksum(const uint8 *ip, const uint8 *t, int n)
{
  uint8 ph[12];
  memmove(ph, ip + 12, 8);
  ph[8] = 0;
  ph[9] = IPPROTO_TCP;
  put16(ph + 10, n);
  uint32 s = inet_sum(ph, sizeof(ph), 0);
  return ~inet_sum(t, n, s) & 0xffff;
}

static void
send_frame(uint8 *f, int n, uint32 src)
{
  peer_mac(f + 6, src);
  memmove(f, us_mac, 6);
  put16(f + 12, ETHERTYPE_IP);
  trace_tcp("in ", f + 14, n - 14);
  ns_inject(f, n);
  ts_settle();
}

static const uint8 syn_opts[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2 };

static struct ts_flow *
pick_flow(int sel)
{
  static const uint16 lports[4] = { 80, 81, 9, 7000 };
  if(sel < 0x80 && nflows > 0)
    return &flows[sel % nflows];
  uint32 peer = (sel & 1) ? TS_PEER2 : TS_PEER1;
  int lport = lports[(sel >> 1) & 3], pport = 40000 + ((sel >> 3) & 15);
  struct ts_flow *f = flow_find(peer, pport, lport);
  return f ? f : flow_new(peer, pport, lport);
}

static uint32
pick_seq(struct ts_flow *f, int how, struct ts_in *in)
{
  switch(how){
  case 1: return f->acked ? f->ack : f->peer_nxt;
  case 2: return ts_u32(in);
  case 3: return f->peer_nxt + (signed char)ts_byte(in);
  default: return f->peer_nxt;
  }
}

static uint32
pick_ack(struct ts_flow *f, int how, struct ts_in *in)
{
  switch(how){
  case 1: return f->snd_last;
  case 2: return ts_u32(in);
  case 3: return f->snd_max + (signed char)ts_byte(in);
  default: return f->snd_max;
  }
}

void
ts_segment(struct ts_in *in)
{
  static uint8 fr[ETH_MAXFRAME];
  struct ts_flow *f = pick_flow(ts_byte(in));
  int flags = ts_byte(in), mode = ts_byte(in);
  int win = ts_byte(in) << 8;
  win |= ts_byte(in);
  uint32 seq = pick_seq(f, mode & 3, in);
  uint32 ack = pick_ack(f, (mode >> 2) & 3, in);
  uint8 *ip = fr + 14, *t = ip + IP_HLEN;
  int optlen = 0;
  memset(t + 20, 0, 40);
  if(mode & 0x10){
    memmove(t + 20, syn_opts, sizeof(syn_opts));
    optlen = sizeof(syn_opts);
  }
  if(mode & 0x20){
    int n = ts_byte(in) % 41;
    for(int i = 0; i < n; i++){
      int b = ts_byte(in);
      if(optlen < 40)
        t[20 + optlen++] = b;
    }
  }
  optlen = (optlen + 3) & ~3;
  int room = ETH_MTU - IP_HLEN - 20 - optlen;
  int len = ts_byte(in);
  uint8 *data = t + 20 + optlen;
  if(mode & 0x80){
    len *= 8;
    if(len > room)
      len = room;
    for(int i = 0; i < len; i++)
      data[i] = 'A' + (seq + i) % 26;
  } else {
    for(int i = 0; i < len; i++)
      data[i] = ts_byte(in);
  }
  put16(t, f->pport);
  put16(t + 2, f->lport);
  put32(t + 4, seq);
  put32(t + 8, ack);
  t[12] = ((20 + optlen) / 4) << 4;
  t[13] = flags;
  put16(t + 14, win);
  put16(t + 16, 0);
  put16(t + 18, (flags & 0x20) ? len : 0);
  int tlen = 20 + optlen + len;
  ip_header(ip, f->peer, IP_HLEN + tlen);
  put16(t + 16, tcp_cksum(ip, t, tlen) ^ ((mode & 0x40) ? 1 : 0));
  f->peer_nxt = seq + len + ((flags & 2) != 0) + ((flags & 1) != 0);
  send_frame(fr, 14 + IP_HLEN + tlen, f->peer);
}

void
ts_raw(struct ts_in *in)
{
  static uint8 fr[ETH_MAXFRAME];
  int fix = ts_byte(in), n = ts_byte(in);
  uint8 *ip = fr + 14;
  for(int i = 0; i < n; i++)
    ip[i] = ts_byte(in);
  uint32 src = n >= 16 ? get32(ip + 12) : TS_PEER1;
  if((fix & 1) && n >= IP_HLEN){
    int hlen = (ip[0] & 15) * 4;
    if(hlen < IP_HLEN || hlen > n)
      hlen = IP_HLEN;
    ip[0] = 0x40 | hlen / 4;
    put16(ip + 2, n);
    ip[9] = IPPROTO_TCP;
    put32(ip + 16, TS_US);
    put16(ip + 10, 0);
    put16(ip + 10, inet_cksum(ip, hlen));
    if((fix & 2) && n >= hlen + 20){
      put16(ip + hlen + 16, 0);
      put16(ip + hlen + 16, tcp_cksum(ip, ip + hlen, n - hlen));
    }
  }
  send_frame(fr, 14 + n, src);
}

// ---------------------------------------------------------------- bring-up

// The peers introduce themselves (an ARP question for us), so arp knows
// them before a segment goes out, and for a good while after (every
// input starts with fresh entries, whatever time earlier ones took).
static void
introduce_peers(void)
{
  static const uint8 unknown[6];
  uint32 peers[2] = { TS_PEER1, TS_PEER2 };
  for(int i = 0; i < 2; i++){
    uint8 f[60], mac[6];
    peer_mac(mac, peers[i]);
    ns_inject(f, ns_arp_frame(f, 1, mac, peers[i], unknown, TS_US, eth_broadcast));
    ts_settle();
  }
}

void
ts_up(void)
{
  if(up)
    return;
  up = 1;
  tracing = getenv("TCPSTACK_TRACE") != 0;
  initlock(&wlock, "tcpstack");
  if(ns_up() < 0)
    panic("tcpstack: cannot plumb the network stack");
  int tcp = kshim_open("tcp", O_RDWR), ip = kshim_open("ip", O_RDWR);
  char buf[NETCTL_MAX] = "proto 6";
  int n;
  if(tcp < 0 || ip < 0 || istr(ip, buf, 7, &n) < 0 || kshim_ioctl(tcp, I_PLINK, ip) < 0)
    panic("tcpstack: cannot link ip under tcp");
  kshim_close(ip);
  kshim_close(tcp);
  for(int m = 1; m < NDEV; m++)
    if(devsw_name(m) && strcmp(devsw_name(m), "tcpstat") == 0)
      stat_major = m;
  if(stat_major == 0)
    panic("tcpstack: no /dev/tcpstat");
  kshim_clock_manual(1);
  ts_settle();
  introduce_peers();
  ts_ticks(2);                    // tcp asks ip for its addresses
  acquire(&lwip_lock);
  int naddrs = glue_naddrs();
  release(&lwip_lock);
  if(naddrs == 0)
    panic("tcpstack: tcp never learned the local address");
  nflows = 0;
  baseline = kshim_kmalloc_live();
}

// ---------------------------------------------------------------- reset

static int
count(struct tcp_pcb *p)
{
  int n = 0;
  for(; p; p = p->next)
    n++;
  return n;
}

static void
report(const char *what)
{
  write(2, what, strlen(what));
  write(2, "\n", 1);
  static char buf[4096];
  int n = read_tcpstat(buf, sizeof(buf));
  if(n > 0)
    write(2, buf, n);
}

// With every stream closed, each pcb lwIP still has must be one that
// ends by itself (handshakes, closing states and TIME_WAIT time out;
// orphans have the driver's deadline). A connection nobody holds that is
// still open, or a bound or listening pcb, would stay for ever: a leak.
static const char *
stuck(void)
{
  const char *why = 0;
  acquire(&lwip_lock);
  for(struct tcp_pcb *p = tcp_active_pcbs; p && !why; p = p->next){
    int open = p->state == ESTABLISHED || p->state == CLOSE_WAIT || p->state == SYN_SENT ||
               (p->state == FIN_WAIT_2 && !(p->flags & TF_RXCLOSED));
    if(open && p->callback_arg == 0 && !(p->flags & TF_CLOSEPEND))
      why = "tcpstack: an open connection nobody holds (it never ends)";
  }
  if(tcp_bound_pcbs)
    why = "tcpstack: a bound pcb is left after every stream closed";
  if(tcp_listen_pcbs.listen_pcbs)
    why = "tcpstack: a listening pcb is left after every stream closed";
  release(&lwip_lock);
  return why;
}

// Reset every connection lwIP still runs (sending RSTs), as if their
// time had run out; the driver frees what it held when the locked
// section ends.
static void
abort_all(void)
{
  tcp_lock();
  while(tcp_active_pcbs)
    tcp_abort(tcp_active_pcbs);
  while(tcp_tw_pcbs)
    tcp_abort(tcp_tw_pcbs);
  tcp_unlock();
  ts_settle();
}

void
ts_reset(int linger)
{
  stop_workers();
  ts_settle();
  if(linger > 0)
    ts_ticks(linger);
  while(nfds > 0)
    ts_close(fds[nfds - 1]);
  const char *why = stuck();
  if(why){
    report(why);
    panic("tcpstack: leak");
  }
  abort_all();
  // arp drops packets it held for addresses nobody answers after a few
  // seconds; let that time pass if anything is left.
  for(int i = 0; i < 6 && kshim_kmalloc_live() != baseline; i++){
    kshim_clock_advance(1100);
    ts_settle();
  }
  acquire(&lwip_lock);
  int pcbs = count(tcp_active_pcbs) + count(tcp_tw_pcbs) + count(tcp_bound_pcbs) +
             count((struct tcp_pcb *)tcp_listen_pcbs.listen_pcbs);
  release(&lwip_lock);
  ulong used, peak, fail;
  lwip_port_heapstats(&used, &peak, &fail);
  long live = kshim_kmalloc_live();
  if(pcbs || used || live != baseline){
    char line[160];
    snprintf(line, sizeof(line), "tcpstack: after the reset: %d pcbs, lwIP heap %lu bytes, "
             "%ld kmalloc objects (%ld before)", pcbs, used, live, baseline);
    report(line);
    panic("tcpstack: leak");
  }
  introduce_peers();
  nflows = 0;
  nextslot = 0;
}
