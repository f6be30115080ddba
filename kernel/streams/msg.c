// msg.c: STREAMS messages. A message is a chain of message blocks (mblk),
// each a window onto a reference-counted data block (dblk). Duplicating a
// message shares the data (dupb); copying makes a private buffer (copyb).
// Blocks and buffers come from kmalloc, so one data buffer is at most
// STRBUFMAX (4096) bytes; longer messages are chains.
//
// Counters of blocks in use (st_nmblk, st_ndblk) make leaks visible: after
// a test closes its streams they must be back at their old values.
#include "types.h"
#include "param.h"
#include "defs.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

volatile int st_nmblk, st_ndblk;
volatile ulong st_allocfail;

static void
count(volatile int *c, int d)
{
  __atomic_add_fetch(c, d, __ATOMIC_RELAXED);
}

// A new data block with a buffer of size bytes. The header and a small
// buffer share one allocation; a buffer that would not fit beside the
// header in one kmalloc gets its own.
static dblk_t *
dballoc(int size)
{
  dblk_t *db;
  uchar *buf;
  if(sizeof(dblk_t) + size <= STRBUFMAX){
    if((db = kmalloc(sizeof(dblk_t) + size)) == 0)
      return 0;
    buf = (uchar *)(db + 1);
    db->db_flags = 0;
  } else {
    if((db = kmalloc(sizeof(dblk_t))) == 0)
      return 0;
    if((buf = kmalloc(size)) == 0){
      kmfree(db);
      return 0;
    }
    db->db_flags = DBF_EXTBUF;
  }
  db->db_base = buf;
  db->db_lim = buf + size;
  db->db_ref = 1;
  db->db_type = M_DATA;
  count(&st_ndblk, 1);
  return db;
}

static void
dbfree(dblk_t *db)
{
  if(db->db_flags & DBF_EXTBUF)
    kmfree(db->db_base);
  kmfree(db);
  count(&st_ndblk, -1);
}

static mblk_t *
mballoc(dblk_t *db)
{
  mblk_t *mp = kmalloc(sizeof(mblk_t));
  if(mp == 0)
    return 0;
  mp->b_next = mp->b_prev = mp->b_cont = 0;
  mp->b_datap = db;
  mp->b_rptr = mp->b_wptr = db->db_base;
  count(&st_nmblk, 1);
  return mp;
}

mblk_t *
allocb_headroom(int size, int headroom)
{
  if(size < 0 || headroom < 0 || size > STRBUFMAX || headroom > STRBUFMAX ||
     size + headroom > STRBUFMAX)
    return 0;
  dblk_t *db = dballoc(size + headroom);
  if(db == 0){
    __atomic_add_fetch(&st_allocfail, 1, __ATOMIC_RELAXED);
    return 0;
  }
  mblk_t *mp = mballoc(db);
  if(mp == 0){
    dbfree(db);
    __atomic_add_fetch(&st_allocfail, 1, __ATOMIC_RELAXED);
    return 0;
  }
  mp->b_rptr = mp->b_wptr = db->db_base + headroom;
  return mp;
}

mblk_t *
allocb(int size, uint pri)
{
  (void)pri;   // one pool: priorities change nothing here
  return allocb_headroom(size, 0);
}

void
freeb(mblk_t *bp)
{
  if(bp == 0)
    return;
  dblk_t *db = bp->b_datap;
  ASSERT(__atomic_load_n(&db->db_ref, __ATOMIC_RELAXED) > 0);  // else freed twice
  // The last mblk to let go frees the buffer; dups may live on other harts.
  if(__atomic_sub_fetch(&db->db_ref, 1, __ATOMIC_ACQ_REL) == 0)
    dbfree(db);
  kmfree(bp);
  count(&st_nmblk, -1);
}

void
freemsg(mblk_t *mp)
{
  while(mp){
    mblk_t *next = mp->b_cont;
    freeb(mp);
    mp = next;
  }
}

mblk_t *
dupb(mblk_t *bp)
{
  mblk_t *np = mballoc(bp->b_datap);
  if(np == 0){
    __atomic_add_fetch(&st_allocfail, 1, __ATOMIC_RELAXED);
    return 0;
  }
  __atomic_add_fetch(&bp->b_datap->db_ref, 1, __ATOMIC_RELAXED);
  np->b_rptr = bp->b_rptr;
  np->b_wptr = bp->b_wptr;
  return np;
}

mblk_t *
dupmsg(mblk_t *mp)
{
  mblk_t *head = 0, **tail = &head;
  for(; mp; mp = mp->b_cont){
    if((*tail = dupb(mp)) == 0){
      freemsg(head);
      return 0;
    }
    tail = &(*tail)->b_cont;
  }
  return head;
}

// A private copy of one block: same buffer size, same offsets, so the
// headroom in front survives the copy.
mblk_t *
copyb(mblk_t *bp)
{
  dblk_t *db = bp->b_datap;
  int size = db->db_lim - db->db_base;
  mblk_t *np = allocb_headroom(size, 0);
  if(np == 0)
    return 0;
  np->b_rptr = np->b_datap->db_base + (bp->b_rptr - db->db_base);
  np->b_wptr = np->b_rptr + MBLKL(bp);
  memmove(np->b_rptr, bp->b_rptr, MBLKL(bp));
  np->b_datap->db_type = db->db_type;
  return np;
}

mblk_t *
copymsg(mblk_t *mp)
{
  mblk_t *head = 0, **tail = &head;
  for(; mp; mp = mp->b_cont){
    if((*tail = copyb(mp)) == 0){
      freemsg(head);
      return 0;
    }
    tail = &(*tail)->b_cont;
  }
  return head;
}

