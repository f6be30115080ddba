// strsubr.h: the framework's private structures – the stream head's
// per-stream state (struct stdata), queue pairs, links – and the functions
// the files of kernel/streams call in each other. Modules never include
// this; they see only stream.h.
#ifndef STRSUBR_H
#define STRSUBR_H
#include "types.h"
#include "spinlock.h"
#include "streams/stream.h"

struct file;

// Stream head limits.
#define STRHIWAT     16384   // head read queue: full at this many bytes
#define STRLOWAT     4096    // ... back-enabled below this many
#define STRMAXPSZ    16384   // largest write message when no queue sets one
#define NSTRSVC      2       // service-procedure threads
#define NKEPT        16      // kept (named) streams
#define KEPT_MINOR0  0       // /dev/kept/NAME minors start here
#define STRCLOSE_MS  5000    // close: how long to wait for a mux's unlink answer

// A module or driver instance: its read and write queue, adjacent in
// memory so that RD/WR/OTHERQ are pointer arithmetic.
struct qpair {
  queue_t qp_q[2];                 // [0] read, [1] write
  const struct streamtab *qp_tab;  // what it runs (0 for the stream head)
};

// One stream: the head's state. sd_lock protects every field marked (L).
struct stdata {
  struct spinlock sd_lock;
  int   sd_id;                     // number shown in listings
  struct qpair *sd_head;           // the head's queue pair
  queue_t *sd_rq, *sd_wq;          // = &sd_head->qp_q[0], [1]
  struct qpair *sd_drv;            // the driver's queue pair (bottom)
  const struct streamtab *sd_tab;  // the driver
  int   sd_major, sd_minor;        // device opened to make this stream
  uint  sd_flag;                   // ST* (L)
  int   sd_inflight;               // threads inside the stream: claims (L)
  int   sd_refs;                   // open files, keep, link (st_list_lock)
  int   sd_nmod;                   // modules pushed (changed while plumbing)
  int   sd_rerr, sd_werr;          // sticky errors from M_ERROR (L)
  int   sd_rdopt;                  // read options (L)
  int   sd_oflag;                  // open flags of the first open
  uint  sd_iocid;                  // id of the ioctl in progress (L)
  mblk_t *sd_iocans;               // its answer once it arrived (L)
  char  sd_reason[STR_ERRLEN];     // why the last command failed (L)
  int   sd_kept;                   // slot in the kept table, or -1 (st_list_lock)
  struct stlink *sd_link;          // when linked under a mux: the link (mux lock)
  struct stdata *sd_next;          // list of all streams (st_list_lock)
};

// sd_flag
#define STPLUMB    0x0001   // queues being re-linked: no one may enter
#define STPLUMBOP  0x0002   // a push/pop/link/close is in progress (serializes them)
#define STHANGUP   0x0004   // M_HANGUP arrived
#define STLINKED   0x0008   // linked under a multiplexor: file calls fail
#define STRDBUSY   0x0010   // a read is in progress
#define STWRBUSY   0x0020   // a write is in progress
#define STIOCBUSY  0x0040   // an ioctl message is outstanding
#define STCLOSING  0x0080   // being dismantled
#define STRDHUP    0x0100   // M_HANGUP for the read side only arrived

// A multiplexor link: lower stream under a mux driver.
struct stlink {
  int   l_id;                      // the mux id I_LINK returned
  int   l_persistent;              // I_PLINK
  int   l_upmajor;                 // the mux driver's major
  struct stdata *l_ctl;            // controlling stream (I_LINK), 0 for I_PLINK
  struct stdata *l_lower;          // the linked stream
  struct stlink *l_next;
};

// scheduler flags (queue_t.q_sflag), under the run-list lock
#define QS_ENAB     0x1     // on the run list, or to be put back on it
#define QS_RUNNING  0x2     // its service procedure is running now
#define QS_DETACHED 0x4     // leaving: never schedule again
#define QS_WAITING  0x8     // someone waits for QS_RUNNING to clear

// globals.c / msg.c counters
extern volatile int st_nmblk, st_ndblk, st_nstreams, st_nlinks, st_nkept;
extern volatile ulong st_allocfail;
extern struct spinlock st_list_lock;     // all streams, refs, kept table
extern struct stdata *st_all;

// registry.c
const struct streamtab *st_findmod(const char *name);     // modules only
const struct streamtab *st_tab_bymajor(int major);        // drivers only
int  st_is_stream_major(int major);                       // driver or kept
int  st_kept_major(void);
const char *st_tabname(const struct streamtab *t);
int  st_ntabs(void);
const struct streamtab *st_tab(int i);
extern struct devsw st_devsw;                             // head.c

// sched.c
void sched_init(void);
void sched_detach(queue_t *q);         // q never runs again once this returns
ulong sched_runs(void);

// plumb.c: claims, plumbing, queue pairs, whole streams
int  strenter(struct stdata *sd, int intr);   // blocking claim; -EINTR
void strexit(struct stdata *sd);
void plumb_begin(struct stdata *sd);          // wait until no one is inside
void plumb_end(struct stdata *sd);
int  strop_begin(struct stdata *sd, int intr);// serialize push/pop/link/close
void strop_end(struct stdata *sd);
struct qpair *qpair_alloc(const struct streamtab *t, struct stdata *sd, int head);
void qpair_setinfo(queue_t *q, struct qinit *qi);
int  qpair_open(struct stdata *sd, struct qpair *qp, int minor, int oflag, int sflag);
void qpair_procs(struct stdata *sd, struct qpair *qp, int on);
void qpair_free(struct qpair *qp);
int  strpush(struct stdata *sd, const char *name);
int  strpop(struct stdata *sd);
int  stcreate(const struct streamtab *t, int major, int minor, int oflag,
              struct stdata **sdp);
void strhold(struct stdata *sd);              // one more reference
void strrele(struct stdata *sd);              // dismantle at the last one
void strreason(struct stdata *sd, const char *text); // for I_ERRSTR
const char *st_provides_below(queue_t *wq);   // what the queues from wq down offer

// head.c
void strhead_setinfo(struct qpair *qp);
int  strread(struct stdata *sd, struct file *f, uint64 dst, int n);
int  strwrite(struct stdata *sd, struct file *f, uint64 src, int n);
int  strpoll(struct stdata *sd);
void strwakeall(struct stdata *sd);
extern struct qinit strhead_rinit, strhead_winit;

// ioctl.c
int  strioctl(struct stdata *sd, struct file *f, int cmd, uint64 arg);
int  strdoioctl(struct stdata *sd, mblk_t *mp, uint64 timeout_ms, int intr, mblk_t **ansp);
int  strgstats(uint64 uarg);                  // I_GSTATS
#define IOC_INTR   1   // strdoioctl: a kill ends the wait with -EINTR
#define IOC_IGNERR 2   // strdoioctl: send even after M_ERROR/M_HANGUP

// mux.c
int  strlink(struct stdata *upper, int fd, int persistent);
int  strunlink(struct stdata *upper, int muxid, int persistent);
void strunlink_closing(struct stdata *sd);    // close: undo its I_LINKs
int  mux_has_links(int major);                  // links under that driver?
void mux_list(void (*fn)(struct stlink *l, void *arg), void *arg);

// keep.c
int  strkeep(struct stdata *sd, uint64 uarg);
int  strunkeep(struct stdata *sd);
struct stdata *strkept_open(int minor);       // with a reference, or 0
const char *strkept_name(struct stdata *sd);

// listing.c
void streams_listing_init(void);

#endif
