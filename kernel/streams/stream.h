// stream.h: everything a STREAMS module or driver (modules/*.c) uses –
// messages (mblk/dblk), queues, the qinit/module_info/streamtab tables
// that describe a module, and the framework's utility routines. The
// vocabulary is SVR4's (illumos <sys/stream.h>), so books about STREAMS
// describe this code too. The framework itself knows no protocol.
//
// Rules for module writers (the why is in kernel/streams/README.md):
//  - put and service procedures never sleep and may run on both harts at
//    once (on different messages): protect private state yourself;
//  - a queue's service procedure never runs twice at the same time;
//  - a module with a service procedure should putq() in its put procedure
//    whenever its queue is not empty, so messages stay in order.
#ifndef STREAM_H
#define STREAM_H
#include "types.h"
#include "spinlock.h"
#include "stropts.h"

// ---------------------------------------------------------------- messages

// A data block: the buffer, shared by every mblk that points at it.
typedef struct datab {
  uchar *db_base;        // first byte of the buffer
  uchar *db_lim;         // one past its last byte
  int    db_ref;         // mblks pointing here; changed atomically
  uchar  db_type;        // message type, M_DATA ...
  uchar  db_flags;       // DBF_* (how the buffer was allocated)
} dblk_t;

#define DBF_EXTBUF 0x01  // buffer is a kmalloc of its own, not after the header

// A message block: a window [b_rptr, b_wptr) onto a data block. A message
// is a chain of blocks linked by b_cont; messages on a queue are linked by
// b_next/b_prev. The first block's type is the message's type.
typedef struct msgb {
  struct msgb *b_next;   // next message on a queue
  struct msgb *b_prev;   // previous message on a queue
  struct msgb *b_cont;   // next block of the same message
  uchar       *b_rptr;   // first unread byte
  uchar       *b_wptr;   // first unwritten byte
  struct datab *b_datap;
} mblk_t;

// Message types (illumos values). High-priority types (>= QPCTL) jump
// ahead of normal ones on a queue and ignore flow control.
#define M_DATA      0x00   // ordinary data
#define M_PROTO     0x01   // protocol control (plus data blocks)
#define M_CTL       0x0d   // between neighbouring modules only
#define M_IOCTL     0x0e   // ioctl request going down (I_STR, I_LINK ...)
#define QPCTL       0x80
#define M_IOCACK    0x81   // positive ioctl answer going up
#define M_IOCNAK    0x82   // negative ioctl answer going up
#define M_PCPROTO   0x83   // high-priority protocol control
#define M_FLUSH     0x86   // flush queues; first byte FLUSHR|FLUSHW
#define M_HANGUP    0x89   // the device went away: reads give EOF
#define M_ERROR     0x8a   // fatal error: first byte is the errno

#define DB_TYPE(mp)  ((mp)->b_datap->db_type)
#define MBLKL(mp)    ((int)((mp)->b_wptr - (mp)->b_rptr))   // bytes in one block
#define MBLKHEAD(mp) ((int)((mp)->b_rptr - (mp)->b_datap->db_base)) // room in front
#define MBLKTAIL(mp) ((int)((mp)->b_datap->db_lim - (mp)->b_wptr))  // room after
#define STRBUFMAX    4096  // largest data buffer of one block (one kmalloc)

// allocb priorities: accepted for source compatibility with the
// literature; there is one pool, so they change nothing.
#define BPRI_LO  1
#define BPRI_MED 2
#define BPRI_HI  3

// The M_IOCTL / M_IOCACK / M_IOCNAK header block; data rides in b_cont.
struct iocblk {
  int  ioc_cmd;          // command (I_STR's ic_cmd, or I_LINK ...)
  uint ioc_id;           // matches an answer with its request
  int  ioc_count;        // bytes of data in b_cont
  int  ioc_error;        // NAK: errno (positive)
  long ioc_rval;         // ACK: return value of the ioctl
};

