// tap.c: a module that lets you watch a stream in Wireshark. Push it
// anywhere: it passes every message on unchanged and copies each data
// message, with a timestamp, to a capture buffer that /dev/tap/N reads as
// a pcap file (N is the tap's number: 0 for the first tap pushed, and so
// on; "tap show" or /dev/streams tell which).
//
//   push ... tap; cat /dev/tap/0 > /cap.pcap   (copy out, open in tshark)
//
// Link type: Ethernet by default. Raw frames (M_DATA, as on an e1000
// stream) are recorded as they are; eth's unitdata messages (M_PROTO
// eth_unitdata + payload, as between eth and arp) are recorded with an
// Ethernet header rebuilt from the unitdata, so captures look the same at
// both places. "tap linktype raw" records M_DATA as raw IPv4 (for a tap
// above ip). Direction is not part of classic pcap: a "tap dir up|down|
// both" filter (default both) selects what is recorded.
//
// The buffer is bounded ("tap buffer BYTES", at most TAP_BUFMAX): when the
// reader is slow, tap drops copies (counted: "tap show"), never the
// traffic itself. `pcapsave /dev/tap/N FILE` saves what is waiting.
// Popping a tap does not throw its records away: they wait for one last
// reader (`cat /dev/tap/N` then ends after them), or until the next tap
// pushed takes the slot; so a capture can be saved after the pop.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "fcntl.h"
#include "poll.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"
#include "streams/stream.h"
#include "net/ether.h"
#include "netctl.h"

#define NTAP        8
#define TAP_BUFMAX  (512 * 1024)   // bytes of records waiting for a reader
#define TAP_SNAPLEN 2048
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW      101

struct tap {
  struct spinlock lock;
  int slot;
  int used;                  // pushed (module alive)
  int linktype;
  int dirs;                  // bit 0 up, bit 1 down
  ulong bufmax;              // bytes of records kept for the reader
  mblk_t *first, *last;      // records waiting (b_next)
  ulong bytes;               // bytes waiting
  ulong captured, dropped;
  int readers;
};

static struct spinlock taps_lock;
static struct tap taps[NTAP];

