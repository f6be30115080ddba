// chatd: the xv6Chat server, a small IRC server (RFC 1459/2812, see
// docs/chat.md) that ordinary IRC programs can talk to.
//
//   chatd [-f CONF] [-p PORT] [-P PASSWORD] [-n SERVERNAME] [-m MOTDFILE]
//         [-c MAXCLIENTS] [-q SENDQ] [-t PINGSECS] [-v] [-B]
//
// Settings come from CONF (default /etc/chatd.conf, from configs/; a
// missing file leaves the defaults), then from the options. -B is for
// /etc/rc: start only if the kernel command line (QEMU's -append) says
// chat=on or chat=PORT, and then in the background.
//
// One process serves every connection: a single poll(2) loop (loop.c)
// over the listening TCP stream and all clients, with non-blocking
// writes, so no client can make the server wait.
#include "user.h"
#include "chatd.h"

static void
main_usage(void)
{
  fprintf(2, "usage: chatd [-f CONF] [-p PORT] [-P PASSWORD] [-n SERVERNAME] [-m MOTDFILE]\n"
             "             [-c MAXCLIENTS] [-q SENDQ] [-t PINGSECS] [-v] [-B]\n");
  exit(2);
}

// For -B: the port named by chat=on|PORT on the kernel command line, or
// 0 when the server is not wanted on this machine.
static int
main_boot_port(void)
{
  char args[256];
  int fd = open("/dev/bootargs", O_RDONLY);
  int n = fd >= 0 ? read(fd, args, sizeof(args) - 1) : 0;
  if(fd >= 0)
    close(fd);
  args[n > 0 ? n : 0] = 0;
  for(char *p = args; *p; ){
    while(*p == ' ' || *p == '\n')
      p++;
    char *w = p;
    while(*p && *p != ' ' && *p != '\n')
      p++;
    if(p - w > 5 && strncmp(w, "chat=", 5) == 0){
      char v[16];
      int k = p - w - 5 < 15 ? p - w - 5 : 15;
      memmove(v, w + 5, k);
      v[k] = 0;
      if(strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
        return conf.port;
      return atoi(v) > 0 && atoi(v) < 65536 ? atoi(v) : 0;
    }
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int c, boot = 0;
  long v;
  const char *conffile = "/etc/chatd.conf";
  // -f first: the file's settings are the base the other options change
  for(int i = 1; i + 1 < argc; i++)
    if(strcmp(argv[i], "-f") == 0)
      conffile = argv[i + 1];
  conf_defaults();
  char err[160];
  if(conf_load(conffile, err, sizeof(err)) < 0){
    fprintf(2, "chatd: %s\n", err);
    exit(1);
  }
  while((c = getopt(argc, argv, "f:p:P:n:m:c:q:t:vB")) != -1){
    switch(c){
    case 'f': break;
    case 'B': boot = 1; break;
    case 'p': conf.port = atoi(optarg); break;
    case 'P': conf.password = optarg; break;
    case 'n': conf.servername = optarg; break;
    case 'm': conf.motdfile = optarg; break;
    case 'c': conf.maxclients = atoi(optarg); break;
    case 'q':
      if(parsesize(optarg, &v) < 0 || v < 1024 || v > 16 * 1024 * 1024)
        main_usage();
      conf.sendq = v;
      break;
    case 't': conf.ping_ms = 1000L * atoi(optarg); break;
    case 'v': conf.verbose = 1; break;
    default: main_usage();
    }
  }
  if(optind != argc || conf.port <= 0 || conf.port > 65535 || conf.maxclients < 1 ||
     conf.ping_ms <= 0 || strchr(conf.servername, ' ') || conf.servername[0] == 0)
    main_usage();
  if(conf.maxclients > MAXSLOTS)
    conf.maxclients = MAXSLOTS;
  if(boot && (conf.port = main_boot_port()) == 0)
    return 0;                 // not wanted on this machine: say nothing
  char addr[32];
  snprintf(addr, sizeof(addr), "tcp!*!%d", conf.port);
  lfd = announce(addr);
  if(lfd < 0)
    die("chatd", addr, lfd);
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  printf("chatd: listening on %s\n", addr);
  if(boot){
    // into the background, after the one line above, so that nothing
    // of ours lands in the middle of the shell's first prompt
    int pid = fork();
    if(pid < 0)
      die("chatd", "fork", pid);
    if(pid > 0)
      return 0;
  }
  for(;;)
    loop_round(1000);
}
