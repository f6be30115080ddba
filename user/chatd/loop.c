// loop.c: chatd's one poll(2) loop over the listening stream and every
// client: accept, read (one read per client per round, for fairness),
// handle whole lines, write what the queues hold, run the timers, close
// what is done. Nothing in it blocks but poll itself.
#include "user.h"
#include "chatd.h"

int lfd = -1;
long now;
static long loop_accept_pause;     // after a failed accept: try again later
static long loop_accept_errors;
static struct pollfd loop_pfds[MAXSLOTS + 1];
static struct client *loop_pclient[MAXSLOTS + 1];

// Reads what one client sent.
static void
loop_read(struct client *c)
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

// Handles the whole lines a client has buffered, stopping while input
// is held back (the rest waits for a later round).
static void
loop_lines(struct client *c)
{
  char line[IRC_LINEMAX];
  while(!c->closing && !conn_throttled()){
    int n = irc_lines_take(&c->in, line);
    if(n == IRC_NOLINE)
      break;
    if(n == IRC_TOOLONG){
      c->lastin = now;
      reply_num(c, 417, ":Input line was too long");
    } else {
      cmd_line(c, line);
    }
    conn_reap();
  }
  if(c->eof && !c->closing && !conn_throttled()){
    // nothing more will come and what was buffered is done. The peer
    // may only have shut down its sending side (nc does), so what we
    // owe it still goes out, with the ERROR, unless writing fails.
    conn_kill(c, c->broken ? "Read error" : "Connection closed");
    conn_reap();
  }
}

// Whether c still has a whole line waiting in its buffer.
static int
loop_has_line(struct client *c)
{
  if(c->in.skipping && c->in.len > 0)
    return 1;
  for(int i = 0; i < c->in.len; i++)
    if(c->in.buf[i] == '\n')
      return 1;
  return c->in.len >= IRC_LINEMAX;
}

// Idle, drain and stall checks, once per round.
static void
loop_timers(void)
{
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c == 0 || c->closing)
      continue;
    conn_account(c);              // ends drain windows that are due
    if(c->backlogged && !c->draining && now - c->backlogged >= STALL_MS){
      // backlogged and too slow for this long: as good as not reading
      conn_kill(c, "SendQ exceeded");
      continue;
    }
    if(!(c->reg & R_DONE)){
      if(now - c->connected >= conf.ping_ms)
        conn_kill(c, "Registration timeout");
      continue;
    }
    if(c->pinged && now - c->pinged >= conf.ping_ms){
      char why[48];
      snprintf(why, sizeof(why), "Ping timeout: %ld seconds", (now - c->lastin) / 1000);
      conn_kill(c, why);
    } else if(!c->pinged && now - c->lastin >= conf.ping_ms){
      reply_line(c, "PING :%s", conf.servername);
      c->pinged = now;
    }
  }
  conn_reap();
}

static void
loop_accept(void)
{
  int fd = accept(lfd);
  if(fd >= 0){
    fcntl(fd, F_SETFL, O_NONBLOCK);
    conn_new(fd);
  } else if(fd != -EAGAIN){
    // out of descriptors or memory, or a failing listener: the listener
    // stays readable, so wait a second rather than spin
    if(loop_accept_errors++ == 0 || conf.verbose)
      eprint("chatd", "accept", fd);
    loop_accept_pause = now + 1000;
  }
}

// One round: poll, accept, read, handle lines, write, time out, close.
// timeout_ms bounds the wait (main uses 1000 so that timers run).
void
loop_round(int timeout_ms)
{
  int n = 0;
  now = uptime();
  if(lfd >= 0 && now >= loop_accept_pause){
    loop_pfds[n].fd = lfd;
    loop_pfds[n].events = POLLIN;
    loop_pfds[n].revents = 0;
    loop_pclient[n++] = 0;
  }
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c == 0 || c->broken)
      continue;
    short ev = 0;
    if(!c->closing && !c->eof && !conn_throttled() && !loop_has_line(c))
      ev |= POLLIN;
    if(c->qbytes > 0)
      ev |= POLLOUT;
    if(ev == 0 && c->eof)
      continue;                // nothing to wait for: its EOF is known
    loop_pfds[n].fd = c->fd;
    loop_pfds[n].events = ev;
    loop_pfds[n].revents = 0;
    loop_pclient[n++] = c;
  }
  // a pending line or an unhandled end of file needs another round now;
  // while input is held back, wake in time to end the drain windows
  int busy = 0;
  for(int i = 0; i < MAXSLOTS && !conn_throttled(); i++){
    struct client *c = clients[i];
    if(c && !c->closing && (loop_has_line(c) || c->eof))
      busy = 1;
  }
  int wait = busy ? 0 : timeout_ms;
  if(conn_throttled() && wait > DRAIN_MS / 5)
    wait = DRAIN_MS / 5;
  int r = poll(loop_pfds, n, wait);
  now = uptime();
  if(r < 0 && r != -EINTR && r != -EAGAIN){
    eprint("chatd", "poll", r);
    exit(1);
  }
  for(int i = 0; r > 0 && i < n; i++){
    short rev = loop_pfds[i].revents;
    struct client *c = loop_pclient[i];
    if(c == 0){
      if(rev & POLLIN)
        loop_accept();
      continue;
    }
    if((rev & (POLLIN | POLLHUP | POLLERR)) && (loop_pfds[i].events & POLLIN))
      loop_read(c);
    else if((rev & (POLLHUP | POLLERR)) && !(loop_pfds[i].events & POLLIN) && c->qbytes == 0)
      c->eof = 1;              // hung up while we were not reading
    if(rev & POLLOUT)
      conn_qflush(c);
    if(rev & POLLNVAL){
      c->broken = 1;
      conn_kill(c, "Bad connection");
    }
  }
  conn_reap();
  // handle input round-robin, starting after where the last round began,
  // so that no client is always first or last while input is held back
  static int start;
  for(int k = 0; k < MAXSLOTS; k++){
    struct client *c = clients[(start + k) % MAXSLOTS];
    if(c && !c->closing)
      loop_lines(c);
  }
  start = (start + 1) % MAXSLOTS;
  for(int i = 0; i < MAXSLOTS; i++)
    if(clients[i] && clients[i]->qbytes > 0)
      conn_qflush(clients[i]);
  loop_timers();
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *c = clients[i];
    if(c && c->closing && (c->broken || c->qbytes == 0 || now >= c->closeat))
      conn_free(c);
  }
}
