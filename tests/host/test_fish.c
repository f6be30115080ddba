// HOSTTEST-SOURCES: modules/fish/fish_wire.c modules/fish/fish_link.c modules/fish/fish_school.c modules/fish/fish_serve.c modules/fish/fish_client.c modules/fish/fish_input.c modules/fish/fish_ctl.c modules/fish/fish_streams.c modules/netctl.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c tests/host/kshim.c
// test_fish.c: host unit tests of the FiSh driver (modules/fish/) under
// AddressSanitizer and UBSan: the frame codec (every opcode both ways,
// the CRC, the capability marker, classic padding of any content),
// malformed frames (every truncation, every single-byte corruption, bad
// lengths, random bytes) refused without reading out of bounds, and the
// device files that work without a network (ctl, a ping with no link, the
// single daemon, bad requests).
#include "kshim.h"
#include "streams/stream.h"
#include "stropts.h"
#include "errno.h"
#include "fcntl.h"
#include "fish.h"

void streams_init(void);
// the host C library (kernel headers are included, not its own)
void *malloc(unsigned long n);
void free(void *p);
char *strstr(const char *hay, const char *needle);

// The driver's timers: nothing here needs them to fire.
int timeout(void (*fn)(void *), void *arg, int ms) { return 0; }
void untimeout(int id) { }

static uint32 rng = 12345;
static uint32
rnd(void)
{
  rng = rng * 1103515245u + 12345u;
  return rng >> 8;
}

static void
test_crc(void)
{
  EXPECT("crc/vector", fish_crc32(0, "123456789", 9), 0xCBF43926u);
  // fed in pieces, the same
  uint32 c = fish_crc32(0, "1234", 4);
  EXPECT("crc/pieces", fish_crc32(c, "56789", 5), 0xCBF43926u);
  EXPECT("crc/empty", fish_crc32(0, "", 0), 0);
}