// What the framework sends a multiplexing driver with I_LINK/I_UNLINK
// (and the P variants), in the b_cont of the M_IOCTL.
struct linkblk {
  struct queue *l_qtop;  // upper stream's write queue under the head (0 for P-links)
  struct queue *l_qbot;  // lower stream's top write queue: putnext(l_qbot, mp) sends down it
  int l_index;           // the mux id
};

// ---------------------------------------------------------------- queues

struct stdata;

// Queue statistics kept by the framework: what /dev/streams shows.
struct qstats {
  ulong  msgs;           // messages handed to the put procedure
  ulong  bytes;          // their data bytes
  ulong  drops;          // messages dropped here (qdrop)
  const char *dropwhy;   // reason of the last drop
};

typedef struct queue {
  struct qinit *q_qinfo;     // procedures and limits
  mblk_t *q_first;           // messages waiting for the service procedure
  mblk_t *q_last;
  struct queue *q_next;      // next queue in the same direction (0 at the end)
  void   *q_ptr;             // the module's private data
  ulong   q_count;           // bytes on the queue
  int     q_mcount;          // messages on the queue
  uint    q_flag;            // QREADR, QHEAD: fixed when the queue is made
  uint    q_state;           // QFULL, QWANT*, QNOENB: under q_lock
  long    q_minpsz, q_maxpsz;
  ulong   q_hiwat, q_lowat;
  struct stdata *q_stream;   // the stream this queue belongs to
  struct spinlock q_lock;    // protects the message list, counts and q_state
  // framework private:
  struct queue *q_link;      // next on the service run list
  uint    q_sflag;           // scheduler flags (QS_*), under the run-list lock
  int     q_off;             // procedures off (opening, closing): messages
                             // are held; changed only while plumbing
  mblk_t *q_held;            // the messages held, under q_lock
  mblk_t *q_heldlast;
  struct qstats q_stats;
} queue_t;

// q_flag (never changes, so RD/WR/OTHERQ need no lock)
#define QREADR     0x0001    // the read queue of its pair
#define QHEAD      0x0040    // a stream head queue
// q_state
#define QFULL      0x0002    // q_count >= q_hiwat: canput() fails
#define QWANTR     0x0004    // a getq found it empty: next putq enables
#define QWANTW     0x0008    // someone failed canput: back-enable on drain
#define QNOENB     0x0010    // noenable(): putq does not schedule

#define RD(q)      ((q)->q_flag & QREADR ? (q) : (q) - 1)
#define WR(q)      ((q)->q_flag & QREADR ? (q) + 1 : (q))
#define OTHERQ(q)  ((q)->q_flag & QREADR ? (q) + 1 : (q) - 1)

#define INFPSZ     (-1)      // mi_maxpsz: no limit

struct module_info {
  ushort mi_idnum;           // a number, for the curious
  char  *mi_idname;          // the module's name: I_PUSH uses it
  long   mi_minpsz;          // smallest message accepted (write side)
  long   mi_maxpsz;          // largest message accepted, or INFPSZ
  ulong  mi_hiwat;           // flow control: queue full at this many bytes
  ulong  mi_lowat;           // ... and back-enabled below this many
  ushort mi_headroom;        // bytes this module prepends going down: the
                             // stream head leaves that much room in front
};

// Open and close of a module or driver; rq is the read queue of the pair.
// sflag says how: MODOPEN for a push, CLONEOPEN for a driver on a fresh
// stream. Return 0 or a positive errno (SVR4 style), e.g. ENXIO.
#define MODOPEN    1
#define CLONEOPEN  2

struct qinit {
  int  (*qi_putp)(queue_t *q, mblk_t *mp);
  int  (*qi_srvp)(queue_t *q);
  int  (*qi_qopen)(queue_t *rq, int minor, int oflag, int sflag);
  int  (*qi_qclose)(queue_t *rq, int oflag);
  struct module_info *qi_minfo;
};

