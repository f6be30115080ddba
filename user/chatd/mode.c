// mode.c: MODE for channels and users. Channel modes (RFC 2811 4.2-4.3):
// o v (member status), b e I (mask lists), k l (with a parameter),
// i m n p s t (flags). User modes: i, w, o (OPER sets it; a user may only
// drop it). Masks are nick!user@host with * and ? (irc_match), compared
// with the rfc1459 case mapping.
#include "user.h"
#include "chatd.h"

static const char mode_flagchars[] = "tnmisp";
static const int mode_flagbits[] = { C_TOPIC, C_NOEXT, C_MODERATED, C_INVITE, C_SECRET, C_PRIVATE };
static const char mode_listchars[NLISTS] = { 'b', 'e', 'I' };

// The mode string of a channel for 324: "+ntk key" (key and limit only
// for members).
static void
mode_chan_string(struct channel *ch, struct client *c, char *out, int max)
{
  int n = 0;
  out[n++] = '+';
  for(int i = 0; mode_flagchars[i]; i++)
    if(ch->modes & mode_flagbits[i])
      out[n++] = mode_flagchars[i];
  if(ch->key[0])
    out[n++] = 'k';
  if(ch->limit)
    out[n++] = 'l';
  out[n] = 0;
  int member = chan_member(ch, c) != 0;
  if(ch->key[0])
    n += snprintf(out + n, max - n, " %s", member ? ch->key : "*");
  if(ch->limit)
    snprintf(out + n, max - n, " %d", ch->limit);
}

void
mode_umode_string(struct client *c, char *out, int max)
{
  (void)max;
  int n = 0;
  out[n++] = '+';
  if(c->umodes & U_INVISIBLE)
    out[n++] = 'i';
  if(c->umodes & U_OPER)
    out[n++] = 'o';
  if(c->umodes & U_WALLOPS)
    out[n++] = 'w';
  out[n] = 0;
}

// ---------------------------------------------------------------- masks

// A user's mask into nick!user@host form: "nick" is nick!*@*,
// "user@host" is *!user@host, "nick!user" is nick!user@*.
static void
mode_normalize(const char *in, char *out, int max)
{
  char nick[MASKLEN + 1], user[MASKLEN + 1], host[MASKLEN + 1];
  const char *bang = strchr(in, '!'), *at = strchr(in, '@');
  if(bang && at && at < bang)
    bang = 0;              // "u@h!x": the '!' is part of the host
  strlcpy(nick, "*", sizeof(nick));
  strlcpy(user, "*", sizeof(user));
  strlcpy(host, "*", sizeof(host));
  if(bang){
    int k = bang - in;
    if(k > 0)
      strlcpy(nick, in, k + 1 < (int)sizeof(nick) ? k + 1 : (int)sizeof(nick));
    const char *u = bang + 1;
    if(at){
      k = at - u;
      if(k > 0)
        strlcpy(user, u, k + 1 < (int)sizeof(user) ? k + 1 : (int)sizeof(user));
      if(at[1])
        strlcpy(host, at + 1, sizeof(host));
    } else if(*u){
      strlcpy(user, u, sizeof(user));
    }
  } else if(at){
    int k = at - in;
    if(k > 0)
      strlcpy(user, in, k + 1 < (int)sizeof(user) ? k + 1 : (int)sizeof(user));
    if(at[1])
      strlcpy(host, at + 1, sizeof(host));
  } else if(*in){
    strlcpy(nick, in, sizeof(nick));
  }
  snprintf(out, max, "%s!%s@%s", nick, user, host);
}

// Whether c matches an entry of one of ch's lists.
int
mode_listed(struct channel *ch, int list, struct client *c)
{
  char who[MASKLEN + 8];
  snprintf(who, sizeof(who), "%s!%s@%s", c->nick, c->user, c->host);
  for(struct mask *k = ch->lists[list]; k; k = k->next)
    if(irc_match(k->mask, who))
      return 1;
  return 0;
}

// Banned: on the ban list and not on the exception list.
int
mode_banned(struct channel *ch, struct client *c)
{
  return mode_listed(ch, L_BAN, c) && !mode_listed(ch, L_EXCEPT, c);
}

void
mode_free_lists(struct channel *ch)
{
  for(int l = 0; l < NLISTS; l++){
    while(ch->lists[l]){
      struct mask *k = ch->lists[l];
      ch->lists[l] = k->next;
      mem_free(k);
    }
    ch->nlist[l] = 0;
  }
}

static void
mode_send_list(struct client *c, struct channel *ch, int list)
{
  static const int item[NLISTS] = { 367, 348, 346 }, end[NLISTS] = { 368, 349, 347 };
  static const char *endtext[NLISTS] = {
    "End of channel ban list", "End of channel exception list", "End of channel invite list",
  };
  for(struct mask *k = ch->lists[list]; k; k = k->next)
    reply_num(c, item[list], "%s %s %s %ld", ch->name, k->mask, k->by, reply_secs(k->at));
  reply_num(c, end[list], "%s :%s", ch->name, endtext[list]);
}