static void
test_classic(void)
{
  uint8 buf[FISH_HAVEFILE_LEN], block[FISH_BLOCK];
  struct fish_msg m;

  int n = fish_enc_classic(buf, FISH_ANNOUNCE, "node7", 0, 0, 1);
  EXPECT("classic/announce_len", n, FISH_MINPAYLOAD);
  EXPECT("classic/announce_ok", fish_decode(buf, n, &m), 0);
  CHECK("classic/announce_name", strcmp(m.name, "node7") == 0);
  EXPECT("classic/announce_cap", m.cap, 1);
  n = fish_enc_classic(buf, FISH_ANNOUNCE, "node7", 0, 0, 0);
  fish_decode(buf, n, &m);
  EXPECT("classic/announce_nocap", m.cap, 0);
  // an original node's padding is anything at all: never the marker
  memset(buf + FISH_ANNOUNCE_LEN, 0x33, FISH_MINPAYLOAD - FISH_ANNOUNCE_LEN);
  fish_decode(buf, n, &m);
  EXPECT("classic/garbage_padding_nocap", m.cap, 0);
  // the longest name that fits, and one too long for the field
  n = fish_enc_classic(buf, FISH_ANNOUNCE, "abcdefghijklmnopqrstuvwxyz", 0, 0, 1);
  fish_decode(buf, n, &m);
  EXPECT("classic/announce_name_cut", strlen(m.name), FISH_NODEMAX);
  EXPECT("classic/announce_cut_keeps_cap", m.cap, 1);
  // an empty name is no node
  memset(buf, 0, sizeof(buf));
  buf[0] = FISH_ANNOUNCE;
  CHECK("classic/announce_empty", fish_decode(buf, FISH_MINPAYLOAD, &m) < 0);

  // PING and DIRASK ignore padding, whatever it holds (the original
  // starter code fills it with 1..45)
  buf[0] = FISH_PING;
  for(int i = 1; i < FISH_MINPAYLOAD; i++)
    buf[i] = i;
  EXPECT("classic/ping_padding", fish_decode(buf, FISH_MINPAYLOAD, &m), 0);
  EXPECT("classic/ping_op", m.op, FISH_PING);
  buf[0] = FISH_DIRASK;
  EXPECT("classic/dirask", fish_decode(buf, 1, &m), 0);

  // names of exactly 7 characters have no NUL
  n = fish_enc_classic(buf, FISH_GETFILE, "seven77", 0, 0, 0);
  fish_decode(buf, n, &m);
  CHECK("classic/getfile_7", strcmp(m.name, "seven77") == 0);
  n = fish_enc_classic(buf, FISH_GETFILE, "eight888", 0, 0, 0);
  fish_decode(buf, n, &m);
  CHECK("classic/getfile_cut", strcmp(m.name, "eight88") == 0);
  n = fish_enc_classic(buf, FISH_GETFILE, "", 0, 0, 0);
  fish_decode(buf, n, &m);
  EXPECT("classic/getfile_empty_badname", m.badname, 1);

  for(int i = 0; i < FISH_BLOCK; i++)
    block[i] = i;
  n = fish_enc_classic(buf, FISH_HAVEFILE, "data", block, FISH_BLOCK, 0);
  EXPECT("classic/havefile_len", n, FISH_HAVEFILE_LEN);
  EXPECT("classic/havefile_ok", fish_decode(buf, n, &m), 0);
  CHECK("classic/havefile_data", m.datalen == FISH_BLOCK &&
        memcmp(buf + m.dataoff, block, FISH_BLOCK) == 0);
  // too short for its opcode: every length below the layout
  int shorts = 0;
  for(int len = 0; len < FISH_HAVEFILE_LEN; len++)
    shorts += fish_decode(buf, len, &m) < 0;
  EXPECT("classic/havefile_short", shorts, FISH_HAVEFILE_LEN);
  n = fish_enc_classic(buf, FISH_DIRLIST, 0, (const uint8 *)"hello\0\0block\0\0", 14, 0);
  EXPECT("classic/dirlist_len", n, FISH_DIRLIST_LEN);
  CHECK("classic/dirlist_short", fish_decode(buf, FISH_DIRLIST_LEN - 1, &m) < 0);
  EXPECT("classic/dirlist_ok", fish_decode(buf, n, &m), 0);

  // unknown opcodes are refused, whatever follows them
  int unknown = 0, refused = 0;
  for(int op = 0; op < 256; op++){
    int known = (op >= FISH_ANNOUNCE && op <= FISH_NOFILE) || (op >= FISH_XDIRASK && op <= FISH_XDATA);
    if(known)
      continue;
    memset(buf, 0, FISH_MINPAYLOAD);
    buf[0] = op;
    unknown++;
    refused += fish_decode(buf, FISH_MINPAYLOAD, &m) < 0;
  }
  EXPECT("classic/unknown_opcodes", refused, unknown);
}

// Build an extended frame, decode it, and check every corruption of it.
static int
ext_roundtrip(const char *name, int op, const uint8 *body, int bodylen, struct fish_msg *m)
{
  uint8 buf[FISH_PAYLOADMAX], bad[FISH_PAYLOADMAX + 16];
  char tag[64];
  int n = fish_enc_ext(buf, op, 4242, body, bodylen);
  snprintf(tag, sizeof(tag), "ext/%s/ok", name);
  EXPECT(tag, fish_decode(buf, n, m), 0);
  snprintf(tag, sizeof(tag), "ext/%s/reqid", name);
  EXPECT(tag, m->reqid, 4242);
  // every truncation is refused
  struct fish_msg t;
  int refused = 0;
  for(int len = 0; len < n; len++)
    refused += fish_decode(buf, len, &t) < 0;
  snprintf(tag, sizeof(tag), "ext/%s/truncated", name);
  EXPECT(tag, refused, n);
  // every single-byte change (but of the opcode into another valid one)
  // is caught; Ethernet padding after the frame is not
  int caught = 0, tried = 0;
  for(int i = 1; i < n; i++){
    memmove(bad, buf, n);
    bad[i] ^= 1 + (rnd() % 255);
    tried++;
    caught += fish_decode(bad, n, &t) < 0;
  }
  snprintf(tag, sizeof(tag), "ext/%s/corrupted", name);
  EXPECT(tag, caught, tried);
  memmove(bad, buf, n);
  memset(bad + n, 0x5a, 10);
  snprintf(tag, sizeof(tag), "ext/%s/padded", name);
  EXPECT(tag, fish_decode(bad, n + 10, &t), 0);
  return n;
}

