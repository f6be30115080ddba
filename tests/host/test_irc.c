// HOSTTEST-SOURCES: user/lib/irc.c user/chatd/mem.c user/chatd/reply.c user/chatd/conn.c user/chatd/loop.c user/chatd/cmd.c user/chatd/reg.c user/chatd/chan.c user/chatd/mode.c user/chatd/msg.c user/chatd/query.c user/chatd/oper.c user/chatd/conf.c
// test_irc.c: host unit tests of the IRC line code (user/lib/irc.c) and
// of the chat server (user/chatd/), under ASan/UBSan.
//
// The server's parts are linked as they are (every file of user/chatd/
// but main.c, see the line above); this file includes only their shared
// header. They call the C library by its usual names, which here is the
// host's, and the system calls of xv6 (poll, read, write, accept,
// uptime...), which this file provides as stubs over in-memory
// connections whose speed the tests control (a client can read slowly,
// or not at all), and a clock that moves only when the tests say so or
// when the server waits in poll with nothing to do. So every scenario -
// slow readers, ping timeouts, floods - is exact and takes no real time.
// Prints "PASS name" / "FAIL name: reason" lines and a final count.

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------- reporting
// (before the renaming, so that it uses the host's C library)

static int host_npass, host_nfail;

static void
report(int ok, const char *name, const char *why)
{
  if(ok){
    host_npass++;
    printf("PASS %s\n", name);
  } else {
    host_nfail++;
    printf("FAIL %s: %s\n", name, why);
  }
  fflush(stdout);
}

static char why[2048];
#define WHY(...) host_snprintf(why, sizeof(why), __VA_ARGS__)

static int
host_snprintf(char *buf, size_t n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return r;
}

// Growable byte buffers for the simulated connections.
struct hbuf {
  char *p;
  long len, cap;
};

static void
hbuf_add(struct hbuf *b, const void *data, long n)
{
  if(b->len + n + 1 > b->cap){
    long cap = b->cap ? b->cap : 4096;
    while(cap < b->len + n + 1)
      cap *= 2;
    b->p = realloc(b->p, cap);
    if(b->p == 0)
      abort();
    b->cap = cap;
  }
  for(long i = 0; i < n; i++)
    b->p[b->len + i] = ((const char *)data)[i];
  b->len += n;
  b->p[b->len] = 0;
}

static void
hbuf_free(struct hbuf *b)
{
  free(b->p);
  b->p = 0;
  b->len = b->cap = 0;
}

static void
host_abort(const char *what)
{
  fprintf(stderr, "test_irc: %s\n", what);
  abort();
}

static void
host_write(int fd, const void *p, int n)
{
  fwrite(p, 1, n, fd == 2 ? stderr : stdout);
}

// ---------------------------------------------------------------- the server

// include/ headers (by -Iinclude) for the guest's errno values and records
#include "errno.h"
#include "sysinfo.h"
#include "../../user/chatd/chatd.h"

// The rest of what the server's parts use from xv6's user library.
uint64 malloc_heapsize(void) { return 1 << 20; }
void eprint(const char *prog, const char *what, int err) { (void)prog; (void)what; (void)err; }

uint64
strlcpy(char *dst, const char *src, uint64 size)
{
  uint64 n = strlen(src);
  if(size > 0){
    uint64 k = n < size - 1 ? n : size - 1;
    memcpy(dst, src, k);
    dst[k] = 0;
  }
  return n;
}

int
parsesize(const char *s, long *out)
{
  char *end;
  long v = strtol(s, &end, 10);
  if(end == s)
    return -EINVAL;
  if(*end == 'k' || *end == 'K') { v <<= 10; end++; }
  else if(*end == 'm' || *end == 'M') { v <<= 20; end++; }
  if(*end)
    return -EINVAL;
  *out = v;
  return 0;
}

// ---------------------------------------------------------------- the simulated network

#define LISTENFD 3
#define FD0      10          // connection i is fd FD0 + i
#define NFAKE    200

struct fconn {
  int used;                  // the test opened it
  int closed;                // the server closed it
  struct hbuf in;            // sent by the client
  long inpos;                // ... of which the server has read this much
  int eof;                   // the client closed its side
  int reset;                 // the connection failed
  struct hbuf out;           // written by the server
  long seen;                 // ... of which the test has looked at this much
  long rate;                 // bytes the server may write per poll; -1: any
  long budget;               // left of rate in this round
  char addr[32];
};

static struct fconn fc[NFAKE];
static int pending[NFAKE], npending;
static int next_fc;          // connections are reused round-robin
static int next_host = 2;    // the next connection comes from 10.0.2.N
static long max_queued;      // the longest output queue seen
static long fake_now = 100000;
static long activity;        // bytes moved or connections made
static int maxread = 1 << 30;

static struct fconn *
conn_of(int fd)
{
  int i = fd - FD0;
  if(i < 0 || i >= NFAKE || !fc[i].used)
    return 0;
  return &fc[i];
}

int
accept(int lfd)
{
  if(lfd != LISTENFD)
    return -EBADF;
  if(npending == 0)
    return -EAGAIN;
  int i = pending[0];
  memmove(pending, pending + 1, --npending * sizeof(pending[0]));
  activity++;
  return FD0 + i;
}

int
announce(const char *addr)
{
  (void)addr;
  return LISTENFD;
}

int
netaddr(int fd, int remote, char *buf, int n)
{
  struct fconn *c = conn_of(fd);
  if(c == 0 || !remote)
    return -EINVAL;
  strlcpy(buf, c->addr, n);
  return 0;
}

int
read(int fd, void *buf, int n)
{
  struct fconn *c = conn_of(fd);
  if(c == 0 || c->closed)
    return -EBADF;
  if(c->reset)
    return -ECONNRESET;
  long avail = c->in.len - c->inpos;
  if(avail == 0)
    return c->eof ? 0 : -EAGAIN;
  if(n > avail)
    n = avail;
  if(n > maxread)
    n = maxread;
  memcpy(buf, c->in.p + c->inpos, n);
  c->inpos += n;
  activity++;
  return n;
}

int
write(int fd, const void *buf, int n)
{
  if(fd == 1 || fd == 2){
    host_write(fd, buf, n);
    return n;
  }
  struct fconn *c = conn_of(fd);
  if(c == 0 || c->closed)
    return -EBADF;
  if(c->reset)
    return -ECONNRESET;
  if(c->rate >= 0){
    if(c->budget == 0)
      return -EAGAIN;
    if(n > c->budget)
      n = c->budget;
    c->budget -= n;
  }
  hbuf_add(&c->out, buf, n);
  activity++;
  return n;
}

// Never blocks: with nothing ready, the time it would have waited passes.
int
poll(struct pollfd *fds, int nfds, int timeout)
{
  int ready = 0;
  for(int i = 0; i < MAXSLOTS; i++)
    if(clients[i] && clients[i]->qbytes > max_queued)
      max_queued = clients[i]->qbytes;
  for(int i = 0; i < nfds; i++){
    struct pollfd *p = &fds[i];
    p->revents = 0;
    if(p->fd == LISTENFD){
      if(npending)
        p->revents = p->events & POLLIN;
    } else {
      struct fconn *c = conn_of(p->fd);
      if(c == 0 || c->closed){
        p->revents = POLLNVAL;
      } else {
        c->budget = c->rate;
        int readable = c->inpos < c->in.len || c->eof || c->reset;
        if(readable)
          p->revents |= p->events & POLLIN;
        if(c->rate != 0)
          p->revents |= p->events & POLLOUT;
        if((c->eof && c->inpos == c->in.len) || c->reset)
          p->revents |= POLLHUP;
      }
    }
    if(p->revents)
      ready++;
  }
  if(ready == 0 && timeout > 0)
    fake_now += timeout;
  return ready;
}

int
close(int fd)
{
  struct fconn *c = conn_of(fd);
  if(c == 0 || c->closed)
    return -EBADF;
  c->closed = 1;
  activity++;
  return 0;
}

int fcntl(int fd, int cmd, long arg) { (void)fd; (void)cmd; (void)arg; return 0; }
long uptime(void) { return fake_now; }
int open(const char *path, int flags) { (void)path; (void)flags; return -ENOENT; }

int
sysinfo(struct sysinfo *si)
{
  memset(si, 0, sizeof(*si));
  si->freepages = 4242;
  return 0;
}

// ---------------------------------------------------------------- driving the server

// Runs rounds until nothing moves (no byte read or written, nobody new).
static void
settle(void)
{
  for(int k = 0; k < 200000; k++){
    long before = activity;
    loop_round(0);
    loop_round(0);
    if(activity == before)
      return;
  }
  host_abort("the server never settled");
}

// Lets ms of time pass in 1 s poll waits (timers run after each).
static void
advance(long ms)
{
  long until = fake_now + ms;
  while(fake_now < until){
    settle();
    loop_round(1000);
  }
  settle();
}

static int
connect_client(void)
{
  for(int k = 0; k < NFAKE; k++){
    int i = (next_fc + k) % NFAKE;
    if(!fc[i].used || fc[i].closed){
      struct fconn *c = &fc[i];
      next_fc = i + 1;
      hbuf_free(&c->in);
      hbuf_free(&c->out);
      memset(c, 0, sizeof(*c));
      c->used = 1;
      c->rate = -1;
      snprintf(c->addr, sizeof(c->addr), "10.0.2.%d!%d", next_host, 40000 + i);
      next_host = next_host % 250 + 1;
      pending[npending++] = i;
      settle();
      return i;
    }
  }
  host_abort("out of fake connections");
  return -1;
}

static void
say(int i, const char *text)
{
  hbuf_add(&fc[i].in, text, strlen(text));
}

