// chatd.h: what the parts of chatd, the xv6Chat IRC server, share: the
// client, channel and member records, the settings, and each part's
// entry points. The server is one process above /dev/tcp (see
// docs/chat.md):
//
//   main.c    options, /etc/chatd.conf, the listening stream (main_)
//   loop.c    the poll loop: accept, read, dispatch, write, timers (loop_)
//   conn.c    connections, send queues, leaving (conn_)
//   mem.c     counted allocation (mem_)
//   reply.c   formatting replies and numerics (reply_)
//   cmd.c     the command table and dispatch (cmd_)
//   reg.c     registration: PASS NICK USER CAP, welcome, 005 (reg_)
//   chan.c    channels: JOIN PART TOPIC NAMES LIST KICK INVITE (chan_)
//   mode.c    channel and user modes, masks (mode_)
//   msg.c     PRIVMSG NOTICE AWAY (msg_)
//   query.c   WHO WHOIS WHOWAS LUSERS VERSION TIME ADMIN INFO ... (query_)
//   oper.c    OPER KILL WALLOPS (oper_)
//   conf.c    the configuration file (conf_)
//
// Only this header and irc.h are included by the host unit tests
// (tests/host/test_irc.c), which link every part but main.c against a
// simulated network; so nothing here may need the rest of user.h.
#ifndef CHATD_H
#define CHATD_H

#include "types.h"
#include "poll.h"
#include "irc.h"

#define CHATD_VERSION "xv6chat-2.0"
#define NICKLEN      16
#define USERLEN      10
#define REALLEN      64
#define HOSTLEN      40
#define CHANLEN      50       // with the '#'
#define TOPICLEN     300
#define KICKLEN      160
#define AWAYLEN      160
#define KEYLEN       23
#define MASKLEN      (NICKLEN + USERLEN + HOSTLEN + 4)
#define MAXCHANS     20       // channels per client
#define MAXTARGETS   4        // PRIVMSG a,b,c,d
#define MAXMODES     4        // mode changes with a parameter per MODE
#define MAXLIST      40       // entries of each of a channel's +b +e +I lists
#define MAXINVITES   16       // pending invitations per channel
#define WHOWASLEN    32       // nicks remembered for WHOWAS
#define CHUNK        4096     // output queue block
#define STALL_MS     8000     // a backlogged queue may go this long undrained
#define DRAIN_MS     500      // window in which a backlogged queue must drain...
#define DRAIN_MIN    2048     // ... at least this many bytes to hold input back
#define CLOSE_MS     3000     // time to flush the final ERROR before closing
#define MAXSLOTS     256
#define MAXOPERS     8

// ---------------------------------------------------------------- settings

struct oper_entry {
  char name[NICKLEN + 1];
  char pass[64];
};

// Set by main.c from options and /etc/chatd.conf; the tests set them
// directly. Read-only while serving.
struct chatd_conf {
  const char *servername;
  const char *password;     // PASS needed to register, or 0
  const char *motdfile;     // MOTD text file, or 0 for the built-in one
  int  port;
  int  maxclients;
  int  sendq;               // bytes a client's output queue may hold
  long ping_ms;             // idle time before PING; as long again to answer
  int  peraddr;             // connections from one address
  int  unregperaddr;        // of which not yet registered
  int  verbose;
  char admin[3][80];        // ADMIN: location, location 2, e-mail
  struct oper_entry opers[MAXOPERS];
  int  nopers;
};
extern struct chatd_conf conf;

// ---------------------------------------------------------------- records

struct chunk {
  struct chunk *next;
  int head, tail;          // data[head..tail) waits to be written
  char data[CHUNK];
};

// registration progress
#define R_NICK  1
#define R_USER  2
#define R_CAP   4          // CAP negotiation open: wait for CAP END
#define R_DONE  8          // registered

// user modes
#define U_INVISIBLE 1      // +i
#define U_OPER      2      // +o
#define U_WALLOPS   4      // +w

struct channel;

