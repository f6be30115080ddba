// chat: the xv6Chat client, a line-mode IRC client for the console.
//
//   chat HOST[!PORT] NICK [#channel]
//
// (In the shell, quote '#channel' or leave the '#' out: sh reads an
// unquoted #word as a comment.) Connects over TCP (port 6667 unless given), registers as NICK, joins
// #channel once the server has greeted us, and then shows what arrives
// while the user types: one poll(2) over the console and the connection.
// A typed line goes to the current channel; lines starting with '/' are
// commands (/help lists them). Works with chatd and with ordinary IRC
// servers, since it only relies on the common core of RFC 1459/2812.
//
// What arrives is printed one line per event, e.g.
//   <alice> hello            a message to the current channel
//   [#other] <bob> hi        ... to another channel we are on
//   *carol* psst             a private message
//   * dave joined #chat      joins, parts, quits, nick and topic changes
//   * erin was kicked ...    kicks, invitations, modes, away replies
//   ! #nope: No such channel errors from the server
#include "user.h"

#define MAXJOINED 20
#define NAMELEN   64
#define NICKLEN_CLIENT 30     // servers set their own limit (005 NICKLEN)

static int conn = -1;
static char mynick[NAMELEN];
static char current[NAMELEN];             // channel typed lines go to
static char joined[MAXJOINED][NAMELEN];   // channels we are on
static int njoined;
static char want_channel[NAMELEN];        // to join once registered
static int registered;
static int quitting;
static int nick_tries;

// ---------------------------------------------------------------- sending

static void
sendline(const char *fmt, ...) __attribute__((format(__printf__, 1, 2)));
static void
sendline(const char *fmt, ...)
{
  char buf[IRC_LINEMAX + 1];
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  int n = irc_vline(buf, sizeof(buf), fmt, ap);
  __builtin_va_end(ap);
  // The connection is blocking: a short line waits at most until the
  // server's window opens, which is what a person typing expects.
  if(writeall(conn, buf, n) < 0 && !quitting)
    printf("! could not send to the server\n");
}

// ---------------------------------------------------------------- display

// Copies text for the console, dropping control characters (IRC colour
// and bold codes, stray escapes) so the terminal shows plain text.
static void
clean(char *dst, int max, const char *src)
{
  int n = 0;
  for(; *src && n < max - 1; src++){
    unsigned char c = *src;
    if(c == 0x03){              // colour: ^C[fg[,bg]]
      for(int k = 0; k < 2 && isdigit((unsigned char)src[1]); k++)
        src++;
      if(src[1] == ',' && isdigit((unsigned char)src[2])){
        src++;
        for(int k = 0; k < 2 && isdigit((unsigned char)src[1]); k++)
          src++;
      }
      continue;
    }
    if(c < 0x20 || c == 0x7F)
      continue;
    dst[n++] = c;
  }
  dst[n] = 0;
}

static int
is_channel(const char *s)
{
  return s[0] == '#' || s[0] == '&';
}

static int
find_joined(const char *chan)
{
  for(int i = 0; i < njoined; i++)
    if(irc_casecmp(joined[i], chan) == 0)
      return i;
  return -1;
}

static void
add_joined(const char *chan)
{
  if(find_joined(chan) < 0 && njoined < MAXJOINED)
    strlcpy(joined[njoined++], chan, NAMELEN);
  strlcpy(current, chan, sizeof(current));
}

static void
drop_joined(const char *chan)
{
  int i = find_joined(chan);
  if(i < 0)
    return;
  joined[i][0] = 0;
  for(; i + 1 < njoined; i++)
    memmove(joined[i], joined[i + 1], NAMELEN);
  njoined--;
  if(irc_casecmp(current, chan) == 0){
    // fall back to the channel joined last, if any
    if(njoined > 0)
      strlcpy(current, joined[njoined - 1], sizeof(current));
    else
      current[0] = 0;
  }
}

