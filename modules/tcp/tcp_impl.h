// tcp_impl.h: what the files of the tcp driver (modules/tcp/) share, and
// nothing else includes (but the host harness tests/host/tcpstack.c).
//
// TCP is a STREAMS multiplexing driver on lwIP's TCP (RFC 793):
//
//   upper side  /dev/tcp: every open is a new conversation (a stream),
//               controlled by NET_CTL text (tcp.h lists the commands) and
//               carrying the connection's bytes as plain M_DATA.
//   lower side  one /dev/ip stream bound to protocol 6, I_PLINKed under
//               /dev/tcp at boot (netup). lwIP meets it in port/ipglue.c:
//               segments in and out, the local addresses.
//   /dev/tcpstat  a text listing of every conversation and connection.
//
// The files, one concern each:
//   tcp_conv.c     the lock, conversations, and messages up to them
//   tcp_pcb.c      a conversation's lwIP pcb: attach, detach, close, options
//   tcp_output.c   data into lwIP's send buffer, FIN, refused writes, orphans
//   tcp_lwip.c     lwIP's callbacks (data, ACKs, handshakes, errors, SYNs)
//   tcp_listen.c   listeners: readiness, accept, close
//   tcp_stat.c     the listing: /dev/tcpstat, "status" and "list"
//   tcp_ctl.c      NET_CTL text, parsed once, one function per command
//   tcp_timer.c    the 250 ms callout: lwIP's timer and our deadlines
//   tcp_streams.c  put and service procedures; the one registration line
//   port/          lwIP's port: lwipopts.h, arch/cc.h, the lock, heap,
//                  randomness (port.c) and the glue to ip (ipglue.c)
//
// Locking. lwIP is not thread-safe: one spinlock (lwip_lock, port.c) is
// held around every lwIP call, taken with tcp_lock() and dropped with
// tcp_unlock(), and lwIP's callbacks run with it held. They never call
// putnext: data and answers for a conversation are put on its own read
// queue (putq), whose service procedure passes them up; segments for ip
// wait on the glue's outbox until the lock is dropped (tcp_unlock). So no
// STREAMS put procedure ever runs under the lock, and lwIP is never
// re-entered. Everything declared here is guarded by lwip_lock unless its
// comment says otherwise.
//
// Flow control, both ways, comes from TCP itself:
//   - receiving: lwIP's window closes as data arrives; tcp_recved()
//     reopens it only when the read service procedure has handed the data
//     up to the stream head, so a slow reader slows the sender;
//   - sending: writes are copied into lwIP's send buffer while it has
//     room; the rest waits on the write queue (which, when full, stops the
//     writer at the stream head) until ACKs make room (sent callback).
//
// A conversation outlives its stream when needed: data written before
// close is still delivered ("orphan"), then FIN. Connections that arrive
// on a listener before anyone accepts them are conversations without a
// stream ("unaccepted"); "accept N" moves one onto the accepting stream.
#ifndef TCP_IMPL_H
#define TCP_IMPL_H
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"
#include "file.h"
#include "callout.h"
#include "streams/stream.h"
#include "inet.h"
#include "netctl.h"
#include "net/tcp.h"
#include "lwip/opt.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "tcp/port/glue.h"

#define NCONV       256
#define TMR_MS      250           // lwIP's TCP_TMR_INTERVAL
#define ASK_TICKS   20            // re-ask ip for its addresses every 5 s
#define ORPHAN_MS   60000         // an orphan that makes no progress is reset
#define HALFOPEN    64            // most half-open (SYN_RCVD) connections
#define HALFOPEN_STALE_MS 3000    // a half-open peer silent this long is dead
#define CONV_RESERVE 8            // conversations kept for opens of /dev/tcp
#define TEXTMAX     256

// M_CTL markers on our read queue, behind the data: when reached, tcp_rsrv
// sends up M_HANGUP (both directions are over) or M_HANGUP with FLUSHR
// (the peer's FIN: a read-side hang-up, end of file after the data while
// writes go on).
#define HUP_MARK 'H'
#define EOF_MARK 'E'

// conv.epipe_due: the write side's M_ERROR after our shutdown
#define EPIPE_DUE    1  // to be sent by whoever shut down, straight up
#define EPIPE_FLYING 2  // on its way up: the hang-up waits for it
#define EPIPE_LATE   3  // no memory when it was due: the timer sends it

enum {
  CS_IDLE,          // fresh: no connection yet
  CS_CONNECTING,    // connect sent, waiting for the handshake
  CS_OPEN,          // synchronized (or closing down) with a pcb
  CS_LISTEN,        // announced
  CS_ACCEPTING,     // waiting in "accept N"
  CS_DONE,          // the connection is over (c->err says how, if badly)
};