static void
sayf(int i, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
static void
sayf(int i, const char *fmt, ...)
{
  char buf[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  say(i, buf);
}

// What the server wrote to i since the last call (valid until the next).
static char *
news(int i)
{
  static struct hbuf b[4];
  static int k;
  struct hbuf *h = &b[k++ % 4];
  h->len = 0;
  hbuf_add(h, "", 0);
  hbuf_add(h, fc[i].out.p ? fc[i].out.p + fc[i].seen : "", fc[i].out.len - fc[i].seen);
  fc[i].seen = fc[i].out.len;
  return h->p;
}

static int
count(const char *hay, const char *needle)
{
  int n = 0;
  int len = strlen(needle);
  for(const char *p = hay; (p = strstr(p, needle)) != 0; p += len)
    n++;
  return n;
}

// Connects and registers nick; returns the connection (its news cleared).
static int
user(const char *nick)
{
  int i = connect_client();
  sayf(i, "NICK %s\r\nUSER %s 0 * :The %s\r\n", nick, nick, nick);
  settle();
  news(i);
  return i;
}

static int
quit(int i)
{
  say(i, "QUIT :bye\r\n");
  settle();
  return fc[i].closed;
}

static void
hangup(int i)
{
  fc[i].eof = 1;
  settle();
}

// check(name, condition, format...) records one result.
#define CHECK(name, cond, ...) do { \
    if(cond) report(1, name, ""); \
    else { WHY(__VA_ARGS__); report(0, name, why); } \
  } while(0)

static int
has(const char *text, const char *needle)
{
  return strstr(text, needle) != 0;
}

// ---------------------------------------------------------------- irc.c: parsing

static void
test_parse(void)
{
  char line[IRC_LINEMAX];
  struct ircmsg m;
  int bad = 0;

  strcpy(line, ":nick!u@h PRIVMSG #chan :hello there  world");
  bad += irc_parse(line, &m) != 0 || strcmp(m.prefix, "nick!u@h") || strcmp(m.cmd, "PRIVMSG") ||
         m.nparams != 2 || strcmp(m.params[0], "#chan") || strcmp(m.params[1], "hello there  world");
  strcpy(line, "PING   tok");
  bad += irc_parse(line, &m) != 0 || m.prefix || strcmp(m.cmd, "PING") || m.nparams != 1 ||
         strcmp(m.params[0], "tok");
  strcpy(line, "USER a 0 * :");
  bad += irc_parse(line, &m) != 0 || m.nparams != 4 || strcmp(m.params[3], "");
  strcpy(line, "JOIN :");
  bad += irc_parse(line, &m) != 0 || m.nparams != 1 || m.params[0][0] != 0;
  strcpy(line, "NICK ");
  bad += irc_parse(line, &m) != 0 || m.nparams != 0;
  strcpy(line, "");
  bad += irc_parse(line, &m) != -EINVAL;
  strcpy(line, "   ");
  bad += irc_parse(line, &m) != -EINVAL;
  strcpy(line, ":only.prefix");
  bad += irc_parse(line, &m) != -EINVAL;
  strcpy(line, "CMD a :b :c");
  bad += irc_parse(line, &m) != 0 || m.nparams != 2 || strcmp(m.params[1], "b :c");
  CHECK("parse_basic", bad == 0, "%d parse cases wrong", bad);

  // more than 15 parameters: the 15th takes the rest of the line
  strcpy(line, "X 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17");
  int r = irc_parse(line, &m);
  CHECK("parse_maxparams", r == 0 && m.nparams == IRC_MAXPARAMS &&
        strcmp(m.params[14], "15 16 17") == 0, "nparams %d last '%s'", m.nparams,
        m.nparams ? m.params[m.nparams - 1] : "");

  char nick[32];
  irc_prefix_nick("alice!~a@10.0.2.2", nick, sizeof(nick));
  int ok = strcmp(nick, "alice") == 0;
  irc_prefix_nick("chat.xv6", nick, sizeof(nick));
  ok &= strcmp(nick, "chat.xv6") == 0;
  irc_prefix_nick(0, nick, sizeof(nick));
  ok &= nick[0] == 0;
  irc_prefix_nick("averyveryverylongnick!x@y", nick, 5);
  ok &= strcmp(nick, "aver") == 0;
  CHECK("prefix_nick", ok, "prefix nick extraction wrong");
}

// ---------------------------------------------------------------- irc.c: line splitting

static void
test_lines(void)
{
  struct irc_lines lb;
  char line[IRC_LINEMAX];
  irc_lines_init(&lb);

  irc_lines_put(&lb, "NICK a\r\nUSER", 12);
  int n1 = irc_lines_take(&lb, line);
  int ok = n1 == 6 && strcmp(line, "NICK a") == 0;
  ok &= irc_lines_take(&lb, line) == IRC_NOLINE;
  irc_lines_put(&lb, " b\n\r\n", 5);
  ok &= irc_lines_take(&lb, line) == 6 && strcmp(line, "USER b") == 0;
  ok &= irc_lines_take(&lb, line) == 0 && line[0] == 0;     // an empty line
  ok &= irc_lines_take(&lb, line) == IRC_NOLINE;
  CHECK("lines_split", ok, "CR LF / LF splitting wrong");

  // NUL bytes vanish
  irc_lines_put(&lb, "PRI\0VMSG #a :x\0y\r\n", 18);
  int n = irc_lines_take(&lb, line);
  CHECK("lines_nul_dropped", n == 14 && strcmp(line, "PRIVMSG #a :xy") == 0, "got %d '%s'", n, line);

  // the longest legal line (510 + CR LF) passes; one byte more does not
  char big[5000];
  memset(big, 'a', sizeof(big));
  irc_lines_init(&lb);
  irc_lines_put(&lb, big, 510);
  irc_lines_put(&lb, "\r\n", 2);
  n = irc_lines_take(&lb, line);
  CHECK("lines_510_ok", n == 510, "got %d", n);
  irc_lines_put(&lb, big, 511);
  irc_lines_put(&lb, "\r\nPING x\r\n", 10);
  n = irc_lines_take(&lb, line);
  int n2 = irc_lines_take(&lb, line);
  CHECK("lines_511_toolong", n == IRC_TOOLONG && n2 == 6 && strcmp(line, "PING x") == 0,
        "got %d then %d '%s'", n, n2, line);

  // a 4 KiB line fed in pieces: one TOOLONG, then the next line is intact
  irc_lines_init(&lb);
  int toolong = 0, lines = 0, fed = 0;
  const char *tail = "\r\nPING after\r\n";
  while(fed < 4096){
    int k = 100 + fed % 333;
    if(k > 4096 - fed)
      k = 4096 - fed;
    fed += irc_lines_put(&lb, big, k);
    int r;
    while((r = irc_lines_take(&lb, line)) != IRC_NOLINE)
      r == IRC_TOOLONG ? toolong++ : lines++;
  }
  irc_lines_put(&lb, tail, strlen(tail));
  int r;
  while((r = irc_lines_take(&lb, line)) != IRC_NOLINE)
    r == IRC_TOOLONG ? toolong++ : lines++;
  CHECK("lines_4k_once", toolong == 1 && lines == 1 && strcmp(line, "PING after") == 0,
        "toolong %d lines %d last '%s'", toolong, lines, line);

  // the buffer never takes more than it has room for
  irc_lines_init(&lb);
  int took = irc_lines_put(&lb, big, sizeof(big));
  CHECK("lines_bounded", took == (int)sizeof(lb.buf), "took %d", took);
}

// ---------------------------------------------------------------- irc.c: formatting and names

static void
test_format_line(void)
{
  char buf[IRC_LINEMAX + 1];
  int n = irc_line(buf, sizeof(buf), ":%s 001 %s :Welcome", "srv", "bob");
  CHECK("line_crlf", n == 23 && strcmp(buf, ":srv 001 bob :Welcome\r\n") == 0, "got %d '%s'", n, buf);

  char text[1200];
  memset(text, 'x', sizeof(text));
  text[sizeof(text) - 1] = 0;
  n = irc_line(buf, sizeof(buf), "PRIVMSG #a :%s", text);
  CHECK("line_cut_512", n == IRC_LINEMAX && buf[510] == '\r' && buf[511] == '\n' &&
        (int)strlen(buf) == n, "got %d", n);

  // a cut never splits a UTF-8 character: 509 bytes of 'x' then a 2-byte é
  char u[600];
  memset(u, 'x', 509);
  strcpy(u + 509, "\xc3\xa9zz");
  n = irc_line(buf, sizeof(buf), "%s", u);
  CHECK("line_cut_utf8", n == 511 && buf[508] == 'x' && buf[509] == '\r',
        "got %d, byte 509 = %02x", n, (unsigned char)buf[509]);

  n = irc_line(buf, sizeof(buf), "NOTICE a :one\r\nQUIT :two");
  CHECK("line_no_injection", count(buf, "\r\n") == 1 && n == (int)strlen(buf),
        "got '%s'", buf);

  char small[8];
  n = irc_line(small, sizeof(small), "PRIVMSG #abc :hello");
  CHECK("line_small_buffer", n == 7 && strcmp(small, "PRIVM\r\n") == 0, "got %d '%s'", n, small);
}

static void
test_names(void)
{
  int bad = 0;
  bad += !irc_valid_nick("alice", 16);
  bad += !irc_valid_nick("[x]_^{|}`-9", 16);
  bad += irc_valid_nick("9lives", 16);
  bad += irc_valid_nick("-dash", 16);
  bad += irc_valid_nick("", 16);
  bad += irc_valid_nick("has space", 16);
  bad += irc_valid_nick("a#b", 16);
  bad += irc_valid_nick("seventeen_chars__", 16);
  bad += !irc_valid_nick("sixteen_chars___", 16);
  bad += irc_valid_nick("caf\xc3\xa9", 16);
  CHECK("valid_nick", bad == 0, "%d nick cases wrong", bad);

  bad = 0;
  bad += !irc_valid_channel("#chat", 50);
  bad += !irc_valid_channel("#caf\xc3\xa9", 50);
  bad += irc_valid_channel("chat", 50);
  bad += irc_valid_channel("#", 50);
  bad += irc_valid_channel("#a,b", 50);
  bad += irc_valid_channel("#a b", 50);
  bad += irc_valid_channel("#a\x07", 50);
  bad += irc_valid_channel("#a:b", 50);
  bad += irc_valid_channel("#bad\xff", 50);
  bad += irc_valid_channel("#0123456789", 10);
  bad += !irc_valid_channel("#012345678", 10);
  CHECK("valid_channel", bad == 0, "%d channel cases wrong", bad);

  bad = 0;
  bad += irc_casecmp("Alice", "aLICE") != 0;
  bad += irc_casecmp("a[", "A{") != 0;        // rfc1459 casemapping: [ is {
  bad += irc_casecmp("x]\\~", "X}|^") != 0;   // ... ] is }, \ is |, ~ is ^
  bad += irc_casecmp("a_", "A-") == 0;
  bad += irc_casecmp("abc", "abd") >= 0;
  bad += irc_casecmp("ab", "abc") >= 0;
  CHECK("casecmp", bad == 0, "%d case cases wrong", bad);

  struct { const char *s; int ok; } u8[] = {
    { "plain", 1 }, { "\xc3\xa9", 1 }, { "\xe2\x82\xac", 1 }, { "\xf0\x9f\x98\x80", 1 },
    { "\xc0\xaf", 0 },              // overlong '/'
    { "\xe0\x80\xaf", 0 },          // overlong
    { "\xed\xa0\x80", 0 },          // surrogate
    { "\xf4\x90\x80\x80", 0 },      // above U+10FFFF
    { "\xc3", 0 },                  // truncated
    { "\x80", 0 },                  // lone continuation
    { "\xff", 0 },
  };
  bad = 0;
  for(unsigned i = 0; i < sizeof(u8) / sizeof(u8[0]); i++)
    bad += irc_utf8_valid(u8[i].s, strlen(u8[i].s)) != u8[i].ok;
  CHECK("utf8_valid", bad == 0, "%d UTF-8 cases wrong", bad);
}

// ---------------------------------------------------------------- the server

static void
test_register(void)
{
  next_host = 2;
  int a = connect_client();
  say(a, "NICK alice\r\n");
  settle();
  char *out = news(a);
  CHECK("reg_waits_for_user", out[0] == 0, "early output '%s'", out);
  say(a, "USER al 0 * :Alice Liddell\r\n");
  settle();
  out = news(a);
  CHECK("reg_welcome", has(out, ":chat.xv6 001 alice :Welcome to the xv6Chat IRC network alice!~al@10.0.2.2\r\n") &&
        has(out, " 002 alice ") && has(out, " 003 alice ") && has(out, " 004 alice chat.xv6 ") &&
        has(out, " 005 alice CASEMAPPING=rfc1459 ") && has(out, " CHANTYPES=# ") &&
        has(out, " PREFIX=(ov)@+ ") && has(out, " CHANMODES=beI,k,l,imnpst "), "got '%s'", out);
  CHECK("reg_motd", has(out, " 375 alice ") && has(out, " 372 alice ") && has(out, " 376 alice "),
        "got '%s'", out);
  const char *p1 = strstr(out, " 001 "), *p5 = strstr(out, " 005 "), *p376 = strstr(out, " 376 ");
  CHECK("reg_order", p1 && p5 && p376 && p1 < p5 && p5 < p376, "numerics out of order");

  // USER first, then NICK
  int b = connect_client();
  say(b, "USER bob 0 * :Bob\r\nNICK bob\r\n");
  settle();
  out = news(b);
  CHECK("reg_user_first", has(out, " 001 bob "), "got '%s'", out);

  say(a, "USER again 0 * :x\r\n");
  settle();
  out = news(a);
  CHECK("reg_462", has(out, " 462 alice :"), "got '%s'", out);
  quit(a);
  quit(b);
}

static void
test_cap(void)
{
  int a = connect_client();
  say(a, "CAP LS 302\r\nNICK capper\r\nUSER c 0 * :C\r\n");
  settle();
  char *out = news(a);
  CHECK("cap_ls_empty", has(out, ":chat.xv6 CAP * LS :\r\n"), "got '%s'", out);
  CHECK("cap_holds_registration", !has(out, " 001 "), "registered during CAP: '%s'", out);
  say(a, "CAP REQ :multi-prefix sasl\r\n");
  settle();
  out = news(a);
  CHECK("cap_req_nak", has(out, "CAP capper NAK :multi-prefix sasl\r\n"), "got '%s'", out);
  say(a, "CAP END\r\n");
  settle();
  out = news(a);
  CHECK("cap_end_registers", has(out, " 001 capper "), "got '%s'", out);
  say(a, "CAP BOGUS\r\nCAP\r\n");
  settle();
  out = news(a);
  CHECK("cap_errors", has(out, " 410 capper BOGUS ") && has(out, " 461 capper CAP "), "got '%s'", out);
  quit(a);
}

static void
test_unregistered(void)
{
  int a = connect_client();
  say(a, "JOIN :\r\nPRIVMSG #x :hi\r\nFROB\r\nLIST\r\n");
  settle();
  char *out = news(a);
  CHECK("unreg_451", count(out, " 451 * :You have not registered\r\n") == 4, "got '%s'", out);
  say(a, "PING early\r\n");
  settle();
  out = news(a);
  CHECK("unreg_ping", has(out, ":chat.xv6 PONG chat.xv6 :early\r\n"), "got '%s'", out);
  quit(a);
}

static void
test_nicks(void)
{
  next_host = 2;
  int a = user("alice");
  int b = connect_client();
  say(b, "NICK\r\nNICK :\r\nNICK 9lives\r\nNICK ALICE\r\n");
  settle();
  char *out = news(b);
  CHECK("nick_431", count(out, " 431 * :No nickname given") == 2, "got '%s'", out);
  CHECK("nick_432", has(out, " 432 * 9lives :Erroneous nickname"), "got '%s'", out);
  CHECK("nick_433_casefold", has(out, " 433 * ALICE :Nickname is already in use"), "got '%s'", out);
  say(b, "NICK bob\r\nUSER b 0 * :B\r\n");
  settle();
  news(b);

  // a nick change reaches each channel-mate once, even across two channels
  say(a, "JOIN #one,#two\r\n");
  say(b, "JOIN #one,#two\r\n");
  settle();
  news(a);
  news(b);
  say(a, "NICK alicia\r\n");
  settle();
  char *oa = news(a), *ob = news(b);
  CHECK("nick_change_self", count(oa, ":alice!~alice@10.0.2.2 NICK :alicia\r\n") == 1, "got '%s'", oa);
  CHECK("nick_change_once", count(ob, ":alice!~alice@10.0.2.2 NICK :alicia\r\n") == 1, "got '%s'", ob);
  // the old nick is free again
  int c = user("alice");
  say(c, "WHOIS alicia\r\n");
  settle();
  out = news(c);
  CHECK("nick_old_free", fc[c].out.len > 0 && has(out, " 311 alice alicia ~alice 10.0.2.2 * :The alice"),
        "got '%s'", out);
  quit(a);
  quit(b);
  quit(c);
}

static void
test_ping(void)
{
  int a = user("pinger");
  say(a, "PING :LAG1234\r\nPING plain\r\nPING\r\nPONG :x\r\nPONG y\r\n");
  settle();
  char *out = news(a);
  CHECK("ping_echo", has(out, ":chat.xv6 PONG chat.xv6 :LAG1234\r\n") &&
        has(out, ":chat.xv6 PONG chat.xv6 :plain\r\n"), "got '%s'", out);
  CHECK("ping_409", has(out, " 409 pinger :No origin specified"), "got '%s'", out);
  CHECK("pong_silent", count(out, "\r\n") == 3, "got '%s'", out);
  quit(a);
}

static void
test_channels(void)
{
  next_host = 2;
  int a = user("alice"), b = user("bob");
  say(a, "JOIN #test\r\n");
  settle();
  char *oa = news(a);
  CHECK("join_echo", has(oa, ":alice!~alice@10.0.2.2 JOIN #test\r\n"), "got '%s'", oa);
  CHECK("join_names", has(oa, " 353 alice = #test :@alice\r\n") && has(oa, " 366 alice #test :"),
        "got '%s'", oa);
  CHECK("join_no_topic", !has(oa, " 332 ") && !has(oa, " 331 "), "got '%s'", oa);

  say(b, "JOIN #TEST\r\n");
  settle();
  oa = news(a);
  char *ob = news(b);
  CHECK("join_seen_by_member", has(oa, ":bob!~bob@10.0.2.3 JOIN #test\r\n"), "got '%s'", oa);
  CHECK("join_names_both", has(ob, " 353 bob = #test :@alice bob\r\n"), "got '%s'", ob);

  say(a, "PRIVMSG #test :hello, world\r\n");
  settle();
  oa = news(a);
  ob = news(b);
  CHECK("privmsg_relayed", count(ob, ":alice!~alice@10.0.2.2 PRIVMSG #test :hello, world\r\n") == 1,
        "got '%s'", ob);
  CHECK("privmsg_not_echoed", oa[0] == 0, "sender got '%s'", oa);

  say(b, "NOTICE #test :note\r\nPRIVMSG alice :psst\r\nNOTICE alice :n2\r\n");
  settle();
  oa = news(a);
  CHECK("notice_and_private", has(oa, ":bob!~bob@10.0.2.3 NOTICE #test :note\r\n") &&
        has(oa, ":bob!~bob@10.0.2.3 PRIVMSG alice :psst\r\n") &&
        has(oa, ":bob!~bob@10.0.2.3 NOTICE alice :n2\r\n"), "got '%s'", oa);

  // topic
  say(a, "TOPIC #test\r\n");
  settle();
  oa = news(a);
  CHECK("topic_none_331", has(oa, " 331 alice #test :No topic is set"), "got '%s'", oa);
  say(a, "TOPIC #test :Our topic: tests\r\n");
  settle();
  oa = news(a);
  ob = news(b);
  CHECK("topic_set_broadcast", has(oa, ":alice!~alice@10.0.2.2 TOPIC #test :Our topic: tests\r\n") &&
        has(ob, ":alice!~alice@10.0.2.2 TOPIC #test :Our topic: tests\r\n"), "got '%s' / '%s'", oa, ob);
  int c = user("carol");
  say(c, "JOIN #test\r\n");
  settle();
  char *oc = news(c);
  CHECK("join_topic_332_333", has(oc, " 332 carol #test :Our topic: tests\r\n") &&
        has(oc, " 333 carol #test alice "), "got '%s'", oc);
  const char *j = strstr(oc, " JOIN #test"), *t = strstr(oc, " 332 "), *nm = strstr(oc, " 353 ");
  CHECK("join_reply_order", j && t && nm && j < t && t < nm, "got '%s'", oc);

  say(c, "NAMES #test\r\nLIST\r\nWHO #test\r\n");
  settle();
  oc = news(c);
  CHECK("names", has(oc, " 353 carol = #test :@alice bob carol\r\n") && has(oc, " 366 carol #test "),
        "got '%s'", oc);
  CHECK("list", has(oc, " 321 carol ") && has(oc, " 322 carol #test 3 :Our topic: tests\r\n") &&
        has(oc, " 323 carol :End of /LIST"), "got '%s'", oc);
  CHECK("who", has(oc, " 352 carol #test ~alice 10.0.2.2 chat.xv6 alice H@ :0 The alice\r\n") &&
        has(oc, " 352 carol #test ~bob 10.0.2.3 chat.xv6 bob H :0 The bob\r\n") &&
        has(oc, " 315 carol #test :End of /WHO list."), "got '%s'", oc);

  say(c, "MODE #test\r\nMODE #test b\r\nMODE carol\r\nMODE carol +i\r\nMODE #test +k x\r\n");
  settle();
  oc = news(c);
  CHECK("mode_replies", has(oc, " 324 carol #test +n\r\n") && has(oc, " 368 carol #test ") &&
        has(oc, " 221 carol +\r\n") && has(oc, " 482 carol #test "), "got '%s'", oc);

  // errors
  say(c, "PRIVMSG nobody :x\r\nPRIVMSG #nochan :x\r\nPRIVMSG\r\nPRIVMSG #test\r\n"
         "PRIVMSG #test :\r\nNOTICE nobody :x\r\nNOTICE #nochan :x\r\nNOTICE\r\n");
  settle();
  oc = news(c);
  CHECK("err_401", count(oc, " 401 carol nobody :No such nick/channel") == 1, "got '%s'", oc);
  CHECK("err_403_privmsg", count(oc, " 403 carol #nochan :No such channel") == 1, "got '%s'", oc);
  CHECK("err_411", has(oc, " 411 carol :No recipient given (PRIVMSG)"), "got '%s'", oc);
  CHECK("err_412", count(oc, " 412 carol :No text to send") == 2, "got '%s'", oc);
  CHECK("notice_never_errors", count(oc, "\r\n") == 5, "got '%s'", oc);

  int d = user("dave");
  say(d, "PRIVMSG #test :outsider\r\nPART #test\r\nPART #nochan\r\nJOIN\r\nJOIN :\r\n"
         "JOIN nochan\r\nTOPIC #test :x\r\nTOPIC #nochan\r\nFROBNICATE x\r\nPART\r\n");
  settle();
  char *od = news(d);
  CHECK("err_404", has(od, " 404 dave #test :Cannot send to channel"), "got '%s'", od);
  CHECK("err_442", count(od, " 442 dave #test :You're not on that channel") == 2, "got '%s'", od);
  CHECK("err_403", count(od, " 403 dave #nochan :No such channel") == 2 &&
        has(od, " 476 dave nochan :Bad Channel Mask"), "got '%s'", od);
  CHECK("err_461", count(od, " 461 dave JOIN :Not enough parameters") == 2 &&
        has(od, " 461 dave PART :Not enough parameters"), "got '%s'", od);
  CHECK("err_421", has(od, " 421 dave FROBNICATE :Unknown command"), "got '%s'", od);
  oa = news(a);
  CHECK("outsider_not_relayed", !has(oa, "outsider"), "got '%s'", oa);

  // part
  say(b, "PART #test :see you\r\n");
  settle();
  oa = news(a);
  ob = news(b);
  CHECK("part_echo", has(oa, ":bob!~bob@10.0.2.3 PART #test :see you\r\n") &&
        has(ob, ":bob!~bob@10.0.2.3 PART #test :see you\r\n"), "got '%s' / '%s'", oa, ob);
  say(a, "PRIVMSG #test :after\r\n");
  settle();
  ob = news(b);
  CHECK("part_no_more_messages", !has(ob, "after"), "got '%s'", ob);

  // quit: ERROR to the leaver, QUIT to the others, connection closed
  news(c);
  say(a, "QUIT :gone fishing\r\n");
  settle();
  oa = news(a);
  oc = news(c);
  CHECK("quit_error", has(oa, "ERROR :Closing Link: 10.0.2.2 (Quit: gone fishing)\r\n") && fc[a].closed,
        "got '%s' closed %d", oa, fc[a].closed);
  CHECK("quit_broadcast", count(oc, ":alice!~alice@10.0.2.2 QUIT :Quit: gone fishing\r\n") == 1,
        "got '%s'", oc);

  // a vanished connection reads as a quit too
  hangup(d);
  say(c, "JOIN #test\r\n");
  int e = user("erin");
  say(e, "JOIN #test\r\n");
  settle();
  news(c);
  hangup(e);
  oc = news(c);
  CHECK("hangup_quit", has(oc, ":erin!~erin@10.0.2.") && has(oc, " QUIT :Connection closed\r\n") &&
        fc[e].closed, "got '%s'", oc);
  CHECK("hangup_closed", fc[d].closed, "dave's connection still open");
  quit(b);
  quit(c);
  CHECK("channels_gone", nchannels == 0 && channels == 0, "%d channels left", nchannels);
}

static void
test_bad_input(void)
{
  next_host = 2;
  int a = user("alice"), b = user("bob");
  say(a, "JOIN #bad\r\n");
  say(b, "JOIN #bad\r\n");
  settle();
  news(a);
  news(b);

  // a 4 KiB line: one 417, then the connection goes on
  char big[4200];
  memset(big, 'A', 4096);
  strcpy(big + 4096, "\r\nPRIVMSG #bad :still here\r\n");
  say(a, "PRIVMSG #bad :");
  say(a, big);
  settle();
  char *oa = news(a), *ob = news(b);
  CHECK("long_line_417", count(oa, " 417 alice :Input line was too long\r\n") == 1, "got '%s'", oa);
  CHECK("long_line_recovers", count(ob, "PRIVMSG #bad :still here\r\n") == 1 && !has(ob, "AAAA"),
        "got %ld bytes", (long)strlen(ob));

  // NUL bytes are dropped, invalid UTF-8 is relayed as it is
  hbuf_add(&fc[a].in, "PRIVMSG #bad :nul\0led\r\n", 23);
  say(a, "PRIVMSG #bad :bytes \xff\xfe\xc3 end\r\n");
  settle();
  ob = news(b);
  CHECK("nul_dropped", has(ob, "PRIVMSG #bad :nulled\r\n"), "got '%s'", ob);
  CHECK("bad_utf8_relayed", has(ob, "PRIVMSG #bad :bytes \xff\xfe\xc3 end\r\n"), "got '%s'", ob);

  // control characters in commands, bare LF, lower case, odd spacing
  say(a, "privmsg   #bad   :lower\n\x01\x02\x03\r\n:fake!x@y PRIVMSG #bad :prefixed\r\n");
  settle();
  oa = news(a);
  ob = news(b);
  CHECK("lowercase_lf", has(ob, ":alice!~alice@10.0.2.2 PRIVMSG #bad :lower\r\n"), "got '%s'", ob);
  CHECK("prefix_ignored", has(ob, ":alice!~alice@10.0.2.2 PRIVMSG #bad :prefixed\r\n"), "got '%s'", ob);
  CHECK("control_421", has(oa, " 421 alice \x01\x02\x03 :Unknown command"), "got '%s'", oa);

  // a channel name that is not UTF-8, over-long names and nicks
  say(a, "JOIN #\xff\xfe\r\nJOIN #aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
         "NICK abcdefghijklmnopq\r\n");
  settle();
  oa = news(a);
  CHECK("bad_channel_403", count(oa, " 403 alice #") == 2, "got '%s'", oa);
  CHECK("long_nick_432", has(oa, " 432 alice abcdefghijklmnopq "), "got '%s'", oa);
  quit(a);
  quit(b);
}

// A client that sends its lines and shuts down its sending side (as
// `nc` does at the end of its input) still gets every reply.
static void
test_half_close(void)
{
  int a = connect_client();
  say(a, "NICK half\r\nUSER h 0 * :H\r\nPING :last\r\n");
  fc[a].eof = 1;
  settle();
  char *out = news(a);
  CHECK("half_close_replies", has(out, " 001 half ") && has(out, "PONG chat.xv6 :last\r\n") &&
        has(out, "ERROR :Closing Link: ") && fc[a].closed, "closed %d, got '%s'", fc[a].closed, out);
}

static void
test_password(void)
{
  conf.password = "sesame";
  int a = connect_client();
  say(a, "PASS wrong\r\nNICK p1\r\nUSER p 0 * :P\r\n");
  settle();
  char *out = news(a);
  CHECK("pass_464", has(out, " 464 p1 :Password incorrect\r\n") && has(out, "ERROR :Closing Link") &&
        !has(out, " 001 ") && fc[a].closed, "got '%s'", out);
  int b = connect_client();
  say(b, "NICK p2\r\nUSER p 0 * :P\r\n");
  settle();
  out = news(b);
  CHECK("pass_missing_464", has(out, " 464 p2 ") && fc[b].closed, "got '%s'", out);
  int c = connect_client();
  say(c, "PASS sesame\r\nNICK p3\r\nUSER p 0 * :P\r\n");
  settle();
  out = news(c);
  CHECK("pass_ok", has(out, " 001 p3 "), "got '%s'", out);
  say(c, "PASS again\r\n");
  settle();
  out = news(c);
  CHECK("pass_462", has(out, " 462 p3 "), "got '%s'", out);
  quit(c);
  conf.password = 0;
}

// Sends lines "PRIVMSG #chan :TAG-N" for N in [0, n) from i.
static void
flood(int i, const char *chan, const char *tag, int n)
{
  for(int k = 0; k < n; k++)
    sayf(i, "PRIVMSG %s :%s-%d\r\n", chan, tag, k);
}

// Whether out holds exactly the messages TAG-0 .. TAG-(n-1) once each, in order.
static int
in_order(const char *out, const char *tag, int n, char *err, int errlen)
{
  char want[64];
  const char *p = out;
  for(int k = 0; k < n; k++){
    snprintf(want, sizeof(want), " :%s-%d\r\n", tag, k);
    const char *q = strstr(p, want);
    if(q == 0){
      host_snprintf(err, errlen, "%s-%d missing or out of order", tag, k);
      return 0;
    }
    p = q + 1;
  }
  snprintf(want, sizeof(want), " :%s-", tag);
  if(count(out, want) != n){
    host_snprintf(err, errlen, "%d lines of %s, want %d", count(out, want), tag, n);
    return 0;
  }
  return 1;
}

static void
test_slow_readers(void)
{
  char err[128];
  int a = user("flooder"), b = user("reader"), s = user("stuck"), w = user("slow");
  say(a, "JOIN #flood\r\n");
  say(b, "JOIN #flood\r\n");
  say(s, "JOIN #flood\r\n");
  say(w, "JOIN #flood\r\n");
  settle();
  news(a); news(b); news(s); news(w);
  fc[s].rate = 0;             // never reads
  fc[w].rate = 300;           // reads slowly, but reads
  long killed_before = kills;
  flood(a, "#flood", "F", 3000);
  settle();
  // the stuck client's queue passed the high-water mark: input waits
  CHECK("throttle_engaged", conn_throttled() && fc[a].inpos < fc[a].in.len,
        "throttled %d, read %ld of %ld", conn_throttled(), fc[a].inpos, fc[a].in.len);
  CHECK("stuck_not_yet_killed", !fc[s].closed && kills == killed_before, "killed early");
  advance(STALL_MS + CLOSE_MS + 2000);
  char *ob = news(b), *ow = news(w);
  CHECK("stuck_client_dropped", fc[s].closed && has(ob, ":stuck!~stuck@") &&
        has(ob, " QUIT :SendQ exceeded\r\n"), "closed %d, reader got %ld bytes", fc[s].closed,
        (long)strlen(ob));
  int ok = in_order(ob, "F", 3000, err, sizeof(err));
  CHECK("reader_got_all_in_order", ok, "%s", err);
  ok = in_order(ow, "F", 3000, err, sizeof(err));
  CHECK("slow_reader_got_all", ok && !fc[w].closed, "%s", err);
  CHECK("queues_bounded", max_queued <= conf.sendq + IRC_LINEMAX, "a queue held %ld bytes", max_queued);
  quit(a);
  quit(b);
  fc[w].rate = -1;
  quit(w);
}

// One client sends lines and then stops reading; 20 others keep talking
// in one channel with it. Each round of their messages must reach all of
// them within TOLERANCE_MS of simulated time, and the silent one must go
// with SendQ exceeded, not hold everyone up.
#define TOLERANCE_MS 1000
static void
test_slow_reader_isolated(void)
{
  enum { N = 20, ROUNDS = 40 };
  char pad[201];
  memset(pad, 'x', 200);
  pad[200] = 0;
  int stuck = user("silent");
  int cs[N];
  say(stuck, "JOIN #busy\r\n");
  for(int k = 0; k < N; k++){
    char nick[16];
    snprintf(nick, sizeof(nick), "busy%d", k);
    cs[k] = user(nick);
    say(cs[k], "JOIN #busy\r\n");
  }
  settle();
  for(int k = 0; k < N; k++)
    news(cs[k]);
  fc[stuck].rate = 0;                     // from now on it reads nothing
  for(int j = 0; j < 5; j++)
    sayf(stuck, "PRIVMSG #busy :from the silent one %d\r\n", j);
  long worst = 0;
  int late_round = -1;
  static struct hbuf got[N];
  for(int r = 0; r < ROUNDS; r++){
    for(int k = 0; k < N; k++)
      sayf(cs[k], "PRIVMSG #busy :R%d-%d %s\r\n", r, k, pad);
    long t0 = fake_now;
    int done = 0;
    while(!done && fake_now - t0 <= 10 * TOLERANCE_MS){
      settle();
      done = 1;
      for(int k = 0; k < N; k++){
        char *o = news(cs[k]);
        hbuf_add(&got[k], o, strlen(o));
        char want[32];
        int last = k == N - 1 ? N - 2 : N - 1;
        snprintf(want, sizeof(want), " :R%d-%d ", r, last);
        if(!has(got[k].p ? got[k].p : "", want))
          done = 0;
      }
      if(!done)
        loop_round(100);             // 100 ms pass
    }
    long took = fake_now - t0;
    if(took > worst){
      worst = took;
      late_round = r;
    }
  }
  CHECK("slow_reader_others_flow", worst <= TOLERANCE_MS,
        "round %d took %ld ms of simulated time (tolerance %d)", late_round, worst, TOLERANCE_MS);
  int quitseen = 1;
  for(int k = 0; k < N; k++)
    quitseen &= has(got[k].p ? got[k].p : "", ":silent!~silent@") &&
                has(got[k].p, " QUIT :SendQ exceeded\r\n");
  advance(CLOSE_MS + 1000);
  CHECK("slow_reader_sendq_exceeded", fc[stuck].closed && quitseen,
        "closed %d, QUIT :SendQ exceeded seen by all %d", fc[stuck].closed, quitseen);
  CHECK("slow_reader_queues_bounded", max_queued <= conf.sendq + IRC_LINEMAX,
        "a queue held %ld bytes", max_queued);
  for(int k = 0; k < N; k++){
    hbuf_free(&got[k]);
    quit(cs[k]);
  }
}

static void
test_sendq_exceeded(void)
{
  int saved = conf.sendq;
  conf.sendq = 4096;
  int a = user("lister");
  int makers[5];
  for(int k = 0; k < 5; k++){
    char nick[16];
    snprintf(nick, sizeof(nick), "maker%d", k);
    makers[k] = user(nick);
    for(int j = 0; j < 20; j++)
      sayf(makers[k], "JOIN #channel-number-%d-%d\r\n", k, j);
  }
  settle();
  CHECK("many_channels", nchannels == 100, "%d channels", nchannels);
  fc[a].rate = 0;
  say(a, "LIST\r\n");
  settle();
  struct client *lc = 0;
  for(int i = 0; i < MAXSLOTS; i++)
    if(clients[i] && clients[i]->fd == FD0 + a)
      lc = clients[i];
  CHECK("sendq_exceeded_killed", lc && lc->closing && strcmp(lc->reason, "SendQ exceeded") == 0,
        "client %p closing %d reason '%s' queued %d", (void *)lc, lc ? lc->closing : -1,
        lc ? lc->reason : "", lc ? lc->qbytes : -1);
  advance(CLOSE_MS + 1000);
  CHECK("sendq_exceeded_closed", fc[a].closed, "still open");
  for(int k = 0; k < 5; k++)
    quit(makers[k]);
  conf.sendq = saved;
}

static void
test_timeouts(void)
{
  long saved = conf.ping_ms;
  conf.ping_ms = 10000;
  int a = user("idle"), b = user("answers");
  int c = connect_client();           // never registers
  advance(conf.ping_ms + 1500);
  char *oa = news(a), *ob = news(b);
  CHECK("ping_sent", has(oa, "PING :chat.xv6\r\n") && has(ob, "PING :chat.xv6\r\n"),
        "got '%s'", oa);
  CHECK("registration_timeout", fc[c].closed && has(news(c), "ERROR :Closing Link: 10.0.2.")
        , "closed %d", fc[c].closed);
  say(b, "PONG :chat.xv6\r\n");
  advance(conf.ping_ms + 1500);
  oa = news(a);
  CHECK("ping_timeout", fc[a].closed && has(oa, "(Ping timeout: "), "got '%s'", oa);
  CHECK("answering_client_stays", !fc[b].closed, "closed");
  quit(b);
  conf.ping_ms = saved;
}

static void
test_full(void)
{
  int saved = conf.maxclients;
  conf.maxclients = 2;
  int a = user("one"), b = user("two");
  int c = connect_client();
  char *out = news(c);
  CHECK("server_full", fc[c].closed && has(out, "ERROR :Closing Link: 10.0.2.") && has(out, " (Server is full)\r\n"),
        "got '%s'", out);
  quit(a);
  quit(b);
  conf.maxclients = saved;
}

static void
test_stats(void)
{
  int a = user("oper");
  say(a, "STATS\r\n");
  settle();
  char *out = news(a);
  CHECK("stats", has(out, " 249 oper :clients=1 registered=1 channels=0 ") &&
        has(out, " freepages=4242 ") && has(out, " 219 oper "), "got '%s'", out);
  quit(a);
}

// Random input from many clients: the server must survive it with its
// tables consistent (ASan/UBSan watch every access meanwhile).
static unsigned long long rng = 0x9e3779b97f4a7c15ULL;
static unsigned long
rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned long)rng;
}

