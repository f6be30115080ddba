// fish.h: the FiSh driver's codec, for the driver (modules/fish/) and the
// host unit tests. The protocol's numbers, device files and daemon
// records, which user programs see too, are include/net/fish.h.
#ifndef FISH_H
#define FISH_H
#include "types.h"
#include "net/fish.h"

// The codec (modules/fish/fish_wire.c; the host unit tests call it directly).
// fish_decode checks a received payload against its opcode's layout:
// 0, or a negative value for a frame to drop (see modules/fish/fish_wire.c).
struct fish_msg {
  int op;
  int ext;                     // an extended frame
  uint32 reqid;
  char name[FISH_NAMEMAX + 1]; // file name (node name for ANNOUNCE)
  int badname;                 // the name was empty, too long or held a NUL
  int cap;                     // ANNOUNCE: capability marker present
  uint32 start, total, count;  // XDIRASK, XDIRLIST
  int status;                  // XINFO
  uint64 size;                 // XINFO
  uint32 crc;                  // XINFO
  uint64 first, bitmap;        // XREAD
  uint32 chunk;                // XREAD
  uint64 index;                // XDATA
  int dataoff, datalen;        // XDATA, HAVEFILE, DIRLIST, XDIRLIST entries
};

int fish_decode(const uint8 *p, int n, struct fish_msg *m);
// Classic payload into buf (FISH_HAVEFILE_LEN bytes at least); returns its length.
int fish_enc_classic(uint8 *buf, int op, const char *name, const uint8 *data, int len,
                     int cap);
// Extended payload into buf (FISH_PAYLOADMAX bytes); its length, or -1.
int fish_enc_ext(uint8 *buf, int op, uint32 reqid, const uint8 *body, int bodylen);
// The XDIRLIST entry at *off of p[0..n): 0 (and *off moves on) or -1.
int fish_xdir_next(const uint8 *p, int n, int *off, char *name, uint32 *size);

#endif