// All parameters from index `from` on, joined by spaces.
static void
rest(struct ircmsg *m, int from, char *out, int max)
{
  int n = 0;
  out[0] = 0;
  for(int i = from; i < m->nparams && n < max - 1; i++)
    n += snprintf(out + n, max - n, "%s%s", i > from ? " " : "", m->params[i]);
}

static void
show_message(const char *from, struct ircmsg *m, int notice)
{
  char text[IRC_LINEMAX];
  const char *target = m->params[0];
  const char *raw = m->nparams > 1 ? m->params[1] : "";
  int action = !notice && strncmp(raw, "\001ACTION ", 8) == 0;
  clean(text, sizeof(text), action ? raw + 8 : raw);
  if(!action && raw[0] == '\001')
    return;                     // other CTCP requests: not shown, not answered
  if(notice){
    if(is_channel(target))
      printf("-%s:%s- %s\n", from, target, text);
    else
      printf("-%s- %s\n", from, text);
  } else if(!is_channel(target)){
    if(action)
      printf("*%s* * %s %s\n", from, from, text);
    else
      printf("*%s* %s\n", from, text);
  } else if(irc_casecmp(target, current) == 0){
    if(action)
      printf("* %s %s\n", from, text);
    else
      printf("<%s> %s\n", from, text);
  } else {
    if(action)
      printf("[%s] * %s %s\n", target, from, text);
    else
      printf("[%s] <%s> %s\n", target, from, text);
  }
}

static void
registered_now(void)
{
  registered = 1;
  if(want_channel[0]){
    sendline("JOIN %s", want_channel);
    want_channel[0] = 0;
  }
}

static void
show_numeric(int num, struct ircmsg *m)
{
  char text[IRC_LINEMAX], all[IRC_LINEMAX];
  const char *last = m->nparams > 0 ? m->params[m->nparams - 1] : "";
  clean(text, sizeof(text), last);
  switch(num){
  case 1:
    // the server may have changed our nick: it is the first parameter
    if(m->nparams > 0)
      strlcpy(mynick, m->params[0], sizeof(mynick));
    printf("- %s\n", text);
    break;
  case 2: case 3: case 251: case 255:
    printf("- %s\n", text);
    break;
  case 375: case 372:
    printf("%s\n", text);
    break;
  case 376: case 422:
    if(num == 422)
      printf("- %s\n", text);
    if(!registered)
      registered_now();
    break;
  case 331:
    printf("* no topic is set on %s\n", m->nparams > 1 ? m->params[1] : "?");
    break;
  case 332:
    printf("* topic of %s: %s\n", m->nparams > 1 ? m->params[1] : "?", text);
    break;
  case 353:
    printf("* names on %s: %s\n", m->nparams > 2 ? m->params[2] : "?", text);
    break;
  case 322:
    printf("* %s (%s): %s\n", m->nparams > 1 ? m->params[1] : "?",
           m->nparams > 2 ? m->params[2] : "?", text);
    break;
  case 352:
    // "#chan user host server nick H@ :0 real": G is away, * an operator
    if(m->nparams > 6){
      const char *flags = m->params[6];
      const char *status = strchr(flags, '@') ? "@" : strchr(flags, '+') ? "+" : "";
      printf("* %s%s (%s@%s) on %s%s%s\n", status, m->params[5], m->params[2], m->params[3],
             m->params[1], flags[0] == 'G' ? ", away" : "", strchr(flags, '*') ? ", IRC operator" : "");
    }
    break;
  case 301:
    printf("* %s is away: %s\n", m->nparams > 1 ? m->params[1] : "?", text);
    break;
  case 305:
    printf("* you are no longer marked as away\n");
    break;
  case 306:
    printf("* you are marked as away\n");
    break;
  case 313:
    printf("* %s is an IRC operator\n", m->nparams > 1 ? m->params[1] : "?");
    break;
  case 324:
    rest(m, 2, all, sizeof(all));
    printf("* modes of %s: %s\n", m->nparams > 1 ? m->params[1] : "?", all);
    break;
  case 341:
    printf("* invited %s to %s\n", m->nparams > 1 ? m->params[1] : "?",
           m->nparams > 2 ? m->params[2] : "?");
    break;
  case 367:
    printf("* ban on %s: %s\n", m->nparams > 1 ? m->params[1] : "?",
           m->nparams > 2 ? m->params[2] : "?");
    break;
  case 381:
    printf("* you are now an IRC operator\n");
    break;
  case 311:
    if(m->nparams > 3)
      printf("* %s is %s@%s (%s)\n", m->params[1], m->params[2], m->params[3], text);
    break;
  case 319:
    printf("* %s is on %s\n", m->nparams > 1 ? m->params[1] : "?", text);
    break;
  case 4: case 5: case 333: case 366: case 315: case 318: case 321: case 323:
  case 312: case 329: case 368: case 221: case 317: case 369: case 349: case 347:
    break;      // bookkeeping replies with nothing to tell a person
  case 432: case 433:
    if(!registered){
      // pick another nick, as every client does, a few times
      if(num == 433 && nick_tries++ < 3 && strlen(mynick) + 1 < NICKLEN_CLIENT){
        printf("! nick %s is taken, trying %s_\n", mynick, mynick);
        strcat(mynick, "_");
        sendline("NICK %s", mynick);
      } else {
        printf("! nick %s: %s\n", mynick, text);
        sendline("QUIT");
        quitting = 1;
      }
      break;
    }
    // fall through
  default:
    if(num >= 400 && num < 600){
      // "! #chan: No such channel" - the subject, then the explanation
      if(m->nparams > 2)
        printf("! %s: %s\n", m->params[1], text);
      else
        printf("! %s\n", text);
    } else {
      rest(m, 1, all, sizeof(all));
      clean(text, sizeof(text), all);
      printf("- %s\n", text);
    }
  }
}