static int
consistent(char *err, int errlen)
{
  int n = 0;
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c == 0)
      continue;
    n++;
    for(int k = 0; k < c->nchans; k++)
      if(chan_member(c->chans[k], c) == 0){
        host_snprintf(err, errlen, "client %s lists a channel it is not in", c->nick);
        return 0;
      }
  }
  if(n != nclients){
    host_snprintf(err, errlen, "%d clients, counter says %d", n, nclients);
    return 0;
  }
  int nch = 0;
  for(struct channel *ch = channels; ch; ch = ch->next){
    nch++;
    if(ch->n == 0){
      host_snprintf(err, errlen, "empty channel %s kept", ch->name);
      return 0;
    }
    for(int k = 0; k < ch->n; k++){
      struct client *c = ch->m[k].c;
      int found = 0;
      for(int j = 0; j < c->nchans; j++)
        found |= c->chans[j] == ch;
      if(!found || c->closing){
        host_snprintf(err, errlen, "channel %s holds a stale member", ch->name);
        return 0;
      }
    }
  }
  if(nch != nchannels){
    host_snprintf(err, errlen, "%d channels, counter says %d", nch, nchannels);
    return 0;
  }
  return 1;
}

static void
test_fuzz(void)
{
  static const char *words[] = {
    "NICK", "USER", "JOIN", "PART", "PRIVMSG", "NOTICE", "TOPIC", "NAMES", "LIST", "WHO",
    "WHOIS", "MODE", "PING", "PONG", "CAP", "PASS", "MOTD", "QUIT", "ISON", "USERHOST",
    "STATS", "#a", "#b", "#a,#b", "0", ":", "::", "x", "n1", "n2", "N1", "LS", "END", "REQ",
    "\xff", "#\xc3\xa9", ":hello world", "*", "", "+b", "b",
    "KICK", "INVITE", "AWAY", "WHOWAS", "LUSERS", "OPER", "KILL", "WALLOPS", "VERSION",
    "TIME", "ADMIN", "INFO", "+o", "-o", "+v", "+k", "-k", "+l", "-l", "+beI", "+imnpst",
    "-imnpst", "e", "I", "*!*@*", "n?", "pw", "+iw", "n1,n2", "#a,#a", "1",
  };
  int nw = sizeof(words) / sizeof(words[0]);
  // an operator line the random words can hit ("OPER n1 pw"), so that
  // KILL and WALLOPS run too
  conf.nopers = 1;
  strcpy(conf.opers[0].name, "n1");
  strcpy(conf.opers[0].pass, "pw");
  int conns[12];
  int nc = 12;
  for(int k = 0; k < nc; k++){
    conns[k] = connect_client();
    sayf(conns[k], "NICK f%d\r\nUSER f 0 * :F\r\n", k);
  }
  settle();
  char err[200];
  int ok = 1;
  for(int round = 0; round < 3000 && ok; round++){
    int k = rnd() % nc;
    int i = conns[k];
    int what = rnd() % 100;
    if(what < 2 || fc[i].closed){
      // replace the connection: hang up or just vanish, then a new one
      if(!fc[i].closed){
        if(rnd() % 2)
          fc[i].eof = 1;
        else
          fc[i].reset = 1;
        settle();
      }
      if(!fc[i].closed)
        advance(CLOSE_MS + 1000);
      conns[k] = connect_client();
      sayf(conns[k], "NICK f%d\r\nUSER f 0 * :F\r\n", k);
    } else if(what < 10){
      // random bytes, CR/LF and NUL included
      char junk[300];
      int n = rnd() % sizeof(junk);
      for(int j = 0; j < n; j++)
        junk[j] = rnd() % 4 ? (char)(rnd() % 256) : "\r\n \0:"[rnd() % 5];
      hbuf_add(&fc[i].in, junk, n);
    } else {
      char line[600];
      int n = 0;
      int nwords = 1 + rnd() % 5;
      for(int j = 0; j < nwords; j++)
        n += snprintf(line + n, sizeof(line) - n, "%s%s", j ? " " : "", words[rnd() % nw]);
      fc[i].rate = rnd() % 10 == 0 ? (long)(rnd() % 50) : -1;
      sayf(i, "%s\r\n", line);
    }
    if(round % 10 == 0){
      settle();
      ok = consistent(err, sizeof(err));
    }
  }
  settle();
  if(ok)
    ok = consistent(err, sizeof(err));
  CHECK("fuzz_consistent", ok, "%s", err);
  for(int k = 0; k < nc; k++){
    int i = conns[k];
    fc[i].rate = -1;
    if(!fc[i].closed)
      hangup(i);
  }
  advance(CLOSE_MS + 1000);
  CHECK("fuzz_all_closed", nclients == 0, "%d clients left", nclients);
  conf.nopers = 0;
}

