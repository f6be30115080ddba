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

// An interface named by number ("0") or by the mux id of its link
// ("mux=5"): bymux(id) gives the interface of that link, or -1 (it takes
// the module's lock itself). 0 and *ifindex, or -1 if there is none.
int netctl_parse_ifname(const char *s, int (*bymux)(int muxid), uint32 *ifindex);

// One NET_CTL request, Plan 9 style: the helper does what every module
// did by hand – length check, pullup, a NUL-terminated copy split into
// words – then calls the handler named by the first word. A handler
// returns 0 (the request is acknowledged, with the data it gave
// netctl_reply) or the reason it refused (I_ERRSTR shows it; "" for
// none), answered with M_IOCNAK and r->err (EINVAL unless it set one).
// A handler that keeps the message (sends it on, answers it later) sets
// r->mp to 0 and answers it itself.
struct netctl_req {
  struct queue *q;          // where the request came in (write side)
  struct msgb *mp;          // the M_IOCTL
  int argc;
  char *argv[NETCTL_ARGS];  // the words, argv[0] the command
  int err;                  // errno of a refusal
  struct msgb *ans;         // answer data (netctl_reply)
  char line[NETCTL_MAX];
};
struct netctl_cmd {
  const char *name;         // first word; 0 ends the table (see below)
  int minargc, maxargc;     // words, the command included
  const char *(*fn)(struct netctl_req *r);
  const char *usage;        // the reason when the word count is wrong
};
// The table ends with an entry whose name is 0; if that entry has a fn,
// it takes every other command (a module with a dispatch of its own).
// Returns 1 when the request was answered or kept; 0 when it is not this
// module's (no command matched, or the text is empty or too long) and
// unknown is 0 – mp is still the caller's, to pass on. With unknown set,
// such a request is refused with that reason instead.
int netctl_request(struct queue *q, struct msgb *mp, const struct netctl_cmd *tab,
                   const char *unknown);
// The answer's data: len bytes copied. 0, or -1 when memory is out.
int netctl_reply(struct netctl_req *r, const void *data, int len);

// Format an address "a.b.c.d" into buf (at least 16 bytes).
char *netctl_fmt_ipv4(char *buf, uint32 addr);
// Format a MAC address into buf (at least 18 bytes).
char *netctl_fmt_mac(char *buf, const uint8 mac[6]);

#endif