// One line from the server.
static void
handle(char *line)
{
  struct ircmsg m;
  char from[NAMELEN], text[IRC_LINEMAX];
  if(irc_parse(line, &m) < 0)
    return;
  irc_prefix_nick(m.prefix, from, sizeof(from));
  int me = irc_casecmp(from, mynick) == 0;
  const char *p0 = m.nparams > 0 ? m.params[0] : "";
  const char *p1 = m.nparams > 1 ? m.params[1] : "";

  if(isdigit((unsigned char)m.cmd[0]) && strlen(m.cmd) == 3){
    show_numeric(atoi(m.cmd), &m);
  } else if(strcmp(m.cmd, "PING") == 0){
    sendline("PONG :%s", p0);
  } else if(strcmp(m.cmd, "PRIVMSG") == 0 && m.nparams >= 2){
    show_message(from, &m, 0);
  } else if(strcmp(m.cmd, "NOTICE") == 0 && m.nparams >= 2){
    show_message(from[0] ? from : "server", &m, 1);
  } else if(strcmp(m.cmd, "JOIN") == 0){
    if(me)
      add_joined(p0);
    printf("* %s joined %s\n", from, p0);
  } else if(strcmp(m.cmd, "PART") == 0){
    if(me)
      drop_joined(p0);
    clean(text, sizeof(text), p1);
    printf("* %s left %s%s%s%s\n", from, p0, text[0] ? " (" : "", text, text[0] ? ")" : "");
  } else if(strcmp(m.cmd, "KICK") == 0){
    if(m.nparams > 1 && irc_casecmp(p1, mynick) == 0)
      drop_joined(p0);
    clean(text, sizeof(text), m.nparams > 2 ? m.params[2] : "");
    if(m.nparams > 1 && irc_casecmp(p1, mynick) == 0)
      printf("* you were kicked from %s by %s (%s)\n", p0, from, text);
    else
      printf("* %s was kicked from %s by %s (%s)\n", p1, p0, from, text);
  } else if(strcmp(m.cmd, "INVITE") == 0){
    printf("* %s invites you to %s (/join %s)\n", from, p1, p1);
  } else if(strcmp(m.cmd, "KILL") == 0){
    clean(text, sizeof(text), p1);
    printf("! killed by %s: %s\n", from, text);
  } else if(strcmp(m.cmd, "WALLOPS") == 0){
    clean(text, sizeof(text), p0);
    printf("!%s! %s\n", from, text);
  } else if(strcmp(m.cmd, "QUIT") == 0){
    clean(text, sizeof(text), p0);
    printf("* %s quit%s%s%s\n", from, text[0] ? " (" : "", text, text[0] ? ")" : "");
  } else if(strcmp(m.cmd, "NICK") == 0){
    if(me)
      strlcpy(mynick, p0, sizeof(mynick));
    printf("* %s is now known as %s\n", from, p0);
  } else if(strcmp(m.cmd, "TOPIC") == 0){
    clean(text, sizeof(text), p1);
    printf("* %s set the topic of %s to: %s\n", from, p0, text);
  } else if(strcmp(m.cmd, "MODE") == 0){
    char all[IRC_LINEMAX];
    rest(&m, 1, all, sizeof(all));
    printf("* %s sets mode %s on %s\n", from, all, p0);
  } else if(strcmp(m.cmd, "ERROR") == 0){
    clean(text, sizeof(text), p0);
    printf("! ERROR: %s\n", text);
  } else if(strcmp(m.cmd, "CAP") == 0 || strcmp(m.cmd, "PONG") == 0){
    // nothing to show
  } else {
    char all[IRC_LINEMAX];
    rest(&m, 0, all, sizeof(all));
    clean(text, sizeof(text), all);
    printf("- %s %s\n", m.cmd, text);
  }
}

