// HOSTTEST-SOURCES: modules/fish/fish_wire.c modules/fish/fish_link.c modules/fish/fish_school.c modules/fish/fish_serve.c modules/fish/fish_client.c modules/fish/fish_input.c modules/fish/fish_ctl.c modules/fish/fish_streams.c modules/netctl.c modules/eth.c modules/arp.c modules/ip.c tests/host/netstack.c kernel/callout.c kernel/streams/timer.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c tests/host/kshim.c
// test_fish_net.c: host tests of the FiSh driver (modules/fish/) on a
// network, under AddressSanitizer and UBSan. The driver is linked over eth
// on the fake card of tests/host/netstack.c, as fishd links it; the test
// plays the wire (FiSh nodes that answer, and forged ones) and fishd (the
// records on /dev/fish/daemon). It checks what a hostile peer must not
// get: a node evicted from the school by forged ANNOUNCEs takes nothing
// of its slot's next node along (old opens and fresh opens of its files
// fail with ENXIO, fishd is told to remove them), a listing that never
// ends or a reader that does not read costs bounded memory (message and
// data block counters), and a file size whose chunk count would wrap is
// refused with EFBIG instead of passing as an empty file.
#include "kshim.h"
#include "streams/stream.h"
#include "stropts.h"
#include "streams/strsubr.h"
#include "errno.h"
#include "fcntl.h"
#include "net/ether.h"
#include "fish.h"
#include "netstack.h"

char *strstr(const char *hay, const char *needle);
int atoi(const char *s);

static const uint8 us[6] = NS_MAC;
static int dfd, fishmajor;

// ---------------------------------------------------------------- the wire

enum { FK_NODE, FK_ENDLESS, FK_HUGE };

// A node the test plays. FK_NODE lists "a1 100" and `second`, and serves
// a1: 100 bytes of `fill`. FK_ENDLESS answers every XDIRASK with one entry
// of a listing `total` long. FK_HUGE says its file is `size` bytes.
struct fake {
  uint8 mac[6];
  char name[FISH_MAXNAME];
  int kind;
  int pings;                   // answers PING
  int mute;                    // answers nothing at all
  char fill;
  const char *second;
  uint32 total;
  uint64 size;
  uint32 crc;
  int asked;                   // requests it received
  uint64 lastask;              // uptime_ms of the last one
};

#define NFAKE 40
static struct fake *fakes[NFAKE];
static int nfakes;

static void
add_fake(struct fake *f)
{
  if(nfakes < NFAKE)
    fakes[nfakes++] = f;
}

static void
inject(const uint8 *dst, const uint8 *src, const uint8 *payload, int n)
{
  uint8 f[ETH_HLEN + FISH_PAYLOADMAX];
  memmove(f, dst, 6);
  memmove(f + 6, src, 6);
  f[12] = FISH_ETHERTYPE >> 8;
  f[13] = FISH_ETHERTYPE & 0xff;
  memmove(f + ETH_HLEN, payload, n);
  int len = ETH_HLEN + n;
  if(len < 60){
    memset(f + len, 0, 60 - len);
    len = 60;
  }
  ns_inject(f, len);
}

static void
announce(struct fake *k, const uint8 *dst)
{
  uint8 p[FISH_HAVEFILE_LEN];
  int n = fish_enc_classic(p, FISH_ANNOUNCE, k->name, 0, 0, 1);
  inject(dst, k->mac, p, n);
}

static void
answer(struct fake *k, int op, uint32 reqid, const uint8 *body, int len)
{
  uint8 p[FISH_PAYLOADMAX];
  int n = fish_enc_ext(p, op, reqid, body, len);
  if(n > 0)
    inject(us, k->mac, p, n);
}

static int
put_entry(uint8 *p, const char *name, uint32 size)
{
  int l = strlen(name);
  p[0] = l;
  memmove(p + 1, name, l);
  fish_put32(p + 1 + l, size);
  return 1 + l + 4;
}

// A page of an XDIRLIST: start, total, then the entries already in body+10.
static void
xdirlist(struct fake *k, uint32 reqid, uint32 start, uint32 total, int count,
         uint8 *body, int len)
{
  fish_put32(body, start);
  fish_put32(body + 4, total);
  fish_put16(body + 8, count);
  answer(k, FISH_XDIRLIST, reqid, body, len);
}

