// chatd: the xv6Chat server, a small IRC server (RFC 1459/2812 subset,
// see docs/chat.md) that ordinary IRC programs can talk to.
//
//   chatd [-p PORT] [-P PASSWORD] [-n SERVERNAME] [-m MOTDFILE]
//         [-c MAXCLIENTS] [-q SENDQ] [-t PINGSECS] [-v] [-B]
//
// -B is for /etc/rc: start only if the kernel command line (QEMU's
// -append) says chat=on or chat=PORT, and then in the background.
//
// One process serves every connection: a single poll(2) loop over the
// listening TCP stream and all clients, with non-blocking writes, so no
// client can make the server wait. Each client has a bounded output
// queue; when senders produce faster than the network drains, the server
// stops reading input until the queues go down (the senders wait in TCP
// flow control, nothing is lost). A client whose queue stays full
// without progress, or overflows, is disconnected with an ERROR line so
// the others carry on.
//
// The protocol work (commands, channels, replies) is kept apart from the
// I/O loop so the host unit tests (tests/host/test_irc.c) can drive the
// whole server with simulated connections.
#include "user.h"

#define VERSION      "xv6chat-1.0"
#define NICKLEN      16
#define USERLEN      10
#define REALLEN      64
#define HOSTLEN      40
#define CHANLEN      50       // with the '#'
#define TOPICLEN     300
#define MAXCHANS     20       // channels per client
#define MAXTARGETS   4        // PRIVMSG a,b,c,d
#define CHUNK        4096     // output queue block
#define STALL_MS     8000     // a full queue may go this long without draining
#define CLOSE_MS     3000     // time to flush the final ERROR before closing
#define MAXSLOTS     256

// ---------------------------------------------------------------- settings

static char *servername = "chat.xv6";
static char *password;           // PASS needed to register, or 0
static char *motdfile;           // MOTD text file, or 0 for the built-in one
static int   port = 6667;
static int   maxclients = 100;
static int   sendq_max = 64 * 1024;
static long  ping_ms = 120000;   // idle time before PING; as long again to answer
static int   verbose;

// ---------------------------------------------------------------- memory

// Every allocation of the server goes through zalloc/zfree, which count
// the bytes in use: STATS reports them so a test can check that the
// server gives back everything its clients cost once they leave.
static long live_bytes, live_objects;

struct zhdr {
  uint64 size;
  uint64 pad;        // keep the payload 16-byte aligned
};

static void *
zalloc(uint64 n)
{
  struct zhdr *h = malloc(sizeof(*h) + n);
  if(h == 0)
    return 0;
  memset(h + 1, 0, n);
  h->size = n;
  live_bytes += n;
  live_objects++;
  return h + 1;
}

static void
zfree(void *p)
{
  if(p == 0)
    return;
  struct zhdr *h = (struct zhdr *)p - 1;
  live_bytes -= h->size;
  live_objects--;
  free(h);
}

// ---------------------------------------------------------------- state

struct chunk {
  struct chunk *next;
  int head, tail;          // data[head..tail) waits to be written
  char data[CHUNK];
};

struct channel;

// registration progress
#define R_NICK  1
#define R_USER  2
#define R_CAP   4          // CAP negotiation open: wait for CAP END
#define R_DONE  8          // registered

struct client {
  int fd;
  int slot;
  int reg;                 // R_* bits
  int pass_ok;
  char nick[NICKLEN + 1];
  char user[USERLEN + 2];  // '~' + name
  char real[REALLEN + 1];
  char host[HOSTLEN];
  struct irc_lines in;
  int eof;                 // the peer closed its side
  long lastin;             // ms: last line received
  long pinged;             // ms: our PING is unanswered since then, or 0
  long connected;
  // output queue
  struct chunk *qhead, *qtail;
  int qbytes;
  int overhigh;            // counted in n_overhigh
  long qprogress;          // ms: last time the queue drained or started
  // leaving
  int closing;             // no more input; flush, then close
  int broken;              // the connection failed: close without flushing
  int parted;              // already removed from its channels
  long closeat;
  char reason[128];
  // channels
  struct channel *chans[MAXCHANS];
  int nchans;
  unsigned stamp;          // de-duplicates fan-out to shared channels
};

struct member {
  struct client *c;
  int op;
};

struct channel {
  struct channel *next;
  char name[CHANLEN + 1];
  char topic[TOPICLEN + 1];
  char topicby[NICKLEN + 1];
  long topicat;
  long created;
  struct member *m;
  int n, cap;
};

static struct client *clients[MAXSLOTS];
static int nclients, nregistered;
static struct channel *channels;
static int nchannels;
static int n_overhigh;     // clients whose queue is above the high-water mark
static unsigned stampgen;
static long now;           // ms since boot, refreshed each round
static long lines_in, lines_out, kills;

static int
throttled(void)
{
  return n_overhigh > 0;
}

// Seconds for 003/329/333. The machine has no calendar clock, so these
// count from boot; clients show them as early 1970.
static long
stamp_secs(long ms)
{
  return ms / 1000;
}

static void kill_client(struct client *c, const char *why);

// ---------------------------------------------------------------- output queue

static int
high_water(void)
{
  return sendq_max / 2;
}

// Keeps n_overhigh right. A closing client no longer holds up the
// others: its queue only has to go out or time out.
static void
account(struct client *c)
{
  int over = c->qbytes > high_water() && !c->closing;
  if(over != c->overhigh){
    n_overhigh += over ? 1 : -1;
    c->overhigh = over;
  }
}

