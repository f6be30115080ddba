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

// kernel/ headers (by -Ikernel) for the guest's errno values and records
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
  };
  int nw = sizeof(words) / sizeof(words[0]);
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
  test_load_fanout();
  test_fuzz();
  test_memory_returns();

  char sum[64];
  int n = host_snprintf(sum, sizeof(sum), "%d passed, %d failed\n", host_npass, host_nfail);
  fwrite(sum, 1, n, stdout);
  return host_nfail ? 1 : 0;
}