static void
fake_serve(struct fake *k, struct fish_msg *m, const uint8 *p)
{
  uint8 body[FISH_PAYLOADMAX];
  k->asked++;
  k->lastask = uptime_ms();
  if(k->mute)
    return;
  if(m->op == FISH_XDIRASK && k->kind == FK_ENDLESS){
    char nm[16];
    snprintf(nm, sizeof(nm), "n%u", m->start);
    xdirlist(k, m->reqid, m->start, k->total, 1, body, 10 + put_entry(body + 10, nm, 1));
  } else if(m->op == FISH_XDIRASK && k->kind == FK_NODE){
    int o = 10;
    o += put_entry(body + o, "a1", 100);
    o += put_entry(body + o, k->second, 200);
    xdirlist(k, m->reqid, 0, 2, 2, body, o);
  } else if(m->op == FISH_XGETFILE){
    uint8 data[100];
    memset(data, k->fill, sizeof(data));
    int ok = k->kind == FK_HUGE || strcmp(m->name, "a1") == 0;
    body[0] = ok ? FISH_XOK : FISH_XNOFILE;
    fish_put64(body + 1, k->kind == FK_HUGE ? k->size : 100);
    fish_put32(body + 9, k->kind == FK_HUGE ? k->crc : fish_crc32(0, data, 100));
    body[13] = strlen(m->name);
    memmove(body + 14, m->name, body[13]);
    answer(k, FISH_XINFO, m->reqid, body, 14 + body[13]);
  } else if(m->op == FISH_XREAD && k->kind == FK_NODE && m->first == 0 && (m->bitmap & 1)){
    fish_put64(body, 0);
    fish_put16(body + 8, 100);
    memset(body + 10, k->fill, 100);
    answer(k, FISH_XDATA, m->reqid, body, 110);
  }
}

// Frames the driver sent: PINGs are answered by every node that answers
// pings, requests by the node they are for.
static void
wire_step(int ms)
{
  uint8 f[ETH_MAXFRAME];
  int n;
  while((n = ns_sent(f, sizeof(f), ms)) > 0){
    ms = 0;
    if(n < ETH_HLEN + 1 || fish_get16(f + 12) != FISH_ETHERTYPE)
      continue;
    struct fish_msg m;
    if(fish_decode(f + ETH_HLEN, n - ETH_HLEN, &m) < 0)
      continue;
    for(int i = 0; i < nfakes; i++){
      struct fake *k = fakes[i];
      if(m.op == FISH_PING && k->pings && !k->mute)
        announce(k, us);
      else if(m.op != FISH_PING && memcmp(f, k->mac, 6) == 0)
        fake_serve(k, &m, f + ETH_HLEN);
    }
  }
}

// ---------------------------------------------------------------- fishd

// What the test's fishd heard: NODE notices (name, slot, gen), listings'
// FILE notices, and GONE notices.
#define NLOG 128
static struct { char name[FISH_MAXNAME]; int slot; uint32 gen; } nodelog[NLOG], gonelog[NLOG];
static int nnodes, ngone, nfilenotes;
static int hold_made;            // keep MADE answers back (in held) instead of sending them
static struct fish_down held;

static void
daemon_step(void)
{
  struct fish_up u;
  int r;
  while((r = kshim_read(dfd, &u, sizeof(u))) > 0){
    if(r != sizeof(u))
      continue;
    struct fish_down d;
    memset(&d, 0, sizeof(d));
    d.index = u.index;
    d.gen = u.gen;
    switch(u.kind){
    case FISH_UP_NODE:
      if(nnodes < NLOG){
        safestrcpy(nodelog[nnodes].name, u.name, FISH_MAXNAME);
        nodelog[nnodes].slot = u.index;
        nodelog[nnodes++].gen = u.gen;
      }
      d.kind = FISH_DN_MADE;
      if(hold_made)
        held = d;
      else
        kshim_write(dfd, &d, sizeof(d));
      break;
    case FISH_UP_FILE:
      nfilenotes++;
      break;
    case FISH_UP_FILESDONE:
      d.kind = FISH_DN_FILESMADE;
      kshim_write(dfd, &d, sizeof(d));
      break;
    case FISH_UP_GONE:
      if(ngone < NLOG){
        safestrcpy(gonelog[ngone].name, u.name, FISH_MAXNAME);
        gonelog[ngone].slot = u.index;
        gonelog[ngone++].gen = u.gen;
      }
      break;
    }
  }
}

