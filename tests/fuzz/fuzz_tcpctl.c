// FUZZ-SOURCES: tests/host/tcpstack.c tests/host/netstack.c tests/host/kshim.c kernel/callout.c kernel/streams/timer.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/eth.c modules/arp.c modules/ip.c modules/netctl.c modules/tcp/tcp_conv.c modules/tcp/tcp_ctl.c modules/tcp/tcp_listen.c modules/tcp/tcp_lwip.c modules/tcp/tcp_output.c modules/tcp/tcp_pcb.c modules/tcp/tcp_stat.c modules/tcp/tcp_streams.c modules/tcp/tcp_timer.c modules/tcp/port/port.c modules/tcp/port/ipglue.c @LWIP@/src/core/tcp.c @LWIP@/src/core/tcp_in.c @LWIP@/src/core/tcp_out.c @LWIP@/src/core/pbuf.c @LWIP@/src/core/mem.c @LWIP@/src/core/memp.c @LWIP@/src/core/def.c @LWIP@/src/core/inet_chksum.c @LWIP@/src/core/ip.c @LWIP@/src/core/ipv4/ip4_addr.c @LWIP@/src/core/init.c
// FUZZ-CFLAGS: -iquote tests/host/hostcpu -iquote modules/tcp/port -I@LWIP@/src/include
// fuzz_tcpctl.c: libFuzzer harness for the control side of /dev/tcp: the
// NET_CTL text commands of include/net/tcp.h (connect, announce, accept,
// shutdown, abort, keepalive, nodelay, local, remote, status, list),
// interleaved with writes, reads and closes, over several streams of the
// real tcp driver and lwIP (plumbed by tests/host/tcpstack.c). Connections
// go to 10.0.0.1 itself (looped back inside ip, so to our own listeners)
// or to peers on the fake LAN, which stay silent unless a record answers
// for them; time only moves when a record says so. Commands that wait
// (connect, accept) run on worker threads and are killed at the end of
// the input; all streams are closed and the stack reset and checked for
// leaks, as in fuzz_tcp.c.
//
// Input: records. Each starts with a byte B: slot S = (B >> 3) % 6 (a
// stream; an empty slot is opened first) and B & 7 =
//   0  (re)open S
//   1  a command from a template: a byte T, then its argument bytes
//        T % 12: 0 connect ADDR!PORT [MS]   (bytes: address, port, MS/8)
//                1 announce ADDR!PORT [N]   (bytes: address, port, N)
//                2 accept N [nowait]        (bytes: N's slot or number, flags)
//                3 shutdown  4 abort  5 keepalive ... (bytes: form, values)
//                6 nodelay on|off (byte)  7 local  8 remote  9 status
//                10 list  11 announce *!80
//   2  a command as raw text: a length byte L (255: 300 bytes), L bytes
//   3  write: a byte N, 16 * N bytes
//   4  read what S has
//   5  a segment from a peer (format in tcpstack.c), e.g. a SYN-ACK
//   6  time: a byte N, (N & 15) + 1 ticks of 250 ms, times 16 if N & 16
//   7  close S
#include "kshim.h"
#include "tcpstack.h"

int LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size);

#define NSLOT     6
#define MAXREC    64              // records per input
#define MAXTICKS  400             // timer ticks per input (100 s)

static int slot_fd[NSLOT], slot_conv[NSLOT];
static int ticks_left;            // timer ticks this input may still spend

static void
slot_close(int s)
{
  if(slot_fd[s] >= 0)
    ts_close(slot_fd[s]);
  slot_fd[s] = -1;
  slot_conv[s] = -1;
}

static void
slot_open(int s)
{
  char ans[128];
  slot_close(s);
  slot_fd[s] = ts_open();
  if(slot_fd[s] >= 0 && ts_ctl(slot_fd[s], "status", ans, sizeof(ans)) == 0)
    slot_conv[s] = ts_conv_id(ans);
}

static const char *const addrs[8] = {
  "10.0.0.2", "10.0.0.1", "10.0.0.3", "10.0.0.9", "192.168.7.7", "0.0.0.0", "*",
  "255.255.255.255",
};

// PORT from a byte: the usual ones mostly, else any.
static int
port(int b)
{
  static const int common[4] = { 80, 81, 7000, 0 };
  return (b & 3) < 3 ? common[b & 3] : b >> 2;
}

