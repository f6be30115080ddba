// fish.c: FiSh, the Xinu file-sharing protocol, as a multiplexing driver.
//
//   lower side  one link: an /dev/eth stream bound to ethertype 0x3250
//               (fishd links it with I_PLINK); frames come up as
//               ETH_UNITDATA_IND + payload and go down as REQ + payload.
//   upper side  /dev/fish/*: every open is a stream of its own. What it
//               does depends on the minor (fish.h): ping, school, ctl,
//               daemon, req, and the per-node files fishd makes.
//
// The driver is the protocol engine: it decodes and checks every frame,
// keeps the school (bounded, least recently seen goes first), hands
// requests from peers to the daemon (/dev/fish/daemon: fishd, which owns
// the shared directory) and encodes the daemon's answers. It is also the
// client: a stream that asks for a listing or a file sends the requests,
// matches the answers, and in the extended mode runs the windowed
// transfer with retransmission, giving the reader the file in order,
// checked chunk by chunk (CRC-32) and as a whole, then end of file.
// A failed request ends the stream with an errno (M_ERROR): ENOENT no
// such file, EHOSTUNREACH unknown node, ETIMEDOUT no answer, EIO bad
// checksum, ENAMETOOLONG name too long for a classic node, ENXIO the
// node left the school, EFBIG a file or E2BIG a listing too big to take.
//
// A school slot holds one node after another (a full school evicts), so
// a stream talking to a node records the node's generation (a number
// each new node or new name in the slot gets) and checks it whenever it
// runs: once the node has left, it ends with ENXIO and never reaches the
// slot's next node. Per-node device files open only for the generation
// fishd made them for, and fishd is told (FISH_UP_GONE) to remove them.
//
// Memory a peer can make the driver hold is bounded: text for a reader
// waits in blocks of OUTBLOCK bytes and a listing asks for its next page
// only when the reader has taken the last one (flow control of the
// stream head), answers parked for a stream are at most PARKMAX, and a
// listing or file larger than FISH_LISTMAX / FISH_SIZEMAX is refused.
//
// Frames the driver sends to itself (to its own address, or broadcast)
// are also fed to its own input: a card does not hear its own frames,
// and this way a node is in its own school and can fetch its own files.
//
// Locking: fish_lock guards the school, the stream list, the settings and
// the counters. Client state machines run in the client stream's read
// service procedure (one at a time per stream); frame input and the
// ticker only record what arrived and qenable it. Nothing is sent while
// fish_lock is held.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "fcntl.h"
#include "spinlock.h"
#include "defs.h"
#include "callout.h"
#include "streams/stream.h"
#include "ether.h"
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
static const char *drop_name[NDROP] = {
  "short", "unknown-opcode", "checksum", "version", "bad-name", "bad-source",
  "no-daemon", "daemon-full", "stray-answer", "no-memory", "no-link", "bad-answer",
  "client-busy",
};

// What a stream is, by minor number.
enum { K_PING, K_SCHOOL, K_CTL, K_DAEMON, K_REQ, K_DIR, K_FILE };
// Its request.
enum { OP_NONE, OP_PING, OP_LIST, OP_GET, OP_TEXT };
// Where the request is.
enum { S_IDLE, S_START, S_RESOLVE, S_PING, S_DIR, S_INFO, S_DATA, S_MADE, S_DONE };

