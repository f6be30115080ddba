// reply.c: formatting what chatd sends: one protocol line to one client,
// numerics (":server NNN nick ..."), and the bits every reply uses.
#include "user.h"
#include "chatd.h"

// The line being fanned out (chan_send, chan_peers_send take it).
char reply_buf[IRC_LINEMAX + 1];

// Formats one line and queues it for c.
void
reply_line(struct client *c, const char *fmt, ...)
{
  char line[IRC_LINEMAX + 1];
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  int n = irc_vline(line, sizeof(line), fmt, ap);
  __builtin_va_end(ap);
  conn_qput(c, line, n, 0);
}

const char *
reply_nick(struct client *c)
{
  return c->nick[0] ? c->nick : "*";
}

// ":server NUM nick <text>", text formatted from fmt.
void
reply_num(struct client *c, int num, const char *fmt, ...)
{
  char text[IRC_LINEMAX + 1];
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  __builtin_va_end(ap);
  reply_line(c, ":%s %03d %s %s", conf.servername, num, reply_nick(c), text);
}

// "nick!user@host" of c (a static buffer: use before the next call).
const char *
reply_who(struct client *c)
{
  static char buf[NICKLEN + USERLEN + HOSTLEN + 8];
  snprintf(buf, sizeof(buf), "%s!%s@%s", c->nick, c->user, c->host);
  return buf;
}

// An echo of something user-supplied inside a reply, kept short.
const char *
reply_clip(const char *s)
{
  static char buf[CHANLEN + 2];
  strlcpy(buf, s, sizeof(buf));
  return buf;
}

// Seconds for 003/317/329/333/391. The machine has no calendar clock,
// so these count from boot; clients show them as early 1970.
long
reply_secs(long ms)
{
  return ms / 1000;
}
