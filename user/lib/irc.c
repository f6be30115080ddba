// irc.c: the IRC wire format, shared by the chat server (chatd) and the
// chat client (chat): splitting a byte stream into lines, parsing a line
// into prefix, command and parameters, formatting a reply line, and the
// name rules (nicknames, channel names, rfc1459 case mapping, UTF-8).
//
// Pure: includes only user.h and calls no system call, so the host unit
// tests (tests/host/test_irc.c) can compile it and run it under the
// sanitizers. Nothing here allocates memory.
#include "user.h"

// ---------------------------------------------------------------- line splitting

void
irc_lines_init(struct irc_lines *lb)
{
  lb->len = 0;
  lb->skipping = 0;
}

// Space where the next read(2) may put bytes; 0 room means "take lines
// first". Reading straight into the buffer saves a copy per byte.
char *
irc_lines_space(struct irc_lines *lb, int *room)
{
  *room = (int)sizeof(lb->buf) - lb->len;
  return lb->buf + lb->len;
}

// Accounts for n bytes just read into irc_lines_space(). NUL bytes are
// dropped here: IRC forbids them, and C strings could not carry them.
void
irc_lines_added(struct irc_lines *lb, int n)
{
  char *p = lb->buf + lb->len;
  int k = 0;
  for(int i = 0; i < n; i++)
    if(p[i] != 0)
      p[k++] = p[i];
  lb->len += k;
}

// Copies n bytes in (for callers that do not read straight into the
// buffer). Returns how many fitted.
int
irc_lines_put(struct irc_lines *lb, const char *data, int n)
{
  int room;
  char *dst = irc_lines_space(lb, &room);
  if(n > room)
    n = room;
  memmove(dst, data, n);
  irc_lines_added(lb, n);
  return n;
}

static void
consume(struct irc_lines *lb, int n)
{
  memmove(lb->buf, lb->buf + n, lb->len - n);
  lb->len -= n;
}

// Takes the next complete line out of the buffer into `line` (at least
// IRC_LINEMAX bytes), without its CR LF and NUL-terminated.
// Returns its length (>= 0), IRC_NOLINE when no whole line is buffered
// yet, or IRC_TOOLONG once for every line longer than the protocol
// allows: that line is thrown away (up to its LF, however late that
// comes) and the caller answers 417.
int
irc_lines_take(struct irc_lines *lb, char *line)
{
  for(;;){
    int nl = -1;
    for(int i = 0; i < lb->len; i++){
      if(lb->buf[i] == '\n'){
        nl = i;
        break;
      }
    }
    if(lb->skipping){
      // the tail of an over-long line: drop it through its LF
      if(nl < 0){
        lb->len = 0;
        return IRC_NOLINE;
      }
      consume(lb, nl + 1);
      lb->skipping = 0;
      continue;
    }
    if(nl < 0){
      if(lb->len >= IRC_LINEMAX){
        // no LF within the longest legal line: it is too long
        lb->len = 0;
        lb->skipping = 1;
        return IRC_TOOLONG;
      }
      return IRC_NOLINE;
    }
    int n = nl;
    if(n > 0 && lb->buf[n - 1] == '\r')
      n--;
    if(n > IRC_LINEMAX - 2){
      consume(lb, nl + 1);
      return IRC_TOOLONG;
    }
    memmove(line, lb->buf, n);
    line[n] = 0;
    consume(lb, nl + 1);
    return n;
  }
}

// ---------------------------------------------------------------- parsing

// Splits `line` (no CR LF) in place. Spaces separate words (runs of them
// count as one); a word starting with ':' after the command is the last
// parameter and runs to the end of the line. Parameters beyond
// IRC_MAXPARAMS are folded into the last one, as RFC 2812 does.
// Returns 0, or -EINVAL when there is no command word.
int
irc_parse(char *line, struct ircmsg *m)
{
  char *p = line;

  m->prefix = 0;
  m->cmd = 0;
  m->nparams = 0;
  while(*p == ' ')
    p++;
  if(*p == ':'){
    m->prefix = ++p;
    while(*p && *p != ' ')
      p++;
    if(*p)
      *p++ = 0;
    while(*p == ' ')
      p++;
  }
  if(*p == 0)
    return -EINVAL;
  m->cmd = p;
  while(*p && *p != ' ')
    p++;
  while(*p){
    *p++ = 0;           // end the previous word
    while(*p == ' ')
      p++;
    if(*p == 0)
      break;
    if(*p == ':' || m->nparams == IRC_MAXPARAMS - 1){
      if(*p == ':')
        p++;
      m->params[m->nparams++] = p;
      break;
    }
    m->params[m->nparams++] = p;
    while(*p && *p != ' ')
      p++;
  }
  return 0;
}

// The nick in a "nick!user@host" prefix, copied to out (size max).
void
irc_prefix_nick(const char *prefix, char *out, int max)
{
  int n = 0;
  if(prefix)
    while(prefix[n] && prefix[n] != '!' && prefix[n] != '@')
      n++;
  if(n >= max)
    n = max - 1;
  if(n > 0)
    memmove(out, prefix, n);
  out[n] = 0;
}

// ---------------------------------------------------------------- formatting

