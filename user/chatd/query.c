// query.c: the commands that only report: WHO, WHOIS, WHOWAS, LUSERS,
// USERHOST, ISON, VERSION, TIME, ADMIN, INFO, MOTD, STATS. What they
// show respects +i (invisible users), +s/+p (hidden channels) and AWAY.
#include "user.h"
#include "chatd.h"

// ---------------------------------------------------------------- server argument

// VERSION, TIME, ADMIN, INFO, MOTD and LUSERS may name a server: only
// this one exists. Returns 0 after a 402 for any other.
static int
query_here(struct client *c, struct ircmsg *m, int i)
{
  if(m->nparams <= i || m->params[i][0] == 0 || irc_match(m->params[i], conf.servername))
    return 1;
  reply_num(c, 402, "%s :No such server", reply_clip(m->params[i]));
  return 0;
}

// ---------------------------------------------------------------- WHO

// Whether c may see o in a WHO by mask: itself, a visible user, or one
// sharing a channel with it.
static int
query_sees(struct client *c, struct client *o)
{
  return o == c || !(o->umodes & U_INVISIBLE) || conn_shares_channel(c, o);
}

static void
query_who_line(struct client *c, const char *chan, struct client *o, struct member *mb)
{
  reply_num(c, 352, "%s %s %s %s %s %c%s%s :0 %s", chan, o->user, o->host, conf.servername,
            o->nick, o->away[0] ? 'G' : 'H', (o->umodes & U_OPER) ? "*" : "",
            chan_prefix(mb), o->real);
}

static int
query_who_matches(struct client *o, const char *mask)
{
  return irc_match(mask, o->nick) || irc_match(mask, o->user) || irc_match(mask, o->host) ||
         irc_match(mask, o->real) || irc_match(mask, conf.servername);
}

// WHO [#chan | mask [o]]
void
query_who(struct client *c, struct ircmsg *m)
{
  char *mask = m->nparams > 0 && m->params[0][0] ? m->params[0] : "*";
  int opers = m->nparams > 1 && strcmp(m->params[1], "o") == 0;
  if(strcmp(mask, "0") == 0)
    mask = "*";
  if(mask[0] == '#'){
    struct channel *ch = chan_find(mask);
    if(ch && chan_visible(ch, c)){
      int member = chan_member(ch, c) != 0;
      for(int i = 0; i < ch->n; i++){
        struct client *o = ch->m[i].c;
        if(opers && !(o->umodes & U_OPER))
          continue;
        if(!member && (o->umodes & U_INVISIBLE))
          continue;
        query_who_line(c, ch->name, o, &ch->m[i]);
      }
    }
  } else {
    for(int i = 0; i < MAXSLOTS; i++){
      struct client *o = clients[i];
      if(o == 0 || o->closing || !(o->reg & R_DONE) || !query_sees(c, o))
        continue;
      if(opers && !(o->umodes & U_OPER))
        continue;
      if(query_who_matches(o, mask))
        query_who_line(c, "*", o, 0);
    }
  }
  reply_num(c, 315, "%s :End of /WHO list.", reply_clip(mask));
}

// ---------------------------------------------------------------- WHOIS

static void
query_whois_one(struct client *c, char *nick, void *arg)
{
  (void)arg;
  struct client *o = conn_by_nick(nick);
  if(o == 0 || !(o->reg & R_DONE)){
    reply_num(c, 401, "%s :No such nick/channel", reply_clip(nick));
    reply_num(c, 318, "%s :End of /WHOIS list.", reply_clip(nick));
    return;
  }
  reply_num(c, 311, "%s %s %s * :%s", o->nick, o->user, o->host, o->real);
  char list[IRC_LINEMAX];
  int len = 0;
  list[0] = 0;
  for(int i = 0; i < o->nchans && len < 400; i++){
    struct channel *ch = o->chans[i];
    if(!chan_visible(ch, c))
      continue;            // a +s or +p channel is shown to its members only
    len += snprintf(list + len, sizeof(list) - len, "%s%s%s", len ? " " : "",
                    chan_prefix(chan_member(ch, o)), ch->name);
  }
  if(len > 0)
    reply_num(c, 319, "%s :%s", o->nick, list);
  reply_num(c, 312, "%s %s :xv6Chat", o->nick, conf.servername);
  if(o->away[0])
    reply_num(c, 301, "%s :%s", o->nick, o->away);
  if(o->umodes & U_OPER)
    reply_num(c, 313, "%s :is an IRC operator", o->nick);
  reply_num(c, 317, "%s %ld %ld :seconds idle, signon time", o->nick,
            (now - o->lastmsg) / 1000, reply_secs(o->connected));
  reply_num(c, 318, "%s :End of /WHOIS list.", o->nick);
}

