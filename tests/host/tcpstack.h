// tcpstack.h: the TCP driver on the host, for the lwIP fuzz harnesses
// (tests/fuzz/fuzz_tcp.c, tests/fuzz/fuzz_tcpctl.c). On top of the host
// network stack of netstack.h it plumbs /dev/tcp as netup does (an
// /dev/ip stream bound to protocol 6, I_PLINKed under /dev/tcp) and
// gives a harness what it needs to drive the real modules/tcp/ and lwIP
// from a fuzzer's bytes:
//
//   time     the shim's manual clock: tcp's 250 ms timer (and every other
//            callout) runs only when the harness advances time, so runs
//            are repeatable; after each step the stack is let settle.
//            Long waits are fast-forwarded (lwIP's timer run directly for
//            most ticks), so minutes of TCP time fit in an input.
//   wire     "flows": the TCP connections seen on the fake LAN. Frames the
//            stack sends are parsed to learn each flow's sequence numbers,
//            so a segment can be built relative to them (acknowledge what
//            the stack sent, send the sequence number it expects) with
//            correct checksums; ARP questions for the peers are answered.
//   control  NET_CTL commands on /dev/tcp streams. A command that waits
//            (connect, accept) runs on a worker thread, so the harness
//            itself never blocks; workers are killed at the end of input.
//   reset    after each input: every stream closed, lwIP's pcbs checked
//            (one nobody can ever end is a finding), then reset, and the
//            shim's kmalloc count must be back where it was (else a leak).
#ifndef TCPSTACK_H
#define TCPSTACK_H
#include "types.h"

#define TS_US     0x0a000001u     // 10.0.0.1, the stack (NS_ADDR)
#define TS_PEER1  0x0a000002u     // 10.0.0.2 and .3: peers on the LAN
#define TS_PEER2  0x0a000003u     //   that answer ARP (nothing else does)
#define TS_TICK   250             // ms: the driver's timer period

#define TS_PENDING 1              // ts_ctl: the command waits on a worker

// Bring everything up (once; later calls do nothing).
void ts_up(void);

// Let every thread finish its work, then drain the frames the stack sent
// (learning flows, answering ARP). Panics if the stack never settles.
void ts_settle(void);
// Advance the clock by n timer ticks (see tcpstack.c for the fast-forward).
void ts_ticks(int n);

// ---- /dev/tcp streams (opened O_NONBLOCK)
int  ts_open(void);                            // fd, or -errno
// Send NET_CTL text: the result (0 or -errno) with the answer in ans
// (NUL-terminated), or TS_PENDING if it still waits (connect, accept).
int  ts_ctl(int fd, const char *text, char *ans, int max);
int  ts_ctl_bytes(int fd, const char *text, int len, char *ans, int max);
int  ts_write(int fd, int n);                  // n pattern bytes
void ts_read(int fd);                          // read whatever is there
void ts_close(int fd);
int  ts_conv_id(const char *answer);           // "N STATE ..." -> N, or -1

// ---- the wire
struct ts_flow {
  uint32 peer;                 // remote address (host order)
  uint16 pport, lport;         // remote and local port
  int    heard;                // the stack has sent on this flow
  uint32 snd_max;              // highest sequence number the stack used + 1
  uint32 snd_last;             // sequence number of its newest segment
  int    acked;                // it has sent an ACK:
  uint32 ack;                  //   what it acknowledged last
  uint32 peer_nxt;             // our next sequence number
};
int  ts_nflows(void);
struct ts_flow *ts_flow_at(int i);

// A byte reader over a fuzzer input: past the end it yields zeros.
struct ts_in {
  const uint8 *p;
  unsigned long n;
};
int    ts_byte(struct ts_in *in);
uint32 ts_u32(struct ts_in *in);

// Decode one "time passes" record and run that many ticks: one byte, its
// low `bits` bits plus one, sixteen times that if the next bit is set;
// no more than *left, which it lowers (the input's budget of ticks).
void ts_tick_record(struct ts_in *in, int bits, int *left);

// Decode one segment record (format in tcpstack.c) and inject it.
void ts_segment(struct ts_in *in);
// Decode one raw IPv4 record and inject it.
void ts_raw(struct ts_in *in);

// End of an input: kill the workers, run `linger` more ticks, close
// every stream, check and reset lwIP, check for leaks.
void ts_reset(int linger);

#endif
