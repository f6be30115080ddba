// conf.c: chatd's configuration file (/etc/chatd.conf, from configs/):
// one setting per line, '#' starts a comment, parsed once at start.
//
//   servername NAME        port N            maxclients N
//   sendq BYTES (k/m)      pingsecs N        password WORD
//   peraddr N              unregperaddr N    motd PATH
//   admin TEXT             (up to three lines, for ADMIN)
//   oper NAME PASSWORD     (up to MAXOPERS)
//
// Command-line options given to chatd win over the file.
#include "user.h"
#include "chatd.h"

struct chatd_conf conf;

// Storage for the strings the file sets (servername, password, motd).
static char conf_strings[3][64];

void
conf_defaults(void)
{
  memset(&conf, 0, sizeof(conf));
  conf.servername = "chat.xv6";
  conf.port = 6667;
  conf.maxclients = 100;
  conf.sendq = 64 * 1024;
  conf.ping_ms = 120000;
  // behind QEMU's user networking every host client is 10.0.2.2: the
  // per-address limits must let a test's 64 clients in
  conf.peraddr = 128;
  conf.unregperaddr = 128;
  strlcpy(conf.admin[0], "xv6Chat server on xv6-streams", sizeof(conf.admin[0]));
  strlcpy(conf.admin[1], "Runs in a QEMU guest", sizeof(conf.admin[1]));
  strlcpy(conf.admin[2], "root@localhost", sizeof(conf.admin[2]));
}

// A whole-number setting in [lo, hi], or -1.
static long
conf_number(const char *s, long lo, long hi)
{
  long v;
  if(parsesize(s, &v) < 0 || v < lo || v > hi)
    return -1;
  return v;
}

// Parses the text of a configuration file (changed in place). Returns 0,
// or -EINVAL with "line N: what" in err.
int
conf_parse(char *text, char *err, int errlen)
{
  int lineno = 0, nadmin = 0;
  char *p = text;
  while(*p){
    char *line = p;
    char *e = strchr(p, '\n');
    if(e){
      *e = 0;
      p = e + 1;
    } else {
      p += strlen(p);
    }
    lineno++;
    char *hash = strchr(line, '#');
    if(hash)
      *hash = 0;
    // split into at most three words; the third takes the rest (admin)
    char *w[3] = { 0, 0, 0 };
    int nw = 0;
    char *q = line;
    while(*q && nw < 3){
      while(*q == ' ' || *q == '\t' || *q == '\r')
        q++;
      if(*q == 0)
        break;
      w[nw++] = q;
      if(nw == 2 && strcmp(w[0], "admin") == 0)
        break;
      while(*q && *q != ' ' && *q != '\t' && *q != '\r')
        q++;
      if(*q)
        *q++ = 0;
    }
    if(nw == 0)
      continue;
    const char *k = w[0];
    long v = 0;
    const char *bad = 0;
    if(strcmp(k, "admin") == 0){
      if(nw < 2 || nadmin >= 3)
        bad = "admin takes text, at most three lines";
      else {
        char *t = w[1];
        int n = strlen(t);
        while(n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\r' || t[n - 1] == '\t'))
          t[--n] = 0;
        strlcpy(conf.admin[nadmin++], t, sizeof(conf.admin[0]));
      }
    } else if(nw == 3 && strcmp(k, "oper") == 0){
      if(conf.nopers >= MAXOPERS)
        bad = "too many oper lines";
      else if(!irc_valid_nick(w[1], NICKLEN) || strlen(w[2]) >= sizeof(conf.opers[0].pass))
        bad = "oper NAME PASSWORD: bad name or password too long";
      else {
        strlcpy(conf.opers[conf.nopers].name, w[1], NICKLEN + 1);
        strlcpy(conf.opers[conf.nopers].pass, w[2], sizeof(conf.opers[0].pass));
        conf.nopers++;
      }
    } else if(nw != 2){
      bad = "expected: SETTING VALUE";
    } else if(strcmp(k, "servername") == 0 || strcmp(k, "password") == 0 ||
              strcmp(k, "motd") == 0){
      int i = k[0] == 's' ? 0 : k[0] == 'p' ? 1 : 2;
      if(strlen(w[1]) >= sizeof(conf_strings[0]))
        bad = "value too long";
      else {
        strlcpy(conf_strings[i], w[1], sizeof(conf_strings[0]));
        if(i == 0)
          conf.servername = conf_strings[0];
        else if(i == 1)
          conf.password = conf_strings[1];
        else
          conf.motdfile = conf_strings[2];
      }
    } else if(strcmp(k, "port") == 0){
      if((v = conf_number(w[1], 1, 65535)) < 0) bad = "port: 1..65535"; else conf.port = v;
    } else if(strcmp(k, "maxclients") == 0){
      if((v = conf_number(w[1], 1, MAXSLOTS)) < 0) bad = "maxclients: 1..256"; else conf.maxclients = v;
    } else if(strcmp(k, "sendq") == 0){
      if((v = conf_number(w[1], 1024, 16 * 1024 * 1024)) < 0) bad = "sendq: 1k..16m"; else conf.sendq = v;
    } else if(strcmp(k, "pingsecs") == 0){
      if((v = conf_number(w[1], 1, 86400)) < 0) bad = "pingsecs: 1..86400"; else conf.ping_ms = 1000 * v;
    } else if(strcmp(k, "peraddr") == 0){
      if((v = conf_number(w[1], 1, MAXSLOTS)) < 0) bad = "peraddr: 1..256"; else conf.peraddr = v;
    } else if(strcmp(k, "unregperaddr") == 0){
      if((v = conf_number(w[1], 1, MAXSLOTS)) < 0) bad = "unregperaddr: 1..256"; else conf.unregperaddr = v;
    } else {
      bad = "unknown setting";
    }
    if(bad){
      snprintf(err, errlen, "line %d: %s: %s", lineno, k, bad);
      return -EINVAL;
    }
  }
  return 0;
}

// Reads and parses path. A missing file is no error (the defaults
// stand); returns 0, or a negative errno with err filled in.
int
conf_load(const char *path, char *err, int errlen)
{
  static char text[4096];
  int fd = open(path, O_RDONLY);
  if(fd == -ENOENT)
    return 0;
  if(fd < 0){
    snprintf(err, errlen, "%s: %s", path, strerror(fd));
    return fd;
  }
  int n = read(fd, text, sizeof(text) - 1);
  close(fd);
  if(n < 0){
    snprintf(err, errlen, "%s: %s", path, strerror(n));
    return n;
  }
  if(n == sizeof(text) - 1){
    snprintf(err, errlen, "%s: longer than %d bytes", path, (int)sizeof(text) - 2);
    return -EFBIG;
  }
  text[n] = 0;
  char why[96];
  int r = conf_parse(text, why, sizeof(why));
  if(r < 0)
    snprintf(err, errlen, "%s: %s", path, why);
  return r;
}