// A node of the school.
struct node {
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

struct fstream {
  queue_t *rq;
  struct fstream *next;        // all streams, for matching and the ticker
  int kind, readable, writable;
  int op, state;
  int err;                     // the errno that ends it (0: end of file)
  int hungup;
  // the peer
  int slot;
  uint32 gen;                  // the node's generation in slot (0: no node yet)
  uint8 mac[ETH_ALEN];
  int ext;
  char node[FISH_MAXNAME];
  char file[FISH_NAMEMAX + 1];
  // timing
  uint32 reqid;
  uint64 t0;                   // when the current phase began
  uint64 wake;                 // run the state machine at this time (0: no)
  uint64 sent;                 // when the last request frame went out
  uint64 lastprog;             // last progress of a transfer
  uint64 madeuntil;            // S_MADE: give up waiting then
  uint32 madegen;              // S_MADE (listing): filesgen to wait for
  int resolved;                // S_RESOLVE: one automatic ping done
  // text answers (ping, listings): messages waiting to go up (b_next)
  mblk_t *outq, *outlast;
  // listing
  uint32 dirnext, dirtotal;
  int dirwait;                 // the next page waits for the reader to take text
  int nnames;
  // file transfer (extended)
  uint64 size, nchunks, base, nextreq;
  uint32 fcrc, rcrc;
  int window;
  mblk_t *win[FISH_XWINDOW];   // chunk base + i ... at (base + i) % FISH_XWINDOW
  uint64 reqat[FISH_XWINDOW];  // when it was last asked for (0: not yet)
  uint8 later[FISH_XWINDOW];   // chunks after it that arrived since
  ulong retrans;
};

static struct spinlock fish_lock;
static struct node school[FISH_SCHOOL];
static struct fstream *streams;
static struct fstream *daemon;
static queue_t *lowq;          // the link's lower write queue, or 0
static int linkid;
static uint8 myaddr[ETH_ALEN];
static int haveaddr;
static uint32 nextreqid = 1;
static int ticking;

// Settings (ctl).
static int pingwait_ms = 1000;
static int giveup_ms = 4000;
static int rto_ms = 300;       // data chunks
static int reqrto_ms = 600;    // listings, file information, classic requests
static int window_set = 32;
static int classic_only;       // pretend to be an original node

static struct {
  ulong in, out, loop, requests, answers, evictions, retransmits, transfers, failures;
  ulong drop[NDROP];
} st;

static void wire_send(const uint8 *dst, mblk_t *payload);
static void fish_input(mblk_t *mp, const uint8 *src);

static void
count_drop(int why)
{
  acquire(&fish_lock);
  st.drop[why]++;
  release(&fish_lock);
}

// Does p[0..n) hold a NUL byte? (names on the wire must not)
static int
has_nul(const uint8 *p, int n)
{
  for(int i = 0; i < n; i++)
    if(p[i] == 0)
      return 1;
  return 0;
}

// Milliseconds from t to now; 0 if t is later (another hart may have
// stamped it after we read the clock).
static uint64
since(uint64 now, uint64 t)
{
  return now > t ? now - t : 0;
}

static int
is_multicast(const uint8 *mac)
{
  return mac[0] & 1;
}

static int
mac_eq(const uint8 *a, const uint8 *b)
{
  return memcmp(a, b, ETH_ALEN) == 0;
}

// ---------------------------------------------------------------- the codec
//
// fish_decode checks one received payload against its opcode's layout and
// fills a struct fish_msg; fish_enc_* build payloads. Neither touches any
// state, so the host unit tests call them directly.

// A classic 7-byte name field into a string.
static void
fnam_get(const uint8 *f, char *out)
{
  int i;
  for(i = 0; i < FISH_FNAMLEN && f[i]; i++)
    out[i] = f[i];
  out[i] = 0;
}

// namelen u8 + name at p[0..], inside n bytes. Returns bytes used or -1.
static int
xname_get(const uint8 *p, int n, struct fish_msg *m)
{
  if(n < 1 || 1 + p[0] > n)
    return -1;
  int len = p[0];
  m->name[0] = 0;
  if(len == 0 || len > FISH_NAMEMAX || has_nul(p + 1, len)){
    m->badname = 1;          // fishd answers "no such file" to these
    return 1 + len;
  }
  memmove(m->name, p + 1, len);
  m->name[len] = 0;
  return 1 + len;
}

int
fish_decode(const uint8 *p, int n, struct fish_msg *m)
{
  memset(m, 0, sizeof(*m));
  if(n < 1)
    return BAD(D_SHORT);
  m->op = p[0];
  switch(m->op){
  case FISH_PING:
  case FISH_DIRASK:
    return 0;                  // padding only, whatever it holds
  case FISH_ANNOUNCE: {
    if(n < FISH_ANNOUNCE_LEN)
      return BAD(D_SHORT);
    int i;
    for(i = 0; i < FISH_MAXNAME - 1 && p[1 + i]; i++)
      m->name[i] = p[1 + i];
    m->name[i] = 0;
    if(i == 0)
      return BAD(D_NAME);
    m->cap = n >= FISH_CAP_OFF + FISH_CAP_LEN + 1 &&
             memcmp(p + FISH_CAP_OFF, FISH_CAP, FISH_CAP_LEN) == 0 &&
             p[FISH_CAP_OFF + FISH_CAP_LEN] >= FISH_VERSION;
    return 0;
  }
  case FISH_GETFILE:
  case FISH_NOFILE:
    if(n < FISH_GETFILE_LEN)
      return BAD(D_SHORT);
    fnam_get(p + 1, m->name);
    m->badname = m->name[0] == 0;
    return 0;
  case FISH_HAVEFILE:
    if(n < FISH_HAVEFILE_LEN)
      return BAD(D_SHORT);
    fnam_get(p + 1, m->name);
    m->dataoff = 1 + FISH_FNAMLEN;
    m->datalen = FISH_BLOCK;
    return 0;
  case FISH_DIRLIST:
    if(n < FISH_DIRLIST_LEN)
      return BAD(D_SHORT);
    m->dataoff = 1;
    m->datalen = FISH_DIRENTRIES * FISH_FNAMLEN;
    return 0;
  case FISH_XDIRASK: case FISH_XDIRLIST: case FISH_XGETFILE:
  case FISH_XINFO: case FISH_XREAD: case FISH_XDATA:
    break;
  default:
    return BAD(D_UNKNOWN);
  }

  // Extended: header, length, checksum, then the body.
  m->ext = 1;
  if(n < FISH_XMIN)
    return BAD(D_SHORT);
  if(p[1] != FISH_VERSION)
    return BAD(D_VERSION);
  int len = fish_get16(p + 2);
  if(len < FISH_XMIN || len > n)
    return BAD(D_SHORT);
  if(fish_crc32(0, p, len - FISH_XCRC) != fish_get32(p + len - FISH_XCRC))
    return BAD(D_CHECKSUM);
  m->reqid = fish_get32(p + 4);
  const uint8 *b = p + FISH_XHDR;
  int bl = len - FISH_XMIN, k;
  switch(m->op){
  case FISH_XDIRASK:
    if(bl < 4)
      return BAD(D_SHORT);
    m->start = fish_get32(b);
    return 0;
  case FISH_XDIRLIST:
    if(bl < 10)
      return BAD(D_SHORT);
    m->start = fish_get32(b);
    m->total = fish_get32(b + 4);
    m->count = fish_get16(b + 8);
    m->dataoff = FISH_XHDR + 10;
    m->datalen = bl - 10;
    // every entry must be whole
    {
      int off = 0;
      char nm[FISH_NAMEMAX + 1];
      uint32 sz;
      for(uint32 i = 0; i < m->count; i++)
        if(fish_xdir_next(p + m->dataoff, m->datalen, &off, nm, &sz) < 0)
          return BAD(D_SHORT);
    }
    return 0;
  case FISH_XGETFILE:
    if(xname_get(b, bl, m) < 0)
      return BAD(D_SHORT);
    return 0;
  case FISH_XINFO:
    if(bl < 14)
      return BAD(D_SHORT);
    m->status = b[0];
    m->size = fish_get64(b + 1);
    m->crc = fish_get32(b + 9);
    if(xname_get(b + 13, bl - 13, m) < 0)
      return BAD(D_SHORT);
    return 0;
  case FISH_XREAD:
    if(bl < 19)
      return BAD(D_SHORT);
    m->first = fish_get64(b);
    m->bitmap = fish_get64(b + 8);
    m->chunk = fish_get16(b + 16);
    if((k = xname_get(b + 18, bl - 18, m)) < 0)
      return BAD(D_SHORT);
    return 0;
  case FISH_XDATA:
    if(bl < 10)
      return BAD(D_SHORT);
    m->index = fish_get64(b);
    m->datalen = fish_get16(b + 8);
    m->dataoff = FISH_XHDR + 10;
    if(m->datalen > bl - 10)
      return BAD(D_SHORT);
    return 0;
  }
  return BAD(D_UNKNOWN);
}

// One XDIRLIST entry at *off: namelen u8, name, size u32. 0 or -1.
int
fish_xdir_next(const uint8 *p, int n, int *off, char *name, uint32 *size)
{
  int o = *off;
  if(o >= n)
    return -1;
  int len = p[o];
  if(len == 0 || len > FISH_NAMEMAX || o + 1 + len + 4 > n || has_nul(p + o + 1, len))
    return -1;
  memmove(name, p + o + 1, len);
  name[len] = 0;
  *size = fish_get32(p + o + 1 + len);
  *off = o + 1 + len + 4;
  return 0;
}

// A classic payload into buf (at least FISH_HAVEFILE_LEN bytes): the
// opcode, the name field (node name for ANNOUNCE, else a 7-byte file
// name) and data (DIRLIST fields, HAVEFILE content). Short payloads are
// zero-padded to the Ethernet minimum. cap: put the marker in an
// ANNOUNCE. Returns the length.
int
fish_enc_classic(uint8 *buf, int op, const char *name, const uint8 *data, int len, int cap)
{
  memset(buf, 0, FISH_HAVEFILE_LEN);
  buf[0] = op;
  int n = FISH_MINPAYLOAD;
  switch(op){
  case FISH_ANNOUNCE:
    for(int i = 0; name && name[i] && i < FISH_NODEMAX; i++)
      buf[1 + i] = name[i];
    if(cap){
      memmove(buf + FISH_CAP_OFF, FISH_CAP, FISH_CAP_LEN);
      buf[FISH_CAP_OFF + FISH_CAP_LEN] = FISH_VERSION;
    }
    break;
  case FISH_GETFILE:
  case FISH_NOFILE:
  case FISH_HAVEFILE:
    for(int i = 0; name && name[i] && i < FISH_FNAMLEN; i++)
      buf[1 + i] = name[i];
    if(op == FISH_HAVEFILE){
      if(len > FISH_BLOCK)
        len = FISH_BLOCK;
      if(len > 0)
        memmove(buf + 1 + FISH_FNAMLEN, data, len);
      n = FISH_HAVEFILE_LEN;
    }
    break;
  case FISH_DIRLIST:
    if(len > FISH_DIRENTRIES * FISH_FNAMLEN)
      len = FISH_DIRENTRIES * FISH_FNAMLEN;
    if(len > 0)
      memmove(buf + 1, data, len);
    n = FISH_DIRLIST_LEN;
    break;
  }
  return n;
}

// An extended payload into buf (at least FISH_PAYLOADMAX bytes): header,
// body, CRC. Returns the length, or -1 if it would not fit a frame.
int
fish_enc_ext(uint8 *buf, int op, uint32 reqid, const uint8 *body, int bodylen)
{
  int len = FISH_XMIN + bodylen;
  if(bodylen < 0 || len > FISH_PAYLOADMAX)
    return -1;
  buf[0] = op;
  buf[1] = FISH_VERSION;
  fish_put16(buf + 2, len);
  fish_put32(buf + 4, reqid);
  if(bodylen > 0)
    memmove(buf + FISH_XHDR, body, bodylen);
  fish_put32(buf + len - FISH_XCRC, fish_crc32(0, buf, len - FISH_XCRC));
  return len;
}

// namelen + name into p; returns bytes written.
static int
xname_put(uint8 *p, const char *name)
{
  int len = strlen(name);
  if(len > FISH_NAMEMAX)
    len = FISH_NAMEMAX;
  p[0] = len;
  memmove(p + 1, name, len);
  return 1 + len;
}

// ---------------------------------------------------------------- sending

// A payload of len bytes from buf as a message with room for eth's header.
static mblk_t *
payload_msg(const uint8 *buf, int len)
{
  mblk_t *mp = allocb_headroom(len, ETH_HLEN);
  if(mp == 0){
    count_drop(D_NOMEM);
    return 0;
  }
  memmove(mp->b_wptr, buf, len);
  mp->b_wptr += len;
  return mp;
}

// Send a payload to dst; frames to ourselves (or broadcast) also go to
// our own input. Never called with fish_lock held.
static void
wire_send(const uint8 *dst, mblk_t *payload)
{
  if(payload == 0)
    return;
  acquire(&fish_lock);
  queue_t *q = lowq;
  int self = haveaddr && mac_eq(dst, myaddr);
  uint8 me[ETH_ALEN];
  memmove(me, myaddr, ETH_ALEN);
  int loop = haveaddr && (self || mac_eq(dst, eth_broadcast));
  if(q && !self)
    st.out++;
  if(loop)
    st.loop++;
  release(&fish_lock);

  if(loop){
    mblk_t *copy = self ? payload : copymsg(payload);
    if(self)
      payload = 0;
    if(copy)
      fish_input(copy, me);
  }
  if(payload == 0)
    return;
  if(q == 0){
    count_drop(D_NOLINK);
    freemsg(payload);
    return;
  }
  mblk_t *req = allocb(sizeof(struct eth_unitdata), BPRI_MED);
  if(req == 0){
    count_drop(D_NOMEM);
    freemsg(payload);
    return;
  }
  req->b_datap->db_type = M_PROTO;
  struct eth_unitdata *ud = (struct eth_unitdata *)req->b_wptr;
  memset(ud, 0, sizeof(*ud));
  ud->prim = ETH_UNITDATA_REQ;
  ud->type = FISH_ETHERTYPE;
  memmove(ud->dst, dst, ETH_ALEN);
  req->b_wptr += sizeof(*ud);
  linkb(req, payload);
  putnext(q, req);
}

static void
send_classic(const uint8 *dst, int op, const char *name, const uint8 *data, int len)
{
  uint8 buf[FISH_HAVEFILE_LEN];
  acquire(&fish_lock);
  int cap = !classic_only;
  release(&fish_lock);
  int n = fish_enc_classic(buf, op, name, data, len, cap);
  wire_send(dst, payload_msg(buf, n));
}

static void
send_ext(const uint8 *dst, int op, uint32 reqid, const uint8 *body, int bodylen)
{
  uint8 buf[FISH_PAYLOADMAX];
  int n = fish_enc_ext(buf, op, reqid, body, bodylen);
  if(n < 0){
    count_drop(D_BADANSWER);
    return;
  }
  wire_send(dst, payload_msg(buf, n));
}

// ---------------------------------------------------------------- the school

// Slot of mac, or -1. fish_lock held.
static int
school_find(const uint8 *mac)
{
  for(int i = 0; i < FISH_SCHOOL; i++)
    if(school[i].used && mac_eq(school[i].mac, mac))
      return i;
  return -1;
}

// The most recently seen node called name (or with that address in
// aa:bb:.. form), or -1. fish_lock held.
static int
school_byname(const char *name)
{
  uint8 mac[ETH_ALEN];
  if(parse_mac(name, mac) == 0)
    return school_find(mac);
  int best = -1;
  for(int i = 0; i < FISH_SCHOOL; i++)
    if(school[i].used && strcmp(school[i].name, name) == 0 &&
       (best < 0 || school[i].seen > school[best].seen))
      best = i;
  return best;
}

// Send a record up to fishd. Returns -1 when sent, or a drop reason.
// force: past flow control, for notices that must not be lost (GONE:
// at most one per node fishd was told of, so they are bounded).
static int
to_daemon(struct fish_up *u, int force)
{
  mblk_t *mp = allocb(sizeof(*u), BPRI_MED);
  if(mp == 0)
    return D_NOMEM;
  memmove(mp->b_wptr, u, sizeof(*u));
  mp->b_wptr += sizeof(*u);
  acquire(&fish_lock);
  queue_t *q = daemon ? daemon->rq : 0;
  int claimed = q && strclaim(q);
  release(&fish_lock);
  if(!claimed){
    freemsg(mp);
    return D_NODAEMON;
  }
  int why = -1;
  if(force || canputnext(q))
    putnext(q, mp);
  else {
    freemsg(mp);
    why = D_DAEMONFULL;
  }
  strrelease(q);
  return why;
}

// Tell fishd that slot holds node gen (it makes the node's device files).
static void
notify_node(int slot, uint32 gen)
{
  struct fish_up u;
  memset(&u, 0, sizeof(u));
  u.kind = FISH_UP_NODE;
  acquire(&fish_lock);
  struct node *nd = &school[slot];
  if(!nd->used || nd->gen != gen){
    release(&fish_lock);
    return;                  // it left meanwhile (and fishd heard of it)
  }
  u.ext = nd->ext;
  memmove(u.mac, nd->mac, ETH_ALEN);
  u.index = slot;
  u.gen = nd->gen;
  safestrcpy(u.name, nd->name, sizeof(u.name));
  release(&fish_lock);
  int why = to_daemon(&u, 0);
  if(why >= 0 && why != D_NODAEMON)
    count_drop(why);
}

static void poke(struct fstream *s);

// The node in slot i is leaving it (evicted, renamed or forgotten): wake
// every stream still talking to it, so that it ends with ENXIO, and, if
// fishd made device files for it, fill in *u: the notice that they must
// go. 1 if there is a notice to send (gone_notice, without the lock).
// fish_lock held.
static int
node_leaves(int i, struct fish_up *u)
{
  struct node *nd = &school[i];
  for(struct fstream *s = streams; s; s = s->next)
    if(s->slot == i && s->gen == nd->gen && !s->hungup)
      poke(s);
  if(!nd->used || nd->notified != nd->gen)
    return 0;
  nd->left = nd->gen;
  memset(u, 0, sizeof(*u));
  u->kind = FISH_UP_GONE;
  u->index = i;
  u->gen = nd->gen;
  memmove(u->mac, nd->mac, ETH_ALEN);
  safestrcpy(u->name, nd->name, sizeof(u->name));
  return 1;
}

static void
gone_notice(struct fish_up *u)
{
  int why = to_daemon(u, 1);
  if(why >= 0 && why != D_NODAEMON)
    count_drop(why);
}

// An ANNOUNCE arrived: add or refresh the node. A full school forgets the
// node seen longest ago, so a flood of forged announcements can never
// grow it, and real nodes come back as soon as they answer a ping.
// fishd hears of a node (to make its device files) only when a ping
// lists it, so announcements nobody asked for cost it nothing.
static void
school_update(const uint8 *mac, const char *name, int cap)
{
  struct fish_up gone;
  int tell = 0;
  acquire(&fish_lock);
  int i = school_find(mac), fresh = 0;
  if(i < 0){
    for(i = 0; i < FISH_SCHOOL && school[i].used; i++)
      ;
    if(i == FISH_SCHOOL){
      i = 0;
      for(int k = 1; k < FISH_SCHOOL; k++)
        if(school[k].seen < school[i].seen)
          i = k;
      st.evictions++;
      tell = node_leaves(i, &gone);
    }
    struct node *nd = &school[i];
    uint32 gen = nd->gen + 1, left = nd->left;
    char (*files)[FISH_NAMEMAX + 1] = nd->files;
    memset(nd, 0, sizeof(*nd));
    nd->files = files;          // the buffer is kept for the next listing
    nd->used = 1;
    nd->gen = gen;
    nd->left = left;
    memmove(nd->mac, mac, ETH_ALEN);
    fresh = 1;
  }
  struct node *nd = &school[i];
  if(strcmp(nd->name, name) != 0){
    if(!fresh){
      tell = node_leaves(i, &gone);   // a new name is a new node
      nd->gen++;
    }
    safestrcpy(nd->name, name, sizeof(nd->name));
    nd->nfiles = 0;
  }
  nd->ext = cap && !classic_only;
  nd->seen = uptime_ms();
  if(nd->seen == 0)
    nd->seen = 1;
  release(&fish_lock);
  if(tell)
    gone_notice(&gone);
}

// ---------------------------------------------------------------- the ticker

static void fish_tick(void *unused);

// Make sure the ticker runs. fish_lock not held.
static void
tick_start(void)
{
  acquire(&fish_lock);
  int start = !ticking;
  ticking = 1;
  release(&fish_lock);
  if(start && timeout(fish_tick, 0, FTICK_MS) == 0){
    acquire(&fish_lock);
    ticking = 0;
    release(&fish_lock);
  }
}

// Every FTICK_MS while some request is active: run the state machines
// whose time has come.
static void
fish_tick(void *unused)
{
  queue_t *due[64];
  int n = 0, active = 0;
  acquire(&fish_lock);
  uint64 now = uptime_ms();
  for(struct fstream *s = streams; s; s = s->next){
    if(s->wake == 0)
      continue;
    active = 1;
    if(now >= s->wake && n < (int)NELEM(due) && strclaim(s->rq))
      due[n++] = s->rq;
  }
  if(!active)
    ticking = 0;
  release(&fish_lock);
  for(int i = 0; i < n; i++){
    qenable(due[i]);
    strrelease(due[i]);
  }
  if(active && timeout(fish_tick, 0, FTICK_MS) == 0){
    acquire(&fish_lock);
    ticking = 0;
    release(&fish_lock);
  }
}

// Run s's state machine soon (from frame input: another stream's
// context). fish_lock held.
static void
poke(struct fstream *s)
{
  if(strclaim(s->rq)){
    qenable(s->rq);
    strrelease(s->rq);
  }
}

// ---------------------------------------------------------------- frame input

// A classic or extended answer for one of our streams. fish_lock held.
static void
client_answer(struct fish_msg *m, mblk_t *mp, const uint8 *src)
{
  for(struct fstream *s = streams; s; s = s->next){
    if(s->state < S_DIR || s->state > S_DATA || !mac_eq(s->mac, src))
      continue;
    if(m->ext && m->reqid != s->reqid)
      continue;
    switch(m->op){
    case FISH_DIRLIST:
      if(s->state != S_DIR || s->ext)
        continue;
      break;
    case FISH_HAVEFILE:
    case FISH_NOFILE:
      if(s->state != S_INFO || s->ext || strncmp(s->file, m->name, FISH_FNAMLEN) != 0)
        continue;
      break;
    case FISH_XDIRLIST:
      if(s->state != S_DIR)
        continue;
      break;
    case FISH_XINFO:
      if(s->state != S_INFO)
        continue;
      break;
    case FISH_XDATA: {
      if(s->state != S_DATA)
        return;
      uint64 i = m->index;
      if(i < s->base || i >= s->base + s->window || i >= s->nchunks)
        return;              // a duplicate, or stale
      uint64 want = (i == s->nchunks - 1) ? s->size - i * FISH_XCHUNK : FISH_XCHUNK;
      if((uint64)m->datalen != want){
        st.drop[D_BADANSWER]++;
        return;
      }
      int k = i % FISH_XWINDOW;
      if(s->win[k])
        return;              // duplicate
      mblk_t *d = dupmsg(mp);
      if(d == 0){
        st.drop[D_NOMEM]++;
        return;
      }
      d->b_rptr += m->dataoff;
      d->b_wptr = d->b_rptr + m->datalen;
      s->win[k] = d;
      uint64 at = s->reqat[k];
      // Gaps asked for no later than this chunk have probably been lost.
      for(uint64 j = s->base; j < i; j++){
        int g = j % FISH_XWINDOW;
        if(s->win[g] == 0 && s->reqat[g] && s->reqat[g] <= at && s->later[g] < 255)
          s->later[g]++;
      }
      s->lastprog = uptime_ms();
      poke(s);
      return;
    }
    default:
      continue;
    }
    // A copy waits on the stream's read queue, as M_CTL, for its state
    // machine (the data block is shared, so the copy needs a block of
    // its own to carry another type).
    mblk_t *d = copymsg(mp);
    if(d == 0){
      st.drop[D_NOMEM]++;
      return;
    }
    DB_TYPE(d) = M_CTL;
    if(strclaim(s->rq)){
      if(qsize(s->rq) >= PARKMAX){
        // a peer answering faster than the stream can look: its
        // answers are not worth memory without limit
        strrelease(s->rq);
        freemsg(d);
        st.drop[D_BUSY]++;
        return;
      }
      putq(s->rq, d);
      qenable(s->rq);
      strrelease(s->rq);
    } else {
      freemsg(d);
    }
    return;
  }
  st.drop[D_STRAY]++;
}

// A frame's payload from src (the wire, or ourselves). Consumes mp.
static void
fish_input(mblk_t *mp, const uint8 *src)
{
  int n = msgdsize(mp);
  if(n <= 0 || !pullupmsg(mp, -1)){
    count_drop(D_SHORT);
    freemsg(mp);
    return;
  }
  acquire(&fish_lock);
  st.in++;
  release(&fish_lock);
  if(is_multicast(src)){
    count_drop(D_SOURCE);
    freemsg(mp);
    return;
  }
  struct fish_msg m;
  int r = fish_decode(mp->b_rptr, n, &m);
  if(r < 0){
    count_drop(WHY(r));
    freemsg(mp);
    return;
  }

  struct fish_up u;
  memset(&u, 0, sizeof(u));
  switch(m.op){
  case FISH_ANNOUNCE:
    school_update(src, m.name, m.cap);
    freemsg(mp);
    return;
  case FISH_PING:      u.kind = FISH_UP_PING; break;
  case FISH_DIRASK:    u.kind = FISH_UP_DIRASK; break;
  case FISH_GETFILE:   u.kind = FISH_UP_GETFILE; break;
  case FISH_XDIRASK:   u.kind = FISH_UP_XDIRASK; u.index = m.start; break;
  case FISH_XGETFILE:  u.kind = FISH_UP_XGETFILE; break;
  case FISH_XREAD:
    u.kind = FISH_UP_XREAD;
    u.offset = m.first;
    u.bitmap = m.bitmap;
    u.chunk = m.chunk;
    break;
  default:
    // an answer: for whoever waits for it
    acquire(&fish_lock);
    st.answers++;
    client_answer(&m, mp, src);
    release(&fish_lock);
    freemsg(mp);
    return;
  }
  freemsg(mp);
  acquire(&fish_lock);
  st.requests++;
  int classic = classic_only;
  release(&fish_lock);
  if(classic && m.ext){
    count_drop(D_UNKNOWN);   // an original node knows no such opcode
    return;
  }
  u.ext = m.ext;
  u.reqid = m.reqid;
  memmove(u.mac, src, ETH_ALEN);
  if(!m.badname)
    safestrcpy(u.name, m.name, sizeof(u.name));
  int why = to_daemon(&u, 0);
  if(why >= 0)
    count_drop(why);
}

// ---------------------------------------------------------------- client side

// Queue text for the reader, gathered into blocks of OUTBLOCK bytes (a
// listing is a line per name: a block per line would cost a message per
// name while the reader is slow). Called from the stream's own service
// procedure, fish_lock not held. 0, or -1 if memory ran out.
static int
out_text(struct fstream *s, const char *text, int len)
{
  while(len > 0){
    mblk_t *mp = s->outlast;
    if(mp == 0 || MBLKTAIL(mp) == 0){
      mp = allocb(OUTBLOCK, BPRI_MED);
      if(mp == 0){
        count_drop(D_NOMEM);
        return -1;
      }
      mp->b_next = 0;
      if(s->outlast)
        s->outlast->b_next = mp;
      else
        s->outq = mp;
      s->outlast = mp;
    }
    int n = len < MBLKTAIL(mp) ? len : MBLKTAIL(mp);
    memmove(mp->b_wptr, text, n);
    mp->b_wptr += n;
    text += n;
    len -= n;
  }
  return 0;
}

// Hand queued text up while the reader has room. all: the last block too,
// even if it could take more text (a listing under way keeps it to fill).
// 1 when nothing that should go is left; 0 when the reader is behind.
static int
out_flush(struct fstream *s, int all)
{
  while(s->outq){
    if(!all && s->outq == s->outlast && MBLKTAIL(s->outq) > 0)
      return 1;
    if(!canputnext(s->rq))
      return 0;
    mblk_t *mp = s->outq;
    s->outq = mp->b_next;
    if(s->outq == 0)
      s->outlast = 0;
    mp->b_next = 0;
    putnext(s->rq, mp);
  }
  return 1;
}

// The request is over: end of file (err 0) or an error for the reader.
static void
finish(struct fstream *s, int err)
{
  acquire(&fish_lock);
  s->state = S_DONE;
  s->wake = 0;
  s->err = err;
  if(s->op == OP_GET || s->op == OP_LIST){
    if(err)
      st.failures++;
    else
      st.transfers++;
  }
  release(&fish_lock);
  for(int i = 0; i < FISH_XWINDOW; i++)
    if(s->win[i]){
      freemsg(s->win[i]);
      s->win[i] = 0;
    }
}

// After S_DONE: deliver what is left, then hang up (or the error).
static void
done_flush(struct fstream *s)
{
  if(s->hungup)
    return;
  if(s->err){
    mblk_t *mp;
    while((mp = s->outq) != 0){
      s->outq = mp->b_next;
      freemsg(mp);
    }
    s->outlast = 0;
    uint8 e[2] = { s->err, s->err };
    mblk_t *em = mkctlmsg(M_ERROR, e, 2);
    if(em == 0)
      return;
    s->hungup = 1;
    putnext(s->rq, em);
    return;
  }
  if(!out_flush(s, 1))
    return;
  if(s->writable && s->kind == K_CTL)
    return;                  // a read-write ctl stays open for commands
  mblk_t *hp = mkctlmsg(M_HANGUP, 0, 0);
  if(hp == 0)
    return;
  s->hungup = 1;
  putnext(s->rq, hp);
}

static int
fmt_node_line(char *buf, int n, struct node *nd)
{
  char mac[18];
  return snprintf(buf, n, "%s %s\n", nd->name, fmt_mac(mac, nd->mac));
}

// Text of the whole school (the school file): name, address, mode, age.
static void
school_text(struct fstream *s)
{
  char line[96], mac[18];
  acquire(&fish_lock);
  uint64 now = uptime_ms();
  for(int i = 0; i < FISH_SCHOOL; i++){
    struct node *nd = &school[i];
    if(!nd->used)
      continue;
    int n = snprintf(line, sizeof(line), "%s %s %s %lu\n", nd->name, fmt_mac(mac, nd->mac),
                     nd->ext ? "ext" : "classic", (ulong)since(now, nd->seen));
    release(&fish_lock);
    out_text(s, line, n);
    acquire(&fish_lock);
  }
  release(&fish_lock);
}

static int
ctl_text(char *buf, int n)
{
  char mac[18];
  int off = 0;
  acquire(&fish_lock);
  int nodes = 0;
  for(int i = 0; i < FISH_SCHOOL; i++)
    nodes += school[i].used;
  off += snprintf(buf + off, n - off, "link %s\naddr %s\ndaemon %s\nschool %d/%d\n",
                  lowq ? "up" : "down", haveaddr ? fmt_mac(mac, myaddr) : "none",
                  daemon ? "yes" : "no", nodes, FISH_SCHOOL);
  off += snprintf(buf + off, n - off,
                  "wait %d\ntimeout %d\nrto %d\nreqrto %d\nwindow %d\nclassic %s\n",
                  pingwait_ms, giveup_ms, rto_ms, reqrto_ms, window_set,
                  classic_only ? "on" : "off");
  off += snprintf(buf + off, n - off,
                  "in %lu\nout %lu\nloop %lu\nrequests %lu\nanswers %lu\nevictions %lu\n"
                  "retransmits %lu\ntransfers %lu\nfailures %lu\n",
                  st.in, st.out, st.loop, st.requests, st.answers, st.evictions,
                  st.retransmits, st.transfers, st.failures);
  for(int i = 0; i < NDROP && off < n; i++)
    off += snprintf(buf + off, n - off, "drop %s %lu\n", drop_name[i], st.drop[i]);
  release(&fish_lock);
  return off < n ? off : n - 1;
}

// A settings command ("wait 2000", "classic on" ...). 0 or an errno.
static int
ctl_command(char *line)
{
  char *argv[NETCTL_ARGS];
  int argc = netctl_split(line, argv, NETCTL_ARGS);
  uint32 v;
  if(argc == 1 && strcmp(argv[0], "forget") == 0){
    struct fish_up *gone = kmalloc(FISH_SCHOOL * sizeof(*gone));
    if(gone == 0)
      return ENOMEM;
    int n = 0;
    acquire(&fish_lock);
    for(int i = 0; i < FISH_SCHOOL; i++){
      if(school[i].used && node_leaves(i, &gone[n]))
        n++;
      school[i].used = 0;
      school[i].nfiles = 0;
      school[i].gen++;
    }
    release(&fish_lock);
    for(int i = 0; i < n; i++)
      gone_notice(&gone[i]);
    kmfree(gone);
    return 0;
  }
  if(argc != 2)
    return EINVAL;
  if(strcmp(argv[0], "classic") == 0){
    int on = strcmp(argv[1], "on") == 0;
    if(!on && strcmp(argv[1], "off") != 0)
      return EINVAL;
    acquire(&fish_lock);
    classic_only = on;
    release(&fish_lock);
    return 0;
  }
  if(parse_uint(argv[1], &v) < 0)
    return EINVAL;
  int *p = 0, lo = 1, hi = 600000;
  if(strcmp(argv[0], "wait") == 0)
    p = &pingwait_ms, lo = 10;
  else if(strcmp(argv[0], "timeout") == 0)
    p = &giveup_ms, lo = 100;
  else if(strcmp(argv[0], "rto") == 0)
    p = &rto_ms, lo = 10;
  else if(strcmp(argv[0], "reqrto") == 0)
    p = &reqrto_ms, lo = 10;
  else if(strcmp(argv[0], "window") == 0)
    p = &window_set, hi = FISH_XWINDOW;
  if(p == 0 || (int)v < lo || (int)v > hi || v > 600000)
    return EINVAL;
  acquire(&fish_lock);
  *p = v;
  release(&fish_lock);
  return 0;
}

// Has the node this stream talks to left its slot? fish_lock held.
static int
stale(struct fstream *s)
{
  return s->gen != 0 && (!school[s->slot].used || school[s->slot].gen != s->gen);
}

// Find the target of a list/get request. 0 found; 1 wait for a ping; or
// an errno. A per-node file names its node from the open on (s->gen);
// /dev/fish/req looks it up by name (or address). fish_lock held.
static int
resolve(struct fstream *s)
{
  int i = s->gen ? s->slot : school_byname(s->node);
  if(s->gen && stale(s))
    return ENXIO;
  if(i >= 0){
    s->slot = i;
    s->gen = school[i].gen;
    memmove(s->mac, school[i].mac, ETH_ALEN);
    s->ext = school[i].ext && !classic_only;
    return 0;
  }
  return s->resolved ? EHOSTUNREACH : 1;
}

static void
send_request(struct fstream *s)
{
  uint8 body[64];
  int n = 0;
  s->sent = uptime_ms();
  if(s->op == OP_LIST){
    if(!s->ext){
      send_classic(s->mac, FISH_DIRASK, 0, 0, 0);
      return;
    }
    fish_put32(body, s->dirnext);
    send_ext(s->mac, FISH_XDIRASK, s->reqid, body, 4);
    return;
  }
  // OP_GET, the file's information
  if(!s->ext){
    send_classic(s->mac, FISH_GETFILE, s->file, 0, 0);
    return;
  }
  n = xname_put(body, s->file);
  send_ext(s->mac, FISH_XGETFILE, s->reqid, body, n);
}

// Ask for the chunks of the window that are due: never asked, asked too
// long ago, or overtaken by DUPTHRESH later ones.
static void
ask_chunks(struct fstream *s, uint64 now)
{
  uint64 bitmap = 0;
  int fresh = 0, again = 0;
  acquire(&fish_lock);
  int rto = rto_ms;
  uint64 end = s->base + s->window;
  if(end > s->nchunks)
    end = s->nchunks;
  for(uint64 i = s->base; i < s->nextreq && i < end; i++){
    int k = i % FISH_XWINDOW;
    if(s->win[k] == 0 && (since(now, s->reqat[k]) >= (uint64)rto || s->later[k] >= DUPTHRESH)){
      bitmap |= 1ull << (i - s->base);
      s->reqat[k] = now;
      s->later[k] = 0;
      again++;
    }
  }
  // New chunks go out in batches, not one per chunk delivered.
  uint64 room = end > s->nextreq ? end - s->nextreq : 0;
  if(room > 0 && (room >= (uint64)(s->window + 3) / 4 || end == s->nchunks || again)){
    for(; s->nextreq < end; s->nextreq++){
      int k = s->nextreq % FISH_XWINDOW;
      bitmap |= 1ull << (s->nextreq - s->base);
      s->reqat[k] = now;
      s->later[k] = 0;
      fresh++;
    }
  }
  st.retransmits += again;
  s->retrans += again;
  release(&fish_lock);
  if(bitmap == 0)
    return;
  uint8 body[64];
  fish_put64(body, s->base);
  fish_put64(body + 8, bitmap);
  fish_put16(body + 16, FISH_XCHUNK);
  int n = 18 + xname_put(body + 18, s->file);
  send_ext(s->mac, FISH_XREAD, s->reqid, body, n);
}

// The names of a listing: lines for the reader, and the first
// FISH_NODEFILES remembered for the node's device files.
// 0, or -1 if memory ran out.
static int
list_name(struct fstream *s, const char *name, long size)
{
  char line[FISH_NAMEMAX + 24];
  int n = size >= 0 ? snprintf(line, sizeof(line), "%s %ld\n", name, size)
                    : snprintf(line, sizeof(line), "%s\n", name);
  if(out_text(s, line, n) < 0)
    return -1;
  acquire(&fish_lock);
  struct node *nd = &school[s->slot];
  if(!stale(s) && s->nnames < FISH_NODEFILES){
    if(nd->files == 0)
      nd->files = kmalloc(FISH_NODEFILES * (FISH_NAMEMAX + 1));
    if(nd->files){
      safestrcpy(nd->files[s->nnames], name, FISH_NAMEMAX + 1);
      nd->nfiles = s->nnames + 1;
    }
  }
  s->nnames++;
  release(&fish_lock);
  return 0;
}

// A listing is complete: tell fishd the names so it makes their device
// files, and wait (a little) for it to say it has.
static void
list_done(struct fstream *s)
{
  struct fish_up u;
  acquire(&fish_lock);
  struct node *nd = &school[s->slot];
  if(stale(s)){
    release(&fish_lock);
    finish(s, ENXIO);
    return;
  }
  if(daemon == 0 || nd->made != s->gen){
    // fishd has no directory for this node (a ping never listed it):
    // no files of its listing either
    release(&fish_lock);
    finish(s, 0);
    return;
  }
  if(s->nnames == 0)
    nd->nfiles = 0;
  nd->filesgen++;
  s->madegen = nd->filesgen;
  int count = nd->nfiles;
  release(&fish_lock);
  for(int i = 0; i < count; i++){
    memset(&u, 0, sizeof(u));
    u.kind = FISH_UP_FILE;
    u.index = s->slot;
    u.nodegen = s->gen;
    u.count = i;
    memmove(u.mac, s->mac, ETH_ALEN);
    acquire(&fish_lock);
    int gone = stale(s);
    if(!gone)
      safestrcpy(u.name, nd->files ? nd->files[i] : "", sizeof(u.name));
    release(&fish_lock);
    if(gone){
      finish(s, ENXIO);      // the names are another node's now
      return;
    }
    to_daemon(&u, 0);
  }
  memset(&u, 0, sizeof(u));
  u.kind = FISH_UP_FILESDONE;
  u.index = s->slot;
  u.count = count;
  u.gen = s->madegen;
  u.nodegen = s->gen;
  memmove(u.mac, s->mac, ETH_ALEN);
  safestrcpy(u.name, s->node, sizeof(u.name));
  if(to_daemon(&u, 0) >= 0){
    finish(s, 0);
    return;
  }
  acquire(&fish_lock);
  s->state = S_MADE;
  s->madeuntil = uptime_ms() + MADEWAIT_MS;
  s->wake = uptime_ms() + FTICK_MS;
  release(&fish_lock);
}

// An answer parked for the state machine (M_CTL copy of the payload).
static void
client_handle(struct fstream *s, mblk_t *mp)
{
  struct fish_msg m;
  // A parked answer is for the phase it arrived in: a late duplicate (the
  // second XINFO of a repeated XGETFILE) must not restart a transfer.
  if(fish_decode(mp->b_rptr, MBLKL(mp), &m) < 0 ||
     s->state != (m.op == FISH_DIRLIST || m.op == FISH_XDIRLIST ? S_DIR : S_INFO)){
    freemsg(mp);
    return;
  }
  acquire(&fish_lock);
  int gone = stale(s);
  release(&fish_lock);
  if(gone){
    freemsg(mp);
    finish(s, ENXIO);
    return;
  }
  uint64 now = uptime_ms();
  const uint8 *p = mp->b_rptr;
  switch(m.op){
  case FISH_DIRLIST:
    for(int i = 0; i < FISH_DIRENTRIES; i++){
      char name[FISH_FNAMLEN + 1];
      fnam_get(p + m.dataoff + i * FISH_FNAMLEN, name);
      if(name[0] && list_name(s, name, -1) < 0){
        finish(s, ENOMEM);
        break;
      }
    }
    if(s->state != S_DONE)
      list_done(s);
    break;
  case FISH_XDIRLIST: {
    if(m.start != s->dirnext || s->dirwait)
      break;                 // a page we have, or one we did not ask for yet
    if(m.total > FISH_LISTMAX){
      finish(s, E2BIG);      // no end a reader could wait for
      break;
    }
    int off = 0;
    char name[FISH_NAMEMAX + 1];
    uint32 size;
    for(uint32 i = 0; i < m.count; i++)
      if(fish_xdir_next(p + m.dataoff, m.datalen, &off, name, &size) == 0 &&
         list_name(s, name, size) < 0){
        finish(s, ENOMEM);
        break;
      }
    if(s->state == S_DONE)
      break;
    s->dirnext += m.count;
    s->dirtotal = m.total;
    s->lastprog = now;
    if(s->dirnext >= s->dirtotal)
      list_done(s);
    else if(m.count == 0)
      finish(s, EPROTO);     // a server that makes no progress
    else if(out_flush(s, 0))
      send_request(s);
    else
      s->dirwait = 1;        // the next page when the reader has taken this one
    break;
  }
  case FISH_HAVEFILE: {
    // One block; the classic protocol has no length: what the block holds
    // up to its trailing NUL bytes is the file.
    int len = FISH_BLOCK;
    while(len > 0 && p[m.dataoff + len - 1] == 0)
      len--;
    finish(s, out_text(s, (const char *)p + m.dataoff, len) < 0 ? ENOMEM : 0);
    break;
  }
  case FISH_NOFILE:
    finish(s, ENOENT);
    break;
  case FISH_XINFO:
    if(m.status != FISH_XOK){
      finish(s, ENOENT);
      break;
    }
    if(m.size > FISH_SIZEMAX){
      finish(s, EFBIG);      // and its chunk count cannot wrap
      break;
    }
    acquire(&fish_lock);
    s->size = m.size;
    s->fcrc = m.crc;
    s->rcrc = 0;
    s->nchunks = (m.size + FISH_XCHUNK - 1) / FISH_XCHUNK;
    s->base = s->nextreq = 0;
    s->window = window_set;
    s->state = S_DATA;
    s->lastprog = now;
    s->wake = now + FTICK_MS;
    release(&fish_lock);
    break;
  }
  freemsg(mp);
}

// Deliver the chunks that are next in order; check the whole file at the end.
static void
data_deliver(struct fstream *s)
{
  for(;;){
    acquire(&fish_lock);
    if(s->base >= s->nchunks){
      release(&fish_lock);
      break;
    }
    int k = s->base % FISH_XWINDOW;
    mblk_t *d = s->win[k];
    if(d == 0 || !canputnext(s->rq)){
      release(&fish_lock);
      return;
    }
    s->win[k] = 0;
    s->reqat[k] = 0;
    s->later[k] = 0;
    s->base++;
    s->lastprog = uptime_ms();
    release(&fish_lock);
    s->rcrc = fish_crc32(s->rcrc, d->b_rptr, MBLKL(d));
    putnext(s->rq, d);
  }
  finish(s, s->rcrc == s->fcrc ? 0 : EIO);
}

// Start a list or get: find the node (pinging once if it is unknown),
// then send the first request.
static void
start_request(struct fstream *s, uint64 now)
{
  acquire(&fish_lock);
  int pw = pingwait_ms;
  int r = resolve(s);
  if(r == 1){
    s->state = S_RESOLVE;
    s->resolved = 1;
    s->wake = now + pw;
    release(&fish_lock);
    tick_start();
    send_classic(eth_broadcast, FISH_PING, 0, 0, 0);
    return;
  }
  if(r == 0 && s->op == OP_GET && !s->ext && strlen(s->file) > FISH_FNAMLEN)
    r = ENAMETOOLONG;        // an original node cannot name it
  if(r){
    release(&fish_lock);
    finish(s, r);
    return;
  }
  s->reqid = nextreqid++;
  s->state = s->op == OP_LIST ? S_DIR : S_INFO;
  s->t0 = s->lastprog = now;
  s->wake = now + FTICK_MS;
  s->dirnext = 0;
  release(&fish_lock);
  tick_start();
  send_request(s);
}

// The ping's wait is over: everyone who answered since it went out, by
// name; then wait (a little) for fishd's device files of those nodes.
static void
ping_done(struct fstream *s, uint64 now)
{
  int order[FISH_SCHOOL], n = 0;
  char line[64];
  acquire(&fish_lock);
  for(int i = 0; i < FISH_SCHOOL; i++)
    if(school[i].used && school[i].seen >= s->t0)
      order[n++] = i;
  for(int a = 1; a < n; a++)
    for(int b = a; b > 0 && strcmp(school[order[b]].name, school[order[b - 1]].name) < 0; b--){
      int t = order[b];
      order[b] = order[b - 1];
      order[b - 1] = t;
    }
  int tell[FISH_SCHOOL], nt = 0;
  uint32 tellgen[FISH_SCHOOL];
  for(int i = 0; i < n; i++){
    struct node *nd = &school[order[i]];
    if(nd->notified != nd->gen){
      nd->notified = nd->gen;
      tellgen[nt] = nd->gen;
      tell[nt++] = order[i];
    }
    int len = fmt_node_line(line, sizeof(line), nd);
    release(&fish_lock);
    out_text(s, line, len);
    acquire(&fish_lock);
  }
  s->state = S_MADE;
  s->madeuntil = now + MADEWAIT_MS;
  s->wake = now + FTICK_MS;
  release(&fish_lock);
  for(int i = 0; i < nt; i++)
    notify_node(tell[i], tellgen[i]);
}

// S_MADE: are the device files fishd makes for this answer there yet?
static void
made_check(struct fstream *s, uint64 now)
{
  int ready = 1;
  acquire(&fish_lock);
  if(daemon){
    if(s->op == OP_PING){
      for(int i = 0; i < FISH_SCHOOL; i++)
        if(school[i].used && school[i].seen >= s->t0 && school[i].made != school[i].gen)
          ready = 0;
    } else if(school[s->slot].used && school[s->slot].filesmade != s->madegen)
      ready = 0;
  }
  if(!ready && now < s->madeuntil)
    s->wake = now + FTICK_MS;
  release(&fish_lock);
  if(ready || now >= s->madeuntil)
    finish(s, 0);
}

// The state machine of a client stream: runs in its read service procedure.
static void
client_run(struct fstream *s)
{
  uint64 now = uptime_ms();
  acquire(&fish_lock);
  int state = s->state;
  int give = giveup_ms, rrto = reqrto_ms, pw = pingwait_ms;
  int linked = lowq != 0 && haveaddr;
  uint64 wake = s->wake;
  int gone = stale(s);
  release(&fish_lock);
  if(gone){
    finish(s, ENXIO);        // its node left the school: never the next one
    return;
  }

  switch(state){
  case S_START:
    if(s->op == OP_TEXT){
      if(s->kind == K_SCHOOL)
        school_text(s);
      else {
        char *buf = kmalloc(2048);
        if(buf){
          out_text(s, buf, ctl_text(buf, 2048));
          kmfree(buf);
        }
      }
      finish(s, 0);
    } else if(!linked){
      finish(s, ENETDOWN);
    } else if(s->op == OP_PING){
      acquire(&fish_lock);
      s->state = S_PING;
      s->t0 = now;
      s->wake = now + pw / 2;
      release(&fish_lock);
      tick_start();
      send_classic(eth_broadcast, FISH_PING, 0, 0, 0);
    } else {
      start_request(s, now);
    }
    break;

  case S_RESOLVE:
    if(now >= wake)
      start_request(s, now);
    break;

  case S_PING:
    // A second PING halfway through the wait, for a lossy link.
    if(!s->resolved && now >= s->t0 + pw / 2){
      acquire(&fish_lock);
      s->resolved = 1;
      s->wake = s->t0 + pw;
      release(&fish_lock);
      send_classic(eth_broadcast, FISH_PING, 0, 0, 0);
    } else if(now >= wake && s->resolved){
      ping_done(s, now);
      made_check(s, now);
    }
    break;

  case S_MADE:
    made_check(s, now);
    break;

  case S_DIR:
  case S_INFO:
    if(s->dirwait){
      // a listing waits for the reader, not the network: no timeout
      s->lastprog = now;
      if(out_flush(s, 0)){
        s->dirwait = 0;
        send_request(s);
      }
      acquire(&fish_lock);
      s->wake = now + FTICK_MS * 5;
      release(&fish_lock);
      break;
    }
    if(since(now, s->lastprog) >= (uint64)give + (state == S_INFO ? 2 * rrto : 0)){
      finish(s, ETIMEDOUT);
      break;
    }
    if(since(now, s->sent) >= (uint64)rrto){
      acquire(&fish_lock);
      st.retransmits++;
      release(&fish_lock);
      send_request(s);
    }
    acquire(&fish_lock);
    s->wake = now + FTICK_MS * 5;
    release(&fish_lock);
    break;

  case S_DATA: {
    data_deliver(s);
    if(s->state != S_DATA)
      break;
    acquire(&fish_lock);
    int outstanding = 0;
    for(uint64 i = s->base; i < s->nextreq; i++)
      if(s->win[i % FISH_XWINDOW] == 0)
        outstanding = 1;
    int late = outstanding && since(now, s->lastprog) >= (uint64)give;
    if(!outstanding)
      s->lastprog = now;     // waiting for the reader, not the network
    s->wake = now + FTICK_MS;
    release(&fish_lock);
    if(late){
      finish(s, ETIMEDOUT);
      break;
    }
    ask_chunks(s, now);
    break;
  }
  }
}

// ---------------------------------------------------------------- upper side

static int
fish_open(queue_t *rq, int minor, int oflag, int sflag)
{
  struct fstream *s = kmalloc(sizeof(*s));
  if(s == 0)
    return ENOMEM;
  memset(s, 0, sizeof(*s));
  s->rq = rq;
  s->slot = -1;
  int acc = oflag & O_ACCMODE;
  s->readable = acc == O_RDONLY || acc == O_RDWR;
  s->writable = acc == O_WRONLY || acc == O_RDWR;
  int err = 0;
  acquire(&fish_lock);
  switch(minor){
  case FISH_MINOR_PING:   s->kind = K_PING; s->op = OP_PING; break;
  case FISH_MINOR_SCHOOL: s->kind = K_SCHOOL; s->op = OP_TEXT; break;
  case FISH_MINOR_CTL:
    s->kind = K_CTL;
    s->op = s->writable ? OP_NONE : OP_TEXT;
    break;
  case FISH_MINOR_DAEMON:
    s->kind = K_DAEMON;
    if(daemon)
      err = EBUSY;
    else {
      daemon = s;
      // a new fishd starts with no device files: tell it everything again
      for(int i = 0; i < FISH_SCHOOL; i++)
        school[i].notified = 0;
    }
    break;
  case FISH_MINOR_REQ:    s->kind = K_REQ; break;
  default:
    // A per-node file is fishd's, made for one node of its slot: it
    // opens only while that node (generation) is still there.
    if(minor >= FISH_MINOR_DIR(0) && minor < FISH_MINOR_DIR(FISH_SCHOOL)){
      int slot = minor - FISH_MINOR_DIR(0);
      struct node *nd = &school[slot];
      if(!nd->used || nd->made != nd->gen){
        err = ENXIO;
        break;
      }
      s->kind = K_DIR;
      s->op = OP_LIST;
      s->slot = slot;
      s->gen = nd->gen;
      safestrcpy(s->node, nd->name, sizeof(s->node));
    } else if(minor >= FISH_MINOR_FILE(0, 0) && minor < FISH_MINOR_FILE(FISH_SCHOOL, 0)){
      int slot = (minor - FISH_MINOR_FILE(0, 0)) / FISH_NODEFILES;
      int idx = (minor - FISH_MINOR_FILE(0, 0)) % FISH_NODEFILES;
      struct node *nd = &school[slot];
      if(!nd->used || nd->made != nd->gen || nd->files == 0 || idx >= nd->nfiles){
        err = ENXIO;
        break;
      }
      s->kind = K_FILE;
      s->op = OP_GET;
      s->slot = slot;
      s->gen = nd->gen;
      safestrcpy(s->node, nd->name, sizeof(s->node));
      safestrcpy(s->file, nd->files[idx], sizeof(s->file));
    } else
      err = ENXIO;
  }
  if(err){
    release(&fish_lock);
    kmfree(s);
    if(err == EBUSY)
      strsetreason(rq, "fish: the daemon stream is open already");
    else if(minor >= FISH_MINOR_DIR(0))
      strsetreason(rq, "fish: no such node in the school now (it left; ping again)");
    return err;
  }
  if(s->op != OP_NONE)
    s->state = S_START;
  s->next = streams;
  streams = s;
  release(&fish_lock);
  rq->q_ptr = WR(rq)->q_ptr = s;
  if(s->state == S_START)
    qenable(rq);
  return 0;
}

static int
fish_close(queue_t *rq, int oflag)
{
  struct fstream *s = rq->q_ptr;
  acquire(&fish_lock);
  for(struct fstream **pp = &streams; *pp; pp = &(*pp)->next)
    if(*pp == s){
      *pp = s->next;
      break;
    }
  if(daemon == s)
    daemon = 0;
  release(&fish_lock);
  flushq(rq, FLUSHALL);
  flushq(WR(rq), FLUSHALL);
  for(int i = 0; i < FISH_XWINDOW; i++)
    if(s->win[i])
      freemsg(s->win[i]);
  mblk_t *mp;
  while((mp = s->outq) != 0){
    s->outq = mp->b_next;
    freemsg(mp);
  }
  kmfree(s);
  return 0;
}

// The read service procedure: answers parked by frame input, then the
// state machine, then text and end of file for the reader.
static int
fish_rsrv(queue_t *q)
{
  struct fstream *s = q->q_ptr;
  if(s->kind == K_DAEMON)
    return putnext_srv(q);
  mblk_t *mp;
  while((mp = getq(q)) != 0)
    client_handle(s, mp);
  if(s->state != S_DONE && s->state != S_IDLE)
    client_run(s);
  if(s->state == S_DIR)
    out_flush(s, 0);
  if(s->state == S_MADE || s->state == S_PING)
    out_flush(s, 1);
  if(s->state == S_DONE)
    done_flush(s);
  return 0;
}

// "list NODE" / "get NODE FILE" / "ping" written to /dev/fish/req.
static int
req_command(struct fstream *s, char *line)
{
  char *argv[NETCTL_ARGS];
  int argc = netctl_split(line, argv, NETCTL_ARGS);
  if(argc == 1 && strcmp(argv[0], "ping") == 0){
    s->op = OP_PING;
  } else if(argc == 2 && strcmp(argv[0], "list") == 0 && strlen(argv[1]) < FISH_MAXNAME){
    s->op = OP_LIST;
    safestrcpy(s->node, argv[1], sizeof(s->node));
  } else if(argc == 3 && strcmp(argv[0], "get") == 0 && strlen(argv[1]) < FISH_MAXNAME){
    if(strlen(argv[2]) > FISH_NAMEMAX || argv[2][0] == 0)
      return ENAMETOOLONG;
    s->op = OP_GET;
    safestrcpy(s->node, argv[1], sizeof(s->node));
    safestrcpy(s->file, argv[2], sizeof(s->file));
  } else {
    return EINVAL;
  }
  s->state = S_START;
  return 0;
}

// A record from fishd: an answer to encode and send, or an acknowledgement.
static void
daemon_down(struct fish_down *d, const uint8 *data, int len)
{
  uint8 body[FISH_PAYLOADMAX];
  d->name[FISH_NAMEMAX] = 0;
  switch(d->kind){
  case FISH_DN_ANNOUNCE:
    send_classic(d->mac, FISH_ANNOUNCE, d->name, 0, 0);
    return;
  case FISH_DN_DIRLIST: {
    // NUL-separated names -> nine 7-byte fields
    uint8 fields[FISH_DIRENTRIES * FISH_FNAMLEN];
    memset(fields, 0, sizeof(fields));
    int k = 0, i = 0;
    while(i < len && k < FISH_DIRENTRIES){
      int j = i;
      while(j < len && data[j])
        j++;
      if(j - i > 0 && j - i <= FISH_FNAMLEN)
        memmove(fields + k++ * FISH_FNAMLEN, data + i, j - i);
      i = j + 1;
    }
    send_classic(d->mac, FISH_DIRLIST, 0, fields, sizeof(fields));
    return;
  }
  case FISH_DN_HAVEFILE:
    send_classic(d->mac, FISH_HAVEFILE, d->name, data, len);
    return;
  case FISH_DN_NOFILE:
    send_classic(d->mac, FISH_NOFILE, d->name, 0, 0);
    return;
  case FISH_DN_XDIRLIST: {
    if(len > FISH_PAYLOADMAX - FISH_XMIN - 10){
      count_drop(D_BADANSWER);
      return;
    }
    // count whole entries; a malformed blob is fishd's bug: refuse it
    int off = 0, count = 0;
    char nm[FISH_NAMEMAX + 1];
    uint32 sz;
    while(off < len){
      if(fish_xdir_next(data, len, &off, nm, &sz) < 0){
        count_drop(D_BADANSWER);
        return;
      }
      count++;
    }
    fish_put32(body, d->index);
    fish_put32(body + 4, d->total);
    fish_put16(body + 8, count);
    memmove(body + 10, data, len);
    send_ext(d->mac, FISH_XDIRLIST, d->reqid, body, 10 + len);
    return;
  }
  case FISH_DN_XINFO:
    body[0] = d->status;
    fish_put64(body + 1, d->size);
    fish_put32(body + 9, d->crc);
    send_ext(d->mac, FISH_XINFO, d->reqid, body, 13 + xname_put(body + 13, d->name));
    return;
  case FISH_DN_XDATA:
    if(len > FISH_XCHUNK){
      count_drop(D_BADANSWER);
      return;
    }
    fish_put64(body, d->offset);
    fish_put16(body + 8, len);
    memmove(body + 10, data, len);
    send_ext(d->mac, FISH_XDATA, d->reqid, body, 10 + len);
    return;
  case FISH_DN_MADE:
  case FISH_DN_FILESMADE: {
    struct fish_up u;
    int tell = 0;
    acquire(&fish_lock);
    if(d->index < FISH_SCHOOL){
      struct node *nd = &school[d->index];
      if(d->kind == FISH_DN_FILESMADE)
        nd->filesmade = d->gen;
      else if(nd->used && nd->gen == d->gen)
        nd->made = d->gen;
      else if(d->gen != 0 && nd->left == d->gen){
        // fishd made files for a node that left before they were
        // there (its GONE overtook the NODE): they must go again, once
        nd->left = 0;
        memset(&u, 0, sizeof(u));
        u.kind = FISH_UP_GONE;
        u.index = d->index;
        u.gen = d->gen;
        tell = 1;
      }
    }
    release(&fish_lock);
    if(tell)
      gone_notice(&u);
    return;
  }
  default:
    count_drop(D_BADANSWER);
  }
}

// A write on the daemon stream. Returns 0 if the link is full (wait).
static int
daemon_write(queue_t *q, mblk_t *mp)
{
  struct fish_down d;
  int n = msgdsize(mp);
  if(n < (int)sizeof(d) || n > (int)sizeof(d) + FISH_PAYLOADMAX || !pullupmsg(mp, -1)){
    qdrop(q, mp, "fish: malformed daemon record");
    count_drop(D_BADANSWER);
    return 1;
  }
  memmove(&d, mp->b_rptr, sizeof(d));
  if((int)d.len != n - (int)sizeof(d)){
    qdrop(q, mp, "fish: daemon record length");
    count_drop(D_BADANSWER);
    return 1;
  }
  if(d.kind == FISH_DN_XDATA){
    acquire(&fish_lock);
    queue_t *l = lowq;
    release(&fish_lock);
    if(l && !canputnext(l))
      return 0;
  }
  daemon_down(&d, mp->b_rptr + sizeof(d), d.len);
  freemsg(mp);
  return 1;
}

// A line of text on a ctl or req stream.
static void
text_write(queue_t *q, struct fstream *s, mblk_t *mp)
{
  char line[NETCTL_MAX];
  int n = msgdsize(mp);
  if(n <= 0 || n >= NETCTL_MAX || !pullupmsg(mp, -1)){
    freemsg(mp);
    return;
  }
  memmove(line, mp->b_rptr, n);
  line[n] = 0;
  freemsg(mp);
  if(s->kind == K_CTL){
    ctl_command(line);
    return;
  }
  if(s->state != S_IDLE)
    return;                  // one request per open
  int err = req_command(s, line);
  if(err){
    s->op = OP_GET;
    s->state = S_DONE;
    s->err = err;
  }
  qenable(RD(q));
}

static void
fish_ioctl(queue_t *q, mblk_t *mp)
{
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  switch(ioc->ioc_cmd){
  case I_LINK:
  case I_PLINK: {
    struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
    acquire(&fish_lock);
    if(lowq){
      release(&fish_lock);
      strsetreason(q, "fish: a link is there already");
      miocnak(q, mp, 0, EBUSY);
      return;
    }
    lowq = lb->l_qbot;
    linkid = lb->l_index;
    haveaddr = 0;
    release(&fish_lock);
    // Ask eth for our address; the answer comes up the lower side.
    mblk_t *iocp = allocb(sizeof(struct iocblk), BPRI_MED);
    mblk_t *dp = allocb(sizeof(int), BPRI_MED);
    if(iocp && dp){
      iocp->b_datap->db_type = M_IOCTL;
      struct iocblk *ic = (struct iocblk *)iocp->b_wptr;
      memset(ic, 0, sizeof(*ic));
      ic->ioc_cmd = ETH_ADDR;
      ic->ioc_count = sizeof(int);
      iocp->b_wptr += sizeof(*ic);
      int me = -1;
      memmove(dp->b_wptr, &me, sizeof(me));
      dp->b_wptr += sizeof(me);
      linkb(iocp, dp);
      putnext(lb->l_qbot, iocp);
    } else {
      if(iocp) freeb(iocp);
      if(dp) freeb(dp);
    }
    miocack(q, mp, 0, 0);
    return;
  }
  case I_UNLINK:
  case I_PUNLINK: {
    struct linkblk *lb = (struct linkblk *)mp->b_cont->b_rptr;
    acquire(&fish_lock);
    if(lowq && lb->l_index == linkid){
      lowq = 0;
      haveaddr = 0;
    }
    release(&fish_lock);
    miocack(q, mp, 0, 0);
    return;
  }
  case NET_CTL: {
    int count = mp->b_cont ? msgdsize(mp->b_cont) : 0;
    char line[NETCTL_MAX];
    if(count <= 0 || count >= NETCTL_MAX || !pullupmsg(mp->b_cont, -1)){
      miocnak(q, mp, 0, EINVAL);
      return;
    }
    memmove(line, mp->b_cont->b_rptr, count);
    line[count] = 0;
    if(strncmp(line, "stats", 5) == 0 || strncmp(line, "show", 4) == 0){
      char *buf = kmalloc(2048);
      if(buf == 0){
        miocnak(q, mp, 0, ENOMEM);
        return;
      }
      netctl_answer(q, mp, buf, ctl_text(buf, 2048));
      kmfree(buf);
      return;
    }
    int err = ctl_command(line);
    if(err){
      strsetreason(q, "fish: wait|timeout|rto|reqrto MS, window N, classic on|off, forget, stats");
      miocnak(q, mp, 0, err);
    } else
      miocack(q, mp, 0, 0);
    return;
  }
  default:
    miocnak(q, mp, 0, EINVAL);
  }
}

static int
fish_wput(queue_t *q, mblk_t *mp)
{
  struct fstream *s = q->q_ptr;
  switch(DB_TYPE(mp)){
  case M_DATA:
  case M_PROTO:
    if(s->kind == K_DAEMON){
      if(q->q_first || !daemon_write(q, mp))
        putq(q, mp);
    } else if(s->kind == K_CTL || s->kind == K_REQ){
      text_write(q, s, mp);
    } else {
      qdrop(q, mp, "fish: this file takes no writes");
    }
    return 0;
  case M_IOCTL:
    fish_ioctl(q, mp);
    return 0;
  case M_FLUSH:
    drv_flush(q, mp);
    return 0;
  default:
    qdrop(q, mp, "fish: message type not understood");
    return 0;
  }
}

// The daemon's writes that waited for room on the link.
static int
fish_wsrv(queue_t *q)
{
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(!daemon_write(q, mp)){
      putbq(q, mp);
      return 0;
    }
  }
  return 0;
}