// Adds (set) or removes a mask; returns 1 if the list changed. The
// applied mask is left in norm.
static int
mode_list_change(struct client *c, struct channel *ch, int list, int set, const char *arg,
                 char *norm, int max)
{
  mode_normalize(arg, norm, max);
  struct mask **pp = &ch->lists[list];
  for(; *pp; pp = &(*pp)->next){
    if(irc_casecmp((*pp)->mask, norm) == 0){
      if(set)
        return 0;          // already there
      struct mask *k = *pp;
      strlcpy(norm, k->mask, max);     // echo the entry as it was set
      *pp = k->next;
      mem_free(k);
      ch->nlist[list]--;
      return 1;
    }
  }
  if(!set)
    return 0;
  if(ch->nlist[list] >= MAXLIST){
    reply_num(c, 478, "%s %s :Channel list is full", ch->name, norm);
    return 0;
  }
  struct mask *k = mem_alloc(sizeof(*k));
  if(k == 0){
    conn_kill(c, "Out of memory");
    return 0;
  }
  strlcpy(k->mask, norm, sizeof(k->mask));
  strlcpy(k->by, c->nick, sizeof(k->by));
  k->at = now;
  *pp = k;                 // at the end: lists show in the order set
  ch->nlist[list]++;
  return 1;
}

// A key may not be empty, hold spaces, commas or control characters,
// or be longer than KEYLEN.
static int
mode_key_ok(const char *k)
{
  int n = 0;
  for(; k[n]; n++){
    unsigned char ch = k[n];
    if(ch <= ' ' || ch == ',' || ch == ':' || ch == 0x7F)
      return 0;
  }
  return n >= 1 && n <= KEYLEN;
}

// ---------------------------------------------------------------- channel modes

struct mode_out {
  char modes[64];          // "+ov-k"
  int nmodes;
  int sign;                // the last sign written: '+', '-' or 0
  char args[IRC_LINEMAX];
  int alen;
};

static void
mode_out_add(struct mode_out *o, int sign, char ch, const char *arg)
{
  if(o->nmodes > (int)sizeof(o->modes) - 4)
    return;
  if(o->sign != sign){
    o->modes[o->nmodes++] = sign;
    o->sign = sign;
  }
  o->modes[o->nmodes++] = ch;
  o->modes[o->nmodes] = 0;
  if(arg && o->alen < (int)sizeof(o->args) - 2)
    o->alen += snprintf(o->args + o->alen, sizeof(o->args) - o->alen, " %s", arg);
}