static void
test_memory_returns(void)
{
  // every test above has let its clients go: nothing may be left
  CHECK("memory_returns", nclients == 0 && nchannels == 0 && live_bytes == 0 && live_objects == 0 &&
        conn_nholding == 0, "clients %d channels %d bytes %ld objects %ld overhigh %d",
        nclients, nchannels, live_bytes, live_objects, conn_nholding);
}

static void
test_load_fanout(void)
{
  // 64 clients, 50 messages each, one channel: everyone gets the other
  // 63 * 50 exactly once and in each sender's order.
  enum { N = 64, M = 50 };
  int cs[N];
  for(int k = 0; k < N; k++){
    char nick[16];
    snprintf(nick, sizeof(nick), "load%d", k);
    cs[k] = user(nick);
    say(cs[k], "JOIN #load\r\n");
    fc[cs[k]].rate = 2000 + 500 * (k % 5);      // assorted reading speeds
  }
  settle();
  for(int k = 0; k < N; k++)
    news(cs[k]);
  long before = kills;
  for(int m = 0; m < M; m++)
    for(int k = 0; k < N; k++)
      sayf(cs[k], "PRIVMSG #load :L%d-%d\r\n", k, m);
  settle();
  CHECK("load_nobody_dropped", kills == before, "%ld clients dropped", kills - before);
  int bad = 0;
  char err[128] = "";
  for(int k = 0; k < N && !bad; k++){
    char *out = news(cs[k]);
    for(int j = 0; j < N && !bad; j++){
      char tag[16];
      snprintf(tag, sizeof(tag), "L%d", j);
      if(j == k){
        char own[16];
        snprintf(own, sizeof(own), " :L%d-", k);
        if(count(out, own)){
          bad = 1;
          host_snprintf(err, sizeof(err), "load%d got its own messages back", k);
        }
      } else if(!in_order(out, tag, M, err, sizeof(err))){
        bad = 1;
      }
    }
  }
  CHECK("load_64x50_exactly_once_in_order", !bad, "%s", err);
  for(int k = 0; k < N; k++)
    quit(cs[k]);
}