// Play the wire and fishd for ms milliseconds.
static void
pump(int ms)
{
  uint64 end = uptime_ms() + ms;
  do {
    wire_step(1);
    daemon_step();
  } while(uptime_ms() < end);
}

// The last NODE notice for name: its slot (and *gen), or -1.
static int
slot_of(const char *name, uint32 *gen)
{
  for(int i = nnodes - 1; i >= 0; i--)
    if(strcmp(nodelog[i].name, name) == 0){
      if(gen)
        *gen = nodelog[i].gen;
      return nodelog[i].slot;
    }
  return -1;
}

// ---------------------------------------------------------------- files

static int
open_minor(int minor)
{
  char path[32];
  snprintf(path, sizeof(path), "#%d,%d", fishmajor, minor);
  return kshim_open(path, O_RDONLY | O_NONBLOCK);
}

// Read fd (non-blocking) to its end while playing the wire and fishd:
// 0 at end of file, -errno on an error, -ETIME if ms passed first. The
// text read goes to buf (max bytes kept, *got counts all).
static int
read_until(int fd, char *buf, int max, int *got, int ms)
{
  uint64 end = uptime_ms() + ms;
  int n = 0;
  char tmp[2048];
  buf[0] = 0;
  for(;;){
    int r = kshim_read(fd, tmp, sizeof(tmp));
    if(r > 0){
      int keep = n + r < max - 1 ? r : max - 1 - n;
      if(keep > 0){
        memmove(buf + n, tmp, keep);
        buf[n + keep] = 0;
      }
      n += r;
      if(got)
        *got = n;
      continue;
    }
    if(got)
      *got = n;
    if(r == 0 || r != -EAGAIN)
      return r;
    if(uptime_ms() >= end)
      return -ETIME;
    pump(2);
  }
}

static int
request(const char *line)
{
  int fd = kshim_open("fish/req", O_RDWR | O_NONBLOCK);
  if(fd >= 0)
    kshim_write(fd, line, strlen(line));
  return fd;
}

static void
ctl(const char *text)
{
  if(ns_ctl("fish/ctl", text, 0, 0) < 0)
    printf("# fish ctl %s refused\n", text);
}

// A counter of /dev/fish/ctl ("evictions", "drop client-busy").
static long
counter(const char *key)
{
  static char text[4096];
  int fd = kshim_open("fish/ctl", O_RDONLY | O_NONBLOCK);
  if(fd < 0)
    return -1;
  read_until(fd, text, sizeof(text), 0, 1000);
  kshim_close(fd);
  char pat[64];
  snprintf(pat, sizeof(pat), "\n%s ", key);
  char *p = strstr(text, pat);
  return p ? atoi(p + strlen(pat)) : -1;
}

static char text[1 << 17];

static int
do_ping(void)
{
  int fd = kshim_open("fish/ping", O_RDONLY | O_NONBLOCK);
  int r = read_until(fd, text, sizeof(text), 0, 5000);
  kshim_close(fd);
  return r;
}

// ---------------------------------------------------------------- identity

static struct fake alice = { { 0x02, 0, 0, 0, 0, 0xa1 }, "alice", FK_NODE, 1, 0, 'A', "a2" };
static struct fake forged[FISH_SCHOOL];