// Upper read queues are fed by putnext from the driver itself.
static int
fish_rput(queue_t *q, mblk_t *mp)
{
  putnext(q, mp);
  return 0;
}

// ---------------------------------------------------------------- lower side

static int
fish_lrput(queue_t *q, mblk_t *mp)
{
  int t = DB_TYPE(mp);
  if(t == M_IOCACK || t == M_IOCNAK){
    struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
    if(t == M_IOCACK && ioc->ioc_cmd == ETH_ADDR && mp->b_cont &&
       msgdsize(mp->b_cont) >= ETH_ALEN && pullupmsg(mp->b_cont, -1)){
      acquire(&fish_lock);
      memmove(myaddr, mp->b_cont->b_rptr, ETH_ALEN);
      haveaddr = 1;
      release(&fish_lock);
    }
    freemsg(mp);
    return 0;
  }
  if(t == M_FLUSH){
    freemsg(mp);
    return 0;
  }
  struct eth_unitdata ud;
  if(t != M_PROTO || MBLKL(mp) < (int)sizeof(ud)){
    qdrop(q, mp, "fish: unexpected message from the link");
    return 0;
  }
  memmove(&ud, mp->b_rptr, sizeof(ud));
  mblk_t *payload = unlinkb(mp);
  freeb(mp);
  if(ud.prim != ETH_UNITDATA_IND || payload == 0){
    if(payload)
      freemsg(payload);
    count_drop(D_SHORT);
    return 0;
  }
  fish_input(payload, ud.src);
  return 0;
}