// WHOIS [server] nick[,nick]: the nicks are the last parameter
void
query_whois(struct client *c, struct ircmsg *m)
{
  if(m->nparams > 1 && !query_here(c, m, 0))
    return;
  cmd_each(c, m->params[m->nparams - 1], query_whois_one, 0);
}

// ---------------------------------------------------------------- WHOWAS

struct query_was {
  char nick[NICKLEN + 1];
  char user[USERLEN + 2];
  char host[HOSTLEN];
  char real[REALLEN + 1];
  long at;
};
static struct query_was query_was[WHOWASLEN];
static int query_wasnext;

// Remembers c under its current nick (it leaves, or changes nick).
void
query_whowas_add(struct client *c)
{
  if(!(c->reg & R_DONE) || c->nick[0] == 0)
    return;
  struct query_was *w = &query_was[query_wasnext];
  query_wasnext = (query_wasnext + 1) % WHOWASLEN;
  strlcpy(w->nick, c->nick, sizeof(w->nick));
  strlcpy(w->user, c->user, sizeof(w->user));
  strlcpy(w->host, c->host, sizeof(w->host));
  strlcpy(w->real, c->real, sizeof(w->real));
  w->at = now;
}

// WHOWAS nick [count]
void
query_whowas(struct client *c, struct ircmsg *m)
{
  char *nick = m->params[0];
  int max = m->nparams > 1 ? atoi(m->params[1]) : 0;
  int found = 0;
  for(int k = 1; k <= WHOWASLEN; k++){
    struct query_was *w = &query_was[(query_wasnext - k + WHOWASLEN) % WHOWASLEN];
    if(w->nick[0] == 0 || irc_casecmp(w->nick, nick) != 0)
      continue;
    reply_num(c, 314, "%s %s %s * :%s", w->nick, w->user, w->host, w->real);
    reply_num(c, 312, "%s %s :%ld", w->nick, conf.servername, reply_secs(w->at));
    if(++found == max && max > 0)
      break;
  }
  if(found == 0)
    reply_num(c, 406, "%s :There was no such nickname", reply_clip(nick));
  reply_num(c, 369, "%s :End of WHOWAS", reply_clip(nick));
}

// ---------------------------------------------------------------- LUSERS

void
query_send_lusers(struct client *c)
{
  int invisible = 0, unknown = 0;
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *o = clients[i];
    if(o == 0 || o->closing)
      continue;
    if(!(o->reg & R_DONE))
      unknown++;
    else if(o->umodes & U_INVISIBLE)
      invisible++;
  }
  reply_num(c, 251, ":There are %d users and %d invisible on 1 servers",
            nregistered - invisible, invisible);
  reply_num(c, 252, "%d :operator(s) online", oper_count());
  reply_num(c, 253, "%d :unknown connection(s)", unknown);
  reply_num(c, 254, "%d :channels formed", nchannels);
  reply_num(c, 255, ":I have %d clients and 0 servers", nregistered);
  reply_num(c, 265, "%d %d :Current local users %d, max %d", nregistered, maxregistered,
            nregistered, maxregistered);
  reply_num(c, 266, "%d %d :Current global users %d, max %d", nregistered, maxregistered,
            nregistered, maxregistered);
}

void
query_lusers(struct client *c, struct ircmsg *m)
{
  if(query_here(c, m, 1))
    query_send_lusers(c);
}

// ---------------------------------------------------------------- USERHOST ISON

void
query_userhost(struct client *c, struct ircmsg *m)
{
  char out[IRC_LINEMAX];
  int len = 0;
  out[0] = 0;
  for(int i = 0; i < m->nparams && i < 5; i++){
    struct client *o = conn_by_nick(m->params[i]);
    if(o && (o->reg & R_DONE))
      len += snprintf(out + len, sizeof(out) - len, "%s%s%s=%c%s@%s", len ? " " : "",
                      o->nick, (o->umodes & U_OPER) ? "*" : "", o->away[0] ? '-' : '+',
                      o->user, o->host);
  }
  reply_num(c, 302, ":%s", out);
}

