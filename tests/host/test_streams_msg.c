// HOSTTEST-SOURCES: kernel/streams/msg.c tests/host/kshim.c
// test_streams_msg.c: host unit tests of STREAMS messages (msg.c):
// allocation with headroom, sharing (dupb) and copying (copyb), pullupmsg,
// adjmsg from both ends, prependb, and the block counters returning to
// zero – the leak check the in-guest tests rely on.
#include "kshim.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

static mblk_t *
mkdata(const char *s)
{
  int n = strlen(s);
  mblk_t *mp = allocb(n, BPRI_MED);
  memmove(mp->b_wptr, s, n);
  mp->b_wptr += n;
  return mp;
}

// The bytes of a message as a string (test buffers are small).
static const char *
text(mblk_t *mp)
{
  static char buf[256];
  int n = 0;
  for(; mp && n < 255; mp = mp->b_cont)
    for(uchar *p = mp->b_rptr; p < mp->b_wptr && n < 255; p++)
      buf[n++] = *p;
  buf[n] = 0;
  return buf;
}

static void
test_alloc(void)
{
  mblk_t *mp = allocb(100, BPRI_MED);
  CHECK("alloc/ok", mp != 0);
  EXPECT("alloc/empty", MBLKL(mp), 0);
  EXPECT("alloc/room", MBLKTAIL(mp), 100);
  EXPECT("alloc/type", DB_TYPE(mp), M_DATA);
  EXPECT("alloc/counts", st_nmblk * 10 + st_ndblk, 11);
  freemsg(mp);
  EXPECT("alloc/freed", st_nmblk + st_ndblk, 0);

  CHECK("alloc/max", (mp = allocb(STRBUFMAX, BPRI_MED)) != 0);
  freemsg(mp);
  CHECK("alloc/toobig", allocb(STRBUFMAX + 1, BPRI_MED) == 0);
  CHECK("alloc/negative", allocb(-1, BPRI_MED) == 0);

  mp = allocb_headroom(10, 40);
  EXPECT("headroom/front", MBLKHEAD(mp), 40);
  EXPECT("headroom/tail", MBLKTAIL(mp), 10);
  freemsg(mp);

  kshim_failalloc(1);
  CHECK("alloc/nomem", allocb(10, BPRI_MED) == 0);
  CHECK("alloc/failcount", st_allocfail >= 1);
  EXPECT("alloc/nomem_noleak", st_nmblk + st_ndblk, 0);
}

static void
test_dup_copy(void)
{
  mblk_t *a = mkdata("hello");
  mblk_t *d = dupb(a);
  CHECK("dupb/shares", d->b_datap == a->b_datap && d->b_rptr == a->b_rptr);
  EXPECT("dupb/ref", a->b_datap->db_ref, 2);
  EXPECT("dupb/writable", mwritable(a), 0);
  EXPECT("dupb/counts", st_nmblk * 10 + st_ndblk, 21);
  freeb(a);
  EXPECT("dupb/ref_after", d->b_datap->db_ref, 1);
  CHECK("dupb/data_lives", strcmp(text(d), "hello") == 0);
  CHECK("dupb/writable_again", mwritable(d));

  mblk_t *c = copyb(d);
  CHECK("copyb/private", c->b_datap != d->b_datap);
  *c->b_rptr = 'j';
  CHECK("copyb/independent", strcmp(text(d), "hello") == 0 && strcmp(text(c), "jello") == 0);
  freeb(c);
  freeb(d);

  mblk_t *m = mkdata("ab");
  linkb(m, mkdata("cd"));
  linkb(m, mkdata("ef"));
  mblk_t *dm = dupmsg(m), *cm = copymsg(m);
  CHECK("dupmsg/text", strcmp(text(dm), "abcdef") == 0);
  CHECK("copymsg/text", strcmp(text(cm), "abcdef") == 0);
  EXPECT("msgdsize", msgdsize(m), 6);
  DB_TYPE(m) = M_PROTO;
  EXPECT("msgdsize/skips_proto", msgdsize(m), 4);
  EXPECT("msgsize/all", msgsize(m), 6);
  mblk_t *rest = unlinkb(m);
  CHECK("unlinkb", m->b_cont == 0 && strcmp(text(rest), "cdef") == 0);
  freemsg(rest);
  freemsg(m);
  freemsg(dm);
  freemsg(cm);

  m = mkdata("x");
  linkb(m, mkdata("y"));
  kshim_failalloc(3);   // the second block of the copy fails
  CHECK("copymsg/nomem", copymsg(m) == 0);
  kshim_failalloc(0);
  freemsg(m);
  EXPECT("dup_copy/noleak", st_nmblk + st_ndblk, 0);
}

