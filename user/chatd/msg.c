// msg.c: PRIVMSG and NOTICE to channels and nicks (with the channel
// modes that gate them: +n, +m, bans), and AWAY.
#include "user.h"
#include "chatd.h"

struct msg_args {
  const char *cmd;        // "PRIVMSG" or "NOTICE"
  const char *text;
  int notice;             // NOTICE never causes error replies
  int targets;
};

// Whether c may speak in ch: +n keeps outsiders out, +m all but voiced
// and operators, a ban all but voiced and operators.
static int
msg_may_speak(struct channel *ch, struct client *c)
{
  struct member *mb = chan_member(ch, c);
  if(mb == 0)
    return !(ch->modes & C_NOEXT) && !(ch->modes & C_MODERATED) && !mode_banned(ch, c);
  if(mb->flags & (M_OP | M_VOICE))
    return 1;
  return !(ch->modes & C_MODERATED) && !mode_banned(ch, c);
}

static void
msg_item(struct client *c, char *target, void *arg)
{
  struct msg_args *a = arg;
  if(++a->targets > MAXTARGETS){
    if(!a->notice && a->targets == MAXTARGETS + 1)
      reply_num(c, 407, "%s :Too many recipients", reply_clip(target));
    return;
  }
  if(target[0] == '#'){
    struct channel *ch = chan_find(target);
    if(ch == 0 || !chan_visible(ch, c)){
      if(!a->notice)
        reply_num(c, 403, "%s :No such channel", reply_clip(target));
      return;
    }
    if(!msg_may_speak(ch, c)){
      if(!a->notice)
        reply_num(c, 404, "%s :Cannot send to channel", ch->name);
      return;
    }
    int n = irc_line(reply_buf, sizeof(reply_buf), ":%s %s %s :%s", reply_who(c), a->cmd,
                     ch->name, a->text);
    chan_send(ch, c, reply_buf, n);
    return;
  }
  struct client *o = conn_by_nick(target);
  if(o == 0 || !(o->reg & R_DONE)){
    if(!a->notice)
      reply_num(c, 401, "%s :No such nick/channel", reply_clip(target));
    return;
  }
  int n = irc_line(reply_buf, sizeof(reply_buf), ":%s %s %s :%s", reply_who(c), a->cmd,
                   o->nick, a->text);
  conn_qput(o, reply_buf, n, 0);
  if(!a->notice && o->away[0])
    reply_num(c, 301, "%s :%s", o->nick, o->away);
}

static void
msg_send(struct client *c, struct ircmsg *m, int notice)
{
  struct msg_args a = { notice ? "NOTICE" : "PRIVMSG", 0, notice, 0 };
  if(m->nparams == 0 || m->params[0][0] == 0){
    if(!notice)
      reply_num(c, 411, ":No recipient given (%s)", a.cmd);
    return;
  }
  if(m->nparams < 2 || m->params[1][0] == 0){
    if(!notice)
      reply_num(c, 412, ":No text to send");
    return;
  }
  a.text = m->params[1];
  c->lastmsg = now;
  cmd_each(c, m->params[0], msg_item, &a);
}

void
msg_privmsg(struct client *c, struct ircmsg *m)
{
  msg_send(c, m, 0);
}

void
msg_notice(struct client *c, struct ircmsg *m)
{
  msg_send(c, m, 1);
}

// AWAY :text marks c away (301 to those who message it, G in WHO, '-'
// in USERHOST); AWAY alone marks it back.
void
msg_away(struct client *c, struct ircmsg *m)
{
  if(m->nparams == 0 || m->params[0][0] == 0){
    c->away[0] = 0;
    reply_num(c, 305, ":You are no longer marked as being away");
    return;
  }
  strlcpy(c->away, m->params[0], sizeof(c->away));
  reply_num(c, 306, ":You have been marked as being away");
}