struct client {
  int fd;
  int slot;
  int reg;                 // R_* bits
  int pass_ok;
  int umodes;              // U_* bits
  char nick[NICKLEN + 1];
  char user[USERLEN + 2];  // '~' + name
  char real[REALLEN + 1];
  char host[HOSTLEN];
  char away[AWAYLEN + 1];  // away message, or "" when here
  struct irc_lines in;
  int eof;                 // the peer closed its side
  long lastin;             // ms: last line received
  long lastmsg;            // ms: last PRIVMSG/NOTICE sent (WHOIS idle)
  long pinged;             // ms: our PING is unanswered since then, or 0
  long connected;
  // output queue
  struct chunk *qhead, *qtail;
  int qbytes;
  int holding;             // counted in conn_nholding: input waits for us
  int draining;            // drained DRAIN_MIN in the last DRAIN_MS window
  long winstart;           // ms: start of the drain window
  int winbytes;            // bytes written in it
  long backlogged;         // ms: since when over the high-water mark, or 0
  // leaving
  int closing;             // no more input; flush, then close
  int broken;              // the connection failed: close without flushing
  int parted;              // already removed from its channels
  long closeat;
  char reason[128];
  // channels
  struct channel *chans[MAXCHANS];
  int nchans;
  unsigned stamp;          // de-duplicates fan-out to shared channels
};

// member flags
#define M_OP    1
#define M_VOICE 2

struct member {
  struct client *c;
  int flags;               // M_*
};

// channel modes without a parameter
#define C_TOPIC     1      // +t  topic by operators only
#define C_NOEXT     2      // +n  no messages from outside
#define C_MODERATED 4      // +m  only +v and +o speak
#define C_INVITE    8      // +i  invitation needed
#define C_SECRET    16     // +s  hidden from outsiders
#define C_PRIVATE   32     // +p  hidden from outsiders, shown as private

struct mask {
  struct mask *next;
  char mask[MASKLEN + 1];
  char by[NICKLEN + 1];
  long at;
};

// the three lists, indexed by L_*
#define L_BAN    0         // +b
#define L_EXCEPT 1         // +e
#define L_INVEX  2         // +I
#define NLISTS   3

struct channel {
  struct channel *next;
  char name[CHANLEN + 1];
  char topic[TOPICLEN + 1];
  char topicby[NICKLEN + 1];
  long topicat;
  long created;
  int modes;               // C_* bits
  char key[KEYLEN + 1];    // +k, or ""
  int limit;               // +l, or 0
  struct mask *lists[NLISTS];
  int nlist[NLISTS];
  char invited[MAXINVITES][NICKLEN + 1];   // INVITEd nicks not yet joined
  int ninvited;
  struct member *m;
  int n, cap;
};

// ---------------------------------------------------------------- state (conn.c, chan.c)

extern struct client *clients[MAXSLOTS];
extern int nclients, nregistered, maxregistered;
extern struct channel *channels;
extern int nchannels;
extern long now;              // ms since boot, refreshed each round
extern long lines_in, lines_out, kills;
extern long live_bytes, live_objects;
extern int conn_nholding;     // clients whose backlog holds input back
extern int lfd;               // the listening stream

// ---------------------------------------------------------------- mem.c
void *mem_alloc(uint64 n);
void  mem_free(void *p);

// ---------------------------------------------------------------- conn.c
int   conn_throttled(void);
int   conn_qput(struct client *c, const char *s, int n, int force);
void  conn_qflush(struct client *c);
void  conn_qdrop(struct client *c);
void  conn_account(struct client *c);
void  conn_new(int fd);
void  conn_kill(struct client *c, const char *why);
void  conn_reap(void);
void  conn_free(struct client *c);
struct client *conn_by_nick(const char *nick);
int   conn_shares_channel(struct client *a, struct client *b);

// ---------------------------------------------------------------- loop.c
void  loop_round(int timeout_ms);

