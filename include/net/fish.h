// net/fish.h: FiSh, the Xinu file-sharing protocol, as this system speaks it.
// Shared by the fish driver (modules/fish/), the daemon (user/fishd.c),
// the fish command (user/fish.c) and the host unit tests, so it uses only
// types.h types. The protocol itself is described in docs/fish.md; the
// driver's codec, which only the kernel and its tests call, is declared
// in modules/fish.h.
//
// Three things live here:
//  1. the wire format: classic opcodes and field widths (fixed numbers,
//     never C struct sizes) and this system's extension;
//  2. the device files under /dev/fish and their minor numbers;
//  3. the records the driver and the daemon exchange on /dev/fish/daemon.
#ifndef NET_FISH_H
#define NET_FISH_H
#include "types.h"

// ---------------------------------------------------------------- the wire

#define FISH_ETHERTYPE    0x3250

// Classic opcodes (first payload byte).
#define FISH_ANNOUNCE     0x01
#define FISH_PING         0x02
#define FISH_DIRASK       0x03
#define FISH_DIRLIST      0x04
#define FISH_GETFILE      0x05
#define FISH_HAVEFILE     0x06   // the assignment's "SendFile"
#define FISH_NOFILE       0x07

// Classic field widths.
#define FISH_MAXNAME      25     // node name field, NUL-terminated inside
#define FISH_FNAMLEN      7      // file name field (no NUL when all 7 used)
#define FISH_BLOCK        256    // file content of HAVEFILE
#define FISH_DIRENTRIES   9      // names in a DIRLIST
#define FISH_MINPAYLOAD   46     // Ethernet pads shorter payloads to this

// Classic payload sizes, opcode byte included.
#define FISH_ANNOUNCE_LEN (1 + FISH_MAXNAME)                     // 26
#define FISH_DIRLIST_LEN  (1 + FISH_DIRENTRIES * FISH_FNAMLEN)   // 64
#define FISH_GETFILE_LEN  (1 + FISH_FNAMLEN)                     // 8
#define FISH_HAVEFILE_LEN (1 + FISH_FNAMLEN + FISH_BLOCK)        // 264

// The capability marker: an extended node writes these bytes into the
// padding of its ANNOUNCE, right after the name field. Classic nodes
// ignore padding; a node that finds the marker may use the opcodes below.
#define FISH_CAP_OFF      FISH_ANNOUNCE_LEN
#define FISH_CAP          "FiShX"
#define FISH_CAP_LEN      5
#define FISH_VERSION      1      // follows the marker

// Extended opcodes, sent only to nodes that showed the marker. Every
// extended frame starts with an 8-byte header and ends with a CRC-32
// (the IEEE polynomial, as Ethernet's) of everything before it:
//
//   0 op | 1 version | 2-3 length (whole payload, CRC included) |
//   4-7 request id | op-specific fields ... | CRC-32
//
// Multi-byte fields are big-endian. The length field tells payload from
// Ethernet padding.
#define FISH_XDIRASK      0x11   // start u32
#define FISH_XDIRLIST     0x12   // start u32, total u32, count u16, entries
#define FISH_XGETFILE     0x13   // namelen u8, name
#define FISH_XINFO        0x14   // status u8, size u64, crc u32, namelen u8, name
#define FISH_XREAD        0x15   // first u64, bitmap u64, chunk u16, namelen u8, name
#define FISH_XDATA        0x16   // index u64, len u16, data

#define FISH_XHDR         8
#define FISH_XCRC         4
#define FISH_XMIN         (FISH_XHDR + FISH_XCRC)
#define FISH_PAYLOADMAX   1500
// Data bytes of one XDATA frame: 1500 - 8 - 8 - 2 - 4 = 1478, rounded down.
#define FISH_XCHUNK       1472
#define FISH_XWINDOW      64     // chunks one XREAD can ask for (bitmap bits)
// A directory entry of XDIRLIST: namelen u8, name, size u32.
#define FISH_XDIRENT_MAX  (1 + FISH_NAMEMAX + 4)

// XINFO status
#define FISH_XOK          0
#define FISH_XNOFILE      1

// Longest file name: the file system's directory entry (fsformat.h DIRSIZ).
#define FISH_NAMEMAX      30
// Longest node name we send (fits the classic field with its NUL).
#define FISH_NODEMAX      (FISH_MAXNAME - 1)

// What a client accepts from a server (docs/fish.md): a file of at most
// FISH_SIZEMAX bytes (XINFO; a larger size fails with EFBIG, so a chunk
// count can never wrap), a listing of at most FISH_LISTMAX names
// (XDIRLIST total; a longer one fails with E2BIG).
#define FISH_SIZEMAX      (1ull << 40)
#define FISH_LISTMAX      65536

static inline void
fish_put16(uint8 *p, uint32 v)
{
  p[0] = v >> 8;
  p[1] = v;
}