// One conversation. Every field is guarded by lwip_lock, except id
// (fixed at creation) and what the comments say.
struct conv {
  int id;                      // index in tcp_convs; never changes
  int state;
  queue_t *rq;                 // upper read queue; 0: no stream (yet/any more).
                               //   Set by open, cleared by close (locked)
  struct tcp_pcb *pcb;         // 0 once lwIP freed it or we let it go
  int err;                     // errno the connection ended with
  mblk_t *ioc;                 // connect/accept waiting for its answer
  uint64 deadline;             // connecting/orphan: give up at (ms)
  // listeners and what waits on them
  struct conv *lst;            // unaccepted or accepting: the listener
  struct conv *qnext;          // on the listener's embryo/waiter list
  struct conv *embryos;        // listener: connections nobody accepted yet
  struct conv *waiters;        // listener: conversations in "accept"
  int nembryo, backlog;
  int readable;                // listener: the "connection waiting" marker is up
  // data and its end
  mblk_t *held, *heldlast;     // upward messages while there is no stream
  mblk_t *orphan;              // data left to send after the stream closed
  int rx_fin;                  // the peer's FIN arrived
  int tx_fin;                  // our FIN is queued
  int shut_pending;            // shutdown asked while data still waits
  int eof_due, hup_due, err_due; // signals to send up (retried if no memory)
  int epipe_due;               // EPIPE_DUE, EPIPE_FLYING or 0
  int epipe_sent;              // the write side's M_ERROR went up
  int reap;                    // free at the end of the locked section
  int push_due;                // orphan: push at the end of the locked section
  // options, applied to the pcb when there is one
  int keepalive, nodelay;
  uint32 ka_idle, ka_intvl, ka_cnt;
  // for the listing once the pcb is gone
  uint32 laddr, raddr;         // network order
  uint16 lport, rport;
};

// tcp_conv.c
extern struct conv *tcp_convs[NCONV];  // lwip_lock; 0: a free slot
extern u8_t tcp_ext_id;                // lwIP's ext arg slot; set once at init
extern struct tcp_counters {           // lwip_lock; shown by the listing
  ulong opens, connects, established, refused, accepted, resets, timeouts, backlog_drops;
  ulong syn_refused, halfopen_resets;
} tcp_st;
void tcp_lock(void);
void tcp_unlock(void);                 // frees reaped conversations, then sends
struct conv *tcpconv_new(void);
void tcpconv_reap(struct conv *c);     // freed at tcp_unlock
void tcpconv_push_later(struct conv *c); // orphan: push at tcp_unlock
void tcpconv_unlist(struct conv **head, struct conv *c);
void tcpconv_append(struct conv **head, struct conv *c);
void tcpconv_note_addrs(struct conv *c);
void tcpconv_up(struct conv *c, mblk_t *mp);
void tcpconv_signal(struct conv *c);
void tcpconv_ioc_answer(mblk_t *mp, int err, const char *text, int len);
void tcpconv_answer(struct conv *c, int err, const char *text, int len);
ulong tcpconv_rqbytes(queue_t *rq);    // takes rq's q_lock

// tcp_pcb.c
void tcppcb_opts(struct conv *c);
void tcppcb_attach(struct conv *c, struct tcp_pcb *pcb);
struct tcp_pcb *tcppcb_detach(struct conv *c);
void tcppcb_abort(struct conv *c);
int  tcppcb_close(struct conv *c);     // 1: aborted instead
int  tcppcb_errno(err_t err);

// tcp_output.c
mblk_t *tcpout_push(struct conv *c, mblk_t *mp);   // what did not fit
int  tcpout_can_send(struct conv *c);
void tcpout_shutdown(struct conv *c);
mblk_t *tcpout_refuse(struct conv *c, mblk_t *mp); // an M_ERROR to send, or 0
mblk_t *tcpout_epipe(struct conv *c);      // a shutdown's M_ERROR to send, or 0
void tcpout_epipe_done(struct conv *c);    // it is up: let the hang-up follow
int  tcpout_orphan(struct conv *c);    // 1: aborted instead

// tcp_lwip.c
extern const struct tcp_ext_arg_callbacks tcplwip_ext;
err_t tcplwip_connected(void *arg, struct tcp_pcb *pcb, err_t err);
err_t tcplwip_accept(void *arg, struct tcp_pcb *newpcb, err_t err);
void  tcplwip_hook(struct tcp_pcb *pcb, struct conv *c);

// tcp_listen.c
void tcplisten_ready(struct conv *l);
void tcplisten_adopt(struct conv *w, struct conv *e);
void tcplisten_close(struct conv *l);

// tcp_stat.c
int  tcpstat_hostport(char *buf, int n, uint32 addr_net, int port);
int  tcpstat_line(struct conv *c, char *buf, int n);
int  tcpstat_text(char *buf, int n);
void tcpstat_init(void);               // at boot: /dev/tcpstat

// tcp_ctl.c
void tcpctl_request(queue_t *q, mblk_t *mp);   // lock not held; answers mp

// tcp_timer.c
void tcptimer_arm(void);               // start the timer if it is not running

#endif