// ---------------------------------------------------------------- commands

static void
help(void)
{
  printf("commands: /join #chan [key]   /part [#chan] [why]   /msg NICK|#chan TEXT\n"
         "          /me ACTION    /nick NEW   /names [#chan]   /topic [TEXT]\n"
         "          /list   /who [#chan|mask]   /whois NICK   /away [TEXT]\n"
         "          /kick NICK [why]   /invite NICK [#chan]   /op /deop /voice /devoice NICK\n"
         "          /mode [#chan|NICK] MODES [ARGS]   /oper NAME PASSWORD\n"
         "          /quote RAW LINE   /quit [why]\n"
         "other lines go to the current channel (%s); //text sends /text\n",
         current[0] ? current : "none yet");
}

// The first word of *p (cut off in place); *p moves past it and its spaces.
static char *
word(char **p)
{
  char *s = *p;
  while(*s == ' ')
    s++;
  char *w = s;
  while(*s && *s != ' ')
    s++;
  if(*s)
    *s++ = 0;
  while(*s == ' ')
    s++;
  *p = s;
  return w;
}

static int
need_channel(void)
{
  if(current[0])
    return 1;
  printf("! not on a channel: /join #name first\n");
  return 0;
}

// One line the user typed (without its newline).
static void
typed(char *line)
{
  if(line[0] == 0)
    return;
  if(line[0] != '/' || line[1] == '/'){
    if(line[0] == '/')
      line++;
    if(need_channel())
      sendline("PRIVMSG %s :%s", current, line);
    return;
  }
  char *p = line + 1;
  char *cmd = word(&p);
  if(strcmp(cmd, "join") == 0 || strcmp(cmd, "j") == 0){
    char *chan = word(&p);
    char *key = word(&p);
    if(chan[0] == 0)
      printf("! usage: /join #channel [key]\n");
    else if(!registered)
      strlcpy(want_channel, chan, sizeof(want_channel));
    else if(key[0])
      sendline("JOIN %s %s", chan, key);
    else
      sendline("JOIN %s", chan);
  } else if(strcmp(cmd, "part") == 0 || strcmp(cmd, "leave") == 0){
    char *chan = is_channel(p) ? word(&p) : current;
    if(chan[0] == 0)
      printf("! not on a channel\n");
    else
      sendline("PART %s :%s", chan, p[0] ? p : "leaving");
  } else if(strcmp(cmd, "msg") == 0 || strcmp(cmd, "query") == 0){
    char *to = word(&p);
    if(to[0] == 0 || p[0] == 0)
      printf("! usage: /msg NICK|#chan TEXT\n");
    else
      sendline("PRIVMSG %s :%s", to, p);
  } else if(strcmp(cmd, "me") == 0){
    if(need_channel())
      sendline("PRIVMSG %s :\001ACTION %s\001", current, p);
  } else if(strcmp(cmd, "nick") == 0){
    char *nick = word(&p);
    if(nick[0] == 0)
      printf("! usage: /nick NEWNICK\n");
    else
      sendline("NICK %s", nick);
  } else if(strcmp(cmd, "names") == 0){
    char *chan = word(&p);
    sendline("NAMES %s", chan[0] ? chan : current);
  } else if(strcmp(cmd, "topic") == 0){
    if(!need_channel())
      return;
    if(p[0])
      sendline("TOPIC %s :%s", current, p);
    else
      sendline("TOPIC %s", current);
  } else if(strcmp(cmd, "list") == 0){
    sendline("LIST");
  } else if(strcmp(cmd, "who") == 0){
    char *chan = word(&p);
    sendline("WHO %s", chan[0] ? chan : current);
  } else if(strcmp(cmd, "whois") == 0){
    sendline("WHOIS %s", word(&p));
  } else if(strcmp(cmd, "away") == 0){
    if(p[0])
      sendline("AWAY :%s", p);
    else
      sendline("AWAY");
  } else if(strcmp(cmd, "kick") == 0){
    char *nick = word(&p);
    if(nick[0] == 0)
      printf("! usage: /kick NICK [why]\n");
    else if(need_channel())
      sendline("KICK %s %s :%s", current, nick, p[0] ? p : mynick);
  } else if(strcmp(cmd, "invite") == 0){
    char *nick = word(&p);
    char *chan = word(&p);
    if(nick[0] == 0)
      printf("! usage: /invite NICK [#chan]\n");
    else if(chan[0])
      sendline("INVITE %s %s", nick, chan);
    else if(need_channel())
      sendline("INVITE %s %s", nick, current);
  } else if(strcmp(cmd, "op") == 0 || strcmp(cmd, "deop") == 0 ||
            strcmp(cmd, "voice") == 0 || strcmp(cmd, "devoice") == 0){
    char *nick = word(&p);
    int take = cmd[0] == 'd';
    char mode = cmd[take ? 2 : 0] == 'o' ? 'o' : 'v';
    if(nick[0] == 0)
      printf("! usage: /%s NICK\n", cmd);
    else if(need_channel())
      sendline("MODE %s %c%c %s", current, take ? '-' : '+', mode, nick);
  } else if(strcmp(cmd, "mode") == 0){
    // /mode +nt, /mode #chan +k key, /mode mynick +i; alone: the channel's modes
    if(p[0] == '#' || (p[0] && p[0] != '+' && p[0] != '-'))
      sendline("MODE %s", p);
    else if(need_channel())
      sendline(p[0] ? "MODE %s %s" : "MODE %s%s", current, p);
  } else if(strcmp(cmd, "oper") == 0){
    char *name = word(&p);
    if(name[0] == 0 || p[0] == 0)
      printf("! usage: /oper NAME PASSWORD\n");
    else
      sendline("OPER %s %s", name, p);
  } else if(strcmp(cmd, "quote") == 0 || strcmp(cmd, "raw") == 0){
    sendline("%s", p);
  } else if(strcmp(cmd, "quit") == 0 || strcmp(cmd, "exit") == 0){
    sendline("QUIT :%s", p[0] ? p : "leaving");
    quitting = 1;
  } else if(strcmp(cmd, "help") == 0){
    help();
  } else {
    printf("! unknown command /%s (try /help)\n", cmd);
  }
}