// ---------------------------------------------------------------- operators, modes, commands

// Sends one or more lines from i and returns what came back to i.
static char *
ask(int i, const char *lines)
{
  say(i, lines);
  settle();
  return news(i);
}

// CHECK that i's answer to lines holds needle.
#define ANSWER(name, i, lines, needle) do { \
    char *o_ = ask(i, lines); \
    CHECK(name, has(o_, needle), "sent '%s', want '%s', got '%s'", lines, needle, o_); \
  } while(0)

static void
test_chanops(void)
{
  next_host = 2;
  int a = user("opa"), b = user("vob"), c = user("outc");
  char *oa = ask(a, "JOIN #ops\r\n");
  CHECK("op_creator_at", has(oa, " 353 opa = #ops :@opa\r\n"), "got '%s'", oa);
  ask(b, "JOIN #ops\r\n");
  news(a);
  // 482 for a non-operator, before anything changes
  ANSWER("op_482_mode", b, "MODE #ops +t\r\n", " 482 vob #ops :You're not channel operator");
  ANSWER("op_482_op", b, "MODE #ops +o vob\r\n", " 482 vob #ops ");
  ANSWER("op_442_mode", c, "MODE #ops +t\r\n", " 442 outc #ops :You're not on that channel");
  ANSWER("op_403_mode", c, "MODE #nope +t\r\n", " 403 outc #nope :No such channel");
  ANSWER("op_401", a, "MODE #ops +o nobody\r\n", " 401 opa nobody :No such nick/channel");
  ANSWER("op_441", a, "MODE #ops +o outc\r\n", " 441 opa outc #ops :They aren't on that channel");
  ANSWER("op_472", a, "MODE #ops +Z\r\n", " 472 opa Z :is unknown mode char to me");
  ANSWER("op_461", a, "MODE #ops +o\r\n", " 461 opa MODE :Not enough parameters");
  // +o and +v given and taken, seen by the channel, shown in NAMES and WHO
  oa = ask(a, "MODE #ops +v vob\r\n");
  char *ob = news(b);
  CHECK("voice_given", has(oa, ":opa!~opa@10.0.2.2 MODE #ops +v vob\r\n") &&
        has(ob, ":opa!~opa@10.0.2.2 MODE #ops +v vob\r\n"), "got '%s' / '%s'", oa, ob);
  ANSWER("voice_in_names", c, "NAMES #ops\r\n", " 353 outc = #ops :@opa +vob\r\n");
  ANSWER("voice_in_who", c, "WHO #ops\r\n", " 352 outc #ops ~vob 10.0.2.3 chat.xv6 vob H+ :0 The vob\r\n");
  oa = ask(a, "MODE #ops +o vob\r\n");
  CHECK("op_given", has(oa, " MODE #ops +o vob\r\n"), "got '%s'", oa);
  ob = ask(b, "MODE #ops -o+t opa\r\n");
  CHECK("op_taken", has(ob, ":vob!~vob@10.0.2.3 MODE #ops -o+t opa\r\n"), "got '%s'", ob);
  ANSWER("op_taken_names", c, "NAMES #ops\r\n", " 353 outc = #ops :opa @vob\r\n");
  ANSWER("deopped_482", a, "MODE #ops +m\r\n", " 482 opa #ops ");
  // 324 and 329
  oa = ask(a, "MODE #ops\r\n");
  CHECK("mode_324_329", has(oa, " 324 opa #ops +tn\r\n") && has(oa, " 329 opa #ops "), "got '%s'", oa);
  // more than MODES=4 changes with parameters: the rest are ignored
  news(b);
  ob = ask(b, "MODE #ops +vvvvv opa opa opa opa opa\r\n");
  CHECK("modes_4_limit", has(ob, " MODE #ops +v opa\r\n"), "got '%s'", ob);
  quit(a);
  quit(b);
  quit(c);
}