// Appends raw bytes; `force` ignores the limit (for the final ERROR).
static int
q_put(struct client *c, const char *s, int n, int force)
{
  if(c->broken || (c->closing && !force))
    return -1;
  if(!force && c->qbytes + n > sendq_max){
    kill_client(c, "SendQ exceeded");
    return -1;
  }
  if(c->qbytes == 0)
    c->qprogress = now;
  while(n > 0){
    struct chunk *t = c->qtail;
    if(t == 0 || t->tail == CHUNK){
      struct chunk *k = zalloc(sizeof(*k));
      if(k == 0){
        kill_client(c, "Out of memory");
        return -1;
      }
      if(t)
        t->next = k;
      else
        c->qhead = k;
      c->qtail = t = k;
    }
    int room = CHUNK - t->tail;
    int k = n < room ? n : room;
    memmove(t->data + t->tail, s, k);
    t->tail += k;
    c->qbytes += k;
    s += k;
    n -= k;
  }
  lines_out++;
  account(c);
  return 0;
}

static void
q_drop(struct client *c)
{
  while(c->qhead){
    struct chunk *k = c->qhead;
    c->qhead = k->next;
    zfree(k);
  }
  c->qtail = 0;
  c->qbytes = 0;
  account(c);
}

// Writes as much of the queue as the connection takes without waiting.
static void
q_flush(struct client *c)
{
  while(c->qhead && !c->broken){
    struct chunk *k = c->qhead;
    int r = write(c->fd, k->data + k->head, k->tail - k->head);
    if(r == -EAGAIN || r == 0)
      break;
    if(r < 0){
      c->broken = 1;
      kill_client(c, "Write error");
      break;
    }
    k->head += r;
    c->qbytes -= r;
    c->qprogress = now;
    if(k->head == k->tail){
      c->qhead = k->next;
      if(c->qhead == 0)
        c->qtail = 0;
      zfree(k);
    }
  }
  if(c->broken)
    q_drop(c);
  account(c);
}

// ---------------------------------------------------------------- replies

static char linebuf[IRC_LINEMAX + 1];

// Formats one line and queues it for c.
static void
reply(struct client *c, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
static void
reply(struct client *c, const char *fmt, ...)
{
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  int n = irc_vline(linebuf, sizeof(linebuf), fmt, ap);
  __builtin_va_end(ap);
  q_put(c, linebuf, n, 0);
}

static const char *
nick_or_star(struct client *c)
{
  return c->nick[0] ? c->nick : "*";
}

// ":server NUM nick <text>", text formatted from fmt.
static void
numeric(struct client *c, int num, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
static void
numeric(struct client *c, int num, const char *fmt, ...)
{
  char text[IRC_LINEMAX + 1];
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  __builtin_va_end(ap);
  reply(c, ":%s %03d %s %s", servername, num, nick_or_star(c), text);
}

// "nick!user@host" of c (a static buffer: use before the next call).
static const char *
who(struct client *c)
{
  static char buf[NICKLEN + USERLEN + HOSTLEN + 8];
  snprintf(buf, sizeof(buf), "%s!%s@%s", c->nick, c->user, c->host);
  return buf;
}

// An echo of something user-supplied inside a reply, kept short.
static const char *
clip(const char *s)
{
  static char buf[40];
  strlcpy(buf, s, sizeof(buf));
  return buf;
}

// ---------------------------------------------------------------- lookups

static struct client *
find_nick(const char *nick)
{
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c && !c->closing && c->nick[0] && irc_casecmp(c->nick, nick) == 0)
      return c;
  }
  return 0;
}

static struct channel *
find_channel(const char *name)
{
  for(struct channel *ch = channels; ch; ch = ch->next)
    if(irc_casecmp(ch->name, name) == 0)
      return ch;
  return 0;
}

static struct member *
membership(struct channel *ch, struct client *c)
{
  for(int i = 0; i < ch->n; i++)
    if(ch->m[i].c == c)
      return &ch->m[i];
  return 0;
}

// ---------------------------------------------------------------- fan-out

// One formatted line to every member of ch except `skip`.
static void
chan_send(struct channel *ch, struct client *skip, const char *line, int n)
{
  for(int i = 0; i < ch->n; i++)
    if(ch->m[i].c != skip)
      q_put(ch->m[i].c, line, n, 0);
}

// One line to everyone who shares a channel with c, each once, and to c
// itself when `self`.
static void
peers_send(struct client *c, int self, const char *line, int n)
{
  unsigned s = ++stampgen;
  c->stamp = s;
  if(self)
    q_put(c, line, n, 0);
  for(int i = 0; i < c->nchans; i++){
    struct channel *ch = c->chans[i];
    for(int j = 0; j < ch->n; j++){
      struct client *o = ch->m[j].c;
      if(o->stamp != s){
        o->stamp = s;
        q_put(o, line, n, 0);
      }
    }
  }
}

// ---------------------------------------------------------------- channels

static struct channel *
chan_create(const char *name)
{
  struct channel *ch = zalloc(sizeof(*ch));
  if(ch == 0)
    return 0;
  strlcpy(ch->name, name, sizeof(ch->name));
  ch->created = now;
  ch->next = channels;
  channels = ch;
  nchannels++;
  return ch;
}

static void
chan_destroy(struct channel *ch)
{
  for(struct channel **pp = &channels; *pp; pp = &(*pp)->next){
    if(*pp == ch){
      *pp = ch->next;
      break;
    }
  }
  zfree(ch->m);
  zfree(ch);
  nchannels--;
}

static int
chan_add(struct channel *ch, struct client *c, int op)
{
  if(ch->n == ch->cap){
    int cap = ch->cap ? 2 * ch->cap : 8;
    struct member *m = zalloc(cap * sizeof(*m));
    if(m == 0)
      return -ENOMEM;
    if(ch->n)
      memmove(m, ch->m, ch->n * sizeof(*m));
    zfree(ch->m);
    ch->m = m;
    ch->cap = cap;
  }
  ch->m[ch->n].c = c;
  ch->m[ch->n].op = op;
  ch->n++;
  c->chans[c->nchans++] = ch;
  return 0;
}