// Alice is listed, then evicted by 32 forged ANNOUNCEs (from 32 made-up
// addresses: 31 free slots, then hers): whoever holds her slot now must
// be unreachable through what was opened, or made, for her.
static void
test_identity(void)
{
  int got;
  char want[128];
  add_fake(&alice);
  EXPECT("id/ping", do_ping(), 0);
  snprintf(want, sizeof(want), "alice 02:00:00:00:00:a1\n");
  CHECK("id/ping_lists_alice", strstr(text, want) != 0);
  uint32 gen = 0;
  int slot = slot_of("alice", &gen);
  CHECK("id/fishd_told", slot >= 0 && slot < FISH_SCHOOL && gen != 0);
  if(slot < 0)
    return;

  int fd = open_minor(FISH_MINOR_DIR(slot));
  CHECK("id/dir_open", fd >= 0);
  EXPECT("id/dir_read", read_until(fd, text, sizeof(text), 0, 3000), 0);
  CHECK("id/dir_text", strcmp(text, "a1 100\na2 200\n") == 0);
  kshim_close(fd);
  fd = open_minor(FISH_MINOR_FILE(slot, 0));
  CHECK("id/file_open", fd >= 0);
  EXPECT("id/file_read", read_until(fd, text, sizeof(text), &got, 3000), 0);
  CHECK("id/file_is_alices", got == 100 && text[0] == 'A' && text[99] == 'A');
  kshim_close(fd);

  // Opened while alice is still there, with requests under way that she
  // does not answer; then the flood.
  alice.mute = 1;
  int asked = alice.asked;
  int olddir = open_minor(FISH_MINOR_DIR(slot));
  int oldfile = open_minor(FISH_MINOR_FILE(slot, 0));
  CHECK("id/old_opens", olddir >= 0 && oldfile >= 0);
  uint64 end = uptime_ms() + 2000;
  while(alice.asked < asked + 2 && uptime_ms() < end)
    pump(2);
  CHECK("id/old_requests_out", alice.asked >= asked + 2);
  long ev = counter("evictions");
  int gone0 = ngone, files0 = nfilenotes;
  for(int i = 0; i < FISH_SCHOOL; i++){
    struct fake *k = &forged[i];
    uint8 mac[6] = { 0x02, 0x66, 0, 0, 0, i };
    memmove(k->mac, mac, 6);
    snprintf(k->name, sizeof(k->name), "forged%d", i);
    k->kind = FK_NODE;
    k->fill = 'E';
    k->second = "evil";
    add_fake(k);
    announce(k, eth_broadcast);
  }
  pump(20);
  EXPECT("id/one_eviction", counter("evictions") - ev, 1);

  // The old opens end with ENXIO and never read the new node.
  EXPECT("id/old_dir_enxio", read_until(olddir, text, sizeof(text), 0, 3000), -ENXIO);
  CHECK("id/old_dir_nothing_of_new", strstr(text, "evil") == 0);
  EXPECT("id/old_file_enxio", read_until(oldfile, text, sizeof(text), &got, 3000), -ENXIO);
  CHECK("id/old_file_nothing_of_new", got == 0 || text[0] != 'E');
  kshim_close(olddir);
  kshim_close(oldfile);

  // fishd heard that alice's files must go.
  int told = 0;
  for(int i = gone0; i < ngone; i++)
    told += gonelog[i].slot == slot && gonelog[i].gen == gen &&
            strcmp(gonelog[i].name, "alice") == 0;
  EXPECT("id/fishd_told_gone", told, 1);

  // Her dir file, opened now, does not reach the slot's new node.
  fd = open_minor(FISH_MINOR_DIR(slot));
  EXPECT("id/fresh_dir_enxio", fd, -ENXIO);
  if(fd >= 0){
    read_until(fd, text, sizeof(text), 0, 3000);
    CHECK("id/fresh_dir_nothing_of_new", strstr(text, "evil") == 0);
    kshim_close(fd);
  }
  // Listing the new node by name works (it is in the school), but gives
  // fishd no files to make under alice's directory, and her file does
  // not open onto its files.
  fd = request("list forged31");
  EXPECT("id/list_new_node", read_until(fd, text, sizeof(text), 0, 3000), 0);
  CHECK("id/list_new_node_text", strstr(text, "evil 200") != 0);
  kshim_close(fd);
  EXPECT("id/no_files_under_alice", nfilenotes - files0, 0);
  fd = open_minor(FISH_MINOR_FILE(slot, 0));
  EXPECT("id/fresh_file_enxio", fd, -ENXIO);
  if(fd >= 0){
    read_until(fd, text, sizeof(text), &got, 3000);
    CHECK("id/fresh_file_nothing_of_new", got == 0 || text[0] != 'E');
    kshim_close(fd);
  }

  // Alice answers again: the next ping brings her back, in a slot of
  // her own, with files that open.
  alice.mute = 0;
  EXPECT("id/ping_again", do_ping(), 0);
  uint32 gen2;
  int slot2 = slot_of("alice", &gen2);
  CHECK("id/alice_back", slot2 >= 0 && (slot2 != slot || gen2 != gen));
  fd = open_minor(FISH_MINOR_DIR(slot2));
  EXPECT("id/back_dir_read", fd >= 0 ? read_until(fd, text, sizeof(text), 0, 3000) : fd, 0);
  CHECK("id/back_dir_text", strcmp(text, "a1 100\na2 200\n") == 0);
  if(fd >= 0)
    kshim_close(fd);

  // "forget" empties the school: fishd hears of alice again.
  int gone1 = ngone;
  ctl("forget");
  pump(10);
  told = 0;
  for(int i = gone1; i < ngone; i++)
    told += gonelog[i].slot == slot2 && gonelog[i].gen == gen2;
  EXPECT("id/forget_tells_fishd", told, 1);
  nfakes = 0;
}