static void
test_chanmodes(void)
{
  next_host = 2;
  int a = user("chop"), b = user("member"), c = user("outsider");
  ask(a, "JOIN #m\r\n");
  ask(b, "JOIN #m\r\n");
  news(a);
  // +t: topic by operators only
  ask(a, "MODE #m +t\r\n");
  news(b);
  ANSWER("t_482", b, "TOPIC #m :mine\r\n", " 482 member #m :You're not channel operator");
  ANSWER("t_op_ok", a, "TOPIC #m :ops topic\r\n", ":chop!~chop@10.0.2.2 TOPIC #m :ops topic\r\n");
  ask(a, "MODE #m -t\r\n");
  news(b);
  ANSWER("t_off_ok", b, "TOPIC #m :anyone\r\n", " TOPIC #m :anyone\r\n");
  // +n is on by default; -n lets outsiders speak
  ANSWER("n_404", c, "PRIVMSG #m :from outside\r\n", " 404 outsider #m :Cannot send to channel");
  ask(a, "MODE #m -n\r\n");
  news(b);
  say(c, "PRIVMSG #m :outside ok\r\n");
  settle();
  char *ob2 = news(b);
  CHECK("n_off_relayed", has(ob2, ":outsider!~outsider@10.0.2.4 PRIVMSG #m :outside ok\r\n"), "got '%s'", ob2);
  ask(a, "MODE #m +n\r\n");
  // +m with +v
  ask(a, "MODE #m +m\r\n");
  news(b);
  ANSWER("m_404", b, "PRIVMSG #m :muted\r\n", " 404 member #m :Cannot send to channel");
  ask(a, "MODE #m +v member\r\n");
  news(b);
  say(b, "PRIVMSG #m :voiced\r\n");
  settle();
  char *oa = news(a);
  CHECK("m_voiced_speaks", has(oa, ":member!~member@10.0.2.3 PRIVMSG #m :voiced\r\n"), "got '%s'", oa);
  ask(a, "MODE #m -mv member\r\n");
  // +k: bad keys refused, 467 when one is set, 475 without it
  ANSWER("k_525_space", a, "MODE #m +k :a b\r\n", " 525 chop #m :Key is not well-formed");
  ANSWER("k_525_long", a, "MODE #m +k 012345678901234567890123\r\n", " 525 chop #m ");
  ANSWER("k_525_comma", a, "MODE #m +k a,b\r\n", " 525 chop #m ");
  ANSWER("k_set", a, "MODE #m +k sesame\r\n", " MODE #m +k sesame\r\n");
  ANSWER("k_467", a, "MODE #m +k other\r\n", " 467 chop #m :Channel key already set");
  ANSWER("k_324_member", a, "MODE #m\r\n", " 324 chop #m +nk sesame\r\n");
  ANSWER("k_324_outsider", c, "MODE #m\r\n", " 324 outsider #m +nk *\r\n");
  ANSWER("k_475", c, "JOIN #m\r\n", " 475 outsider #m :Cannot join channel (+k)");
  ANSWER("k_475_wrong", c, "JOIN #m wrong\r\n", " 475 outsider #m ");
  ANSWER("k_join", c, "JOIN #m sesame\r\n", ":outsider!~outsider@10.0.2.4 JOIN #m\r\n");
  ask(c, "PART #m\r\n");
  ANSWER("k_unset", a, "MODE #m -k\r\n", " MODE #m -k *\r\n");
  // +l
  ANSWER("l_696", a, "MODE #m +l zero\r\n", " 696 chop #m l zero :Invalid limit");
  ANSWER("l_set", a, "MODE #m +l 2\r\n", " MODE #m +l 2\r\n");
  ANSWER("l_471", c, "JOIN #m\r\n", " 471 outsider #m :Cannot join channel (+l)");
  ANSWER("l_unset", a, "MODE #m -l\r\n", " MODE #m -l\r\n");
  // +i with INVITE (and +I masks)
  ANSWER("i_set", a, "MODE #m +i\r\n", " MODE #m +i\r\n");
  ANSWER("i_473", c, "JOIN #m\r\n", " 473 outsider #m :Cannot join channel (+i)");
  ANSWER("i_invite_482", b, "INVITE outsider #m\r\n", " 482 member #m :You're not channel operator");
  ANSWER("i_invite_341", a, "INVITE outsider #m\r\n", " 341 chop outsider #m\r\n");
  char *oc = news(c);
  CHECK("i_invitee_told", has(oc, ":chop!~chop@10.0.2.2 INVITE outsider :#m\r\n"), "got '%s'", oc);
  ANSWER("i_invited_joins", c, "JOIN #m\r\n", ":outsider!~outsider@10.0.2.4 JOIN #m\r\n");
  ask(c, "PART #m\r\n");
  ANSWER("i_invite_used_up", c, "JOIN #m\r\n", " 473 outsider #m ");
  ANSWER("I_set", a, "MODE #m +I outsider!*@*\r\n", " MODE #m +I outsider!*@*\r\n");
  ANSWER("I_list", a, "MODE #m I\r\n", " 346 chop #m outsider!*@* chop ");
  ANSWER("I_end", a, "MODE #m I\r\n", " 347 chop #m :End of channel invite list");
  ANSWER("I_joins", c, "JOIN #m\r\n", ":outsider!~outsider@10.0.2.4 JOIN #m\r\n");
  ask(c, "PART #m\r\n");
  ask(a, "MODE #m -iI outsider!*@*\r\n");
  // +b with masks and wildcards, +e exceptions
  ANSWER("b_set", a, "MODE #m +b out*\r\n", " MODE #m +b out*!*@*\r\n");
  ANSWER("b_list", a, "MODE #m b\r\n", " 367 chop #m out*!*@* chop ");
  ANSWER("b_end", a, "MODE #m +b\r\n", " 368 chop #m :End of channel ban list");
  ANSWER("b_474", c, "JOIN #m\r\n", " 474 outsider #m :Cannot join channel (+b)");
  ANSWER("b_host_mask", a, "MODE #m +b *@10.0.2.4\r\n", " MODE #m +b *!*@10.0.2.4\r\n");
  ANSWER("b_casefold", a, "MODE #m -b OUT*!*@*\r\n", " MODE #m -b out*!*@*\r\n");
  ANSWER("b_host_474", c, "JOIN #m\r\n", " 474 outsider #m ");
  ANSWER("e_set", a, "MODE #m +e *!~outsider@*\r\n", " MODE #m +e *!~outsider@*\r\n");
  ANSWER("e_list", a, "MODE #m e\r\n", " 348 chop #m *!~outsider@* chop ");
  ANSWER("e_end", a, "MODE #m e\r\n", " 349 chop #m :End of channel exception list");
  ANSWER("e_lets_in", c, "JOIN #m\r\n", ":outsider!~outsider@10.0.2.4 JOIN #m\r\n");
  ANSWER("e_list_442", user("nosy"), "MODE #m e\r\n", " 442 nosy #m ");
  ask(c, "PART #m\r\n");
  ask(a, "MODE #m -e *!~outsider@*\r\n");
  // a banned member may not speak
  ask(a, "MODE #m +b member\r\n");
  news(b);
  ANSWER("b_member_404", b, "PRIVMSG #m :banned\r\n", " 404 member #m ");
  ask(a, "MODE #m -b member\r\n");
  // list full: 478
  char line[128];
  for(int k = 0; k < MAXLIST; k++){
    snprintf(line, sizeof(line), "MODE #m +b ban%d\r\n", k);
    ask(a, line);
  }
  ANSWER("b_478", a, "MODE #m +b onemore\r\n", " 478 chop #m onemore!*@* :Channel list is full");
  // +s / +p: hidden from LIST, NAMES, WHO and WHOIS of outsiders
  ask(a, "MODE #m +s\r\n");
  char *l = ask(c, "LIST\r\n");
  CHECK("s_hidden_list", !has(l, " 322 outsider #m "), "got '%s'", l);
  l = ask(c, "NAMES #m\r\n");
  CHECK("s_hidden_names", !has(l, " 353 ") && has(l, " 366 outsider #m "), "got '%s'", l);
  l = ask(c, "WHOIS chop\r\n");
  CHECK("s_hidden_whois", !has(l, "#m") && has(l, " 311 outsider chop "), "got '%s'", l);
  l = ask(c, "WHO #m\r\n");
  CHECK("s_hidden_who", !has(l, " 352 ") && has(l, " 315 outsider #m "), "got '%s'", l);
  l = ask(b, "NAMES #m\r\nWHOIS chop\r\n");
  CHECK("s_members_see", has(l, " 353 member @ #m :") && has(l, " 319 member chop :@#m"), "got '%s'", l);
  ask(a, "MODE #m -s+p\r\n");
  l = ask(c, "LIST\r\n");
  CHECK("p_hidden_list", !has(l, "#m"), "got '%s'", l);
  l = ask(b, "NAMES #m\r\n");
  CHECK("p_symbol", has(l, " 353 member * #m :"), "got '%s'", l);
  quit(a);
  quit(b);
  quit(c);
  for(int i = 0; i < NFAKE; i++)
    if(fc[i].used && !fc[i].closed)
      quit(i);
}

