// tcpstat: list TCP conversations and connections, netstat style, from
// /dev/tcpstat (written by the tcp driver, modules/tcp/tcp_stat.c).
//
//   tcpstat        one line per conversation (and per connection lwIP
//                  still runs for nobody, e.g. in TIME_WAIT): number,
//                  state, local and remote address, bytes waiting to be
//                  sent and to be read; then a summary
//   tcpstat -t     leave out TIME_WAIT connections
//   tcpstat -s     only the counters (conversations, pcbs, heap, segments)
//
// The driver's listing is "N STATE LOCAL REMOTE SENDQ RECVQ" lines and
// "# ..." counter lines; N is "-" for a connection without conversation.
#include "user.h"

static char text[64 * 1024];

int
main(int argc, char *argv[])
{
  int no_tw = 0, summary = 0, c;
  while((c = getopt(argc, argv, "ts")) != -1){
    switch(c){
    case 't': no_tw = 1; break;
    case 's': summary = 1; break;
    default:
      fprintf(2, "usage: tcpstat [-t] [-s]\n");
      return 2;
    }
  }
  int fd = open("/dev/tcpstat", O_RDONLY);
  if(fd < 0)
    die("tcpstat", "/dev/tcpstat", fd);
  int len = 0, r;
  while(len < (int)sizeof(text) - 1 && (r = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
    len += r;
  close(fd);
  text[len] = 0;

  if(!summary)
    printf("%-5s %-12s %-22s %-22s %7s %7s\n", "Conv", "State", "Local", "Remote",
           "Send-Q", "Recv-Q");
  for(char *line = text; *line; ){
    char *end = strchr(line, '\n');
    if(end)
      *end = 0;
    if(line[0] == '#'){
      if(summary && strncmp(line, "# conv ", 7) != 0)
        printf("%s\n", line + 2);
    } else if(!summary){
      char *f[6];
      int n = 0;
      for(char *p = line; *p && n < 6; ){
        while(*p == ' ')
          p++;
        if(*p == 0)
          break;
        f[n++] = p;
        while(*p && *p != ' ')
          p++;
        if(*p)
          *p++ = 0;
      }
      if(n == 6 && !(no_tw && strcmp(f[1], "TIME_WAIT") == 0))
        printf("%-5s %-12s %-22s %-22s %7s %7s\n", f[0], f[1], f[2], f[3], f[4], f[5]);
    }
    if(!end)
      break;
    line = end + 1;
  }
  return 0;
}