static void
tap_put32le(uint8 *p, uint32 v)
{
  p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

// Record one message (the caller keeps it). t->lock not held.
static void
tap_record(struct tap *t, mblk_t *mp, int down)
{
  acquire(&t->lock);
  int want = (t->dirs >> down) & 1;
  int linktype = t->linktype;
  release(&t->lock);
  if(!want)
    return;

  // What goes into the capture: an optional rebuilt header + the data.
  uint8 hdr[ETH_HLEN];
  int hlen = 0;
  mblk_t *data = mp;
  if(DB_TYPE(mp) == M_PROTO){
    if(linktype != LINKTYPE_ETHERNET || MBLKL(mp) < (int)sizeof(struct eth_unitdata))
      return;                 // a control message we cannot show as a frame
    struct eth_unitdata ud;
    memmove(&ud, mp->b_rptr, sizeof(ud));
    if(ud.prim != ETH_UNITDATA_REQ && ud.prim != ETH_UNITDATA_IND)
      return;
    memmove(hdr, ud.dst, ETH_ALEN);
    memmove(hdr + ETH_ALEN, ud.src, ETH_ALEN);
    hdr[12] = ud.type >> 8;
    hdr[13] = ud.type;
    hlen = ETH_HLEN;
    data = mp->b_cont;
  }
  int len = hlen;
  for(mblk_t *b = data; b; b = b->b_cont)
    if(DB_TYPE(b) == M_DATA || b == data)
      len += MBLKL(b);
  int caplen = len < TAP_SNAPLEN ? len : TAP_SNAPLEN;

  acquire(&t->lock);
  if(t->bytes + 16 + caplen > t->bufmax){
    t->dropped++;
    release(&t->lock);
    return;
  }
  release(&t->lock);
  mblk_t *rec = allocb(16 + caplen, BPRI_LO);
  if(rec == 0){
    acquire(&t->lock);
    t->dropped++;
    release(&t->lock);
    return;
  }
  uint64 us = uptime_us();
  uint8 *p = rec->b_wptr;
  tap_put32le(p, us / 1000000);
  tap_put32le(p + 4, us % 1000000);
  tap_put32le(p + 8, caplen);
  tap_put32le(p + 12, len);
  p += 16;
  int room = caplen;
  int m = hlen < room ? hlen : room;
  memmove(p, hdr, m);
  p += m; room -= m;
  for(mblk_t *b = data; b && room > 0; b = b->b_cont){
    m = MBLKL(b) < room ? MBLKL(b) : room;
    memmove(p, b->b_rptr, m);
    p += m; room -= m;
  }
  rec->b_wptr = p;

  acquire(&t->lock);
  rec->b_next = 0;
  if(t->last) t->last->b_next = rec; else t->first = rec;
  t->last = rec;
  t->bytes += MBLKL(rec);
  t->captured++;
  wakeup(t);
  release(&t->lock);
  pollwakeup();
}

#define TAP_USAGE "tap: usage: tap linktype ether|raw; tap dir up|down|both; " \
                  "tap buffer BYTES (64..524288); tap show"

// "tap ..." (see the top of the file); every form answers with the counts.
static const char *
tap_ctl(struct netctl_req *r)
{
  struct tap *t = r->q->q_ptr;
  char **argv = r->argv;
  int argc = r->argc;
  int ok = 1;
  uint32 v;
  acquire(&t->lock);
  if(argc == 3 && strcmp(argv[1], "linktype") == 0 && strcmp(argv[2], "raw") == 0)
    t->linktype = LINKTYPE_RAW;
  else if(argc == 3 && strcmp(argv[1], "linktype") == 0 && strcmp(argv[2], "ether") == 0)
    t->linktype = LINKTYPE_ETHERNET;
  else if(argc == 3 && strcmp(argv[1], "dir") == 0 && strcmp(argv[2], "up") == 0)
    t->dirs = 1;
  else if(argc == 3 && strcmp(argv[1], "dir") == 0 && strcmp(argv[2], "down") == 0)
    t->dirs = 2;
  else if(argc == 3 && strcmp(argv[1], "dir") == 0 && strcmp(argv[2], "both") == 0)
    t->dirs = 3;
  else if(argc == 3 && strcmp(argv[1], "buffer") == 0 && netctl_parse_uint(argv[2], &v) == 0 &&
          v >= 64 && v <= TAP_BUFMAX)
    t->bufmax = v;
  else if(!(argc == 2 && strcmp(argv[1], "show") == 0))
    ok = 0;
  char buf[160];
  int n = snprintf(buf, sizeof(buf), "tap %d captured %lu dropped %lu waiting %lu\n",
                   t->slot, t->captured, t->dropped, t->bytes);
  release(&t->lock);
  if(!ok)
    return TAP_USAGE;
  if(netctl_reply(r, buf, n) < 0){
    r->err = ENOMEM;
    return "";
  }
  return 0;
}

// Only "tap ..." is tap's; the rest goes on down.
static const struct netctl_cmd tap_ctls[] = {
  { "tap", 1, NETCTL_ARGS, tap_ctl, TAP_USAGE },
  { 0 },
};

static int
tap_rput(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) == M_DATA || DB_TYPE(mp) == M_PROTO)
    tap_record(q->q_ptr, mp, 0);
  putnext(q, mp);
  return 0;
}

static int
tap_wput(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) == M_IOCTL && ((struct iocblk *)mp->b_rptr)->ioc_cmd == NET_CTL &&
     netctl_request(q, mp, tap_ctls, 0))
    return 0;
  if(DB_TYPE(mp) == M_DATA || DB_TYPE(mp) == M_PROTO)
    tap_record(q->q_ptr, mp, 1);
  putnext(q, mp);
  return 0;
}

static int
tap_open(queue_t *rq, int minor, int oflag, int sflag)
{
  acquire(&taps_lock);
  struct tap *t = 0;
  for(int i = 0; i < NTAP; i++){
    acquire(&taps[i].lock);
    // a slot is free once popped and drained of readers and records
    if(!taps[i].used && taps[i].readers == 0){
      t = &taps[i];
      freemsglist(t->first);
      int slot = t->slot;
      memset(&t->first, 0, sizeof(*t) - ((char *)&t->first - (char *)t));
      t->slot = slot;
      t->used = 1;
      t->linktype = LINKTYPE_ETHERNET;
      t->dirs = 3;
      t->bufmax = TAP_BUFMAX;
      release(&taps[i].lock);
      break;
    }
    release(&taps[i].lock);
  }
  release(&taps_lock);
  if(t == 0)
    return ENOSPC;
  rq->q_ptr = WR(rq)->q_ptr = t;
  return 0;
}

