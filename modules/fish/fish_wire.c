// fish_wire.c: the FiSh codec, classic and extended frames, both ways.
//
// Below it the wire (fish_link.c sends and receives the payloads); above
// it everything else in the driver. It touches no state and takes no lock,
// so the host tests and the fuzzer call it directly.
#include "fish_impl.h"

// Does p[0..n) hold a NUL byte? (names on the wire must not)
static int
fish_has_nul(const uint8 *p, int n)
{
  for(int i = 0; i < n; i++)
    if(p[i] == 0)
      return 1;
  return 0;
}

// fish_decode checks one received payload against its opcode's layout and
// fills a struct fish_msg; fish_enc_* build payloads. Neither touches any
// state, so the host unit tests call them directly.

// A classic 7-byte name field into a string.
void
fish_fnam_get(const uint8 *f, char *out)
{
  int i;
  for(i = 0; i < FISH_FNAMLEN && f[i]; i++)
    out[i] = f[i];
  out[i] = 0;
}

// namelen u8 + name at p[0..], inside n bytes. Returns bytes used or -1.
static int
fish_xname_get(const uint8 *p, int n, struct fish_msg *m)
{
  if(n < 1 || 1 + p[0] > n)
    return -1;
  int len = p[0];
  m->name[0] = 0;
  if(len == 0 || len > FISH_NAMEMAX || fish_has_nul(p + 1, len)){
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
    fish_fnam_get(p + 1, m->name);
    m->badname = m->name[0] == 0;
    return 0;
  case FISH_HAVEFILE:
    if(n < FISH_HAVEFILE_LEN)
      return BAD(D_SHORT);
    fish_fnam_get(p + 1, m->name);
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
    if(fish_xname_get(b, bl, m) < 0)
      return BAD(D_SHORT);
    return 0;
  case FISH_XINFO:
    if(bl < 14)
      return BAD(D_SHORT);
    m->status = b[0];
    m->size = fish_get64(b + 1);
    m->crc = fish_get32(b + 9);
    if(fish_xname_get(b + 13, bl - 13, m) < 0)
      return BAD(D_SHORT);
    return 0;
  case FISH_XREAD:
    if(bl < 19)
      return BAD(D_SHORT);
    m->first = fish_get64(b);
    m->bitmap = fish_get64(b + 8);
    m->chunk = fish_get16(b + 16);
    if((k = fish_xname_get(b + 18, bl - 18, m)) < 0)
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
  if(len == 0 || len > FISH_NAMEMAX || o + 1 + len + 4 > n || fish_has_nul(p + o + 1, len))
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
int
fish_xname_put(uint8 *p, const char *name)
{
  int len = strlen(name);
  if(len > FISH_NAMEMAX)
    len = FISH_NAMEMAX;
  p[0] = len;
  memmove(p + 1, name, len);
  return 1 + len;
}