static void
mode_channel(struct client *c, struct channel *ch, struct ircmsg *m)
{
  char *modes = m->params[1];
  int argi = 2;
  // a list query: "MODE #chan b", "+b", "e", "I" with no mask
  if(m->nparams == 2){
    const char *q = modes[0] == '+' ? modes + 1 : modes;
    for(int l = 0; l < NLISTS; l++){
      if(q[0] == mode_listchars[l] && q[1] == 0){
        if(l != L_BAN && !chan_member(ch, c)){
          // exceptions and invite masks are the members' business
          reply_num(c, 442, "%s :You're not on that channel", ch->name);
          return;
        }
        mode_send_list(c, ch, l);
        return;
      }
    }
  }
  struct member *mb = chan_member(ch, c);
  if(mb == 0){
    reply_num(c, 442, "%s :You're not on that channel", ch->name);
    return;
  }
  int isop = (mb->flags & M_OP) != 0;
  struct mode_out out;
  memset(&out, 0, sizeof(out));
  int sign = '+', withparam = 0, refused = 0;
  for(char *p = modes; *p; p++){
    char mc = *p;
    if(mc == '+' || mc == '-'){
      sign = mc;
      continue;
    }
    int set = sign == '+';
    int list = -1;
    for(int l = 0; l < NLISTS; l++)
      if(mc == mode_listchars[l])
        list = l;
    int needs = mc == 'o' || mc == 'v' || mc == 'k' || list >= 0 || (mc == 'l' && set);
    const char *arg = 0;
    if(needs){
      if(argi < m->nparams){
        arg = m->params[argi++];
      } else if(list >= 0){
        mode_send_list(c, ch, list);      // "+b" without a mask: the list
        continue;
      } else if(mc == 'k' && !set){
        arg = "*";                        // "-k" needs no key
      } else {
        reply_num(c, 461, "MODE :Not enough parameters");
        continue;
      }
      if(++withparam > MAXMODES)
        continue;                         // beyond MODES=: ignored
    }
    const char *flagpos = strchr(mode_flagchars, mc);
    if(!flagpos && !needs && mc != 'l'){
      reply_num(c, 472, "%c :is unknown mode char to me", mc);
      continue;
    }
    if(!isop){
      if(!refused++)
        reply_num(c, 482, "%s :You're not channel operator", ch->name);
      continue;
    }
    if(flagpos){
      int bit = mode_flagbits[flagpos - mode_flagchars];
      if(set == !(ch->modes & bit)){
        ch->modes ^= bit;
        mode_out_add(&out, sign, mc, 0);
      }
    } else if(mc == 'o' || mc == 'v'){
      struct client *o = conn_by_nick(arg);
      if(o == 0 || !(o->reg & R_DONE)){
        reply_num(c, 401, "%s :No such nick/channel", reply_clip(arg));
        continue;
      }
      struct member *om = chan_member(ch, o);
      if(om == 0){
        reply_num(c, 441, "%s %s :They aren't on that channel", o->nick, ch->name);
        continue;
      }
      int bit = mc == 'o' ? M_OP : M_VOICE;
      if(set == !(om->flags & bit)){
        om->flags ^= bit;
        mode_out_add(&out, sign, mc, o->nick);
      }
    } else if(list >= 0){
      char norm[MASKLEN + 1];
      if(mode_list_change(c, ch, list, set, arg, norm, sizeof(norm)))
        mode_out_add(&out, sign, mc, norm);
    } else if(mc == 'k'){
      if(!set){
        if(ch->key[0]){
          ch->key[0] = 0;
          mode_out_add(&out, '-', 'k', "*");
        }
      } else if(!mode_key_ok(arg)){
        reply_num(c, 525, "%s :Key is not well-formed", ch->name);
      } else if(ch->key[0]){
        reply_num(c, 467, "%s :Channel key already set", ch->name);
      } else {
        strlcpy(ch->key, arg, sizeof(ch->key));
        mode_out_add(&out, '+', 'k', ch->key);
      }
    } else if(mc == 'l'){
      if(!set){
        if(ch->limit){
          ch->limit = 0;
          mode_out_add(&out, '-', 'l', 0);
        }
      } else {
        int v = 0, ok = arg[0] != 0;
        for(const char *q = arg; *q && ok; q++){
          if(!isdigit((unsigned char)*q) || v > 100000)
            ok = 0;
          else
            v = v * 10 + (*q - '0');
        }
        if(!ok || v < 1){
          reply_num(c, 696, "%s l %s :Invalid limit", ch->name, reply_clip(arg));
        } else if(v != ch->limit){
          ch->limit = v;
          char num[16];
          snprintf(num, sizeof(num), "%d", v);
          mode_out_add(&out, '+', 'l', num);
        }
      }
    }
    if(c->closing)
      return;
  }
  if(out.nmodes > 0){
    int n = irc_line(reply_buf, sizeof(reply_buf), ":%s MODE %s %s%s", reply_who(c), ch->name,
                     out.modes, out.args);
    chan_send(ch, 0, reply_buf, n);
  }
}

// ---------------------------------------------------------------- user modes

static void
mode_user(struct client *c, struct ircmsg *m)
{
  struct client *o = conn_by_nick(m->params[0]);
  if(o == 0){
    reply_num(c, 401, "%s :No such nick/channel", reply_clip(m->params[0]));
    return;
  }
  if(o != c){
    reply_num(c, 502, ":Can't change mode for other users");
    return;
  }
  char s[16];
  if(m->nparams < 2){
    mode_umode_string(c, s, sizeof(s));
    reply_num(c, 221, "%s", s);
    return;
  }
  int sign = '+', unknown = 0;
  struct mode_out out;
  memset(&out, 0, sizeof(out));
  for(char *p = m->params[1]; *p; p++){
    int bit = 0;
    switch(*p){
    case '+': case '-': sign = *p; continue;
    case 'i': bit = U_INVISIBLE; break;
    case 'w': bit = U_WALLOPS; break;
    case 'o':
      if(sign == '+')
        continue;          // only OPER makes an operator
      bit = U_OPER;
      break;
    default:
      unknown = 1;
      continue;
    }
    int set = sign == '+';
    if(set == !(c->umodes & bit)){
      c->umodes ^= bit;
      mode_out_add(&out, sign, *p, 0);
    }
  }
  if(unknown)
    reply_num(c, 501, ":Unknown MODE flag");
  if(out.nmodes > 0)
    reply_line(c, ":%s MODE %s :%s", reply_who(c), c->nick, out.modes);
}

void
mode_cmd(struct client *c, struct ircmsg *m)
{
  char *target = m->params[0];
  if(target[0] != '#'){
    mode_user(c, m);
    return;
  }
  struct channel *ch = chan_find(target);
  if(ch == 0 || !chan_visible(ch, c)){      // a +s/+p channel does not exist for outsiders
    reply_num(c, 403, "%s :No such channel", reply_clip(target));
    return;
  }
  if(m->nparams < 2){
    char s[64];
    mode_chan_string(ch, c, s, sizeof(s));
    reply_num(c, 324, "%s %s", ch->name, s);
    reply_num(c, 329, "%s %ld", ch->name, reply_secs(ch->created));
    return;
  }
  mode_channel(c, ch, m);
}