static void
test_kick_invite(void)
{
  next_host = 2;
  int a = user("kicker"), b = user("kickee"), c = user("watcher"), d = user("away1");
  ask(a, "JOIN #k\r\n");
  ask(b, "JOIN #k\r\n");
  ask(c, "JOIN #k\r\n");
  news(a); news(b);
  ANSWER("kick_482", b, "KICK #k watcher\r\n", " 482 kickee #k :You're not channel operator");
  ANSWER("kick_442", d, "KICK #k watcher\r\n", " 442 away1 #k :You're not on that channel");
  ANSWER("kick_403", a, "KICK #none watcher\r\n", " 403 kicker #none :No such channel");
  ANSWER("kick_401", a, "KICK #k ghost\r\n", " 401 kicker ghost :No such nick/channel");
  ANSWER("kick_441", a, "KICK #k away1\r\n", " 441 kicker away1 #k :They aren't on that channel");
  ANSWER("kick_461", a, "KICK #k\r\n", " 461 kicker KICK :Not enough parameters");
  news(b); news(c);
  char *oa = ask(a, "KICK #k kickee :behave\r\n");
  char *ob = news(b), *oc = news(c);
  CHECK("kick_comment", has(oa, ":kicker!~kicker@10.0.2.2 KICK #k kickee :behave\r\n") &&
        has(ob, " KICK #k kickee :behave\r\n") && has(oc, " KICK #k kickee :behave\r\n"),
        "got '%s' / '%s' / '%s'", oa, ob, oc);
  ANSWER("kicked_out", b, "PRIVMSG #k :still?\r\n", " 404 kickee #k ");
  ask(b, "JOIN #k\r\n");
  news(c);
  oa = ask(a, "KICK #k kickee\r\n");
  CHECK("kick_no_comment", has(oa, " KICK #k kickee :kicker\r\n"), "got '%s'", oa);
  // INVITE
  ANSWER("invite_401", a, "INVITE ghost #k\r\n", " 401 kicker ghost ");
  ANSWER("invite_403", a, "INVITE kickee #none\r\n", " 403 kicker #none ");
  ANSWER("invite_442", d, "INVITE kickee #k\r\n", " 442 away1 #k ");
  ANSWER("invite_443", a, "INVITE watcher #k\r\n", " 443 kicker watcher #k :is already on channel");
  ANSWER("invite_461", a, "INVITE kickee\r\n", " 461 kicker INVITE ");
  ask(d, "AWAY :gone to lunch\r\n");
  oa = ask(a, "INVITE away1 #k\r\n");
  CHECK("invite_341_301", has(oa, " 341 kicker away1 #k\r\n") && has(oa, " 301 kicker away1 :gone to lunch\r\n"),
        "got '%s'", oa);
  char *od = news(d);
  CHECK("invite_told", has(od, ":kicker!~kicker@10.0.2.2 INVITE away1 :#k\r\n"), "got '%s'", od);
  // a sole member that kicks itself first, then others: the channel is
  // gone after the first, and the rest must not touch it
  int e = user("alone");
  ask(e, "JOIN #solo\r\n");
  char *oe = ask(e, "KICK #solo alone,kicker,alone\r\n");
  CHECK("kick_self_ends_channel", has(oe, " KICK #solo alone :alone\r\n") && chan_find("#solo") == 0,
        "got '%s'", oe);
  quit(e);
  quit(a); quit(b); quit(c); quit(d);
}

static void
test_away(void)
{
  next_host = 2;
  int a = user("here"), b = user("gone");
  ANSWER("away_306", b, "AWAY :back soon\r\n", " 306 gone :You have been marked as being away");
  char *oa = ask(a, "PRIVMSG gone :hello?\r\n");
  CHECK("away_301_privmsg", has(oa, " 301 here gone :back soon\r\n"), "got '%s'", oa);
  oa = ask(a, "NOTICE gone :hello?\r\n");
  CHECK("away_no_301_notice", !has(oa, " 301 "), "got '%s'", oa);
  ANSWER("away_whois", a, "WHOIS gone\r\n", " 301 here gone :back soon\r\n");
  ANSWER("away_userhost", a, "USERHOST gone here\r\n", " 302 here :gone=-~gone@10.0.2.3 here=+~here@10.0.2.2\r\n");
  ask(b, "JOIN #aw\r\n");
  ANSWER("away_who_G", a, "WHO #aw\r\n", " gone G@ :0 The gone\r\n");
  ANSWER("away_305", b, "AWAY\r\n", " 305 gone :You are no longer marked as being away");
  oa = ask(a, "PRIVMSG gone :now?\r\n");
  CHECK("away_over", !has(oa, " 301 "), "got '%s'", oa);
  ANSWER("away_who_H", a, "WHO #aw\r\n", " gone H@ :0 The gone\r\n");
  quit(a); quit(b);
}

static void
test_queries(void)
{
  next_host = 2;
  int a = user("qa"), b = user("qb"), c = user("qc");
  ask(a, "JOIN #q\r\n");
  ask(b, "JOIN #q\r\n");
  ask(b, "MODE qb +i\r\n");
  // WHO by mask: wildcards, invisible users hidden from strangers
  char *o = ask(c, "WHO q*\r\n");
  CHECK("who_mask", has(o, " 352 qc * ~qa 10.0.2.2 chat.xv6 qa H :0 The qa\r\n") &&
        has(o, " 352 qc * ~qc ") && !has(o, " qb ") && has(o, " 315 qc q* :End of /WHO list."), "got '%s'", o);
  o = ask(a, "WHO q*\r\n");
  CHECK("who_mask_sharer_sees_invisible", has(o, " 352 qa * ~qb 10.0.2.3 chat.xv6 qb H :0 The qb\r\n"), "got '%s'", o);
  o = ask(c, "WHO 10.0.2.?\r\n");
  CHECK("who_host_mask", has(o, " 352 qc * ~qa ") && has(o, " 352 qc * ~qc "), "got '%s'", o);
  o = ask(c, "WHO #q\r\n");
  CHECK("who_chan_outsider_no_invisible", has(o, " qa H@ ") && !has(o, " qb "), "got '%s'", o);
  ANSWER("who_nobody", c, "WHO zz*\r\n", " 315 qc zz* :End of /WHO list.");
  // WHOIS complete
  o = ask(c, "WHOIS qa\r\n");
  CHECK("whois_all", has(o, " 311 qc qa ~qa 10.0.2.2 * :The qa\r\n") && has(o, " 319 qc qa :@#q\r\n") &&
        has(o, " 312 qc qa chat.xv6 :xv6Chat\r\n") && has(o, " 317 qc qa ") &&
        has(o, " 318 qc qa :End of /WHOIS list."), "got '%s'", o);
  ANSWER("whois_401", c, "WHOIS ghost\r\n", " 401 qc ghost :No such nick/channel");
  ANSWER("whois_402", c, "WHOIS other.server qa\r\n", " 402 qc other.server :No such server");
  ANSWER("whois_server_ok", c, "WHOIS chat.xv6 qa\r\n", " 311 qc qa ");
  // WHOWAS
  quit(b);
  o = ask(c, "WHOWAS qb\r\n");
  CHECK("whowas_314", has(o, " 314 qc qb ~qb 10.0.2.3 * :The qb\r\n") && has(o, " 312 qc qb chat.xv6 ") &&
        has(o, " 369 qc qb :End of WHOWAS"), "got '%s'", o);
  o = ask(c, "WHOWAS never\r\n");
  CHECK("whowas_406", has(o, " 406 qc never :There was no such nickname") && has(o, " 369 qc never "),
        "got '%s'", o);
  ask(a, "NICK qa2\r\n");
  ANSWER("whowas_after_nick", c, "WHOWAS qa\r\n", " 314 qc qa ~qa ");
  ANSWER("whowas_461", c, "WHOWAS\r\n", " 461 qc WHOWAS ");
  // LUSERS
  int u = connect_client();
  o = ask(c, "LUSERS\r\n");
  CHECK("lusers", has(o, " 251 qc :There are 2 users and 0 invisible on 1 servers\r\n") &&
        has(o, " 252 qc 0 :operator(s) online") && has(o, " 253 qc 1 :unknown connection(s)") &&
        has(o, " 254 qc 1 :channels formed") && has(o, " 255 qc :I have 2 clients and 0 servers") &&
        has(o, " 265 qc 2 ") && has(o, " 266 qc 2 "), "got '%s'", o);
  hangup(u);
  // VERSION TIME ADMIN INFO, and 402 for another server
  o = ask(c, "VERSION\r\n");
  CHECK("version_351", has(o, " 351 qc xv6chat-2.0. chat.xv6 :") && has(o, " 005 qc "), "got '%s'", o);
  ANSWER("time_391", c, "TIME\r\n", " 391 qc chat.xv6 :");
  o = ask(c, "ADMIN\r\n");
  CHECK("admin_256_259", has(o, " 256 qc chat.xv6 :") && has(o, " 257 qc :") && has(o, " 258 qc :") &&
        has(o, " 259 qc :"), "got '%s'", o);
  o = ask(c, "INFO\r\n");
  CHECK("info_371_374", has(o, " 371 qc :") && has(o, " 374 qc :End of /INFO list"), "got '%s'", o);
  ANSWER("version_402", c, "VERSION elsewhere\r\n", " 402 qc elsewhere :No such server");
  ANSWER("time_402", c, "TIME elsewhere\r\n", " 402 qc elsewhere ");
  ANSWER("admin_402", c, "ADMIN elsewhere\r\n", " 402 qc elsewhere ");
  ANSWER("info_402", c, "INFO elsewhere\r\n", " 402 qc elsewhere ");
  char saved[3][80];
  memcpy(saved, conf.admin, sizeof(saved));
  memset(conf.admin, 0, sizeof(conf.admin));
  ANSWER("admin_423", c, "ADMIN\r\n", " 423 qc chat.xv6 :No administrative info available");
  memcpy(conf.admin, saved, sizeof(saved));
  quit(a); quit(c);
}

