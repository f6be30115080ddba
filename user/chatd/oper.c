// oper.c: IRC operators: OPER with the credentials of the configuration
// file (oper NAME PASSWORD lines of /etc/chatd.conf), and the two
// commands only operators have, KILL and WALLOPS.
#include "user.h"
#include "chatd.h"

int
oper_count(void)
{
  int n = 0;
  for(int i = 0; i < MAXSLOTS; i++)
    if(clients[i] && !clients[i]->closing && (clients[i]->umodes & U_OPER))
      n++;
  return n;
}

// OPER name password: 491 for a name without an oper line, 464 for a
// wrong password, else 381 and user mode +o.
void
oper_oper(struct client *c, struct ircmsg *m)
{
  struct oper_entry *e = 0;
  for(int i = 0; i < conf.nopers; i++)
    if(strcmp(conf.opers[i].name, m->params[0]) == 0)
      e = &conf.opers[i];
  if(e == 0){
    reply_num(c, 491, ":No O-lines for your host");
    return;
  }
  if(strcmp(e->pass, m->params[1]) != 0){
    reply_num(c, 464, ":Password incorrect");
    return;
  }
  if(!(c->umodes & U_OPER)){
    c->umodes |= U_OPER;
    reply_line(c, ":%s MODE %s :+o", reply_who(c), c->nick);
  }
  reply_num(c, 381, ":You are now an IRC operator");
}

static int
oper_check(struct client *c)
{
  if(c->umodes & U_OPER)
    return 1;
  reply_num(c, 481, ":Permission Denied- You're not an IRC operator");
  return 0;
}

// KILL nick :reason: the victim is told (KILL, then ERROR) and leaves;
// its channels see QUIT :Killed (killer (reason)).
void
oper_kill(struct client *c, struct ircmsg *m)
{
  if(!oper_check(c))
    return;
  struct client *o = conn_by_nick(m->params[0]);
  if(o == 0 || !(o->reg & R_DONE)){
    reply_num(c, 401, "%s :No such nick/channel", reply_clip(m->params[0]));
    return;
  }
  char reason[KICKLEN + 1];
  strlcpy(reason, m->params[1][0] ? m->params[1] : c->nick, sizeof(reason));
  reply_line(o, ":%s KILL %s :%s", reply_who(c), o->nick, reason);
  char why[sizeof(o->reason)];
  snprintf(why, sizeof(why), "Killed (%s (%s))", c->nick, reason);
  conn_kill(o, why);
}

// WALLOPS :text to every user with +w (operators see their own).
void
oper_wallops(struct client *c, struct ircmsg *m)
{
  if(!oper_check(c))
    return;
  int n = irc_line(reply_buf, sizeof(reply_buf), ":%s WALLOPS :%s", reply_who(c), m->params[0]);
  for(int i = 0; i < MAXSLOTS; i++){
    struct client *o = clients[i];
    if(o && !o->closing && (o->reg & R_DONE) && (o->umodes & U_WALLOPS))
      conn_qput(o, reply_buf, n, 0);
  }
}