static inline void
fish_put32(uint8 *p, uint32 v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static inline void
fish_put64(uint8 *p, uint64 v)
{
  fish_put32(p, v >> 32);
  fish_put32(p + 4, (uint32)v);
}

static inline uint32
fish_get16(const uint8 *p)
{
  return ((uint32)p[0] << 8) | p[1];
}

static inline uint32
fish_get32(const uint8 *p)
{
  return ((uint32)p[0] << 24) | ((uint32)p[1] << 16) | ((uint32)p[2] << 8) | p[3];
}

static inline uint64
fish_get64(const uint8 *p)
{
  return ((uint64)fish_get32(p) << 32) | fish_get32(p + 4);
}

// CRC-32 (reflected, polynomial 0xEDB88320), half a byte at a time: a
// 16-entry table is small enough for a header and still quick. Start with
// crc = 0 and feed the pieces in order; the result is the usual CRC-32
// ("123456789" gives 0xCBF43926).
static inline uint32
fish_crc32(uint32 crc, const void *data, uint64 n)
{
  static const uint32 nib[16] = {
    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
    0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
  };
  const uint8 *p = data;
  crc = ~crc;
  while(n-- > 0){
    crc ^= *p++;
    crc = (crc >> 4) ^ nib[crc & 15];
    crc = (crc >> 4) ^ nib[crc & 15];
  }
  return ~crc;
}

// ---------------------------------------------------------------- device files

// Fixed files (the driver's st_devices, minor = index):
#define FISH_MINOR_PING   0      // /dev/fish/ping: read -> PING, wait, "NAME MAC" lines
#define FISH_MINOR_SCHOOL 1      // /dev/fish/school: the table, no PING
#define FISH_MINOR_CTL    2      // /dev/fish/ctl: settings and counters; write commands
#define FISH_MINOR_DAEMON 3      // /dev/fish/daemon: fishd's end (one opener)
#define FISH_MINOR_REQ    4      // /dev/fish/req: write "list NODE" / "get NODE FILE", read the answer
// Files fishd makes per node of the school (mknod with the fish major):
//   /dev/fish/NODE/dir          FISH_MINOR_DIR(slot)
//   /dev/fish/NODE/files/FILE   FISH_MINOR_FILE(slot, i): the i-th name of
//                               the node's last listing
// A slot holds one node after another; each new node (or new name) in a
// slot has a new generation. The driver opens these files only for the
// generation fishd made them for, and ends the open streams of a node
// that left its slot, with ENXIO either way (docs/fish.md).
#define FISH_SCHOOL       32     // nodes the school holds
#define FISH_NODEFILES    64     // files per node that get a device file
#define FISH_MINOR_DIR(slot)       (64 + (slot))
#define FISH_MINOR_FILE(slot, i)   (1024 + (slot) * FISH_NODEFILES + (i))

// ---------------------------------------------------------------- driver <-> daemon

// Up (read by fishd from /dev/fish/daemon, one record per message): a
// request from a peer, already decoded and checked, or a notice.
enum {
  FISH_UP_PING = 1,      // answer with an ANNOUNCE
  FISH_UP_DIRASK,        // classic: answer DIRLIST
  FISH_UP_GETFILE,       // classic: answer HAVEFILE or NOFILE (name)
  FISH_UP_XDIRASK,       // answer XDIRLIST from entry `index`
  FISH_UP_XGETFILE,      // answer XINFO (name)
  FISH_UP_XREAD,         // answer XDATA for the chunks in bitmap from `offset`
  FISH_UP_NODE,          // notice: school slot `index` is node `name` (mac)
  FISH_UP_FILE,          // notice: name `count` of slot `index`'s listing is `name`
  FISH_UP_FILESDONE,     // notice: slot `index`'s listing has `count` names
  FISH_UP_GONE,          // notice: node `gen` left slot `index` (evicted, renamed,
                         // forgotten): remove its device files
};

struct fish_up {
  uint8  kind;           // FISH_UP_*
  uint8  ext;            // the peer speaks the extension
  uint8  mac[6];         // the peer (NODE: the node's address)
  uint32 reqid;          // extended requests: echo it in the answer
  uint32 index;          // XDIRASK: first entry; notices: school slot
  uint32 count;          // FILE: position; FILESDONE: names
  uint32 chunk;          // XREAD: chunk size asked for
  uint32 gen;            // NODE, GONE: the node's generation in its slot (echo
                         // in MADE); FILESDONE: the listing's (echo in FILESMADE)
  uint32 nodegen;        // FILE, FILESDONE: the generation of the listed node
  uint64 offset;         // XREAD: chunk number of bitmap bit 0
  uint64 bitmap;         // XREAD: which chunks
  char   name[FISH_NAMEMAX + 1];   // file or node name, NUL-terminated
  uint8  pad[1];
};

// Down (written by fishd to /dev/fish/daemon, one record per write): an
// answer to send, followed by `len` data bytes, or an acknowledgement.
enum {
  FISH_DN_ANNOUNCE = 1,  // name = our node name
  FISH_DN_DIRLIST,       // data: up to 9 names, NUL-separated
  FISH_DN_HAVEFILE,      // name; data: the content (at most 256 bytes)
  FISH_DN_NOFILE,        // name
  FISH_DN_XDIRLIST,      // index = start, total; data: packed entries
  FISH_DN_XINFO,         // status, size, crc, name
  FISH_DN_XDATA,         // offset = chunk number; data: the chunk
  FISH_DN_MADE,          // device files for slot `index` (gen) exist now
  FISH_DN_FILESMADE,     // per-file device files of slot `index` exist now
};

struct fish_down {
  uint8  kind;           // FISH_DN_*
  uint8  status;         // XINFO: FISH_XOK or FISH_XNOFILE
  uint8  mac[6];         // where to
  uint32 reqid;
  uint32 index;
  uint32 total;
  uint32 crc;            // XINFO: CRC-32 of the whole file
  uint32 len;            // data bytes after this record
  uint32 gen;            // MADE: the generation from the notice
  uint64 offset;
  uint64 size;           // XINFO
  char   name[FISH_NAMEMAX + 1];
  uint8  pad[1];
};

#endif