// Takes c out of ch (both directions); an empty channel disappears.
static void
chan_remove(struct channel *ch, struct client *c)
{
  for(int i = 0; i < ch->n; i++){
    if(ch->m[i].c == c){
      memmove(&ch->m[i], &ch->m[i + 1], (ch->n - i - 1) * sizeof(ch->m[0]));
      ch->n--;
      break;
    }
  }
  for(int i = 0; i < c->nchans; i++){
    if(c->chans[i] == ch){
      c->chans[i] = c->chans[--c->nchans];
      break;
    }
  }
  if(ch->n == 0)
    chan_destroy(ch);
}

// 353 lines (as many as the names need), then 366 when `end`.
static void
send_names(struct client *c, struct channel *ch, int end)
{
  char names[IRC_LINEMAX];
  int len = 0;
  for(int i = 0; i < ch->n; i++){
    struct member *m = &ch->m[i];
    int need = strlen(m->c->nick) + 2;
    if(len > 0 && len + need > 400){
      numeric(c, 353, "= %s :%s", ch->name, names);
      len = 0;
    }
    len += snprintf(names + len, sizeof(names) - len, "%s%s%s",
                    len ? " " : "", m->op ? "@" : "", m->c->nick);
  }
  if(len > 0)
    numeric(c, 353, "= %s :%s", ch->name, names);
  if(end)
    numeric(c, 366, "%s :End of /NAMES list.", ch->name);
}

static void
send_topic(struct client *c, struct channel *ch, int quiet_if_none)
{
  if(ch->topic[0]){
    numeric(c, 332, "%s :%s", ch->name, ch->topic);
    numeric(c, 333, "%s %s %ld", ch->name, ch->topicby, stamp_secs(ch->topicat));
  } else if(!quiet_if_none){
    numeric(c, 331, "%s :No topic is set", ch->name);
  }
}

// ---------------------------------------------------------------- leaving

// Ends a client: it is out of every lookup at once (its nick is free),
// its channels learn of it in reap(), and the connection closes once
// the ERROR line is written (or CLOSE_MS later, or at once if broken).
static void
kill_client(struct client *c, const char *why)
{
  if(c->closing)
    return;
  c->closing = 1;
  c->closeat = now + CLOSE_MS;
  strlcpy(c->reason, why, sizeof(c->reason));
  if(c->reg & R_DONE)
    nregistered--;
  kills++;
  account(c);
  if(!c->broken){
    // the ERROR may exceed the queue limit: it is the last line. (Own
    // buffer: we may be called while linebuf holds a line being fanned out.)
    char line[IRC_LINEMAX + 1];
    int n = irc_line(line, sizeof(line), "ERROR :Closing Link: %s (%s)", c->host, why);
    q_put(c, line, n, 1);
  }
  if(verbose)
    printf("chatd: %s left: %s\n", c->nick[0] ? c->nick : "(unregistered)", why);
}

// Tells the channels of every newly closed client, then removes it from
// them. Telling may close more clients (full queues): repeat until quiet.
static void
reap(void)
{
  int again = 1;
  while(again){
    again = 0;
    for(int i = 0; i < MAXSLOTS; i++){
      struct client *c = clients[i];
      if(c == 0 || !c->closing || c->parted)
        continue;
      c->parted = 1;
      again = 1;
      if(c->nchans > 0){
        int n = irc_line(linebuf, sizeof(linebuf), ":%s QUIT :%s", who(c), c->reason);
        peers_send(c, 0, linebuf, n);
      }
      while(c->nchans > 0)
        chan_remove(c->chans[0], c);
    }
  }
}

// Frees a client whose connection is done.
static void
client_free(struct client *c)
{
  close(c->fd);
  q_drop(c);
  clients[c->slot] = 0;
  nclients--;
  zfree(c);
}

// ---------------------------------------------------------------- registration

static void
send_motd(struct client *c)
{
  static const char *builtin[] = {
    "Welcome to xv6Chat, a small IRC server on xv6-streams.",
    "Channels start with '#'. /join #chat to talk; /list shows what exists.",
    0,
  };
  int fd = motdfile ? open(motdfile, O_RDONLY) : -1;
  if(motdfile && fd < 0){
    numeric(c, 422, ":MOTD File is missing");
    return;
  }
  numeric(c, 375, ":- %s Message of the day - ", servername);
  if(fd >= 0){
    struct linebuf lb;
    char line[400];
    lb_init(&lb, fd);
    for(int i = 0; i < 100 && lb_getline(&lb, line, sizeof(line)) > 0; i++){
      int n = strlen(line);
      if(n > 0 && line[n - 1] == '\n')
        line[n - 1] = 0;
      numeric(c, 372, ":- %s", line);
    }
    close(fd);
  } else {
    for(int i = 0; builtin[i]; i++)
      numeric(c, 372, ":- %s", builtin[i]);
  }
  numeric(c, 376, ":End of /MOTD command.");
}

static void
try_register(struct client *c)
{
  if((c->reg & R_DONE) || (c->reg & (R_NICK | R_USER)) != (R_NICK | R_USER) ||
     (c->reg & R_CAP))
    return;
  if(password && !c->pass_ok){
    numeric(c, 464, ":Password incorrect");
    kill_client(c, "Bad password");
    return;
  }
  c->reg |= R_DONE;
  nregistered++;
  numeric(c, 1, ":Welcome to the xv6Chat IRC network %s", who(c));
  numeric(c, 2, ":Your host is %s, running version %s", servername, VERSION);
  numeric(c, 3, ":This server was created at boot");
  numeric(c, 4, "%s %s i n", servername, VERSION);
  numeric(c, 5, "CHANTYPES=# PREFIX=(o)@ CHANMODES=,,,n NICKLEN=%d CHANNELLEN=%d "
          "TOPICLEN=%d CHANLIMIT=#:%d MAXTARGETS=%d CASEMAPPING=ascii NETWORK=xv6chat "
          ":are supported by this server", NICKLEN, CHANLEN, TOPICLEN, MAXCHANS, MAXTARGETS);
  send_motd(c);
  if(verbose)
    printf("chatd: %s registered\n", who(c));
}

// ---------------------------------------------------------------- commands