// fishd answers MADE for a node only after the node has left (its GONE
// came first): the driver sends the GONE again, once, so that files made
// late go too.
static struct fake bob = { { 0x02, 0, 0, 0, 0, 0xb0 }, "bob", FK_NODE, 1, 0, 'B', "b2" };
static struct fake forged2[FISH_SCHOOL];

static int
gone_count(int slot, uint32 gen)
{
  int n = 0;
  for(int i = 0; i < ngone; i++)
    n += gonelog[i].slot == slot && gonelog[i].gen == gen;
  return n;
}

static void
test_late_made(void)
{
  add_fake(&bob);
  hold_made = 1;
  do_ping();                     // lists bob, waits for MADE in vain
  hold_made = 0;
  uint32 gen = 0;
  int slot = slot_of("bob", &gen);
  CHECK("late/told", slot >= 0 && held.index == (uint32)slot && held.gen == gen);
  if(slot < 0)
    return;
  EXPECT("late/not_made_no_open", open_minor(FISH_MINOR_DIR(slot)), -ENXIO);
  for(int i = 0; i < FISH_SCHOOL; i++){
    struct fake *k = &forged2[i];
    uint8 mac[6] = { 0x02, 0x77, 0, 0, 0, i };
    memmove(k->mac, mac, 6);
    snprintf(k->name, sizeof(k->name), "flood%d", i);
    k->kind = FK_NODE;
    k->fill = 'E';
    k->second = "evil";
    announce(k, eth_broadcast);
  }
  pump(20);
  EXPECT("late/gone_once", gone_count(slot, gen), 1);
  kshim_write(dfd, &held, sizeof(held));          // the MADE, late
  pump(20);
  EXPECT("late/gone_again", gone_count(slot, gen), 2);
  kshim_write(dfd, &held, sizeof(held));          // and once more: no more
  pump(20);
  EXPECT("late/gone_only_once_more", gone_count(slot, gen), 2);
  EXPECT("late/no_open", open_minor(FISH_MINOR_DIR(slot)), -ENXIO);
  ctl("forget");
  pump(10);
  nfakes = 0;
}

// ---------------------------------------------------------------- sizes

static struct fake huge = { { 0x02, 0, 0, 0, 0, 0xb1 }, "huge", FK_HUGE, 1 };

// XINFO sizes near 2^64 wrapped the chunk count to 0: with crc 0 that
// passed as an empty file. Sizes beyond FISH_SIZEMAX fail with EFBIG.
static void
test_sizes(void)
{
  static const uint64 bad[] = { 0xffffffffffffffffull, 0xffffffffffffffffull - 1470,
                                1ull << 63, FISH_SIZEMAX + 1 };
  add_fake(&huge);
  EXPECT("size/ping", do_ping(), 0);
  for(int i = 0; i < (int)NELEM(bad); i++){
    char tag[64];
    int got;
    huge.size = bad[i];
    huge.crc = 0;
    int fd = request("get huge big");
    snprintf(tag, sizeof(tag), "size/%d_efbig", i);
    EXPECT(tag, read_until(fd, text, sizeof(text), &got, 3000), -EFBIG);
    snprintf(tag, sizeof(tag), "size/%d_no_bytes", i);
    EXPECT(tag, got, 0);
    kshim_close(fd);
  }
  // a real empty file (size 0, CRC-32 of nothing is 0) is one
  huge.size = 0;
  int got = -1;
  int fd = request("get huge empty");
  EXPECT("size/empty_ok", read_until(fd, text, sizeof(text), &got, 3000), 0);
  EXPECT("size/empty_no_bytes", got, 0);
  kshim_close(fd);
  nfakes = 0;
}

// ---------------------------------------------------------------- listings

static struct fake lister = { { 0x02, 0, 0, 0, 0, 0xc1 }, "lister", FK_ENDLESS, 1 };