// A module's or driver's description: one per file in modules/.
struct streamtab {
  struct qinit *st_rdinit;       // read side
  struct qinit *st_wrinit;       // write side
  struct qinit *st_muxrinit;     // multiplexors: lower read side
  struct qinit *st_muxwinit;     // multiplexors: lower write side
  // additions of this system:
  int st_flags;                  // STR_MODULE or STR_DRIVER
  const char *const *st_devices; // drivers: device files under /dev, minor =
                                 // index (e.g. {"loop", 0}); 0-terminated
  const char *st_provides;       // what a module pushed on top of this gets
                                 // (e.g. "bytes"); 0 = what is below it
  const char *st_requires;       // modules: what must sit right below them;
                                 // multiplexors: what linked streams must
                                 // carry (checked at I_LINK); 0 = anything
  const char *(*st_canpush)(queue_t *below); // optional check at I_PUSH:
                                 // 0 if fine, else the reason it is not
  void (*st_init)(int major);    // optional boot hook; major is -1 for a module
};

#define STR_MODULE 0x1
#define STR_DRIVER 0x2

// Registration: one line at the end of a module's file, e.g.
//   STREAMS_MODULE(rot13_tab);
// puts a pointer to the streamtab in the "streamtab" linker section; the
// framework walks it from __start_streamtab to __stop_streamtab, so adding
// a module never touches the framework or any list.
#define STREAMS_MODULE(tab) \
  static const struct streamtab *const streamtab_entry_##tab \
    __attribute__((used, section("streamtab"), aligned(sizeof(void *)))) = &(tab)

// ---------------------------------------------------------------- invariants

// ASSERT(e): an invariant of the code that must hold whatever users or
// the wire send. When it does not, everything stops at once, loudly: in
// the kernel a panic naming the file, the line and the expression; in
// host tests and fuzzers (tests/host/kshim.c) the same text on standard
// error and abort(), which the sanitizers and libFuzzer report as a crash
// with a stack trace. Never use it to check input: input gets an errno.
// The expression is evaluated once, so it may not have side effects that
// matter (it is always compiled in).
void st_assertfail(const char *expr, const char *file, int line)
  __attribute__((noreturn));
#define ASSERT(e) ((e) ? (void)0 : st_assertfail(#e, __FILE__, __LINE__))

// ---------------------------------------------------------------- routines

// msg.c: messages
mblk_t *allocb(int size, uint pri);         // one block of size bytes, or 0
mblk_t *allocb_headroom(int size, int headroom); // same, with room in front
void    freeb(mblk_t *bp);                  // one block
void    freemsg(mblk_t *mp);                // a whole message
mblk_t *dupb(mblk_t *bp);                   // new block, same (shared) data
mblk_t *dupmsg(mblk_t *mp);
mblk_t *copyb(mblk_t *bp);                  // new block, private copy
mblk_t *copymsg(mblk_t *mp);
int     pullupmsg(mblk_t *mp, int len);     // make len bytes contiguous (-1: all)
int     adjmsg(mblk_t *mp, int len);        // trim len bytes from the front (< 0: back)
int     msgdsize(mblk_t *mp);               // data bytes (M_DATA blocks)
int     msgsize(mblk_t *mp);                // bytes of every block
void    linkb(mblk_t *mp, mblk_t *bp);      // append bp to message mp
mblk_t *unlinkb(mblk_t *mp);                // detach and return mp->b_cont
mblk_t *prependb(mblk_t *mp, int len);      // len writable bytes in front (see msg.c)
int     mwritable(mblk_t *bp);              // 1 if this block's data is not shared
mblk_t *mkctlmsg(int type, const void *data, int len); // small control message
void    freemsglist(mblk_t *mp);            // every message of a b_next list

