// chan.c: chatd's channels: their records and members, fan-out to
// members, and the channel commands JOIN, PART, TOPIC, NAMES, LIST, KICK
// and INVITE with every refusal of RFC 2812 (3.2) and the modes that
// gate them (mode.c keeps the modes themselves).
#include "user.h"
#include "chatd.h"

struct channel *channels;
int nchannels;
static unsigned chan_stampgen;

struct channel *
chan_find(const char *name)
{
  for(struct channel *ch = channels; ch; ch = ch->next)
    if(irc_casecmp(ch->name, name) == 0)
      return ch;
  return 0;
}

struct member *
chan_member(struct channel *ch, struct client *c)
{
  for(int i = 0; i < ch->n; i++)
    if(ch->m[i].c == c)
      return &ch->m[i];
  return 0;
}

// Whether c may see ch in LIST, NAMES, WHO and WHOIS: members always,
// outsiders unless it is +s or +p.
int
chan_visible(struct channel *ch, struct client *c)
{
  return !(ch->modes & (C_SECRET | C_PRIVATE)) || chan_member(ch, c);
}

// "@", "+" or "": the highest status of a member, as NAMES and WHO show it.
const char *
chan_prefix(struct member *m)
{
  if(m == 0)
    return "";
  return (m->flags & M_OP) ? "@" : (m->flags & M_VOICE) ? "+" : "";
}

// ---------------------------------------------------------------- fan-out

// One formatted line to every member of ch except `skip`.
void
chan_send(struct channel *ch, struct client *skip, const char *line, int n)
{
  for(int i = 0; i < ch->n; i++)
    if(ch->m[i].c != skip)
      conn_qput(ch->m[i].c, line, n, 0);
}

// One line to everyone who shares a channel with c, each once, and to c
// itself when `self`.
void
chan_peers_send(struct client *c, int self, const char *line, int n)
{
  unsigned s = ++chan_stampgen;
  c->stamp = s;
  if(self)
    conn_qput(c, line, n, 0);
  for(int i = 0; i < c->nchans; i++){
    struct channel *ch = c->chans[i];
    for(int j = 0; j < ch->n; j++){
      struct client *o = ch->m[j].c;
      if(o->stamp != s){
        o->stamp = s;
        conn_qput(o, line, n, 0);
      }
    }
  }
}

// ---------------------------------------------------------------- records

static struct channel *
chan_create(const char *name)
{
  struct channel *ch = mem_alloc(sizeof(*ch));
  if(ch == 0)
    return 0;
  strlcpy(ch->name, name, sizeof(ch->name));
  ch->created = now;
  ch->modes = C_NOEXT;       // +n, as before modes existed; ops add more
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
  mode_free_lists(ch);
  mem_free(ch->m);
  mem_free(ch);
  nchannels--;
}

static int
chan_add(struct channel *ch, struct client *c, int flags)
{
  if(ch->n == ch->cap){
    int cap = ch->cap ? 2 * ch->cap : 8;
    struct member *m = mem_alloc(cap * sizeof(*m));
    if(m == 0)
      return -ENOMEM;
    if(ch->n)
      memmove(m, ch->m, ch->n * sizeof(*m));
    mem_free(ch->m);
    ch->m = m;
    ch->cap = cap;
  }
  ch->m[ch->n].c = c;
  ch->m[ch->n].flags = flags;
  ch->n++;
  c->chans[c->nchans++] = ch;
  return 0;
}

// Takes c out of ch (both directions); an empty channel disappears.
void
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

static int
chan_invited(struct channel *ch, struct client *c, int consume)
{
  for(int i = 0; i < ch->ninvited; i++){
    if(irc_casecmp(ch->invited[i], c->nick) == 0){
      if(consume){
        memmove(ch->invited[i], ch->invited[i + 1], (ch->ninvited - i - 1) * sizeof(ch->invited[0]));
        ch->ninvited--;
      }
      return 1;
    }
  }
  return 0;
}

static void
chan_invite_add(struct channel *ch, struct client *c)
{
  if(chan_invited(ch, c, 0))
    return;
  if(ch->ninvited == MAXINVITES){
    // the oldest invitation gives way
    memmove(ch->invited[0], ch->invited[1], (MAXINVITES - 1) * sizeof(ch->invited[0]));
    ch->ninvited--;
  }
  strlcpy(ch->invited[ch->ninvited++], c->nick, NICKLEN + 1);
}

