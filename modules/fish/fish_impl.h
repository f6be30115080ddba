// fish_impl.h: what the files of the FiSh driver (modules/fish/) share.
// Not for user space, which sees only include/net/fish.h.
//
// FiSh, the Xinu file-sharing protocol, is a multiplexing driver:
//
//   lower side  one link: an /dev/eth stream bound to ethertype 0x3250
//               (fishd links it with I_PLINK); frames come up as
//               ETH_UNITDATA_IND + payload and go down as REQ + payload
//               (fish_link.c).
//   upper side  /dev/fish/*: every open is a stream of its own. What it
//               does depends on the minor (fish.h): ping, school, ctl,
//               daemon, req, and the per-node files fishd makes
//               (fish_streams.c).
//
// The driver is the protocol engine: it decodes and checks every frame
// (fish_wire.c, fish_input.c), keeps the school (fish_school.c), hands
// requests from peers to the daemon and encodes its answers
// (fish_serve.c), and is the client of a stream that asks for a listing
// or a file (fish_client.c). Settings and counters: fish_ctl.c.
//
// A failed request ends the stream with an errno (M_ERROR): ENOENT no
// such file, EHOSTUNREACH unknown node, ETIMEDOUT no answer, EIO bad
// checksum, ENAMETOOLONG name too long for a classic node, ENXIO the
// node left the school, EFBIG a file or E2BIG a listing too big to take.
//
// Memory a peer can make the driver hold is bounded: text for a reader
// waits in blocks of OUTBLOCK bytes and a listing asks for its next page
// only when the reader has taken the last one (flow control of the
// stream head), answers parked for a stream are at most PARKMAX, and a
// listing or file larger than FISH_LISTMAX / FISH_SIZEMAX is refused.
//
// Locking: fish_lock guards the school, the stream list, the settings and
// the counters, and the fields of a stream that frame input and the
// ticker read (marked below). Client state machines run in the client
// stream's read service procedure (one at a time per stream); frame input
// and the ticker only record what arrived and qenable it. Nothing is
// sent while fish_lock is held.
#ifndef FISH_IMPL_H
#define FISH_IMPL_H
#include "param.h"
#include "errno.h"
#include "fcntl.h"
#include "spinlock.h"
#include "defs.h"
#include "callout.h"
#include "streams/stream.h"
#include "net/ether.h"
#include "netctl.h"
#include "fish.h"

#define FTICK_MS     10       // the ticker's period while a request is active
#define DUPTHRESH   3        // later chunks seen before a gap is re-asked at once
#define MADEWAIT_MS 1500     // how long a listing waits for fishd's device files
#define OUTBLOCK    1024     // text for a reader is gathered in blocks of this size
#define PARKMAX     32       // answers parked on a stream's queue, at most

// Drop reasons, counted; the order is the listing's. fish_decode returns
// BAD(reason) (always negative) for a frame it refuses.
enum {
  D_SHORT, D_UNKNOWN, D_CHECKSUM, D_VERSION, D_NAME, D_SOURCE, D_NODAEMON,
  D_DAEMONFULL, D_STRAY, D_NOMEM, D_NOLINK, D_BADANSWER, D_BUSY, NDROP
};
#define BAD(why)   (-1 - (why))
#define WHY(ret)   (-1 - (ret))

extern const char *fish_drop_name[NDROP];

// What a stream is, by minor number.
enum { K_PING, K_SCHOOL, K_CTL, K_DAEMON, K_REQ, K_DIR, K_FILE };
// Its request.
enum { OP_NONE, OP_PING, OP_LIST, OP_GET, OP_TEXT };
// Where the request is.
enum { S_IDLE, S_START, S_RESOLVE, S_PING, S_DIR, S_INFO, S_DATA, S_MADE, S_DONE };

// A node of the school: every field under fish_lock.
struct fish_node {
  int used;
  uint8 mac[ETH_ALEN];
  char name[FISH_MAXNAME];
  int ext;                     // showed the capability marker
  uint64 seen;                 // uptime_ms of its last ANNOUNCE
  uint32 gen;                  // the slot's generation: bumped per new node or name
  uint32 made;                 // the gen fishd made device files for
  uint32 notified;             // the gen fishd was told about (FISH_UP_NODE)
  uint32 left;                 // the last gen that left, with fishd told (GONE)
  char (*files)[FISH_NAMEMAX + 1];  // its last listing (FISH_NODEFILES), or 0
  int nfiles;
  uint32 filesgen, filesmade;
};