void
query_ison(struct client *c, struct ircmsg *m)
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
      struct client *o = conn_by_nick(w);
      if(o && (o->reg & R_DONE))
        len += snprintf(out + len, sizeof(out) - len, "%s%s", len ? " " : "", o->nick);
      *p = save;
      while(*p == ' ')
        p++;
    }
  }
  reply_num(c, 303, ":%s", out);
}

// ---------------------------------------------------------------- about the server

void
query_version(struct client *c, struct ircmsg *m)
{
  if(!query_here(c, m, 0))
    return;
  reply_num(c, 351, "%s. %s :xv6Chat on xv6-streams", CHATD_VERSION, conf.servername);
  reg_isupport(c);
}

void
query_time(struct client *c, struct ircmsg *m)
{
  if(!query_here(c, m, 0))
    return;
  // no calendar clock on this machine: the time is the time since boot
  reply_num(c, 391, "%s :%ld seconds since boot", conf.servername, reply_secs(now));
}

void
query_admin(struct client *c, struct ircmsg *m)
{
  if(!query_here(c, m, 0))
    return;
  if(!conf.admin[0][0] && !conf.admin[1][0] && !conf.admin[2][0]){
    reply_num(c, 423, "%s :No administrative info available", conf.servername);
    return;
  }
  reply_num(c, 256, "%s :Administrative info", conf.servername);
  reply_num(c, 257, ":%s", conf.admin[0]);
  reply_num(c, 258, ":%s", conf.admin[1]);
  reply_num(c, 259, ":%s", conf.admin[2]);
}

void
query_info(struct client *c, struct ircmsg *m)
{
  static const char *text[] = {
    "xv6Chat " CHATD_VERSION ": a small IRC server for xv6-streams.",
    "One process, one poll loop, every connection a /dev/tcp stream.",
    "RFC 1459/2812 channels, modes and queries; see docs/chat.md.",
    0,
  };
  if(!query_here(c, m, 0))
    return;
  for(int i = 0; text[i]; i++)
    reply_num(c, 371, ":%s", text[i]);
  reply_num(c, 374, ":End of /INFO list");
}

void
query_send_motd(struct client *c)
{
  static const char *builtin[] = {
    "Welcome to xv6Chat, a small IRC server on xv6-streams.",
    "Channels start with '#'. /join #chat to talk; /list shows what exists.",
    0,
  };
  static char text[4096];
  if(conf.motdfile){
    int n = -1;
    int fd = open(conf.motdfile, O_RDONLY);
    if(fd >= 0){
      n = read(fd, text, sizeof(text) - 1);
      close(fd);
    }
    if(n < 0){
      reply_num(c, 422, ":MOTD File is missing");
      return;
    }
    text[n] = 0;
  }
  reply_num(c, 375, ":- %s Message of the day - ", conf.servername);
  if(conf.motdfile){
    int lines = 0;
    for(char *p = text; *p && lines < 100; lines++){
      char *e = strchr(p, '\n');
      if(e)
        *e = 0;
      reply_num(c, 372, ":- %s", p);
      if(e == 0)
        break;
      *e = '\n';
      p = e + 1;
    }
  } else {
    for(int i = 0; builtin[i]; i++)
      reply_num(c, 372, ":- %s", builtin[i]);
  }
  reply_num(c, 376, ":End of /MOTD command.");
}

void
query_motd(struct client *c, struct ircmsg *m)
{
  if(query_here(c, m, 0))
    query_send_motd(c);
}

// STATS: the server's own figures, for operators and tests: clients,
// channels, queued output, bytes the server holds in its records (back to
// its earlier value when the clients leave), its heap from sbrk (grows
// once, is reused), and the kernel's free pages.
void
query_stats(struct client *c, struct ircmsg *m)
{
  (void)m;
  long queued = 0;
  for(int i = 0; i < MAXSLOTS; i++)
    if(clients[i])
      queued += clients[i]->qbytes;
  struct sysinfo si;
  memset(&si, 0, sizeof(si));
  sysinfo(&si);
  reply_num(c, 249, ":clients=%d registered=%d channels=%d queued=%ld inuse=%ld objects=%ld "
            "heap=%ld freepages=%ld lines_in=%ld lines_out=%ld kills=%ld holding=%d",
            nclients, nregistered, nchannels, queued, live_bytes, live_objects,
            (long)malloc_heapsize(), (long)si.freepages, lines_in, lines_out, kills,
            conn_nholding);
  reply_num(c, 219, "* :End of /STATS report");
}