static void
test_ext(void)
{
  uint8 body[FISH_PAYLOADMAX];
  struct fish_msg m;

  fish_put32(body, 77);
  ext_roundtrip("xdirask", FISH_XDIRASK, body, 4, &m);
  EXPECT("ext/xdirask/start", m.start, 77);

  // XDIRLIST with two entries
  int o = 10;
  const char *names[] = { "hello", "a-long-file-name-of-30-chars.x" };
  for(int i = 0; i < 2; i++){
    int l = strlen(names[i]);
    body[o] = l;
    memmove(body + o + 1, names[i], l);
    fish_put32(body + o + 1 + l, 1000 * (i + 1));
    o += 1 + l + 4;
  }
  fish_put32(body, 3);
  fish_put32(body + 4, 5);
  fish_put16(body + 8, 2);
  ext_roundtrip("xdirlist", FISH_XDIRLIST, body, o, &m);
  EXPECT("ext/xdirlist/total", m.total, 5);
  EXPECT("ext/xdirlist/count", m.count, 2);
  {
    uint8 buf[FISH_PAYLOADMAX];
    int n = fish_enc_ext(buf, FISH_XDIRLIST, 1, body, o);
    fish_decode(buf, n, &m);
    char name[FISH_NAMEMAX + 1];
    uint32 size;
    int off = 0, ok = 1;
    for(int i = 0; i < 2; i++)
      ok &= fish_xdir_next(buf + m.dataoff, m.datalen, &off, name, &size) == 0 &&
            strcmp(name, names[i]) == 0 && size == 1000u * (i + 1);
    CHECK("ext/xdirlist/entries", ok);
    CHECK("ext/xdirlist/end", fish_xdir_next(buf + m.dataoff, m.datalen, &off, name, &size) < 0);
    // a count larger than the entries is refused
    fish_put16(body + 8, 3);
    n = fish_enc_ext(buf, FISH_XDIRLIST, 1, body, o);
    CHECK("ext/xdirlist/overcount", fish_decode(buf, n, &m) < 0);
  }

  // names: ordinary, longest, too long, empty, with a NUL
  body[0] = 5;
  memmove(body + 1, "hello", 5);
  ext_roundtrip("xgetfile", FISH_XGETFILE, body, 6, &m);
  CHECK("ext/xgetfile/name", strcmp(m.name, "hello") == 0 && !m.badname);
  uint8 buf[FISH_PAYLOADMAX];
  body[0] = FISH_NAMEMAX;
  memset(body + 1, 'n', FISH_NAMEMAX);
  int n = fish_enc_ext(buf, FISH_XGETFILE, 1, body, 1 + FISH_NAMEMAX);
  fish_decode(buf, n, &m);
  CHECK("ext/xgetfile/longest", strlen(m.name) == FISH_NAMEMAX && !m.badname);
  body[0] = FISH_NAMEMAX + 1;
  memset(body + 1, 'n', FISH_NAMEMAX + 1);
  n = fish_enc_ext(buf, FISH_XGETFILE, 1, body, 2 + FISH_NAMEMAX);
  EXPECT("ext/xgetfile/toolong_ok", fish_decode(buf, n, &m), 0);
  CHECK("ext/xgetfile/toolong_bad", m.badname && m.name[0] == 0);
  body[0] = 0;
  n = fish_enc_ext(buf, FISH_XGETFILE, 1, body, 1);
  fish_decode(buf, n, &m);
  CHECK("ext/xgetfile/empty_bad", m.badname && m.name[0] == 0);
  body[0] = 3;
  memmove(body + 1, "a\0b", 3);
  n = fish_enc_ext(buf, FISH_XGETFILE, 1, body, 4);
  fish_decode(buf, n, &m);
  CHECK("ext/xgetfile/nul_bad", m.badname && m.name[0] == 0);
  body[0] = 200;             // longer than the frame
  n = fish_enc_ext(buf, FISH_XGETFILE, 1, body, 4);
  CHECK("ext/xgetfile/past_end", fish_decode(buf, n, &m) < 0);

  body[0] = FISH_XOK;
  fish_put64(body + 1, 8388608);
  fish_put32(body + 9, 0xdeadbeef);
  body[13] = 3;
  memmove(body + 14, "big", 3);
  ext_roundtrip("xinfo", FISH_XINFO, body, 17, &m);
  CHECK("ext/xinfo/fields", m.status == FISH_XOK && m.size == 8388608 &&
        m.crc == 0xdeadbeef && strcmp(m.name, "big") == 0);

  fish_put64(body, 5);
  fish_put64(body + 8, 0x8000000000000001ull);
  fish_put16(body + 16, FISH_XCHUNK);
  body[18] = 3;
  memmove(body + 19, "big", 3);
  ext_roundtrip("xread", FISH_XREAD, body, 22, &m);
  CHECK("ext/xread/fields", m.first == 5 && m.bitmap == 0x8000000000000001ull &&
        m.chunk == FISH_XCHUNK && strcmp(m.name, "big") == 0);

  fish_put64(body, 99);
  fish_put16(body + 8, FISH_XCHUNK);
  for(int i = 0; i < FISH_XCHUNK; i++)
    body[10 + i] = rnd();
  n = ext_roundtrip("xdata", FISH_XDATA, body, 10 + FISH_XCHUNK, &m);
  CHECK("ext/xdata/fits_mtu", n <= FISH_PAYLOADMAX);
  CHECK("ext/xdata/fields", m.index == 99 && m.datalen == FISH_XCHUNK);
  fish_put16(body + 8, FISH_XCHUNK + 1);   // claims more than it carries
  n = fish_enc_ext(buf, FISH_XDATA, 1, body, 10 + FISH_XCHUNK);
  CHECK("ext/xdata/overlong", fish_decode(buf, n, &m) < 0);

  // a body too big for a frame cannot be encoded
  EXPECT("ext/too_big", fish_enc_ext(buf, FISH_XDATA, 1, body, FISH_PAYLOADMAX), -1);
  // the length field: smaller than a header, larger than what arrived
  n = fish_enc_ext(buf, FISH_XGETFILE, 1, (const uint8 *)"\5hello", 6);
  fish_put16(buf + 2, 11);
  CHECK("ext/len_small", fish_decode(buf, n, &m) < 0);
  fish_put16(buf + 2, n + 1);
  CHECK("ext/len_large", fish_decode(buf, n, &m) < 0);
  // another version
  n = fish_enc_ext(buf, FISH_XGETFILE, 1, (const uint8 *)"\5hello", 6);
  buf[1] = 2;
  CHECK("ext/version", fish_decode(buf, n, &m) < 0);
}