static void
cmd_pass(struct client *c, struct ircmsg *m)
{
  if(c->reg & R_DONE){
    numeric(c, 462, ":You may not reregister");
    return;
  }
  c->pass_ok = password == 0 || strcmp(m->params[0], password) == 0;
}

static void
cmd_nick(struct client *c, struct ircmsg *m)
{
  char *nick = m->nparams > 0 ? m->params[0] : "";
  if(nick[0] == 0){
    numeric(c, 431, ":No nickname given");
    return;
  }
  if(!irc_valid_nick(nick, NICKLEN)){
    numeric(c, 432, "%s :Erroneous nickname", clip(nick));
    return;
  }
  if(strcmp(nick, c->nick) == 0)
    return;
  struct client *o = find_nick(nick);
  if(o && o != c){
    numeric(c, 433, "%s :Nickname is already in use", nick);
    return;
  }
  if(c->reg & R_DONE){
    int n = irc_line(linebuf, sizeof(linebuf), ":%s NICK :%s", who(c), nick);
    peers_send(c, 1, linebuf, n);
  }
  strlcpy(c->nick, nick, sizeof(c->nick));
  c->reg |= R_NICK;
  try_register(c);
}

static void
cmd_user(struct client *c, struct ircmsg *m)
{
  if(c->reg & (R_DONE | R_USER)){
    numeric(c, 462, ":You may not reregister");
    return;
  }
  // the user name shows in every prefix: keep it to tame characters
  int n = 1;
  c->user[0] = '~';
  for(char *p = m->params[0]; *p && n < USERLEN + 1; p++)
    if(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.')
      c->user[n++] = *p;
  if(n == 1)
    n = 1 + strlcpy(c->user + 1, "user", USERLEN + 1);
  c->user[n] = 0;
  strlcpy(c->real, m->params[3], sizeof(c->real));
  c->reg |= R_USER;
  try_register(c);
}

static void
cmd_cap(struct client *c, struct ircmsg *m)
{
  char *sub = m->params[0];
  if(irc_casecmp(sub, "LS") == 0 || irc_casecmp(sub, "LIST") == 0){
    // we offer no capabilities; LS opens negotiation until CAP END
    if(!(c->reg & R_DONE) && irc_casecmp(sub, "LS") == 0)
      c->reg |= R_CAP;
    reply(c, ":%s CAP %s %s :", servername, nick_or_star(c), irc_casecmp(sub, "LS") == 0 ? "LS" : "LIST");
  } else if(irc_casecmp(sub, "REQ") == 0){
    if(!(c->reg & R_DONE))
      c->reg |= R_CAP;
    reply(c, ":%s CAP %s NAK :%s", servername, nick_or_star(c),
           m->nparams > 1 ? m->params[1] : "");
  } else if(irc_casecmp(sub, "END") == 0){
    c->reg &= ~R_CAP;
    try_register(c);
  } else {
    numeric(c, 410, "%s :Invalid CAP command", clip(sub));
  }
}

static void
cmd_ping(struct client *c, struct ircmsg *m)
{
  if(m->nparams == 0 || m->params[0][0] == 0){
    numeric(c, 409, ":No origin specified");
    return;
  }
  reply(c, ":%s PONG %s :%s", servername, servername, m->params[0]);
}

static void
cmd_pong(struct client *c, struct ircmsg *m)
{
  (void)c;
  (void)m;      // any line counts as a sign of life (see handle_line)
}

static void
cmd_quit(struct client *c, struct ircmsg *m)
{
  char why[100];
  if(m->nparams > 0 && m->params[0][0])
    snprintf(why, sizeof(why), "Quit: %s", m->params[0]);
  else
    strlcpy(why, "Client Quit", sizeof(why));
  kill_client(c, why);
}

static void
join_one(struct client *c, char *name)
{
  if(!irc_valid_channel(name, CHANLEN)){
    numeric(c, 403, "%s :No such channel", clip(name));
    return;
  }
  struct channel *ch = find_channel(name);
  if(ch && membership(ch, c))
    return;
  if(c->nchans >= MAXCHANS){
    numeric(c, 405, "%s :You have joined too many channels", name);
    return;
  }
  int creator = ch == 0;
  if(creator && (ch = chan_create(name)) == 0){
    kill_client(c, "Out of memory");
    return;
  }
  if(chan_add(ch, c, creator) < 0){
    if(ch->n == 0)
      chan_destroy(ch);
    kill_client(c, "Out of memory");
    return;
  }
  int n = irc_line(linebuf, sizeof(linebuf), ":%s JOIN %s", who(c), ch->name);
  chan_send(ch, 0, linebuf, n);
  send_topic(c, ch, 1);
  send_names(c, ch, 1);
}

static void
part_all(struct client *c, const char *why)
{
  while(c->nchans > 0){
    struct channel *ch = c->chans[0];
    int n = irc_line(linebuf, sizeof(linebuf), ":%s PART %s :%s", who(c), ch->name, why);
    chan_send(ch, 0, linebuf, n);
    chan_remove(ch, c);
  }
}

// Calls fn for every comma-separated item of list (which is split in place).
static void
each_item(struct client *c, char *list, void (*fn)(struct client *, char *, void *), void *arg)
{
  char *p = list;
  while(p && *p){
    char *item = p;
    p = strchr(p, ',');
    if(p)
      *p++ = 0;
    if(*item)
      fn(c, item, arg);
    if(c->closing)
      break;
  }
}

static void
join_item(struct client *c, char *name, void *arg)
{
  (void)arg;
  join_one(c, name);
}

static void
cmd_join(struct client *c, struct ircmsg *m)
{
  if(m->params[0][0] == 0){
    numeric(c, 461, "JOIN :Not enough parameters");
    return;
  }
  if(strcmp(m->params[0], "0") == 0){
    part_all(c, c->nick);
    return;
  }
  each_item(c, m->params[0], join_item, 0);
}

static void
part_item(struct client *c, char *name, void *arg)
{
  const char *why = arg;
  struct channel *ch = find_channel(name);
  if(ch == 0){
    numeric(c, 403, "%s :No such channel", clip(name));
    return;
  }
  if(!membership(ch, c)){
    numeric(c, 442, "%s :You're not on that channel", ch->name);
    return;
  }
  int n = irc_line(linebuf, sizeof(linebuf), ":%s PART %s :%s", who(c), ch->name, why);
  chan_send(ch, 0, linebuf, n);
  chan_remove(ch, c);
}

static void
cmd_part(struct client *c, struct ircmsg *m)
{
  each_item(c, m->params[0], part_item, m->nparams > 1 ? m->params[1] : c->nick);
}

struct msgargs {
  const char *cmd;        // "PRIVMSG" or "NOTICE"
  const char *text;
  int notice;             // NOTICE never causes error replies
  int targets;
};

static void
msg_item(struct client *c, char *target, void *arg)
{
  struct msgargs *a = arg;
  if(++a->targets > MAXTARGETS){
    if(!a->notice && a->targets == MAXTARGETS + 1)
      numeric(c, 407, "%s :Too many recipients", clip(target));
    return;
  }
  if(target[0] == '#'){
    struct channel *ch = find_channel(target);
    if(ch == 0){
      if(!a->notice)
        numeric(c, 403, "%s :No such channel", clip(target));
      return;
    }
    if(!membership(ch, c)){
      if(!a->notice)
        numeric(c, 404, "%s :Cannot send to channel", ch->name);
      return;
    }
    int n = irc_line(linebuf, sizeof(linebuf), ":%s %s %s :%s", who(c), a->cmd, ch->name, a->text);
    chan_send(ch, c, linebuf, n);
    return;
  }
  struct client *o = find_nick(target);
  if(o == 0 || !(o->reg & R_DONE)){
    if(!a->notice)
      numeric(c, 401, "%s :No such nick/channel", clip(target));
    return;
  }
  int n = irc_line(linebuf, sizeof(linebuf), ":%s %s %s :%s", who(c), a->cmd, o->nick, a->text);
  q_put(o, linebuf, n, 0);
}

static void
do_message(struct client *c, struct ircmsg *m, int notice)
{
  struct msgargs a = { notice ? "NOTICE" : "PRIVMSG", 0, notice, 0 };
  if(m->nparams == 0 || m->params[0][0] == 0){
    if(!notice)
      numeric(c, 411, ":No recipient given (%s)", a.cmd);
    return;
  }
  if(m->nparams < 2 || m->params[1][0] == 0){
    if(!notice)
      numeric(c, 412, ":No text to send");
    return;
  }
  a.text = m->params[1];
  each_item(c, m->params[0], msg_item, &a);
}

static void cmd_privmsg(struct client *c, struct ircmsg *m) { do_message(c, m, 0); }
static void cmd_notice(struct client *c, struct ircmsg *m) { do_message(c, m, 1); }

static void
cmd_topic(struct client *c, struct ircmsg *m)
{
  struct channel *ch = find_channel(m->params[0]);
  if(ch == 0){
    numeric(c, 403, "%s :No such channel", clip(m->params[0]));
    return;
  }
  if(m->nparams < 2){
    send_topic(c, ch, 0);
    return;
  }
  if(!membership(ch, c)){
    numeric(c, 442, "%s :You're not on that channel", ch->name);
    return;
  }
  // a topic cut at TOPICLEN stays valid UTF-8 if it was valid before
  char *t = m->params[1];
  int valid = irc_utf8_valid(t, strlen(t));
  strlcpy(ch->topic, t, sizeof(ch->topic));
  for(int n = strlen(ch->topic); valid && n > 0 && !irc_utf8_valid(ch->topic, n); )
    ch->topic[--n] = 0;
  strlcpy(ch->topicby, c->nick, sizeof(ch->topicby));
  ch->topicat = now;
  int len = irc_line(linebuf, sizeof(linebuf), ":%s TOPIC %s :%s", who(c), ch->name, ch->topic);
  chan_send(ch, 0, linebuf, len);
}

static void
cmd_names(struct client *c, struct ircmsg *m)
{
  if(m->nparams > 0 && m->params[0][0]){
    char *p = m->params[0];
    while(p && *p){
      char *name = p;
      p = strchr(p, ',');
      if(p)
        *p++ = 0;
      struct channel *ch = find_channel(name);
      if(ch)
        send_names(c, ch, 1);
      else
        numeric(c, 366, "%s :End of /NAMES list.", clip(name));
    }
    return;
  }
  for(struct channel *ch = channels; ch; ch = ch->next)
    send_names(c, ch, 0);
  numeric(c, 366, "* :End of /NAMES list.");
}

static void
cmd_list(struct client *c, struct ircmsg *m)
{
  numeric(c, 321, "Channel :Users  Name");
  for(struct channel *ch = channels; ch; ch = ch->next){
    if(m->nparams > 0 && m->params[0][0]){
      // only the channels named in the list
      int found = 0;
      char *p = m->params[0];
      int len = strlen(ch->name);
      while(*p && !found){
        char *e = strchr(p, ',');
        int k = e ? e - p : (int)strlen(p);
        if(k == len){
          found = 1;
          for(int i = 0; i < k; i++)
            if(irc_tolower((unsigned char)p[i]) != irc_tolower((unsigned char)ch->name[i]))
              found = 0;
        }
        p += k + (e != 0);
      }
      if(!found)
        continue;
    }
    numeric(c, 322, "%s %d :%s", ch->name, ch->n, ch->topic);
  }
  numeric(c, 323, ":End of /LIST");
}

static void
who_line(struct client *c, const char *chan, struct client *o, int op)
{
  numeric(c, 352, "%s %s %s %s %s H%s :0 %s", chan, o->user, o->host, servername,
          o->nick, op ? "@" : "", o->real);
}

static void
cmd_who(struct client *c, struct ircmsg *m)
{
  char *mask = m->nparams > 0 && m->params[0][0] ? m->params[0] : "*";
  if(mask[0] == '#'){
    struct channel *ch = find_channel(mask);
    if(ch)
      for(int i = 0; i < ch->n; i++)
        who_line(c, ch->name, ch->m[i].c, ch->m[i].op);
  } else {
    struct client *o = find_nick(mask);
    if(o && (o->reg & R_DONE))
      who_line(c, "*", o, 0);
  }
  numeric(c, 315, "%s :End of /WHO list.", clip(mask));
}

static void
cmd_whois(struct client *c, struct ircmsg *m)
{
  // WHOIS [server] nick: the nick is the last parameter
  char *nick = m->params[m->nparams - 1];
  struct client *o = find_nick(nick);
  if(o == 0 || !(o->reg & R_DONE)){
    numeric(c, 401, "%s :No such nick/channel", clip(nick));
    numeric(c, 318, "%s :End of /WHOIS list.", clip(nick));
    return;
  }
  numeric(c, 311, "%s %s %s * :%s", o->nick, o->user, o->host, o->real);
  numeric(c, 312, "%s %s :xv6Chat", o->nick, servername);
  if(o->nchans > 0){
    char list[IRC_LINEMAX];
    int len = 0;
    for(int i = 0; i < o->nchans && len < 400; i++){
      struct member *mb = membership(o->chans[i], o);
      len += snprintf(list + len, sizeof(list) - len, "%s%s%s", len ? " " : "",
                      mb && mb->op ? "@" : "", o->chans[i]->name);
    }
    numeric(c, 319, "%s :%s", o->nick, list);
  }
  numeric(c, 318, "%s :End of /WHOIS list.", o->nick);
}

static void
cmd_mode(struct client *c, struct ircmsg *m)
{
  char *target = m->params[0];
  if(target[0] != '#'){
    struct client *o = find_nick(target);
    if(o == 0){
      numeric(c, 401, "%s :No such nick/channel", clip(target));
    } else if(o != c){
      numeric(c, 502, ":Cant change mode for other users");
    } else if(m->nparams < 2){
      numeric(c, 221, "+");
    }
    // user mode changes (+i and the like) are accepted and ignored
    return;
  }
  struct channel *ch = find_channel(target);
  if(ch == 0){
    numeric(c, 403, "%s :No such channel", clip(target));
    return;
  }
  if(m->nparams < 2){
    numeric(c, 324, "%s +n", ch->name);
    numeric(c, 329, "%s %ld", ch->name, stamp_secs(ch->created));
    return;
  }
  char *modes = m->params[1];
  if(strcmp(modes, "b") == 0 || strcmp(modes, "+b") == 0){
    numeric(c, 368, "%s :End of channel ban list", ch->name);
    return;
  }
  struct member *mb = membership(ch, c);
  if(mb == 0 || !mb->op){
    numeric(c, 482, "%s :You're not channel operator", ch->name);
    return;
  }
  for(char *p = modes; *p; p++){
    if(*p != '+' && *p != '-'){
      numeric(c, 472, "%c :is unknown mode char to me", *p);
      return;
    }
  }
}

static void
cmd_motd(struct client *c, struct ircmsg *m)
{
  (void)m;
  send_motd(c);
}

static void
cmd_userhost(struct client *c, struct ircmsg *m)
{
  char out[IRC_LINEMAX];
  int len = 0;
  out[0] = 0;
  for(int i = 0; i < m->nparams && i < 5; i++){
    struct client *o = find_nick(m->params[i]);
    if(o && (o->reg & R_DONE))
      len += snprintf(out + len, sizeof(out) - len, "%s%s=+%s@%s", len ? " " : "",
                      o->nick, o->user, o->host);
  }
  numeric(c, 302, ":%s", out);
}

static void
cmd_ison(struct client *c, struct ircmsg *m)
{
  char out[IRC_LINEMAX];
  int len = 0;
  out[0] = 0;
  for(int i = 0; i < m->nparams; i++){
    char *p = m->params[i];
    while(*p && len < 400){
      char *w = p;
      while(*p && *p != ' ')
        p++;
      char save = *p;
      *p = 0;
      struct client *o = find_nick(w);
      if(o && (o->reg & R_DONE))
        len += snprintf(out + len, sizeof(out) - len, "%s%s", len ? " " : "", o->nick);
      *p = save;
      while(*p == ' ')
        p++;
    }
  }
  numeric(c, 303, ":%s", out);
}

// STATS: the server's own figures, for operators and tests: clients,
// channels, queued output, bytes the server holds in its data structures
// (returns to its earlier value when the clients leave), its heap from
// sbrk (grows once, is reused), and the kernel's free pages.
static void
cmd_stats(struct client *c, struct ircmsg *m)
{
  (void)m;
  long queued = 0;
  for(int i = 0; i < MAXSLOTS; i++)
    if(clients[i])
      queued += clients[i]->qbytes;
  struct sysinfo si;
  memset(&si, 0, sizeof(si));
  sysinfo(&si);
  numeric(c, 249, ":clients=%d registered=%d channels=%d queued=%ld inuse=%ld objects=%ld "
          "heap=%ld freepages=%ld lines_in=%ld lines_out=%ld kills=%ld",
          nclients, nregistered, nchannels, queued, live_bytes, live_objects,
          (long)malloc_heapsize(), (long)si.freepages, lines_in, lines_out, kills);
  numeric(c, 219, "* :End of /STATS report");
}

#define PRE    1   // allowed before registration
struct command {
  const char *name;
  int minparams;
  int flags;
  void (*fn)(struct client *, struct ircmsg *);
};

static const struct command commands[] = {
  { "PASS",     1, PRE, cmd_pass },
  { "NICK",     0, PRE, cmd_nick },
  { "USER",     4, PRE, cmd_user },
  { "CAP",      1, PRE, cmd_cap },
  { "PING",     0, PRE, cmd_ping },
  { "PONG",     0, PRE, cmd_pong },
  { "QUIT",     0, PRE, cmd_quit },
  { "JOIN",     1, 0, cmd_join },
  { "PART",     1, 0, cmd_part },
  { "PRIVMSG",  0, 0, cmd_privmsg },
  { "NOTICE",   0, 0, cmd_notice },
  { "TOPIC",    1, 0, cmd_topic },
  { "NAMES",    0, 0, cmd_names },
  { "LIST",     0, 0, cmd_list },
  { "WHO",      0, 0, cmd_who },
  { "WHOIS",    1, 0, cmd_whois },
  { "MODE",     1, 0, cmd_mode },
  { "MOTD",     0, 0, cmd_motd },
  { "USERHOST", 1, 0, cmd_userhost },
  { "ISON",     1, 0, cmd_ison },
  { "STATS",    0, 0, cmd_stats },
  { 0, 0, 0, 0 },
};

// One received line (without CR LF).
static void
handle_line(struct client *c, char *line)
{
  struct ircmsg m;
  lines_in++;
  c->lastin = now;
  c->pinged = 0;
  if(irc_parse(line, &m) < 0)
    return;                     // empty lines are ignored
  const struct command *cmd;
  for(cmd = commands; cmd->name; cmd++)
    if(irc_casecmp(cmd->name, m.cmd) == 0)
      break;
  if(!(c->reg & R_DONE) && (cmd->name == 0 || !(cmd->flags & PRE))){
    numeric(c, 451, ":You have not registered");
    return;
  }
  if(cmd->name == 0){
    numeric(c, 421, "%s :Unknown command", clip(m.cmd));
    return;
  }
  if(m.nparams < cmd->minparams){
    numeric(c, 461, "%s :Not enough parameters", cmd->name);
    return;
  }
  cmd->fn(c, &m);
}

// ---------------------------------------------------------------- connections

static void
client_new(int fd)
{
  int slot = -1;
  for(int i = 0; i < MAXSLOTS; i++){
    if(clients[i] == 0){
      slot = i;
      break;
    }
  }
  struct client *c = 0;
  if(slot < 0 || nclients >= maxclients || (c = zalloc(sizeof(*c))) == 0){
    static const char full[] = "ERROR :Closing Link: Server is full\r\n";
    write(fd, full, sizeof(full) - 1);
    close(fd);
    return;
  }
  c->fd = fd;
  c->slot = slot;
  c->connected = c->lastin = now;
  // the host part of prefixes: the peer's address without its port
  char addr[HOSTLEN];
  if(netaddr(fd, 1, addr, sizeof(addr)) == 0 && addr[0]){
    char *bang = strchr(addr, '!');
    if(bang)
      *bang = 0;
    strlcpy(c->host, addr, sizeof(c->host));
  } else {
    strlcpy(c->host, "unknown", sizeof(c->host));
  }
  irc_lines_init(&c->in);
  clients[slot] = c;
  nclients++;
  if(verbose)
    printf("chatd: connection %d\n", slot);
}

// Reads what one client sent (at most one read per round, for fairness).
static void
client_read(struct client *c)
{
  int room;
  char *dst = irc_lines_space(&c->in, &room);
  if(room == 0 || c->eof)
    return;
  int r = read(c->fd, dst, room);
  if(r == -EAGAIN)
    return;
  if(r <= 0){
    c->eof = 1;
    if(r < 0)
      c->broken = 1;
    return;
  }
  irc_lines_added(&c->in, r);
}

// Handles the whole lines a client has buffered, stopping when output
// queues are too full (the rest waits for the next round).
static void
client_lines(struct client *c)
{
  char line[IRC_LINEMAX];
  while(!c->closing && !throttled()){
    int n = irc_lines_take(&c->in, line);
    if(n == IRC_NOLINE)
      break;
    if(n == IRC_TOOLONG){
      c->lastin = now;
      numeric(c, 417, ":Input line was too long");
    } else {
      handle_line(c, line);
    }
    reap();
  }
  if(c->eof && !c->closing && !throttled()){
    // nothing more will come and what was buffered is done. The peer
    // may only have shut down its sending side (nc does), so what we
    // owe it still goes out, with the ERROR, unless writing fails.
    kill_client(c, c->broken ? "Read error" : "Connection closed");
    reap();
  }
}

// Whether c still has a whole line waiting in its buffer.
static int
has_line(struct client *c)
{
  if(c->in.skipping && c->in.len > 0)
    return 1;
  for(int i = 0; i < c->in.len; i++)
    if(c->in.buf[i] == '\n')
      return 1;
  return c->in.len >= IRC_LINEMAX;
}

// Idle and stall checks, once per round.
static void
timers(void)
{
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c == 0 || c->closing)
      continue;
    if(c->overhigh && now - c->qprogress >= STALL_MS){
      kill_client(c, "SendQ stalled");
      continue;
    }
    if(!(c->reg & R_DONE)){
      if(now - c->connected >= ping_ms)
        kill_client(c, "Registration timeout");
      continue;
    }
    if(c->pinged && now - c->pinged >= ping_ms){
      char why[48];
      snprintf(why, sizeof(why), "Ping timeout: %ld seconds", (now - c->lastin) / 1000);
      kill_client(c, why);
    } else if(!c->pinged && now - c->lastin >= ping_ms){
      reply(c, "PING :%s", servername);
      c->pinged = now;
    }
  }
  reap();
}

