// conn.c: chatd's connections: accepting one (with the per-address
// limits), its bounded output queue, and leaving (ERROR, QUIT to the
// channels, close).
//
// Output never blocks: each client's lines wait in its queue of CHUNK
// blocks until its stream takes them. Input is held back (no client's
// lines are handled) only while some client is backlogged (past half
// its SendQ) *and* draining at a useful rate (DRAIN_MIN bytes per
// DRAIN_MS): then the senders wait in TCP flow control and nothing is
// lost, as under a burst to 64 busy readers. A client that stops reading,
// or reads slower than that, no longer holds anyone back: its queue
// grows to the SendQ limit and it is closed with "SendQ exceeded", as
// ircds do, while everyone else's lines keep flowing.
#include "user.h"
#include "chatd.h"

struct client *clients[MAXSLOTS];
int nclients, nregistered, maxregistered;
int conn_nholding;
long lines_in, lines_out, kills;

int
conn_throttled(void)
{
  return conn_nholding > 0;
}

static int
conn_high_water(void)
{
  return conf.sendq / 2;
}

// Ends a drain window once it is DRAIN_MS old: whether the client drained
// enough in it decides whether its backlog may hold input back.
static void
conn_window(struct client *c)
{
  if(now - c->winstart < DRAIN_MS)
    return;
  c->draining = c->winbytes >= DRAIN_MIN || c->qbytes == 0;
  c->winstart = now;
  c->winbytes = 0;
}

// Keeps c->backlogged, c->holding and conn_nholding right. A closing
// client holds nobody: its queue only has to go out or time out.
void
conn_account(struct client *c)
{
  int over = c->qbytes > conn_high_water() && !c->closing && !c->broken;
  if(over && c->backlogged == 0){
    // newly backlogged: it gets one window to show that it drains
    c->backlogged = now;
    c->winstart = now;
    c->winbytes = 0;
    c->draining = 1;
  } else if(!over){
    c->backlogged = 0;
  }
  if(over)
    conn_window(c);
  int hold = over && c->draining;
  if(hold != c->holding){
    conn_nholding += hold ? 1 : -1;
    c->holding = hold;
  }
}

