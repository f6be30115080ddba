// reg.c: registration (PASS, NICK, USER, CAP), the welcome burst
// (001-005, LUSERS, MOTD), nick changes, PING/PONG and QUIT.
#include "user.h"
#include "chatd.h"

// RPL_ISUPPORT: what clients need to parse everything else (prefixes,
// which modes take parameters, the case mapping, the limits). Two lines,
// as ircds keep each under 13 tokens.
void
reg_isupport(struct client *c)
{
  reply_num(c, 5, "CASEMAPPING=rfc1459 CHANTYPES=# PREFIX=(ov)@+ CHANMODES=beI,k,l,imnpst "
            "MODES=%d EXCEPTS=e INVEX=I NETWORK=xv6chat :are supported by this server",
            MAXMODES);
  reply_num(c, 5, "NICKLEN=%d CHANNELLEN=%d TOPICLEN=%d KICKLEN=%d AWAYLEN=%d "
            "CHANLIMIT=#:%d MAXTARGETS=%d MAXLIST=beI:%d :are supported by this server",
            NICKLEN, CHANLEN, TOPICLEN, KICKLEN, AWAYLEN, MAXCHANS, MAXTARGETS, MAXLIST);
}

static void
reg_try(struct client *c)
{
  if((c->reg & R_DONE) || (c->reg & (R_NICK | R_USER)) != (R_NICK | R_USER) ||
     (c->reg & R_CAP))
    return;
  if(conf.password && !c->pass_ok){
    reply_num(c, 464, ":Password incorrect");
    conn_kill(c, "Bad password");
    return;
  }
  c->reg |= R_DONE;
  nregistered++;
  if(nregistered > maxregistered)
    maxregistered = nregistered;
  reply_num(c, 1, ":Welcome to the xv6Chat IRC network %s", reply_who(c));
  reply_num(c, 2, ":Your host is %s, running version %s", conf.servername, CHATD_VERSION);
  reply_num(c, 3, ":This server was created at boot");
  reply_num(c, 4, "%s %s iow beIiklmnopstv bkloveI", conf.servername, CHATD_VERSION);
  reg_isupport(c);
  query_send_lusers(c);
  query_send_motd(c);
  if(conf.verbose)
    printf("chatd: %s registered\n", reply_who(c));
}

void
reg_pass(struct client *c, struct ircmsg *m)
{
  if(c->reg & R_DONE){
    reply_num(c, 462, ":You may not reregister");
    return;
  }
  c->pass_ok = conf.password == 0 || strcmp(m->params[0], conf.password) == 0;
}

void
reg_nick(struct client *c, struct ircmsg *m)
{
  char *nick = m->nparams > 0 ? m->params[0] : "";
  if(nick[0] == 0){
    reply_num(c, 431, ":No nickname given");
    return;
  }
  if(!irc_valid_nick(nick, NICKLEN)){
    reply_num(c, 432, "%s :Erroneous nickname", reply_clip(nick));
    return;
  }
  if(strcmp(nick, c->nick) == 0)
    return;
  struct client *o = conn_by_nick(nick);
  if(o && o != c){
    reply_num(c, 433, "%s :Nickname is already in use", nick);
    return;
  }
  if(c->reg & R_DONE){
    char line[IRC_LINEMAX + 1];
    int n = irc_line(line, sizeof(line), ":%s NICK :%s", reply_who(c), nick);
    chan_peers_send(c, 1, line, n);
    query_whowas_add(c);
  }
  strlcpy(c->nick, nick, sizeof(c->nick));
  c->reg |= R_NICK;
  reg_try(c);
}

void
reg_user(struct client *c, struct ircmsg *m)
{
  if(c->reg & (R_DONE | R_USER)){
    reply_num(c, 462, ":You may not reregister");
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
  reg_try(c);
}

void
reg_cap(struct client *c, struct ircmsg *m)
{
  char *sub = m->params[0];
  if(irc_casecmp(sub, "LS") == 0 || irc_casecmp(sub, "LIST") == 0){
    // we offer no capabilities; LS opens negotiation until CAP END
    if(!(c->reg & R_DONE) && irc_casecmp(sub, "LS") == 0)
      c->reg |= R_CAP;
    reply_line(c, ":%s CAP %s %s :", conf.servername, reply_nick(c),
               irc_casecmp(sub, "LS") == 0 ? "LS" : "LIST");
  } else if(irc_casecmp(sub, "REQ") == 0){
    if(!(c->reg & R_DONE))
      c->reg |= R_CAP;
    reply_line(c, ":%s CAP %s NAK :%s", conf.servername, reply_nick(c),
               m->nparams > 1 ? m->params[1] : "");
  } else if(irc_casecmp(sub, "END") == 0){
    c->reg &= ~R_CAP;
    reg_try(c);
  } else {
    reply_num(c, 410, "%s :Invalid CAP command", reply_clip(sub));
  }
}

void
reg_ping(struct client *c, struct ircmsg *m)
{
  if(m->nparams == 0 || m->params[0][0] == 0){
    reply_num(c, 409, ":No origin specified");
    return;
  }
  reply_line(c, ":%s PONG %s :%s", conf.servername, conf.servername, m->params[0]);
}

void
reg_pong(struct client *c, struct ircmsg *m)
{
  (void)c;
  (void)m;      // any line counts as a sign of life (see cmd_line)
}

void
reg_quit(struct client *c, struct ircmsg *m)
{
  char why[100];
  if(m->nparams > 0 && m->params[0][0])
    snprintf(why, sizeof(why), "Quit: %s", m->params[0]);
  else
    strlcpy(why, "Client Quit", sizeof(why));
  conn_kill(c, why);
}