int
msgdsize(mblk_t *mp)
{
  int n = 0;
  for(; mp; mp = mp->b_cont)
    if(DB_TYPE(mp) == M_DATA)
      n += MBLKL(mp);
  return n;
}

int
msgsize(mblk_t *mp)
{
  int n = 0;
  for(; mp; mp = mp->b_cont)
    n += MBLKL(mp);
  return n;
}

void
linkb(mblk_t *mp, mblk_t *bp)
{
  while(mp->b_cont)
    mp = mp->b_cont;
  mp->b_cont = bp;
}

mblk_t *
unlinkb(mblk_t *mp)
{
  mblk_t *bp = mp->b_cont;
  mp->b_cont = 0;
  return bp;
}

int
mwritable(mblk_t *bp)
{
  return __atomic_load_n(&bp->b_datap->db_ref, __ATOMIC_ACQUIRE) == 1;
}

// Make the first len bytes of mp (all leading blocks of the first block's
// type when len is -1) contiguous in mp's own block. mp stays the same
// pointer; it gets a new private buffer. Returns 1, or 0 if there are not
// that many bytes, the result would exceed STRBUFMAX, or memory is out.
int
pullupmsg(mblk_t *mp, int len)
{
  int type = DB_TYPE(mp);
  int have = 0;
  for(mblk_t *bp = mp; bp && DB_TYPE(bp) == type; bp = bp->b_cont)
    have += MBLKL(bp);
  if(len == -1)
    len = have;
  if(len < 0 || len > have || len > STRBUFMAX)
    return 0;
  if(MBLKL(mp) >= len)
    return 1;
  dblk_t *db = dballoc(len);
  if(db == 0){
    __atomic_add_fetch(&st_allocfail, 1, __ATOMIC_RELAXED);
    return 0;
  }
  db->db_type = type;
  // Gather len bytes: all of mp's own, then from the blocks after it,
  // freeing those emptied and trimming the one cut in the middle.
  uchar *w = db->db_base;
  int n = MBLKL(mp);
  memmove(w, mp->b_rptr, n);
  w += n;
  int need = len - n;
  mblk_t *bp = mp->b_cont;
  while(need > 0){
    int take = MBLKL(bp) < need ? MBLKL(bp) : need;
    memmove(w, bp->b_rptr, take);
    w += take;
    need -= take;
    bp->b_rptr += take;
    if(bp->b_rptr == bp->b_wptr){
      mblk_t *next = bp->b_cont;
      freeb(bp);
      bp = next;
    }
  }
  mp->b_cont = bp;
  dblk_t *old = mp->b_datap;
  if(__atomic_sub_fetch(&old->db_ref, 1, __ATOMIC_ACQ_REL) == 0)
    dbfree(old);
  mp->b_datap = db;
  mp->b_rptr = db->db_base;
  mp->b_wptr = w;
  return 1;
}

// Trim len bytes from the front (len > 0) or -len bytes from the back
// (len < 0). Emptied blocks stay in the chain with no bytes. Returns 1,
// or 0 (message unchanged) if it holds fewer bytes than that.
int
adjmsg(mblk_t *mp, int len)
{
  int total = msgsize(mp);
  if(len > total || len < -total)
    return 0;
  if(len >= 0){
    for(mblk_t *bp = mp; bp && len > 0; bp = bp->b_cont){
      int take = MBLKL(bp) < len ? MBLKL(bp) : len;
      bp->b_rptr += take;
      len -= take;
    }
  } else {
    int keep = total + len;   // bytes that stay, counted from the front
    for(mblk_t *bp = mp; bp; bp = bp->b_cont){
      if(keep >= MBLKL(bp)){
        keep -= MBLKL(bp);
      } else {
        bp->b_wptr = bp->b_rptr + keep;
        keep = 0;
      }
    }
  }
  return 1;
}

// Room for a header of len bytes in front of message mp. When mp's first
// block has the headroom and its data is not shared, the header goes
// there, without copying; otherwise a new block is put in front. Returns
// the message to use from now on (its b_rptr points at the len bytes), or
// 0 if memory is out – then mp is untouched and still the caller's.
mblk_t *
prependb(mblk_t *mp, int len)
{
  if(len < 0)
    return 0;
  if(MBLKHEAD(mp) >= len && mwritable(mp)){
    mp->b_rptr -= len;
    return mp;
  }
  // Leave headroom in the new block too, for the layers further down.
  int room = len + 64 <= STRBUFMAX ? 64 : STRBUFMAX - len;
  mblk_t *bp = allocb_headroom(len, room);
  if(bp == 0)
    return 0;
  bp->b_wptr += len;
  bp->b_datap->db_type = DB_TYPE(mp);
  bp->b_cont = mp;
  return bp;
}

mblk_t *
mkctlmsg(int type, const void *data, int len)
{
  mblk_t *mp = allocb(len, BPRI_HI);
  if(mp == 0)
    return 0;
  if(len > 0)
    memmove(mp->b_wptr, data, len);
  mp->b_wptr += len;
  DB_TYPE(mp) = type;
  return mp;
}

// A list of messages linked by b_next (a module's own hold list): each is
// taken off the list, so freemsg sees it on none, and freed.
void
freemsglist(mblk_t *mp)
{
  while(mp){
    mblk_t *next = mp->b_next;
    mp->b_next = mp->b_prev = 0;
    freemsg(mp);
    mp = next;
  }
}