// queue.c: queues, flow control, passing messages
int  putq(queue_t *q, mblk_t *mp);          // queue for the service procedure
int  putbq(queue_t *q, mblk_t *mp);         // put back at the front
mblk_t *getq(queue_t *q);                   // next message, or 0
void flushq(queue_t *q, int flag);          // FLUSHDATA or FLUSHALL
int  canput(queue_t *q);                    // room at the next service procedure?
int  canputnext(queue_t *q);
void putnext(queue_t *q, mblk_t *mp);       // hand to the next queue's put procedure
void put(queue_t *q, mblk_t *mp);           // hand to q's own put procedure
void qreply(queue_t *q, mblk_t *mp);        // send back the other way
void qenable(queue_t *q);                   // schedule q's service procedure
void noenable(queue_t *q);
void enableok(queue_t *q);
int  qsize(queue_t *q);                     // messages on q
void qdrop(queue_t *q, mblk_t *mp, const char *why); // free, counted as a drop
int  putctl(queue_t *q, int type);          // small control messages into q
int  putctl1(queue_t *q, int type, int param);
int  putnextctl(queue_t *q, int type);
int  putnextctl1(queue_t *q, int type, int param);
const char *qname(queue_t *q);              // the module's name

#define FLUSHDATA 0   // flushq: data only (keeps control messages)
#define FLUSHALL  1   // flushq: everything

// A service procedure that just passes its queue on, as far as flow
// control lets it: use it as qi_srvp where a queue has nothing else to do.
int putnext_srv(queue_t *q);
// A put procedure that just passes every message on: qi_putp of a queue
// that is there for the plumbing (a multiplexor's lower write side, a
// driver's read side whose messages are sent with putnext past it).
int putnext_put(queue_t *q, mblk_t *mp);

// What every driver does with an M_FLUSH on its write side: flush the
// queues it names, and turn the read half around, back up the stream.
void drv_flush(queue_t *wq, mblk_t *mp);

// ioctl answers (stream head matches them by ioc_id)
void miocack(queue_t *q, mblk_t *mp, int count, long rval);
void miocnak(queue_t *q, mblk_t *mp, int count, int error);
// An M_IOCTL of a module's own (to send down, e.g. to ask the driver for
// its address): len bytes of data copied from data (or left for the
// caller to fill when data is 0). Its ioc_id comes from the counter the
// stream head uses, so it never equals another request's: keep it to
// know the answer. 0 when memory is out.
mblk_t *mkiocmsg(int cmd, const void *data, int len);

// Cross-stream puts (multiplexors): a put into a queue of *another*
// stream must be bracketed by strclaim/strrelease so that stream cannot
// be re-plumbed or freed meanwhile. strclaim never sleeps: it returns 0
// when the stream is being plumbed or closed (then drop the message).
int  strclaim(queue_t *q);
void strrelease(queue_t *q);

// Every bound upper stream of a multiplexor, safely: under lk (the
// module's lock that guards its table of upper streams), slot(i, arg)
// gives the i-th entry's queue (0 for an empty one, i < nslot), and each
// is claimed before lk is let go – a stream in the table cannot have been
// freed yet, and once claimed it is not freed until fn returns. fn(q,
// arg, last) then runs with no lock held; last says no stream follows
// (so a caller may hand over its original message instead of a copy;
// when no call says last – none bound, or the one that would follow
// closed meanwhile – the original is still the caller's). Streams that
// are closing or being plumbed are skipped. Returns how many fn saw.
int mux_each_upper(struct spinlock *lk, int nslot, queue_t *(*slot)(int i, void *arg),
                   void (*fn)(queue_t *q, void *arg, int last), void *arg);

// Stop a callout that re-arms itself (SVR4 timeout/untimeout): *idp is
// its id, kept under lk, and the callout must not re-arm once the module
// has said so (a closing flag under lk). Cancels until no id is left, so
// after it returns the function neither runs nor is pending.
void untimeout_rearming(struct spinlock *lk, int *idp);

// A module tells why it refused something (open, ioctl); I_ERRSTR shows it.
void strsetreason(queue_t *q, const char *why);

#endif