// ---------------------------------------------------------------- reply.c
extern char reply_buf[IRC_LINEMAX + 1];
void  reply_line(struct client *c, const char *fmt, ...) __attribute__((format(__printf__, 2, 3)));
void  reply_num(struct client *c, int num, const char *fmt, ...) __attribute__((format(__printf__, 3, 4)));
const char *reply_nick(struct client *c);
const char *reply_who(struct client *c);
const char *reply_clip(const char *s);
long  reply_secs(long ms);

// ---------------------------------------------------------------- cmd.c
void  cmd_line(struct client *c, char *line);
void  cmd_each(struct client *c, char *list, void (*fn)(struct client *, char *, void *), void *arg);

// ---------------------------------------------------------------- reg.c
void  reg_pass(struct client *c, struct ircmsg *m);
void  reg_nick(struct client *c, struct ircmsg *m);
void  reg_user(struct client *c, struct ircmsg *m);
void  reg_cap(struct client *c, struct ircmsg *m);
void  reg_ping(struct client *c, struct ircmsg *m);
void  reg_pong(struct client *c, struct ircmsg *m);
void  reg_quit(struct client *c, struct ircmsg *m);
void  reg_isupport(struct client *c);

// ---------------------------------------------------------------- chan.c
struct channel *chan_find(const char *name);
struct member *chan_member(struct channel *ch, struct client *c);
void  chan_send(struct channel *ch, struct client *skip, const char *line, int n);
void  chan_peers_send(struct client *c, int self, const char *line, int n);
void  chan_remove(struct channel *ch, struct client *c);
int   chan_visible(struct channel *ch, struct client *c);
const char *chan_prefix(struct member *m);
void  chan_join(struct client *c, struct ircmsg *m);
void  chan_part(struct client *c, struct ircmsg *m);
void  chan_topic(struct client *c, struct ircmsg *m);
void  chan_names(struct client *c, struct ircmsg *m);
void  chan_list(struct client *c, struct ircmsg *m);
void  chan_kick(struct client *c, struct ircmsg *m);
void  chan_invite(struct client *c, struct ircmsg *m);

// ---------------------------------------------------------------- mode.c
void  mode_cmd(struct client *c, struct ircmsg *m);
int   mode_listed(struct channel *ch, int list, struct client *c);
int   mode_banned(struct channel *ch, struct client *c);
void  mode_umode_string(struct client *c, char *out, int max);
void  mode_free_lists(struct channel *ch);

// ---------------------------------------------------------------- msg.c
void  msg_privmsg(struct client *c, struct ircmsg *m);
void  msg_notice(struct client *c, struct ircmsg *m);
void  msg_away(struct client *c, struct ircmsg *m);

// ---------------------------------------------------------------- query.c
void  query_who(struct client *c, struct ircmsg *m);
void  query_whois(struct client *c, struct ircmsg *m);
void  query_whowas(struct client *c, struct ircmsg *m);
void  query_whowas_add(struct client *c);
void  query_lusers(struct client *c, struct ircmsg *m);
void  query_send_lusers(struct client *c);
void  query_userhost(struct client *c, struct ircmsg *m);
void  query_ison(struct client *c, struct ircmsg *m);
void  query_version(struct client *c, struct ircmsg *m);
void  query_time(struct client *c, struct ircmsg *m);
void  query_admin(struct client *c, struct ircmsg *m);
void  query_info(struct client *c, struct ircmsg *m);
void  query_motd(struct client *c, struct ircmsg *m);
void  query_send_motd(struct client *c);
void  query_stats(struct client *c, struct ircmsg *m);

// ---------------------------------------------------------------- oper.c
void  oper_oper(struct client *c, struct ircmsg *m);
void  oper_kill(struct client *c, struct ircmsg *m);
void  oper_wallops(struct client *c, struct ircmsg *m);
int   oper_count(void);

// ---------------------------------------------------------------- conf.c
void  conf_defaults(void);
int   conf_parse(char *text, char *err, int errlen);
int   conf_load(const char *path, char *err, int errlen);

#endif