// The link drained: the daemon may send again.
static int
fish_lwsrv(queue_t *q)
{
  acquire(&fish_lock);
  queue_t *w = daemon ? WR(daemon->rq) : 0;
  int claimed = w && strclaim(w);
  release(&fish_lock);
  if(claimed){
    if(w->q_first)
      qenable(w);
    strrelease(w);
  }
  return 0;
}

static int
fish_passput(queue_t *q, mblk_t *mp)
{
  putnext(q, mp);
  return 0;
}

static void
fish_init(int major)
{
  initlock(&fish_lock, "fish");
}

static const char *const fish_devices[] = {
  "fish/ping", "fish/school", "fish/ctl", "fish/daemon", "fish/req", 0
};

static struct module_info fish_info = {
  .mi_idnum = 1010, .mi_idname = "fish",
  .mi_minpsz = 0, .mi_maxpsz = sizeof(struct fish_down) + FISH_PAYLOADMAX,
  .mi_hiwat = 64 * 1024, .mi_lowat = 16 * 1024,
};

static struct qinit fish_rinit = {
  .qi_putp = fish_rput, .qi_srvp = fish_rsrv,
  .qi_qopen = fish_open, .qi_qclose = fish_close, .qi_minfo = &fish_info,
};
static struct qinit fish_winit = {
  .qi_putp = fish_wput, .qi_srvp = fish_wsrv, .qi_minfo = &fish_info,
};
static struct qinit fish_lrinit = {
  .qi_putp = fish_lrput, .qi_minfo = &fish_info,
};
static struct qinit fish_lwinit = {
  .qi_putp = fish_passput, .qi_srvp = fish_lwsrv, .qi_minfo = &fish_info,
};

static const struct streamtab fish_tab = {
  .st_rdinit = &fish_rinit, .st_wrinit = &fish_winit,
  .st_muxrinit = &fish_lrinit, .st_muxwinit = &fish_lwinit,
  .st_flags = STR_DRIVER,
  .st_provides = "fish",
  .st_requires = "ether",
  .st_devices = fish_devices,
  .st_init = fish_init,
};

STREAMS_MODULE(fish_tab);