// A stream of /dev/fish/*. Its request runs in its own read service
// procedure (fish_client_run, one at a time), which owns every field not
// marked otherwise. Fields marked "fish_lock" are also read by frame
// input (fish_client_answer), the ticker or the school holding fish_lock;
// once the request has started (past S_START) the service procedure
// changes them holding it too.
struct fstream {
  queue_t *rq;                 // set at open, then read-only
  struct fstream *next;        // fish_lock: all streams, for matching and the ticker
  int kind, readable, writable;  // set at open, then read-only
  int op;                      // set by the request line, before the state machine runs
  int state;                   // fish_lock
  int err;                     // the errno that ends it (0: end of file)
  int hungup;                  // written without the lock; the school reads it
                               // only to skip a needless poke
  // the peer
  int slot;                    // fish_lock
  uint32 gen;                  // fish_lock: the node's generation in slot (0: no node yet)
  uint8 mac[ETH_ALEN];         // fish_lock (answers are matched on it)
  int ext;                     // fish_lock
  char node[FISH_MAXNAME];
  char file[FISH_NAMEMAX + 1]; // fish_lock (classic answers are matched on it)
  // timing
  uint32 reqid;                // fish_lock (extended answers are matched on it)
  uint64 t0;                   // when the current phase began
  uint64 wake;                 // fish_lock: run the state machine at this time (0: no)
  uint64 sent;                 // when the last request frame went out
  uint64 lastprog;             // fish_lock: last progress of a transfer
  uint64 madeuntil;            // S_MADE: give up waiting then
  uint32 madegen;              // S_MADE (listing): filesgen to wait for
  int resolved;                // S_RESOLVE: one automatic ping done
  // text answers (ping, listings): messages waiting to go up (b_next)
  mblk_t *outq, *outlast;
  // listing
  uint32 dirnext, dirtotal;
  int dirwait;                 // the next page waits for the reader to take text
  int nnames;
  // file transfer (extended); frame input fills the window under fish_lock
  uint64 size, nchunks, base, nextreq;  // fish_lock
  uint32 fcrc, rcrc;
  int window;                  // fish_lock
  mblk_t *win[FISH_XWINDOW];   // fish_lock: chunk base + i ... at (base + i) % FISH_XWINDOW
  uint64 reqat[FISH_XWINDOW];  // fish_lock: when it was last asked for (0: not yet)
  uint8 later[FISH_XWINDOW];   // fish_lock: chunks after it that arrived since
  ulong retrans;
};

// The driver's state (fish_streams.c unless said).
extern struct spinlock fish_lock;
extern struct fish_node fish_school[FISH_SCHOOL];  // fish_lock (fish_school.c)
extern struct fstream *fish_streams;    // fish_lock: every open stream
extern struct fstream *fish_daemon;     // fish_lock: fishd's stream, or 0
extern queue_t *fish_lowq;              // fish_lock: the link's lower write queue, or 0
extern int fish_linkid;                 // fish_lock: its I_PLINK id
extern uint8 fish_myaddr[ETH_ALEN];     // fish_lock: the card's address, once known
extern int fish_haveaddr;               // fish_lock
extern uint32 fish_nextreqid;           // fish_lock
extern int fish_ticking;                // fish_lock: the ticker is armed (fish_client.c)

// Settings (ctl), fish_lock (fish_ctl.c).
extern int fish_pingwait_ms;
extern int fish_giveup_ms;
extern int fish_rto_ms;                 // data chunks
extern int fish_reqrto_ms;              // listings, file information, classic requests
extern int fish_window_set;
extern int fish_classic_only;           // pretend to be an original node

// Counters, fish_lock (fish_ctl.c).
struct fish_stats {
  ulong in, out, loop, requests, answers, evictions, retransmits, transfers, failures;
  ulong drop[NDROP];
};
extern struct fish_stats fish_st;

// Milliseconds from t to now; 0 if t is later (another hart may have
// stamped it after we read the clock).
static inline uint64
fish_since(uint64 now, uint64 t)
{
  return now > t ? now - t : 0;
}

static inline int
fish_is_multicast(const uint8 *mac)
{
  return mac[0] & 1;
}

static inline int
fish_mac_eq(const uint8 *a, const uint8 *b)
{
  return memcmp(a, b, ETH_ALEN) == 0;
}

// fish_client.c
void fish_poke(struct fstream *s);
int fish_out_text(struct fstream *s, const char *text, int len);
int fish_out_flush(struct fstream *s, int all);
void fish_done_flush(struct fstream *s);
int fish_stale(struct fstream *s);
void fish_client_handle(struct fstream *s, mblk_t *mp);
void fish_client_run(struct fstream *s);

// fish_ctl.c
void fish_count_drop(int why);
int fish_ctl_text(char *buf, int n);
int fish_ctl_command(char *line);
int fish_ctl_words(int argc, char **argv);

// fish_input.c
void fish_input(mblk_t *mp, const uint8 *src);

// fish_link.c
void fish_send_classic(const uint8 *dst, int op, const char *name, const uint8 *data, int len);
void fish_send_ext(const uint8 *dst, int op, uint32 reqid, const uint8 *body, int bodylen);
int fish_lrput(queue_t *q, mblk_t *mp);
int fish_lwsrv(queue_t *q);

// fish_school.c
int fish_school_byname(const char *name);
void fish_notify_node(int slot, uint32 gen);
int fish_node_leaves(int i, struct fish_up *u);
void fish_gone_notice(struct fish_up *u);
void fish_school_update(const uint8 *mac, const char *name, int cap);
int fish_fmt_node_line(char *buf, int n, struct fish_node *nd);
void fish_school_text(struct fstream *s);

// fish_serve.c
int fish_to_daemon(struct fish_up *u, int force);
int fish_daemon_write(queue_t *q, mblk_t *mp);

// fish_wire.c
void fish_fnam_get(const uint8 *f, char *out);
int fish_xname_put(uint8 *p, const char *name);
#endif