// ---------------------------------------------------------------- main

// "HOST", "HOST!PORT" or a full "tcp!HOST!PORT" -> "tcp!HOST!PORT".
static int
make_addr(const char *arg, char *out, int max)
{
  if(strncmp(arg, "tcp!", 4) == 0)
    arg += 4;
  const char *bang = strchr(arg, '!');
  int n;
  if(bang){
    for(const char *p = bang + 1; *p; p++)
      if(!isdigit((unsigned char)*p))
        return -EINVAL;
    n = snprintf(out, max, "tcp!%s", arg);
  } else {
    n = snprintf(out, max, "tcp!%s!6667", arg);
  }
  return n < max && arg[0] != '!' ? 0 : -EINVAL;
}

int
main(int argc, char *argv[])
{
  char addr[96];
  if(argc < 3 || argc > 4 || make_addr(argv[1], addr, sizeof(addr)) < 0){
    fprintf(2, "usage: chat HOST[!PORT] NICK [#channel]\n");
    return 2;
  }
  if(!irc_valid_nick(argv[2], NICKLEN_CLIENT)){
    fprintf(2, "chat: %s is not a valid nickname\n", argv[2]);
    return 2;
  }
  strlcpy(mynick, argv[2], sizeof(mynick));
  if(argc == 4){
    // the shell takes an unquoted #word for a comment, so the '#' may be left out
    snprintf(want_channel, sizeof(want_channel), "%s%s", is_channel(argv[3]) ? "" : "#", argv[3]);
    if(!irc_valid_channel(want_channel, NAMELEN - 1)){
      fprintf(2, "chat: %s is not a channel name\n", argv[3]);
      return 2;
    }
  }

  conn = dial(addr);
  if(conn < 0){
    fprintf(2, "chat: cannot reach %s: %s\n", addr, strerror(conn));
    return 1;
  }
  printf("* connected to %s; /help for commands\n", addr);
  sendline("NICK %s", mynick);
  sendline("USER %s 0 * :xv6 chat", mynick);

  static struct irc_lines net, kbd;
  irc_lines_init(&net);
  irc_lines_init(&kbd);
  char line[IRC_LINEMAX];
  int kbd_open = 1;
  long quit_deadline = 0;
  for(;;){
    struct pollfd fds[2] = {
      { conn, POLLIN, 0 },
      { kbd_open ? 0 : -1, POLLIN, 0 },
    };
    if(quitting && quit_deadline == 0)
      quit_deadline = uptime() + 5000;
    int r = poll(fds, kbd_open && !quitting ? 2 : 1, quitting ? 500 : -1);
    if(r < 0 && r != -EINTR){
      eprint("chat", "poll", r);
      return 1;
    }
    if(quitting && uptime() >= quit_deadline){
      printf("* closing (the server did not)\n");
      return 0;
    }
    if(fds[0].revents & (POLLIN | POLLHUP | POLLERR)){
      int room;
      char *dst = irc_lines_space(&net, &room);
      int n = read(conn, dst, room);
      if(n <= 0){
        printf("* connection closed%s\n", n < 0 ? " (error)" : "");
        return quitting ? 0 : 1;
      }
      irc_lines_added(&net, n);
      int k;
      while((k = irc_lines_take(&net, line)) != IRC_NOLINE)
        if(k >= 0)
          handle(line);
    }
    if(kbd_open && !quitting && (fds[1].revents & (POLLIN | POLLHUP))){
      int room;
      char *dst = irc_lines_space(&kbd, &room);
      int n = read(0, dst, room);
      if(n <= 0){
        // end of input (^D or the end of a file): leave politely
        kbd_open = 0;
        sendline("QUIT :leaving");
        quitting = 1;
        continue;
      }
      irc_lines_added(&kbd, n);
      int k;
      while(!quitting && (k = irc_lines_take(&kbd, line)) != IRC_NOLINE){
        if(k == IRC_TOOLONG)
          printf("! line too long, not sent\n");
        else
          typed(line);
      }
    }
  }
}