// ---------------------------------------------------------------- replies

static char
chan_symbol(struct channel *ch)
{
  return (ch->modes & C_SECRET) ? '@' : (ch->modes & C_PRIVATE) ? '*' : '=';
}

// 353 lines (as many as the names need), then 366 when `end`.
static void
chan_send_names(struct client *c, struct channel *ch, int end)
{
  if(chan_visible(ch, c)){
    char names[IRC_LINEMAX];
    int len = 0;
    int member = chan_member(ch, c) != 0;
    for(int i = 0; i < ch->n; i++){
      struct member *m = &ch->m[i];
      if(!member && (m->c->umodes & U_INVISIBLE))
        continue;                 // +i users are not listed to outsiders
      int need = strlen(m->c->nick) + 2;
      if(len > 0 && len + need > 400){
        reply_num(c, 353, "%c %s :%s", chan_symbol(ch), ch->name, names);
        len = 0;
      }
      len += snprintf(names + len, sizeof(names) - len, "%s%s%s",
                      len ? " " : "", chan_prefix(m), m->c->nick);
    }
    if(len > 0)
      reply_num(c, 353, "%c %s :%s", chan_symbol(ch), ch->name, names);
  }
  if(end)
    reply_num(c, 366, "%s :End of /NAMES list.", ch->name);
}

static void
chan_send_topic(struct client *c, struct channel *ch, int quiet_if_none)
{
  if(ch->topic[0]){
    reply_num(c, 332, "%s :%s", ch->name, ch->topic);
    reply_num(c, 333, "%s %s %ld", ch->name, ch->topicby, reply_secs(ch->topicat));
  } else if(!quiet_if_none){
    reply_num(c, 331, "%s :No topic is set", ch->name);
  }
}

// ---------------------------------------------------------------- JOIN

static void
chan_join_one(struct client *c, char *name, const char *key)
{
  if(name[0] != '#'){
    reply_num(c, 476, "%s :Bad Channel Mask", reply_clip(name));
    return;
  }
  if(!irc_valid_channel(name, CHANLEN)){
    reply_num(c, 403, "%s :No such channel", reply_clip(name));
    return;
  }
  struct channel *ch = chan_find(name);
  if(ch && chan_member(ch, c))
    return;
  if(c->nchans >= MAXCHANS){
    reply_num(c, 405, "%s :You have joined too many channels", reply_clip(name));
    return;
  }
  if(ch){
    // an invitation lets one in past +i, +l and a ban; never past +k
    int invited = chan_invited(ch, c, 0);
    if((ch->modes & C_INVITE) && !invited && !mode_listed(ch, L_INVEX, c)){
      reply_num(c, 473, "%s :Cannot join channel (+i)", ch->name);
      return;
    }
    if(ch->limit > 0 && ch->n >= ch->limit && !invited){
      reply_num(c, 471, "%s :Cannot join channel (+l)", ch->name);
      return;
    }
    if(mode_banned(ch, c) && !invited){
      reply_num(c, 474, "%s :Cannot join channel (+b)", ch->name);
      return;
    }
    if(ch->key[0] && (key == 0 || strcmp(key, ch->key) != 0)){
      reply_num(c, 475, "%s :Cannot join channel (+k)", ch->name);
      return;
    }
  }
  int creator = ch == 0;
  if(creator && (ch = chan_create(name)) == 0){
    conn_kill(c, "Out of memory");
    return;
  }
  if(chan_add(ch, c, creator ? M_OP : 0) < 0){
    if(ch->n == 0)
      chan_destroy(ch);
    conn_kill(c, "Out of memory");
    return;
  }
  chan_invited(ch, c, 1);
  int n = irc_line(reply_buf, sizeof(reply_buf), ":%s JOIN %s", reply_who(c), ch->name);
  chan_send(ch, 0, reply_buf, n);
  chan_send_topic(c, ch, 1);
  chan_send_names(c, ch, 1);
}