static void
test_pullup(void)
{
  mblk_t *m = mkdata("ab");
  linkb(m, mkdata("cde"));
  linkb(m, mkdata("fg"));
  mblk_t *keep = m;
  CHECK("pullup/4", pullupmsg(m, 4) == 1);
  CHECK("pullup/same_head", m == keep);
  EXPECT("pullup/first_len", MBLKL(m), 4);
  CHECK("pullup/text", strcmp(text(m), "abcdefg") == 0);
  CHECK("pullup/all", pullupmsg(m, -1) == 1);
  EXPECT("pullup/one_block", m->b_cont == 0, 1);
  CHECK("pullup/text_all", strcmp(text(m), "abcdefg") == 0);
  CHECK("pullup/too_long", pullupmsg(m, 8) == 0);
  freemsg(m);

  // pullup of a shared block leaves the other sharer alone
  m = mkdata("12");
  linkb(m, mkdata("34"));
  mblk_t *d = dupb(m);
  CHECK("pullup/shared", pullupmsg(m, -1) == 1);
  CHECK("pullup/other_intact", MBLKL(d) == 2 && strcmp(text(d), "12") == 0);
  freemsg(d);
  freemsg(m);

  // only blocks of the first block's type are gathered
  m = mkdata("hd");
  DB_TYPE(m) = M_PROTO;
  linkb(m, mkdata("data"));
  CHECK("pullup/type_stops", pullupmsg(m, 3) == 0);
  freemsg(m);
  EXPECT("pullup/noleak", st_nmblk + st_ndblk, 0);
}

static void
test_adj(void)
{
  mblk_t *m = mkdata("abc");
  linkb(m, mkdata("defg"));
  CHECK("adj/front", adjmsg(m, 4) == 1 && strcmp(text(m), "efg") == 0);
  CHECK("adj/back", adjmsg(m, -2) == 1 && strcmp(text(m), "e") == 0);
  CHECK("adj/too_much", adjmsg(m, 2) == 0 && strcmp(text(m), "e") == 0);
  CHECK("adj/too_much_back", adjmsg(m, -2) == 0);
  CHECK("adj/to_empty", adjmsg(m, -1) == 1 && msgsize(m) == 0);
  freemsg(m);

  m = mkdata("0123456789");
  CHECK("adj/back_one_block", adjmsg(m, -3) == 1 && strcmp(text(m), "0123456") == 0);
  freemsg(m);
  EXPECT("adj/noleak", st_nmblk + st_ndblk, 0);
}

static void
test_prepend(void)
{
  // room in front: the header goes there, no new block
  mblk_t *m = allocb_headroom(5, 14);
  memmove(m->b_wptr, "hello", 5);
  m->b_wptr += 5;
  mblk_t *p = prependb(m, 14);
  CHECK("prepend/in_place", p == m && MBLKL(m) == 19 && MBLKHEAD(m) == 0);
  EXPECT("prepend/one_block", st_nmblk, 1);
  freemsg(p);

  // no room: a new block in front
  m = mkdata("hello");
  p = prependb(m, 8);
  CHECK("prepend/new_block", p != m && p->b_cont == m && MBLKL(p) == 8);
  memmove(p->b_rptr, "HEADER: ", 8);
  CHECK("prepend/text", strcmp(text(p), "HEADER: hello") == 0);
  freemsg(p);

  // shared data is never written into: a new block even with room
  m = allocb_headroom(2, 10);
  m->b_wptr += 2;
  mblk_t *d = dupb(m);
  p = prependb(m, 4);
  CHECK("prepend/shared", p != m && MBLKHEAD(d) == 10);
  freemsg(p);
  freemsg(d);

  m = mkdata("z");
  kshim_failalloc(1);
  CHECK("prepend/nomem", prependb(m, 100) == 0 && strcmp(text(m), "z") == 0);
  kshim_failalloc(0);
  freemsg(m);

  m = mkctlmsg(M_FLUSH, "\x03", 1);
  CHECK("ctlmsg", DB_TYPE(m) == M_FLUSH && MBLKL(m) == 1 && *m->b_rptr == FLUSHRW);
  freemsg(m);
  EXPECT("prepend/noleak", st_nmblk + st_ndblk, 0);
}

int
main(void)
{
  long base = kshim_kmalloc_live();
  test_alloc();
  test_dup_copy();
  test_pullup();
  test_adj();
  test_prepend();
  EXPECT("msg/kmalloc_baseline", kshim_kmalloc_live(), base);
  return kshim_failures != 0;
}