// ---------------------------------------------------------------- the loop

static int lfd = -1;
static long accept_pause_until;    // after a failed accept: try again later
static long accept_errors;
static struct pollfd pfds[MAXSLOTS + 1];
static struct client *pclient[MAXSLOTS + 1];

// One round: poll, accept, read, handle lines, write, time out, close.
// timeout_ms bounds the wait (the loop uses 1000 so timers run).
static void
serve_round(int timeout_ms)
{
  int n = 0;
  now = uptime();
  if(lfd >= 0 && now >= accept_pause_until){
    pfds[n].fd = lfd;
    pfds[n].events = POLLIN;
    pfds[n].revents = 0;
    pclient[n++] = 0;
  }
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c == 0 || c->broken)
      continue;
    short ev = 0;
    if(!c->closing && !c->eof && !throttled() && !has_line(c))
      ev |= POLLIN;
    if(c->qbytes > 0)
      ev |= POLLOUT;
    if(ev == 0 && c->eof)
      continue;                // nothing to wait for: its EOF is known
    pfds[n].fd = c->fd;
    pfds[n].events = ev;
    pfds[n].revents = 0;
    pclient[n++] = c;
  }
  // a pending line or an unhandled end of file needs another round now
  int busy = 0;
  for(int i = 0; i < MAXSLOTS && !throttled(); i++){
    struct client *c = clients[i];
    if(c && !c->closing && (has_line(c) || c->eof))
      busy = 1;
  }
  int r = poll(pfds, n, busy ? 0 : timeout_ms);
  now = uptime();
  if(r < 0 && r != -EINTR && r != -EAGAIN){
    eprint("chatd", "poll", r);
    exit(1);
  }
  for(int i = 0; r > 0 && i < n; i++){
    short rev = pfds[i].revents;
    struct client *c = pclient[i];
    if(c == 0){
      if(rev & POLLIN){
        int fd = accept(lfd);
        if(fd >= 0){
          fcntl(fd, F_SETFL, O_NONBLOCK);
          client_new(fd);
        } else if(fd != -EAGAIN){
          // out of descriptors or memory, or a failing listener: the
          // listener stays readable, so wait a second rather than spin
          if(accept_errors++ == 0 || verbose)
            eprint("chatd", "accept", fd);
          accept_pause_until = now + 1000;
        }
      }
      continue;
    }
    if((rev & (POLLIN | POLLHUP | POLLERR)) && (pfds[i].events & POLLIN))
      client_read(c);
    else if((rev & (POLLHUP | POLLERR)) && !(pfds[i].events & POLLIN) && c->qbytes == 0)
      c->eof = 1;              // hung up while we were not reading
    if(rev & POLLOUT)
      q_flush(c);
    if(rev & POLLNVAL){
      c->broken = 1;
      kill_client(c, "Bad connection");
    }
  }
  reap();
  // handle input round-robin, starting after where the last round began,
  // so that no client is always first or last under throttling
  static int start;
  for(int k = 0; k < MAXSLOTS; k++){
    struct client *c = clients[(start + k) % MAXSLOTS];
    if(c && !c->closing)
      client_lines(c);
  }
  start = (start + 1) % MAXSLOTS;
  for(int i = 0; i < MAXSLOTS; i++)
    if(clients[i] && clients[i]->qbytes > 0)
      q_flush(clients[i]);
  timers();
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c && c->closing && (c->broken || c->qbytes == 0 || now >= c->closeat))
      client_free(c);
  }
}