static void
chan_part_all(struct client *c, const char *why)
{
  while(c->nchans > 0){
    struct channel *ch = c->chans[0];
    int n = irc_line(reply_buf, sizeof(reply_buf), ":%s PART %s :%s", reply_who(c), ch->name, why);
    chan_send(ch, 0, reply_buf, n);
    chan_remove(ch, c);
  }
}

// JOIN #a,#b [key1,key2]
void
chan_join(struct client *c, struct ircmsg *m)
{
  if(m->params[0][0] == 0){
    reply_num(c, 461, "JOIN :Not enough parameters");
    return;
  }
  if(strcmp(m->params[0], "0") == 0){
    chan_part_all(c, c->nick);
    return;
  }
  char *p = m->params[0];
  char *keys = m->nparams > 1 ? m->params[1] : 0;
  while(p && *p && !c->closing){
    char *name = p;
    p = strchr(p, ',');
    if(p)
      *p++ = 0;
    char *key = 0;
    if(keys && *keys){
      key = keys;
      keys = strchr(keys, ',');
      if(keys)
        *keys++ = 0;
    }
    if(*name)
      chan_join_one(c, name, key);
  }
}

// ---------------------------------------------------------------- PART TOPIC

static void
chan_part_item(struct client *c, char *name, void *arg)
{
  const char *why = arg;
  struct channel *ch = chan_find(name);
  if(ch == 0){
    reply_num(c, 403, "%s :No such channel", reply_clip(name));
    return;
  }
  if(!chan_member(ch, c)){
    reply_num(c, 442, "%s :You're not on that channel", ch->name);
    return;
  }
  int n = irc_line(reply_buf, sizeof(reply_buf), ":%s PART %s :%s", reply_who(c), ch->name, why);
  chan_send(ch, 0, reply_buf, n);
  chan_remove(ch, c);
}

void
chan_part(struct client *c, struct ircmsg *m)
{
  cmd_each(c, m->params[0], chan_part_item, m->nparams > 1 ? m->params[1] : c->nick);
}