// Length of the longest prefix of s[0..n) that does not end inside a
// UTF-8 sequence, so that cutting a line never splits a character.
static int
utf8_cut(const char *s, int n)
{
  int i = n;
  // step back over at most three continuation bytes
  while(i > 0 && n - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
    i--;
  if(i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0xC0){
    unsigned char lead = s[i - 1];
    int want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if(n - (i - 1) < want)
      return i - 1;       // the sequence is incomplete: cut before it
  }
  return n;
}

// Formats one protocol line into buf (size max, at least IRC_LINEMAX+1):
// the text is cut to 510 bytes (on a UTF-8 boundary), any CR or LF in it
// becomes a space so one call can never produce two lines, and CR LF is
// appended. Returns the length including CR LF.
int
irc_vline(char *buf, int max, const char *fmt, __builtin_va_list ap)
{
  int lim = max < IRC_LINEMAX + 1 ? max - 1 : IRC_LINEMAX;   // room for CR LF
  if(lim < 2){
    if(max > 0)
      buf[0] = 0;
    return 0;
  }
  int n = vsnprintf(buf, lim - 1, fmt, ap);
  if(n > lim - 2)
    n = utf8_cut(buf, lim - 2);
  for(int i = 0; i < n; i++)
    if(buf[i] == '\r' || buf[i] == '\n')
      buf[i] = ' ';
  buf[n++] = '\r';
  buf[n++] = '\n';
  buf[n] = 0;
  return n;
}

int
irc_line(char *buf, int max, const char *fmt, ...)
{
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  int n = irc_vline(buf, max, fmt, ap);
  __builtin_va_end(ap);
  return n;
}

// ---------------------------------------------------------------- names

// CASEMAPPING=rfc1459: A-Z and a-z are the same letter, and so are
// [ and {, ] and }, \\ and |, ~ and ^.
int
irc_tolower(int c)
{
  if(c >= 'A' && c <= 'Z')
    return c + ('a' - 'A');
  if(c == '[' || c == ']' || c == '\\')
    return c + ('{' - '[');
  if(c == '~')
    return '^';
  return c;
}

int
irc_casecmp(const char *a, const char *b)
{
  while(*a && irc_tolower((unsigned char)*a) == irc_tolower((unsigned char)*b)){
    a++;
    b++;
  }
  return irc_tolower((unsigned char)*a) - irc_tolower((unsigned char)*b);
}

static int
nick_special(int c)
{
  return c == '[' || c == ']' || c == '\\' || c == '`' || c == '_' ||
         c == '^' || c == '{' || c == '|' || c == '}';
}

// RFC 2812 nicknames: a letter or special first, then letters, digits,
// specials and '-'; 1..maxlen bytes.
int
irc_valid_nick(const char *s, int maxlen)
{
  int n = 0;
  if(s == 0 || !(isalpha((unsigned char)s[0]) || nick_special((unsigned char)s[0])))
    return 0;
  for(; s[n]; n++){
    int c = (unsigned char)s[n];
    if(!(isalnum(c) || nick_special(c) || c == '-'))
      return 0;
  }
  return n <= maxlen;
}

// Whether s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
int
irc_utf8_valid(const char *str, int n)
{
  const unsigned char *s = (const unsigned char *)str;
  int i = 0;
  while(i < n){
    unsigned c = s[i];
    int len;
    unsigned cp, min;
    if(c < 0x80){
      i++;
      continue;
    } else if(c >= 0xC2 && c <= 0xDF){
      len = 2; cp = c & 0x1F; min = 0x80;
    } else if(c >= 0xE0 && c <= 0xEF){
      len = 3; cp = c & 0x0F; min = 0x800;
    } else if(c >= 0xF0 && c <= 0xF4){
      len = 4; cp = c & 0x07; min = 0x10000;
    } else {
      return 0;
    }
    if(i + len > n)
      return 0;
    for(int k = 1; k < len; k++){
      if((s[i + k] & 0xC0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if(cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return 0;
    i += len;
  }
  return 1;
}

// Channel names: '#', then 1..maxlen-1 bytes of valid UTF-8 without
// spaces, control characters (BEL included), commas or colons.
int
irc_valid_channel(const char *s, int maxlen)
{
  int n;
  if(s == 0 || s[0] != '#')
    return 0;
  for(n = 1; s[n]; n++){
    unsigned char c = s[n];
    if(c <= ' ' || c == ',' || c == ':' || c == 0x7F)
      return 0;
  }
  return n >= 2 && n <= maxlen && irc_utf8_valid(s, n);
}

// Wildcard match, '*' and '?', case folded. Iterative with one
// backtrack point: linear in practice, never recursive (masks come from
// users).
int
irc_match(const char *mask, const char *s)
{
  const char *star = 0, *retry = 0;
  while(*s){
    if(*mask == '*'){
      star = ++mask;
      retry = s;
    } else if(*mask && (*mask == '?' ||
              irc_tolower((unsigned char)*mask) == irc_tolower((unsigned char)*s))){
      mask++;
      s++;
    } else if(star){
      mask = star;
      s = ++retry;
    } else {
      return 0;
    }
  }
  while(*mask == '*')
    mask++;
  return *mask == 0;
}