static int
quiet_blocks(void *arg)
{
  int *base = arg;
  pump(1);
  return st_nmblk == base[0] && st_ndblk == base[1];
}

// Pump until the lister has not been asked for quiet_ms (1), or ms pass (0).
static int
until_not_asked(int quiet_ms, int ms)
{
  uint64 end = uptime_ms() + ms;
  while(uptime_ms() < end){
    pump(5);
    if(uptime_ms() - lister.lastask >= (uint64)quiet_ms)
      return 1;
  }
  return 0;
}

// A node that announces a listing as long as allowed, one entry a page,
// and a reader that reads nothing: the driver stops asking once the
// reader's queue is full, memory stays bounded and comes back on close.
// A reader that then reads gets every name, in order. A listing longer
// than FISH_LISTMAX (total 0xffffffff) fails at once with E2BIG.
static void
test_listing(void)
{
  add_fake(&lister);
  EXPECT("list/ping", do_ping(), 0);
  pump(20);
  int base[2] = { st_nmblk, st_ndblk };

  lister.total = FISH_LISTMAX;
  lister.asked = 0;
  lister.lastask = uptime_ms();
  int fd = request("list lister");
  int stalled = until_not_asked(500, 8000);
  printf("# listing with a reader that does not read: %d pages asked, "
         "%d message and %d data blocks above the baseline\n",
         lister.asked, st_nmblk - base[0], st_ndblk - base[1]);
  CHECK("list/stops_asking", stalled);
  CHECK("list/pages_bounded", lister.asked > 0 && lister.asked < 4000);
  CHECK("list/mblks_bounded", st_nmblk - base[0] <= 64);
  CHECK("list/dblks_bounded", st_ndblk - base[1] <= 64);
  // pages nobody asked for are refused, not kept
  uint8 body[64];
  for(int i = 0; i < 300; i++){
    int o = 10 + put_entry(body + 10, "pushed", 1);
    xdirlist(&lister, 0, lister.asked, FISH_LISTMAX, 1, body, o);
  }
  pump(50);
  CHECK("list/pushed_pages_not_kept", st_nmblk - base[0] <= 64 && st_ndblk - base[1] <= 64);
  kshim_close(fd);
  CHECK("list/blocks_back_after_close", kshim_waitfor(quiet_blocks, base, 3000));

  // A slow reader misses nothing.
  lister.total = 3000;
  fd = request("list lister");
  until_not_asked(300, 8000);
  int got;
  int r = read_until(fd, text, sizeof(text), &got, 10000);
  EXPECT("list/complete_eof", r, 0);
  int ok = 1, off = 0;
  for(uint32 i = 0; i < lister.total && ok; i++){
    char line[32];
    int n = snprintf(line, sizeof(line), "n%u 1\n", i);
    ok = off + n <= got && memcmp(text + off, line, n) == 0;
    off += n;
  }
  CHECK("list/complete_in_order", ok && off == got);
  kshim_close(fd);

  // No end a reader could wait for.
  lister.total = 0xffffffff;
  fd = request("list lister");
  EXPECT("list/endless_e2big", read_until(fd, text, sizeof(text), &got, 3000), -E2BIG);
  kshim_close(fd);
  CHECK("list/blocks_back_at_end", kshim_waitfor(quiet_blocks, base, 3000));
  nfakes = 0;
}

int
main(void)
{
  if(ns_up() < 0){
    printf("FAIL net/up: cannot plumb the stack\n");
    return 1;
  }
  dfd = ns_link_eth_under("fish/daemon", O_RDWR | O_NONBLOCK, "bind 0x3250");
  CHECK("net/fish_linked", dfd >= 0);
  if(dfd < 0)
    return 1;
  kshim_ioctl(dfd, I_SRDOPT, RMSGD);
  int c = kshim_open("fish/ctl", O_RDONLY | O_NONBLOCK);
  fishmajor = kshim_file(c)->major;
  kshim_close(c);
  // quick settings: a ping waits 100 ms, requests repeat every 50 ms
  ctl("wait 100");
  ctl("reqrto 50");
  ctl("rto 50");
  ctl("timeout 1500");
  pump(50);                      // the driver learns its address
  test_identity();
  test_late_made();
  test_sizes();
  test_listing();
  return kshim_failures != 0;
}
