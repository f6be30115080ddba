// netctl.c: parsing helpers for the text control messages of the network
// modules (see netctl.h). Not a module itself: a small library that every
// network module links with. Everything here treats its input as hostile.
#include "types.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"
#include "streams/stream.h"
#include "netctl.h"

int
netctl_split(char *buf, char *argv[], int max)
{
  int n = 0;
  char *p = buf;
  for(;;){
    while(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
      *p++ = 0;
    if(*p == 0)
      return n;
    if(n == max)
      return -1;
    argv[n++] = p;
    while(*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
      p++;
  }
}

int
netctl_parse_uint(const char *s, uint32 *v)
{
  uint64 x = 0;
  int base = 10;
  if(s[0] == '0' && (s[1] == 'x' || s[1] == 'X')){
    base = 16;
    s += 2;
  }
  if(*s == 0)
    return -1;
  for(; *s; s++){
    int d;
    if(*s >= '0' && *s <= '9') d = *s - '0';
    else if(base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
    else if(base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
    else return -1;
    x = x * base + d;
    if(x > 0xffffffffUL)
      return -1;
  }
  *v = x;
  return 0;
}

int
netctl_parse_ipv4(const char *s, uint32 *addr)
{
  uint32 a = 0;
  for(int part = 0; part < 4; part++){
    int v = 0, digits = 0;
    while(*s >= '0' && *s <= '9'){
      v = v * 10 + (*s++ - '0');
      if(++digits > 3 || v > 255)
        return -1;
    }
    if(digits == 0)
      return -1;
    a = (a << 8) | v;
    if(part < 3 && *s++ != '.')
      return -1;
  }
  if(*s != 0)
    return -1;
  *addr = a;
  return 0;
}

int
netctl_parse_ipv4_prefix(const char *s, uint32 *addr, int *prefixlen)
{
  char tmp[20];
  int i = 0;
  while(s[i] && s[i] != '/' && i < (int)sizeof(tmp) - 1){
    tmp[i] = s[i];
    i++;
  }
  if(s[i] && s[i] != '/')
    return -1;
  tmp[i] = 0;
  if(netctl_parse_ipv4(tmp, addr) < 0)
    return -1;
  *prefixlen = 32;
  if(s[i] == '/'){
    uint32 len;
    if(netctl_parse_uint(s + i + 1, &len) < 0 || len > 32)
      return -1;
    *prefixlen = len;
  }
  return 0;
}

static int
netctl_hexval(char c)
{
  if(c >= '0' && c <= '9') return c - '0';
  if(c >= 'a' && c <= 'f') return c - 'a' + 10;
  if(c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int
netctl_parse_mac(const char *s, uint8 mac[6])
{
  for(int i = 0; i < 6; i++){
    int hi = netctl_hexval(s[0]), lo = netctl_hexval(s[1]);
    if(hi < 0 || lo < 0)
      return -1;
    mac[i] = hi << 4 | lo;
    s += 2;
    if(i < 5 && *s++ != ':')
      return -1;
  }
  return *s == 0 ? 0 : -1;
}

char *
netctl_fmt_ipv4(char *buf, uint32 a)
{
  snprintf(buf, 16, "%d.%d.%d.%d", (a >> 24) & 255, (a >> 16) & 255, (a >> 8) & 255, a & 255);
  return buf;
}

char *
netctl_fmt_mac(char *buf, const uint8 m[6])
{
  snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

int
netctl_parse_ifspec(const char *s, uint32 *v)
{
  if(strncmp(s, "mux=", 4) == 0)
    return netctl_parse_uint(s + 4, v) < 0 ? -1 : 1;
  return netctl_parse_uint(s, v) < 0 ? -1 : 0;
}

void
netctl_answer(queue_t *q, mblk_t *mp, const void *data, int len)
{
  mblk_t *dp = allocb(len > 0 ? len : 1, BPRI_MED);
  if(dp == 0){
    miocnak(q, mp, 0, ENOMEM);
    return;
  }
  memmove(dp->b_wptr, data, len);
  dp->b_wptr += len;
  if(mp->b_cont)
    freemsg(unlinkb(mp));
  linkb(mp, dp);
  miocack(q, mp, len, 0);
}

int
netctl_parse_ifname(const char *s, int (*bymux)(int muxid), uint32 *ifindex)
{
  uint32 v = 0;
  int kind = netctl_parse_ifspec(s, &v);
  if(kind < 0)
    return -1;
  if(kind == 0){
    *ifindex = v;
    return 0;
  }
  int i = v > 0x7fffffff ? -1 : bymux((int)v);
  if(i < 0)
    return -1;
  *ifindex = i;
  return 0;
}

int
netctl_reply(struct netctl_req *r, const void *data, int len)
{
  mblk_t *dp = allocb(len > 0 ? len : 1, BPRI_MED);
  if(dp == 0)
    return -1;
  if(len > 0){
    memmove(dp->b_wptr, data, len);
    dp->b_wptr += len;
  }
  freemsg(r->ans);
  r->ans = dp;
  return 0;
}

// The request's text as words in r; 0, or -1 when it is empty, too long
// or has too many words.
static int
netctl_words(struct netctl_req *r)
{
  mblk_t *mp = r->mp;
  int count = mp->b_cont ? msgdsize(mp->b_cont) : 0;
  if(count <= 0 || count >= NETCTL_MAX || !pullupmsg(mp->b_cont, -1))
    return -1;
  memmove(r->line, mp->b_cont->b_rptr, count);
  r->line[count] = 0;
  r->argc = netctl_split(r->line, r->argv, NETCTL_ARGS);
  return r->argc > 0 ? 0 : -1;
}

int
netctl_request(queue_t *q, mblk_t *mp, const struct netctl_cmd *tab, const char *unknown)
{
  struct netctl_req *r = kmalloc(sizeof(*r));   // too big for a kernel stack
  if(r == 0){
    miocnak(q, mp, 0, ENOMEM);
    return 1;
  }
  memset(r, 0, sizeof(*r));
  r->q = q;
  r->mp = mp;
  r->err = EINVAL;
  const struct netctl_cmd *c = 0;
  if(netctl_words(r) == 0){
    for(c = tab; c->name && strcmp(c->name, r->argv[0]) != 0; c++)
      ;
    if(c->name == 0 && c->fn == 0)
      c = 0;
  }
  if(c == 0 && unknown == 0){
    kmfree(r);
    return 0;                 // someone else's: the caller passes it on
  }
  const char *why;
  if(c == 0)
    why = unknown;
  else if(c->name && (r->argc < c->minargc || r->argc > c->maxargc))
    why = c->usage ? c->usage : "";
  else
    why = c->fn(r);
  if(r->mp){
    if(why){
      if(why[0])
        strsetreason(q, why);
      miocnak(q, r->mp, 0, r->err);
    } else if(r->ans){
      if(r->mp->b_cont)
        freemsg(unlinkb(r->mp));
      linkb(r->mp, r->ans);
      r->ans = 0;
      miocack(q, r->mp, msgdsize(r->mp->b_cont), 0);
    } else {
      miocack(q, r->mp, 0, 0);
    }
  }
  freemsg(r->ans);
  kmfree(r);
  return 1;
}