#ifndef CHATD_NO_MAIN
static void
usage(void)
{
  fprintf(2, "usage: chatd [-p PORT] [-P PASSWORD] [-n SERVERNAME] [-m MOTDFILE]\n"
             "             [-c MAXCLIENTS] [-q SENDQ] [-t PINGSECS] [-v] [-B]\n");
  exit(2);
}

// For -B: the port named by chat=on|PORT on the kernel command line, or
// 0 when the server is not wanted on this machine.
static int
boot_port(void)
{
  char args[256];
  int fd = open("/dev/bootargs", O_RDONLY);
  int n = fd >= 0 ? read(fd, args, sizeof(args) - 1) : 0;
  if(fd >= 0)
    close(fd);
  args[n > 0 ? n : 0] = 0;
  for(char *p = args; *p; ){
    while(*p == ' ' || *p == '\n')
      p++;
    char *w = p;
    while(*p && *p != ' ' && *p != '\n')
      p++;
    if(p - w > 5 && strncmp(w, "chat=", 5) == 0){
      char v[16];
      int k = p - w - 5 < 15 ? p - w - 5 : 15;
      memmove(v, w + 5, k);
      v[k] = 0;
      if(strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
        return port;
      return atoi(v) > 0 && atoi(v) < 65536 ? atoi(v) : 0;
    }
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int c, boot = 0;
  long v;
  while((c = getopt(argc, argv, "p:P:n:m:c:q:t:vB")) != -1){
    switch(c){
    case 'B': boot = 1; break;
    case 'p': port = atoi(optarg); break;
    case 'P': password = optarg; break;
    case 'n': servername = optarg; break;
    case 'm': motdfile = optarg; break;
    case 'c': maxclients = atoi(optarg); break;
    case 'q':
      if(parsesize(optarg, &v) < 0 || v < 1024 || v > 16 * 1024 * 1024)
        usage();
      sendq_max = v;
      break;
    case 't': ping_ms = 1000L * atoi(optarg); break;
    case 'v': verbose = 1; break;
    default: usage();
    }
  }
  if(optind != argc || port <= 0 || port > 65535 || maxclients < 1 || ping_ms <= 0 ||
     strchr(servername, ' ') || servername[0] == 0)
    usage();
  if(maxclients > MAXSLOTS)
    maxclients = MAXSLOTS;
  if(boot && (port = boot_port()) == 0)
    return 0;                 // not wanted on this machine: say nothing
  char addr[32];
  snprintf(addr, sizeof(addr), "tcp!*!%d", port);
  lfd = announce(addr);
  if(lfd < 0)
    die("chatd", addr, lfd);
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  printf("chatd: listening on %s\n", addr);
  if(boot){
    // into the background, after the one line above, so that nothing
    // of ours lands in the middle of the shell's first prompt
    int pid = fork();
    if(pid < 0)
      die("chatd", "fork", pid);
    if(pid > 0)
      return 0;
  }
  for(;;)
    serve_round(1000);
}
#endif