static void
test_umodes_oper(void)
{
  next_host = 2;
  conf.nopers = 1;
  strcpy(conf.opers[0].name, "boss");
  strcpy(conf.opers[0].pass, "s3cret");
  int a = user("ua"), b = user("ub"), w = user("uw");
  ANSWER("umode_221", a, "MODE ua\r\n", " 221 ua +\r\n");
  ANSWER("umode_set_i", a, "MODE ua +i\r\n", ":ua!~ua@10.0.2.2 MODE ua :+i\r\n");
  ANSWER("umode_221_i", a, "MODE ua\r\n", " 221 ua +i\r\n");
  ANSWER("umode_501", a, "MODE ua +Q\r\n", " 501 ua :Unknown MODE flag");
  ANSWER("umode_502", a, "MODE ub -i\r\n", " 502 ua :Can't change mode for other users");
  ANSWER("umode_401", a, "MODE ghost\r\n", " 401 ua ghost ");
  char *o = ask(a, "MODE ua +o\r\n");
  CHECK("umode_no_self_oper", !has(o, "+o"), "got '%s'", o);
  ANSWER("umode_w", w, "MODE uw +w\r\n", " MODE uw :+w\r\n");
  // OPER
  ANSWER("oper_461", a, "OPER boss\r\n", " 461 ua OPER ");
  ANSWER("oper_491", a, "OPER nobody pw\r\n", " 491 ua :No O-lines for your host");
  ANSWER("oper_464", a, "OPER boss wrong\r\n", " 464 ua :Password incorrect");
  CHECK("oper_464_stays", !fc[a].closed, "a wrong OPER password closed the connection");
  ANSWER("kill_481", a, "KILL ub :bye\r\n", " 481 ua :Permission Denied- You're not an IRC operator");
  ANSWER("wallops_481", a, "WALLOPS :hi\r\n", " 481 ua ");
  o = ask(a, "OPER boss s3cret\r\n");
  CHECK("oper_381", has(o, " 381 ua :You are now an IRC operator") && has(o, " MODE ua :+o\r\n"), "got '%s'", o);
  ANSWER("oper_in_whois", b, "WHOIS ua\r\n", " 313 ub ua :is an IRC operator");
  ANSWER("oper_in_lusers", b, "LUSERS\r\n", " 252 ub 1 :operator(s) online");
  ANSWER("oper_userhost", b, "USERHOST ua\r\n", " 302 ub :ua*=+~ua@10.0.2.2\r\n");
  ask(a, "MODE ua -i\r\n");
  ANSWER("oper_who_star", b, "WHO ua\r\n", " ua H* :0 The ua\r\n");
  // WALLOPS to +w users only
  news(b); news(w);
  ask(a, "WALLOPS :system going down\r\n");
  char *ow = news(w), *ob = news(b);
  CHECK("wallops_to_w", has(ow, ":ua!~ua@10.0.2.2 WALLOPS :system going down\r\n") && !has(ob, "WALLOPS"),
        "got '%s' / '%s'", ow, ob);
  // KILL
  ANSWER("kill_401", a, "KILL ghost :x\r\n", " 401 ua ghost ");
  ask(b, "JOIN #kl\r\n");
  ask(w, "JOIN #kl\r\n");
  news(w);
  ask(a, "KILL ub :flooding\r\n");
  ob = news(b);
  ow = news(w);
  CHECK("kill_victim", has(ob, ":ua!~ua@10.0.2.2 KILL ub :flooding\r\n") &&
        has(ob, "ERROR :Closing Link: 10.0.2.3 (Killed (ua (flooding)))\r\n") && fc[b].closed,
        "got '%s'", ob);
  CHECK("kill_quit_seen", has(ow, ":ub!~ub@10.0.2.3 QUIT :Killed (ua (flooding))\r\n"), "got '%s'", ow);
  ANSWER("deoper", a, "MODE ua -o\r\n", " MODE ua :-o\r\n");
  ANSWER("deoper_481", a, "KILL uw :x\r\n", " 481 ua ");
  conf.nopers = 0;
  quit(a); quit(w);
}

static void
test_casemapping(void)
{
  next_host = 2;
  int a = user("x[1]"), b = user("other");
  ANSWER("case_nick_433", connect_client(), "NICK X{1}\r\n", " 433 * X{1} :Nickname is already in use");
  ANSWER("case_privmsg", b, "PRIVMSG X{1} :hi\r\n", "");
  char *oa = news(a);
  CHECK("case_privmsg_arrives", has(oa, " PRIVMSG x[1] :hi\r\n"), "got '%s'", oa);
  ask(a, "JOIN #Chan[a]\r\n");
  char *ob = ask(b, "JOIN #cHAN{A}\r\n");
  CHECK("case_channel_same", has(ob, " JOIN #Chan[a]\r\n") && has(ob, " 353 other = #Chan[a] :@x[1] other"),
        "got '%s'", ob);
  ANSWER("case_whois", b, "WHOIS X{1}\r\n", " 311 other x[1] ");
  quit(a); quit(b);
  for(int i = 0; i < NFAKE; i++)
    if(fc[i].used && !fc[i].closed)
      hangup(i);
}

static void
test_peraddr(void)
{
  int saved = conf.peraddr, savedu = conf.unregperaddr;
  conf.peraddr = 3;
  conf.unregperaddr = 2;
  int cs[4];
  for(int k = 0; k < 4; k++){
    next_host = 77;                       // all from 10.0.2.77
    cs[k] = connect_client();
  }
  char *o = news(cs[2]);
  CHECK("unreg_per_addr", fc[cs[2]].closed &&
        has(o, "ERROR :Closing Link: 10.0.2.77 (Too many unregistered connections from your host)"),
        "closed %d got '%s'", fc[cs[2]].closed, o);
  say(cs[0], "NICK pa0\r\nUSER p 0 * :P\r\n");
  say(cs[1], "NICK pa1\r\nUSER p 0 * :P\r\n");
  settle();
  next_host = 77;
  int d = connect_client();
  next_host = 77;
  int e = connect_client();
  o = news(e);
  CHECK("conn_per_addr", !fc[d].closed && fc[e].closed &&
        has(o, "(Too many connections from your host)"), "closed %d %d got '%s'", fc[d].closed,
        fc[e].closed, o);
  next_host = 78;
  int f = connect_client();
  CHECK("other_addr_ok", !fc[f].closed, "closed");
  hangup(cs[0]); hangup(cs[1]); hangup(d); hangup(f);
  conf.peraddr = saved;
  conf.unregperaddr = savedu;
  // the defaults let 64 clients in from one address
  int many[64], refused = 0;
  for(int k = 0; k < 64; k++){
    next_host = 79;
    many[k] = connect_client();
  }
  for(int k = 0; k < 64; k++)
    refused += fc[many[k]].closed;
  CHECK("default_64_per_addr", refused == 0, "%d of 64 refused", refused);
  for(int k = 0; k < 64; k++)
    hangup(many[k]);
  next_host = 2;
}

static void
test_conf(void)
{
  char err[128];
  struct chatd_conf saved = conf;
  char t1[] = "# comment\nservername irc.test\nsendq 128k\npeoraddr 3\n";
  int r = conf_parse(t1, err, sizeof(err));
  CHECK("conf_unknown", r == -EINVAL && has(err, "line 4: peoraddr: unknown setting"), "r %d err '%s'", r, err);
  conf = saved;
  char t2[] = "servername irc.test   # name\nsendq 128k\npeeraddr_typo\noper\n";
  r = conf_parse(t2, err, sizeof(err));
  CHECK("conf_bad_line", r == -EINVAL && has(err, "line 3"), "r %d err '%s'", r, err);
  conf = saved;
  char t4[] = "servername irc.test\r\nsendq 128k\nperaddr 5\nunregperaddr 4\npingsecs 30\n"
              "admin  Somewhere far \nadmin b\noper root pw1\noper alice pw2\nmaxclients 10\n";
  r = conf_parse(t4, err, sizeof(err));
  CHECK("conf_ok", r == 0 && strcmp(conf.servername, "irc.test") == 0 && conf.sendq == 128 * 1024 &&
        conf.peraddr == 5 && conf.unregperaddr == 4 && conf.ping_ms == 30000 && conf.nopers == 2 &&
        strcmp(conf.opers[1].name, "alice") == 0 && strcmp(conf.opers[1].pass, "pw2") == 0 &&
        strcmp(conf.admin[0], "Somewhere far") == 0 && conf.maxclients == 10,
        "r %d err '%s' name '%s' sendq %d admin '%s'", r, r ? err : "", conf.servername, conf.sendq,
        conf.admin[0]);
  conf = saved;
  char t5[] = "sendq 12\n";
  r = conf_parse(t5, err, sizeof(err));
  CHECK("conf_range", r == -EINVAL && has(err, "sendq: 1k..16m"), "r %d err '%s'", r, err);
  conf = saved;
  char t6[] = "oper bad!name pw\n";
  r = conf_parse(t6, err, sizeof(err));
  CHECK("conf_bad_oper", r == -EINVAL && has(err, "oper"), "r %d err '%s'", r, err);
  conf = saved;
}

int
main(void)
{
  conf_defaults();
  now = fake_now;
  lfd = LISTENFD;

  test_parse();
  test_lines();
  test_format_line();
  test_names();
  test_register();
  test_cap();
  test_unregistered();
  test_nicks();
  test_ping();
  test_channels();
  test_bad_input();
  test_half_close();
  test_password();
  test_slow_readers();
  test_slow_reader_isolated();
  test_sendq_exceeded();
  test_timeouts();
  test_full();
  test_stats();
  test_chanops();
  test_chanmodes();
  test_kick_invite();
  test_away();
  test_queries();
  test_umodes_oper();
  test_casemapping();
  test_peraddr();
  test_conf();
  test_load_fanout();
  test_fuzz();
  test_memory_returns();

  char sum[64];
  int n = host_snprintf(sum, sizeof(sum), "%d passed, %d failed\n", host_npass, host_nfail);
  fwrite(sum, 1, n, stdout);
  return host_nfail ? 1 : 0;
}