static int
tap_close(queue_t *rq, int oflag)
{
  struct tap *t = rq->q_ptr;
  acquire(&t->lock);
  t->used = 0;              // readers see end of file after the records
  wakeup(t);
  release(&t->lock);
  pollwakeup();
  return 0;
}

// ---------------------------------------------------------------- /dev/tap/N

static int
tap_dev_open(struct file *f)
{
  if(f->minor < 0 || f->minor >= NTAP)
    return -ENXIO;
  struct tap *t = &taps[f->minor];
  acquire(&t->lock);
  t->readers++;
  release(&t->lock);
  f->priv = t;
  return 0;
}

static void
tap_dev_close(struct file *f)
{
  struct tap *t = f->priv;
  acquire(&t->lock);
  t->readers--;
  release(&t->lock);
}

static int
tap_dev_read(struct file *f, uint64 dst, int n)
{
  struct tap *t = f->priv;
  if(f->off == 0){
    // the pcap file header, once per open
    uint8 h[24];
    memset(h, 0, sizeof(h));
    tap_put32le(h, 0xa1b2c3d4);       // microsecond timestamps
    h[4] = 2; h[6] = 4;           // version 2.4
    tap_put32le(h + 16, TAP_SNAPLEN);
    acquire(&t->lock);
    tap_put32le(h + 20, t->linktype);
    release(&t->lock);
    if(n < 24)
      return -EINVAL;
    if(copyout_user(dst, h, 24) < 0)
      return -EFAULT;
    f->off = 24;
    return 24;
  }
  acquire(&t->lock);
  while(t->first == 0){
    if(!t->used){
      release(&t->lock);
      return 0;
    }
    if(f->flags & O_NONBLOCK){
      release(&t->lock);
      return -EAGAIN;
    }
    if(killed(myproc())){
      release(&t->lock);
      return -EINTR;
    }
    sleep(t, &t->lock);
  }
  // Whole records only, as many as fit.
  int done = 0;
  while(t->first && MBLKL(t->first) <= n - done){
    mblk_t *rec = t->first;
    t->first = rec->b_next;
    if(t->first == 0)
      t->last = 0;
    t->bytes -= MBLKL(rec);
    release(&t->lock);
    int len = MBLKL(rec);
    int r = copyout_user(dst + done, rec->b_rptr, len);
    freeb(rec);
    if(r < 0)
      return done > 0 ? done : -EFAULT;
    done += len;
    acquire(&t->lock);
  }
  release(&t->lock);
  if(done == 0)
    return -EINVAL;           // buffer smaller than one record
  f->off += done;
  return done;
}

static int
tap_dev_poll(struct file *f)
{
  struct tap *t = f->priv;
  acquire(&t->lock);
  int r = (t->first || !t->used || f->off == 0) ? POLLIN : 0;
  release(&t->lock);
  return r;
}

static struct devsw tapdev = {
  .open = tap_dev_open, .close = tap_dev_close, .read = tap_dev_read, .poll = tap_dev_poll,
};

static void
tap_init(int unused)
{
  initlock(&taps_lock, "taps");
  for(int i = 0; i < NTAP; i++){
    initlock(&taps[i].lock, "tap");
    taps[i].slot = i;
  }
  int major = devsw_register("tap", &tapdev);
  for(int i = 0; major > 0 && i < NTAP; i++){
    char name[16];
    snprintf(name, sizeof(name), "tap/%d", i);
    devnode_add(name, major, i);
  }
}

static struct module_info tap_info = {
  .mi_idnum = 1011, .mi_idname = "tap",
  .mi_minpsz = 0, .mi_maxpsz = INFPSZ,
  .mi_hiwat = 64 * 1024, .mi_lowat = 16 * 1024,
};
static struct qinit tap_rinit = {
  .qi_putp = tap_rput, .qi_qopen = tap_open, .qi_qclose = tap_close,
  .qi_minfo = &tap_info,
};
static struct qinit tap_winit = { .qi_putp = tap_wput, .qi_minfo = &tap_info };

static const struct streamtab tap_tab = {
  .st_rdinit = &tap_rinit, .st_wrinit = &tap_winit,
  .st_flags = STR_MODULE,
  .st_init = tap_init,
};

STREAMS_MODULE(tap_tab);
