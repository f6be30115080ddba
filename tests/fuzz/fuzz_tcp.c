// FUZZ-SOURCES: tests/host/tcpstack.c tests/host/netstack.c tests/host/kshim.c kernel/callout.c kernel/streams/timer.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/eth.c modules/arp.c modules/ip.c modules/netctl.c modules/tcp/tcp_conv.c modules/tcp/tcp_ctl.c modules/tcp/tcp_listen.c modules/tcp/tcp_lwip.c modules/tcp/tcp_output.c modules/tcp/tcp_pcb.c modules/tcp/tcp_stat.c modules/tcp/tcp_streams.c modules/tcp/tcp_timer.c modules/tcp/port/port.c modules/tcp/port/ipglue.c @LWIP@/src/core/tcp.c @LWIP@/src/core/tcp_in.c @LWIP@/src/core/tcp_out.c @LWIP@/src/core/pbuf.c @LWIP@/src/core/mem.c @LWIP@/src/core/memp.c @LWIP@/src/core/def.c @LWIP@/src/core/inet_chksum.c @LWIP@/src/core/ip.c @LWIP@/src/core/ipv4/ip4_addr.c @LWIP@/src/core/init.c
// FUZZ-CFLAGS: -iquote tests/host/hostcpu -iquote modules/tcp/port -I@LWIP@/src/include
// fuzz_tcp.c: libFuzzer harness for TCP segments arriving from the wire.
// They go through the real eth and ip modules into the real tcp driver
// (modules/tcp/) and lwIP's TCP, plumbed as netup does it
// (tests/host/tcpstack.c); the lwIP files are the ones the Makefile
// compiles (LWIP_CORE). Every input starts from the same state: a
// listener, connections being made, time standing still; at its end
// everything is closed and reset, and whatever lwIP or the driver did
// not give back is a finding (as are sanitizer reports and panics).
//
// Input: a configuration byte, then records.
//   config  bit 0   read every stream after each record (else only when
//                   a record says so: windows fill up)
//           bit 1   linger: 260 more timer ticks (65 s) before the reset,
//                   so orphans, TIME_WAIT and half-open connections expire
//           bit 2   a second listener, 10.0.0.1!81 with a backlog of 1
//           bit 3   nobody waits in accept (connections stay unaccepted)
//           bits 4-5  0-3 connections made from here: to 10.0.0.2!7000,
//                   10.0.0.3!7001, 10.0.0.2!80 (SYN_SENT until answered)
//           bit 6   keepalive (1 s idle, 0.5 s interval, 2 probes) on the
//                   listener, so on what it accepts
//           bit 7   nodelay on the listener
//   record  a byte OP; OP & 7 is
//           0-3  a segment from a peer (format in tcpstack.c: flow,
//                flags, sequence numbers absolute or relative to what the
//                stack sent, options, payload; checksums fixed up)
//           4    write: stream S, then LEN: 64 * LEN bytes to send
//           5    stream S, then W: W & 7 = 0 read, 1 shutdown, 2 abort,
//                3 close, 4 accept on a new stream (W & 8: waiting, else
//                nowait; W & 16: from the second listener), 5 keepalive
//                (W & 8: off), 6 nodelay (W & 8: off), 7 status, local,
//                remote or list (W >> 3 & 3)
//           6    time: N; (N & 31) + 1 ticks of 250 ms, times 16 if N & 32
//           7    a raw IPv4 packet (format in tcpstack.c)
// Streams are numbered as made: the listener(s), the accepting stream,
// the connecting ones, then those of accept records; S picks one modulo
// their number.
#include "kshim.h"
#include "tcpstack.h"

int LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size);

#define MAXREC    64              // records per input
#define MAXTICKS  1200            // timer ticks per input (5 minutes)
#define NSTREAM   12

static int streams[NSTREAM], nstreams;
static int lconv[2];              // conversation numbers of the listeners
static int ticks_left;            // timer ticks this input may still spend

static int
add_stream(void)
{
  if(nstreams == NSTREAM)
    return -1;
  int fd = ts_open();
  if(fd >= 0)
    streams[nstreams++] = fd;
  return fd;
}

static void
drop_stream(int i)
{
  ts_close(streams[i]);
  streams[i] = streams[--nstreams];
}

static int
listen_on(const char *text, int which, int config)
{
  char ans[128];
  int fd = add_stream();
  if(fd < 0 || ts_ctl(fd, text, ans, sizeof(ans)) < 0)
    panic("fuzz_tcp: cannot announce");
  lconv[which] = ts_conv_id(ans);
  if(config & 0x40)
    ts_ctl(fd, "keepalive on 1000 500 2", 0, 0);
  if(config & 0x80)
    ts_ctl(fd, "nodelay on", 0, 0);
  return fd;
}

static void
setup(int config)
{
  static const char *const dials[3] = {
    "connect 10.0.0.2!7000 30000", "connect 10.0.0.3!7001 30000", "connect 10.0.0.2!80 30000",
  };
  char cmd[64];
  nstreams = 0;
  ticks_left = MAXTICKS;
  listen_on("announce *!80", 0, config);
  lconv[1] = lconv[0];
  if(config & 4)
    listen_on("announce 10.0.0.1!81 1", 1, config);
  if(!(config & 8)){
    snprintf(cmd, sizeof(cmd), "accept %d", lconv[0]);
    ts_ctl(add_stream(), cmd, 0, 0);
  }
  for(int i = 0; i < ((config >> 4) & 3); i++)
    ts_ctl(add_stream(), dials[i], 0, 0);
}

static void
info(int fd, int which)
{
  static const char *const what[4] = { "status", "local", "remote", "list" };
  ts_ctl(fd, what[which & 3], 0, 0);
}

static void
stream_op(struct ts_in *in)
{
  int s = ts_byte(in), w = ts_byte(in);
  if(nstreams == 0)
    return;
  int i = s % nstreams, fd = streams[i];
  char cmd[64];
  switch(w & 7){
  case 0: ts_read(fd); break;
  case 1: ts_ctl(fd, "shutdown", 0, 0); break;
  case 2: ts_ctl(fd, "abort", 0, 0); break;
  case 3: drop_stream(i); break;
  case 4:
    snprintf(cmd, sizeof(cmd), "accept %d%s", lconv[(w >> 4) & 1], (w & 8) ? "" : " nowait");
    if((fd = add_stream()) >= 0)
      ts_ctl(fd, cmd, 0, 0);
    break;
  case 5: ts_ctl(fd, (w & 8) ? "keepalive off" : "keepalive on 1000 500 2", 0, 0); break;
  case 6: ts_ctl(fd, (w & 8) ? "nodelay off" : "nodelay on", 0, 0); break;
  case 7: info(fd, w >> 3); break;
  }
}

static void
record(struct ts_in *in)
{
  int op = ts_byte(in) & 7;
  if(op <= 3){
    ts_segment(in);
  } else if(op == 4){
    int s = ts_byte(in), len = ts_byte(in);
    if(nstreams > 0)
      ts_write(streams[s % nstreams], 64 * len);
  } else if(op == 5){
    stream_op(in);
  } else if(op == 6){
    ts_tick_record(in, 5, &ticks_left);
  } else {
    ts_raw(in);
  }
}

int
LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size)
{
  ts_up();
  struct ts_in in = { data, size };
  int config = ts_byte(&in);
  setup(config);
  for(int r = 0; r < MAXREC && in.n > 0; r++){
    record(&in);
    if(config & 1)
      for(int i = 0; i < nstreams; i++)
        ts_read(streams[i]);
  }
  nstreams = 0;
  ts_reset((config & 2) ? 260 : 0);
  return 0;
}
