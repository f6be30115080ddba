// irc.h: IRC lines (user/lib/irc.c, pure): splitting a byte stream into
// lines, parsing and formatting them, and the name rules. Shared by the
// server chatd and the client chat; included by user.h, and on its own
// by host tests that must not see the rest of the user library.
// See docs/chat.md for the protocol subset. A line is at most
// IRC_LINEMAX bytes including its CR LF (RFC 1459).
#ifndef IRC_H
#define IRC_H

// See docs/chat.md for the protocol subset. A line is at most
// IRC_LINEMAX bytes including its CR LF (RFC 1459).
#define IRC_LINEMAX   512
#define IRC_MAXPARAMS 15
#define IRC_NOLINE    (-1)    // irc_lines_take: no whole line buffered yet
#define IRC_TOOLONG   (-2)    // irc_lines_take: an over-long line was dropped

// Splits a byte stream into lines (CR LF or bare LF); NULs are dropped.
struct irc_lines {
  int  len;               // bytes buffered
  int  skipping;          // inside an over-long line, dropping to its LF
  char buf[2 * IRC_LINEMAX];
};
void  irc_lines_init(struct irc_lines *lb);
char *irc_lines_space(struct irc_lines *lb, int *room);  // where to read(2) into
void  irc_lines_added(struct irc_lines *lb, int n);      // after reading n bytes there
int   irc_lines_put(struct irc_lines *lb, const char *data, int n);  // copy in; returns bytes taken
// Next line (without CR LF, NUL-terminated) into line[IRC_LINEMAX]:
// its length, or IRC_NOLINE, or IRC_TOOLONG.
int   irc_lines_take(struct irc_lines *lb, char *line);

// One parsed line; the strings point into the line, which is split in place.
struct ircmsg {
  char *prefix;           // after the ':', or 0 when there is none
  char *cmd;              // command word or three-digit numeric
  int   nparams;
  char *params[IRC_MAXPARAMS];
};
int   irc_parse(char *line, struct ircmsg *m);   // 0, or -EINVAL without a command
void  irc_prefix_nick(const char *prefix, char *out, int max);  // "nick" of nick!user@host
// printf into buf (size >= IRC_LINEMAX + 1) as one protocol line: cut to
// 510 bytes on a UTF-8 boundary, CR/LF inside turned into spaces, CR LF
// appended. Returns the length with the CR LF.
int   irc_line(char *buf, int max, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
int   irc_vline(char *buf, int max, const char *fmt, __builtin_va_list ap);
// CASEMAPPING=rfc1459: A-Z are a-z, and []\\~ are {}|^ (Scandinavian
// letters in RFC 1459's 7-bit set). Every nick and channel comparison
// of chatd and chat goes through these.
int   irc_tolower(int c);
int   irc_casecmp(const char *a, const char *b);
int   irc_valid_nick(const char *s, int maxlen);
int   irc_valid_channel(const char *s, int maxlen);  // '#' + name, maxlen counts the '#'
int   irc_utf8_valid(const char *s, int n);
// Whether s matches mask: '*' any run, '?' any one byte, case folded as
// irc_casecmp (for bans, exceptions, invite masks and WHO masks).
int   irc_match(const char *mask, const char *s);

#endif
