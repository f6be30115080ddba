// netctl.h: the modules' side of NET_CTL, the text control messages of
// network modules (the command words and limits user programs see are in
// include/net/netctl.h, included here).
//
// netctl.c holds the parsing helpers all modules share; they take
// untrusted text and never read past the given length.
#ifndef NETCTL_H
#define NETCTL_H
#include "types.h"
#include "net/netctl.h"

// Split a command into words (modifies buf, which must be NUL-terminated).
// Returns the number of words, or -1 if there are too many.
int netctl_split(char *buf, char *argv[], int max);

// Parse "a.b.c.d" into a host-order address. 0 on success, -1 if malformed.
int netctl_parse_ipv4(const char *s, uint32 *addr);
// Parse "a.b.c.d/len" (len 0..32; "/len" optional: then 32).
int netctl_parse_ipv4_prefix(const char *s, uint32 *addr, int *prefixlen);
// Parse a number: decimal, or hex with 0x. 0 on success.
int netctl_parse_uint(const char *s, uint32 *v);
// Parse "aa:bb:cc:dd:ee:ff".
int netctl_parse_mac(const char *s, uint8 mac[6]);
// An interface given as a number ("0") or as the mux id of its link
// ("mux=5", what I_PLINK returned): returns 0 and the number, 1 and the
// mux id, or -1 if it is neither.
int netctl_parse_ifspec(const char *s, uint32 *v);

struct queue;
struct msgb;
// Answer an M_IOCTL with len bytes of data (a text answer, an address):
// the request's own data is replaced, then M_IOCACK goes back up.
void netctl_answer(struct queue *q, struct msgb *mp, const void *data, int len);

// Format an address "a.b.c.d" into buf (at least 16 bytes).
char *netctl_fmt_ipv4(char *buf, uint32 addr);
// Format a MAC address into buf (at least 18 bytes).
char *netctl_fmt_mac(char *buf, const uint8 mac[6]);

#endif