static void
cmd_connect(int fd, struct ts_in *in)
{
  char cmd[80];
  int a = ts_byte(in), p = ts_byte(in), ms = ts_byte(in);
  int n = snprintf(cmd, sizeof(cmd), "connect %s!%d", addrs[a % 8], port(p));
  if(ms)
    snprintf(cmd + n, sizeof(cmd) - n, " %d", ms * 8);
  ts_ctl(fd, cmd, 0, 0);
}

static void
cmd_announce(int fd, struct ts_in *in)
{
  static const char *const laddrs[4] = { "*", "10.0.0.1", "10.0.0.2", "0.0.0.0" };
  char cmd[80];
  int a = ts_byte(in), p = ts_byte(in), backlog = ts_byte(in);
  int n = snprintf(cmd, sizeof(cmd), "announce %s!%d", laddrs[a & 3], (p & 3) == 2 ? 0 : port(p));
  if(backlog)
    snprintf(cmd + n, sizeof(cmd) - n, " %d", backlog & 0x80 ? backlog * 3 : backlog & 7);
  ts_ctl(fd, cmd, 0, 0);
}

static void
cmd_accept(int fd, struct ts_in *in)
{
  char cmd[80];
  int t = ts_byte(in), f = ts_byte(in);
  int n = t < 0x80 && slot_conv[t % NSLOT] >= 0 ? slot_conv[t % NSLOT] : t & 0x7f;
  snprintf(cmd, sizeof(cmd), "accept %d%s", n, (f & 1) ? " nowait" : "");
  ts_ctl(fd, cmd, 0, 0);
}

static void
cmd_keepalive(int fd, struct ts_in *in)
{
  char cmd[80];
  int form = ts_byte(in) % 5;
  int idle = 100 * ts_byte(in), intvl = 50 * ts_byte(in), cnt = ts_byte(in) & 7;
  switch(form){
  case 0: snprintf(cmd, sizeof(cmd), "keepalive off"); break;
  case 1: snprintf(cmd, sizeof(cmd), "keepalive on"); break;
  case 2: snprintf(cmd, sizeof(cmd), "keepalive on %d", idle); break;
  case 3: snprintf(cmd, sizeof(cmd), "keepalive on %d %d %d", idle, intvl, cnt); break;
  default: snprintf(cmd, sizeof(cmd), "keepalive maybe %d", idle); break;
  }
  ts_ctl(fd, cmd, 0, 0);
}

static void
cmd_template(int fd, struct ts_in *in)
{
  static const char *const plain[] = {
    "shutdown", "abort", 0, 0, "local", "remote", "status", "list", "announce *!80",
  };
  int t = ts_byte(in) % 12;
  switch(t){
  case 0: cmd_connect(fd, in); break;
  case 1: cmd_announce(fd, in); break;
  case 2: cmd_accept(fd, in); break;
  case 5: cmd_keepalive(fd, in); break;
  case 6: ts_ctl(fd, (ts_byte(in) & 1) ? "nodelay on" : "nodelay off", 0, 0); break;
  default: ts_ctl(fd, plain[t - 3], 0, 0); break;
  }
}

static void
raw_text(int fd, struct ts_in *in)
{
  static char text[300];
  int len = ts_byte(in);
  if(len == 255)
    len = sizeof(text);
  for(int i = 0; i < len; i++)
    text[i] = ts_byte(in);
  ts_ctl_bytes(fd, text, len, 0, 0);
}

static void
record(struct ts_in *in)
{
  int b = ts_byte(in), s = (b >> 3) % NSLOT, op = b & 7;
  if(op == 7){
    slot_close(s);
    return;
  }
  if(op == 0 || slot_fd[s] < 0)
    slot_open(s);
  int fd = slot_fd[s];
  switch(op){
  case 1: cmd_template(fd, in); break;
  case 2: raw_text(fd, in); break;
  case 3: ts_write(fd, 16 * ts_byte(in)); break;
  case 4: ts_read(fd); break;
  case 5: ts_segment(in); break;
  case 6: ts_tick_record(in, 4, &ticks_left); break;
  }
}

int
LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size)
{
  ts_up();
  struct ts_in in = { data, size };
  for(int s = 0; s < NSLOT; s++){
    slot_fd[s] = -1;
    slot_conv[s] = -1;
  }
  ticks_left = MAXTICKS;
  for(int r = 0; r < MAXREC && in.n > 0; r++)
    record(&in);
  ts_reset(0);
  return 0;
}
