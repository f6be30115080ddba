// cmd.c: the command table of chatd and the dispatch of one received
// line: parse, look up, check registration and the parameter count,
// call the part that owns the command.
#include "user.h"
#include "chatd.h"

#define PRE    1   // allowed before registration

struct cmd_entry {
  const char *name;
  int minparams;
  int flags;
  void (*fn)(struct client *, struct ircmsg *);
};

static const struct cmd_entry cmd_table[] = {
  { "PASS",     1, PRE, reg_pass },
  { "NICK",     0, PRE, reg_nick },
  { "USER",     4, PRE, reg_user },
  { "CAP",      1, PRE, reg_cap },
  { "PING",     0, PRE, reg_ping },
  { "PONG",     0, PRE, reg_pong },
  { "QUIT",     0, PRE, reg_quit },
  { "JOIN",     1, 0, chan_join },
  { "PART",     1, 0, chan_part },
  { "TOPIC",    1, 0, chan_topic },
  { "NAMES",    0, 0, chan_names },
  { "LIST",     0, 0, chan_list },
  { "KICK",     2, 0, chan_kick },
  { "INVITE",   2, 0, chan_invite },
  { "MODE",     1, 0, mode_cmd },
  { "PRIVMSG",  0, 0, msg_privmsg },
  { "NOTICE",   0, 0, msg_notice },
  { "AWAY",     0, 0, msg_away },
  { "WHO",      0, 0, query_who },
  { "WHOIS",    1, 0, query_whois },
  { "WHOWAS",   1, 0, query_whowas },
  { "LUSERS",   0, 0, query_lusers },
  { "USERHOST", 1, 0, query_userhost },
  { "ISON",     1, 0, query_ison },
  { "VERSION",  0, 0, query_version },
  { "TIME",     0, 0, query_time },
  { "ADMIN",    0, 0, query_admin },
  { "INFO",     0, 0, query_info },
  { "MOTD",     0, 0, query_motd },
  { "STATS",    0, 0, query_stats },
  { "OPER",     2, 0, oper_oper },
  { "KILL",     2, 0, oper_kill },
  { "WALLOPS",  1, 0, oper_wallops },
  { 0, 0, 0, 0 },
};

// One received line (without CR LF).
void
cmd_line(struct client *c, char *line)
{
  struct ircmsg m;
  lines_in++;
  c->lastin = now;
  c->pinged = 0;
  if(irc_parse(line, &m) < 0)
    return;                     // empty lines are ignored
  const struct cmd_entry *e;
  for(e = cmd_table; e->name; e++)
    if(irc_casecmp(e->name, m.cmd) == 0)
      break;
  if(!(c->reg & R_DONE) && (e->name == 0 || !(e->flags & PRE))){
    reply_num(c, 451, ":You have not registered");
    return;
  }
  if(e->name == 0){
    reply_num(c, 421, "%s :Unknown command", reply_clip(m.cmd));
    return;
  }
  if(m.nparams < e->minparams){
    reply_num(c, 461, "%s :Not enough parameters", e->name);
    return;
  }
  e->fn(c, &m);
}

// Calls fn for every comma-separated item of list (split in place).
void
cmd_each(struct client *c, char *list, void (*fn)(struct client *, char *, void *), void *arg)
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