void
chan_topic(struct client *c, struct ircmsg *m)
{
  struct channel *ch = chan_find(m->params[0]);
  if(ch == 0 || !chan_visible(ch, c)){
    reply_num(c, 403, "%s :No such channel", reply_clip(m->params[0]));
    return;
  }
  if(m->nparams < 2){
    chan_send_topic(c, ch, 0);
    return;
  }
  struct member *mb = chan_member(ch, c);
  if(mb == 0){
    reply_num(c, 442, "%s :You're not on that channel", ch->name);
    return;
  }
  if((ch->modes & C_TOPIC) && !(mb->flags & M_OP)){
    reply_num(c, 482, "%s :You're not channel operator", ch->name);
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
  int len = irc_line(reply_buf, sizeof(reply_buf), ":%s TOPIC %s :%s", reply_who(c), ch->name, ch->topic);
  chan_send(ch, 0, reply_buf, len);
}

// ---------------------------------------------------------------- NAMES LIST

void
chan_names(struct client *c, struct ircmsg *m)
{
  if(m->nparams > 0 && m->params[0][0]){
    char *p = m->params[0];
    while(p && *p){
      char *name = p;
      p = strchr(p, ',');
      if(p)
        *p++ = 0;
      struct channel *ch = chan_find(name);
      if(ch)
        chan_send_names(c, ch, 1);
      else
        reply_num(c, 366, "%s :End of /NAMES list.", reply_clip(name));
    }
    return;
  }
  for(struct channel *ch = channels; ch; ch = ch->next)
    chan_send_names(c, ch, 0);
  reply_num(c, 366, "* :End of /NAMES list.");
}

// Whether name is one of the comma-separated names of list.
static int
chan_in_list(const char *list, const char *name)
{
  int len = strlen(name);
  const char *p = list;
  while(*p){
    const char *e = strchr(p, ',');
    int k = e ? e - p : (int)strlen(p);
    if(k == len){
      int same = 1;
      for(int i = 0; i < k && same; i++)
        if(irc_tolower((unsigned char)p[i]) != irc_tolower((unsigned char)name[i]))
          same = 0;
      if(same)
        return 1;
    }
    p += k + (e != 0);
  }
  return 0;
}

void
chan_list(struct client *c, struct ircmsg *m)
{
  reply_num(c, 321, "Channel :Users  Name");
  for(struct channel *ch = channels; ch; ch = ch->next){
    if(!chan_visible(ch, c))
      continue;
    if(m->nparams > 0 && m->params[0][0] && !chan_in_list(m->params[0], ch->name))
      continue;
    reply_num(c, 322, "%s %d :%s", ch->name, ch->n, ch->topic);
  }
  reply_num(c, 323, ":End of /LIST");
}

// ---------------------------------------------------------------- KICK INVITE

// The channel c acts on as an operator, or 0 after the refusal (403,
// 442, 482) has been sent.
static struct channel *
chan_as_op(struct client *c, const char *name)
{
  struct channel *ch = chan_find(name);
  if(ch == 0){
    reply_num(c, 403, "%s :No such channel", reply_clip(name));
    return 0;
  }
  struct member *mb = chan_member(ch, c);
  if(mb == 0){
    reply_num(c, 442, "%s :You're not on that channel", ch->name);
    return 0;
  }
  if(!(mb->flags & M_OP)){
    reply_num(c, 482, "%s :You're not channel operator", ch->name);
    return 0;
  }
  return ch;
}

struct chan_kickargs {
  struct channel *ch;
  const char *why;
};

static void
chan_kick_item(struct client *c, char *nick, void *arg)
{
  struct chan_kickargs *a = arg;
  if(a->ch == 0)
    return;                  // the kicker kicked itself: no longer its channel
  struct client *o = conn_by_nick(nick);
  if(o == 0 || !(o->reg & R_DONE)){
    reply_num(c, 401, "%s :No such nick/channel", reply_clip(nick));
    return;
  }
  if(!chan_member(a->ch, o)){
    reply_num(c, 441, "%s %s :They aren't on that channel", o->nick, a->ch->name);
    return;
  }
  char why[KICKLEN + 1];
  strlcpy(why, a->why, sizeof(why));
  int n = irc_line(reply_buf, sizeof(reply_buf), ":%s KICK %s %s :%s", reply_who(c),
                   a->ch->name, o->nick, why);
  chan_send(a->ch, 0, reply_buf, n);
  // a kicker that kicks itself leaves (and may end the channel): the rest
  // of its list is refused silently rather than acted on from outside
  struct channel *ch = a->ch;
  if(o == c)
    a->ch = 0;
  chan_remove(ch, o);
}

// KICK #chan nick[,nick] [:comment]
void
chan_kick(struct client *c, struct ircmsg *m)
{
  struct channel *ch = chan_as_op(c, m->params[0]);
  if(ch == 0)
    return;
  struct chan_kickargs a = { ch, m->nparams > 2 && m->params[2][0] ? m->params[2] : c->nick };
  cmd_each(c, m->params[1], chan_kick_item, &a);
}

// INVITE nick #chan
void
chan_invite(struct client *c, struct ircmsg *m)
{
  struct client *o = conn_by_nick(m->params[0]);
  if(o == 0 || !(o->reg & R_DONE)){
    reply_num(c, 401, "%s :No such nick/channel", reply_clip(m->params[0]));
    return;
  }
  struct channel *ch = chan_find(m->params[1]);
  if(ch == 0){
    reply_num(c, 403, "%s :No such channel", reply_clip(m->params[1]));
    return;
  }
  struct member *mb = chan_member(ch, c);
  if(mb == 0){
    reply_num(c, 442, "%s :You're not on that channel", ch->name);
    return;
  }
  if((ch->modes & C_INVITE) && !(mb->flags & M_OP)){
    reply_num(c, 482, "%s :You're not channel operator", ch->name);
    return;
  }
  if(chan_member(ch, o)){
    reply_num(c, 443, "%s %s :is already on channel", o->nick, ch->name);
    return;
  }
  chan_invite_add(ch, o);
  reply_num(c, 341, "%s %s", o->nick, ch->name);
  if(o->away[0])
    reply_num(c, 301, "%s :%s", o->nick, o->away);
  reply_line(o, ":%s INVITE %s :%s", reply_who(c), o->nick, ch->name);
}