// Random bytes of random lengths: whatever comes back, ASan checks that
// the decoder never reads outside the frame.
static void
test_fuzz(void)
{
  struct fish_msg m;
  int accepted = 0, outside = 0;
  for(int i = 0; i < 200000; i++){
    int n = rnd() % (FISH_PAYLOADMAX + 1);
    uint8 *p = malloc(n ? n : 1);   // exactly n bytes: ASan sees overreads
    for(int k = 0; k < n; k++)
      p[k] = rnd();
    if(n > 0 && i % 2)
      p[0] = FISH_XDIRASK + rnd() % 6;      // aim at the extended decoder
    if(fish_decode(p, n, &m) == 0){
      accepted++;
      outside += m.datalen > 0 && m.dataoff + m.datalen > n;
    }
    free(p);
  }
  EXPECT("fuzz/data_inside_frame", outside, 0);
  CHECK("fuzz/some_accepted", accepted > 0);   // PING, DIRASK ... with any padding
}

static int
read_all(int fd, char *buf, int max)
{
  int n = 0, r;
  while(n < max - 1 && (r = kshim_read(fd, buf + n, max - 1 - n)) > 0)
    n += r;
  buf[n] = 0;
  return r < 0 ? r : n;
}

static void
test_devices(void)
{
  char text[4096];
  int fd = kshim_open("fish/ctl", O_RDONLY);
  CHECK("dev/ctl_open", fd >= 0);
  CHECK("dev/ctl_text", read_all(fd, text, sizeof(text)) > 0 && strstr(text, "link down") &&
        strstr(text, "school 0/32") && strstr(text, "drop checksum 0"));
  kshim_close(fd);

  fd = kshim_open("fish/ping", O_RDONLY);
  EXPECT("dev/ping_no_link", read_all(fd, text, sizeof(text)), -ENETDOWN);
  kshim_close(fd);

  int d1 = kshim_open("fish/daemon", O_RDWR);
  CHECK("dev/daemon_open", d1 >= 0);
  EXPECT("dev/daemon_single", kshim_open("fish/daemon", O_RDWR), -EBUSY);
  // a malformed record from the daemon is refused, not trusted
  struct fish_down dn;
  memset(&dn, 0, sizeof(dn));
  dn.kind = FISH_DN_XDATA;
  dn.len = 5000;
  EXPECT("dev/daemon_bad_record", kshim_write(d1, &dn, sizeof(dn)), sizeof(dn));
  kshim_close(d1);
  d1 = kshim_open("fish/daemon", O_RDWR);
  CHECK("dev/daemon_reopen", d1 >= 0);
  kshim_close(d1);

  fd = kshim_open("fish/req", O_RDWR);
  kshim_write(fd, "fetch everything", 16);
  EXPECT("dev/req_bad", read_all(fd, text, sizeof(text)), -EINVAL);
  kshim_close(fd);
  fd = kshim_open("fish/req", O_RDWR);
  kshim_write(fd, "get node1 ", 10);
  EXPECT("dev/req_short", read_all(fd, text, sizeof(text)), -EINVAL);
  kshim_close(fd);
  fd = kshim_open("fish/req", O_RDWR);
  kshim_write(fd, "list node1", 10);
  EXPECT("dev/req_no_link", read_all(fd, text, sizeof(text)), -ENETDOWN);
  kshim_close(fd);

  // per-node files of nodes the school does not hold
  fd = kshim_open("fish/ctl", O_RDWR);
  char path[32];
  snprintf(path, sizeof(path), "#%d,%d", kshim_file(fd)->major, FISH_MINOR_DIR(3));
  EXPECT("dev/dir_unknown", kshim_open(path, O_RDONLY), -ENXIO);
  snprintf(path, sizeof(path), "#%d,%d", kshim_file(fd)->major, FISH_MINOR_FILE(3, 2));
  EXPECT("dev/file_unknown", kshim_open(path, O_RDONLY), -ENXIO);
  snprintf(path, sizeof(path), "#%d,%d", kshim_file(fd)->major, 30000);
  EXPECT("dev/minor_unknown", kshim_open(path, O_RDONLY), -ENXIO);
  struct strioctl sc = { ('N' << 8) | 1, 0, 9, "wait 1234" };
  EXPECT("dev/ctl_set", kshim_ioctl(fd, I_STR, (long)&sc), 0);
  char bad[] = "wait 0";
  struct strioctl sb = { ('N' << 8) | 1, 0, 6, bad };
  EXPECT("dev/ctl_refuse", kshim_ioctl(fd, I_STR, (long)&sb), -EINVAL);
  kshim_close(fd);
  fd = kshim_open("fish/ctl", O_RDONLY);
  read_all(fd, text, sizeof(text));
  CHECK("dev/ctl_setting_kept", strstr(text, "wait 1234\n") != 0);
  kshim_close(fd);
}

int
main(void)
{
  streams_init();
  test_crc();
  test_classic();
  test_ext();
  test_fuzz();
  long base = kshim_kmalloc_live();
  test_devices();
  EXPECT("dev/kmalloc_baseline", kshim_kmalloc_live(), base);
  return kshim_failures != 0;
}