// Appends raw bytes; `force` ignores the limit (for the final ERROR).
int
conn_qput(struct client *c, const char *s, int n, int force)
{
  if(c->broken || (c->closing && !force))
    return -1;
  if(!force && c->qbytes + n > conf.sendq){
    conn_kill(c, "SendQ exceeded");
    return -1;
  }
  while(n > 0){
    struct chunk *t = c->qtail;
    if(t == 0 || t->tail == CHUNK){
      struct chunk *k = mem_alloc(sizeof(*k));
      if(k == 0){
        conn_kill(c, "Out of memory");
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
  conn_account(c);
  return 0;
}

void
conn_qdrop(struct client *c)
{
  while(c->qhead){
    struct chunk *k = c->qhead;
    c->qhead = k->next;
    mem_free(k);
  }
  c->qtail = 0;
  c->qbytes = 0;
  conn_account(c);
}

// Writes as much of the queue as the connection takes without waiting.
void
conn_qflush(struct client *c)
{
  while(c->qhead && !c->broken){
    struct chunk *k = c->qhead;
    int r = write(c->fd, k->data + k->head, k->tail - k->head);
    if(r == -EAGAIN || r == 0)
      break;
    if(r < 0){
      c->broken = 1;
      conn_kill(c, "Write error");
      break;
    }
    k->head += r;
    c->qbytes -= r;
    c->winbytes += r;
    if(k->head == k->tail){
      c->qhead = k->next;
      if(c->qhead == 0)
        c->qtail = 0;
      mem_free(k);
    }
  }
  if(c->broken)
    conn_qdrop(c);
  conn_account(c);
}

// ---------------------------------------------------------------- lookups

struct client *
conn_by_nick(const char *nick)
{
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c && !c->closing && c->nick[0] && irc_casecmp(c->nick, nick) == 0)
      return c;
  }
  return 0;
}

int
conn_shares_channel(struct client *a, struct client *b)
{
  for(int i = 0; i < a->nchans; i++)
    if(chan_member(a->chans[i], b))
      return 1;
  return 0;
}

// ---------------------------------------------------------------- arriving

// Refuses a connection before it has a record: one line, then close.
static void
conn_refuse(int fd, const char *host, const char *why)
{
  char line[IRC_LINEMAX + 1];
  int n = irc_line(line, sizeof(line), "ERROR :Closing Link: %s (%s)", host, why);
  write(fd, line, n);
  close(fd);
  if(conf.verbose)
    printf("chatd: refused %s: %s\n", host, why);
}

void
conn_new(int fd)
{
  // the host part of prefixes: the peer's address without its port
  char host[HOSTLEN];
  if(netaddr(fd, 1, host, sizeof(host)) == 0 && host[0]){
    char *bang = strchr(host, '!');
    if(bang)
      *bang = 0;
  } else {
    strlcpy(host, "unknown", sizeof(host));
  }
  int slot = -1, same = 0, sameunreg = 0;
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *o = clients[i];
    if(o == 0){
      if(slot < 0)
        slot = i;
    } else if(!o->closing && strcmp(o->host, host) == 0){
      same++;
      if(!(o->reg & R_DONE))
        sameunreg++;
    }
  }
  if(slot < 0 || nclients >= conf.maxclients){
    conn_refuse(fd, host, "Server is full");
    return;
  }
  if(same >= conf.peraddr){
    conn_refuse(fd, host, "Too many connections from your host");
    return;
  }
  if(sameunreg >= conf.unregperaddr){
    conn_refuse(fd, host, "Too many unregistered connections from your host");
    return;
  }
  struct client *c = mem_alloc(sizeof(*c));
  if(c == 0){
    conn_refuse(fd, host, "Out of memory");
    return;
  }
  c->fd = fd;
  c->slot = slot;
  c->connected = c->lastin = c->lastmsg = now;
  strlcpy(c->host, host, sizeof(c->host));
  irc_lines_init(&c->in);
  clients[slot] = c;
  nclients++;
  if(conf.verbose)
    printf("chatd: connection %d from %s\n", slot, host);
}

// ---------------------------------------------------------------- leaving

// Ends a client: it is out of every lookup at once (its nick is free),
// its channels learn of it in conn_reap(), and the connection closes once
// the ERROR line is written (or CLOSE_MS later, or at once if broken).
void
conn_kill(struct client *c, const char *why)
{
  if(c->closing)
    return;
  c->closing = 1;
  c->closeat = now + CLOSE_MS;
  strlcpy(c->reason, why, sizeof(c->reason));
  if(c->reg & R_DONE){
    nregistered--;
    query_whowas_add(c);
  }
  kills++;
  conn_account(c);
  if(!c->broken){
    // the ERROR may exceed the queue limit: it is the last line
    char line[IRC_LINEMAX + 1];
    int n = irc_line(line, sizeof(line), "ERROR :Closing Link: %s (%s)", c->host, why);
    conn_qput(c, line, n, 1);
  }
  if(conf.verbose)
    printf("chatd: %s left: %s\n", c->nick[0] ? c->nick : "(unregistered)", why);
}

// Tells the channels of every newly closed client, then removes it from
// them. Telling may close more clients (full queues): repeat until quiet.
void
conn_reap(void)
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
        char line[IRC_LINEMAX + 1];
        int n = irc_line(line, sizeof(line), ":%s QUIT :%s", reply_who(c), c->reason);
        chan_peers_send(c, 0, line, n);
      }
      while(c->nchans > 0)
        chan_remove(c->chans[0], c);
    }
  }
}

// Frees a client whose connection is done.
void
conn_free(struct client *c)
{
  close(c->fd);
  conn_qdrop(c);
  if(c->holding){
    conn_nholding--;
    c->holding = 0;
  }
  clients[c->slot] = 0;
  nclients--;
  mem_free(c);
}
