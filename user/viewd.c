// viewd: answers the host's live view (scripts/view.py) over /dev/vcons,
// the virtio console that is a channel of its own, apart from the network
// it shows (kernel/virtio_cons.c).
//
//   viewd            /etc/rc starts it; without /dev/vcons it exits quietly
//
// Why a daemon, and not the kernel answering by itself: the listing is
// built by kernel/streams for a reader in process context, and a program
// that reads /dev/streams like `streams` does shows exactly what the text
// listing says, nothing more; the driver stays a plain byte pipe.
//
// The host sends one request per line, "SEQ WHAT [ARG]":
//   SEQ streams      the text of /dev/streams
//   SEQ tap N        the records waiting in /dev/tap/N, as a pcap file
//                    (read without waiting: the header alone when none)
//   SEQ tapshow PATH the answer of "tap show" sent to PATH, a file under
//                    /dev (a kept stream, or the multiplexor above a linked
//                    one): which /dev/tap/N the tap pushed there is
// and gets back, for each, "@@view SEQ WHAT LEN\n" and LEN bytes; an
// error is WHAT "err" with the message as its bytes. SEQ is the host's
// (a number): after a reconnection the host skips answers until its own.
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"

#define ANSWERMAX (256 * 1024)

static const char *prog = "viewd";
static int vfd;
static char *answer;

static void
reply(const char *seq, const char *what, const char *data, int len)
{
  char head[96];
  int n = snprintf(head, sizeof(head), "@@view %s %s %d\n", seq, what, len);
  if(writeall(vfd, head, n) < 0 || (len > 0 && writeall(vfd, data, len) < 0))
    die(prog, "/dev/vcons", -EIO);
}

static void
reply_err(const char *seq, const char *what, int err)
{
  char msg[128];
  int n = snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));
  reply(seq, "err", msg, n);
}

// Read a whole file (or what fits) into answer; bytes or -errno.
static int
slurp(const char *path, int nonblock)
{
  int fd = open(path, O_RDONLY | (nonblock ? O_NONBLOCK : 0));
  if(fd < 0)
    return fd;
  int len = 0, n = 0;
  while(len < ANSWERMAX && (n = read(fd, answer + len, ANSWERMAX - len)) > 0)
    len += n;
  close(fd);
  if(n < 0 && n != -EAGAIN && len == 0)
    return n;
  return len;
}

static void
tapshow(const char *seq, const char *path)
{
  if(strncmp(path, "/dev/", 5) != 0 || strstr(path, "..")){
    reply_err(seq, path, -EINVAL);
    return;
  }
  int fd = open(path, O_RDWR);
  if(fd < 0){
    reply_err(seq, path, fd);
    return;
  }
  strcpy(answer, "tap show");
  struct strioctl sc = { NET_CTL, 0, strlen(answer), answer };
  int r = ioctl(fd, I_STR, (long)&sc);
  close(fd);
  if(r < 0)
    reply_err(seq, "tap show", r);
  else
    reply(seq, "tapshow", answer, sc.ic_len > 0 ? sc.ic_len : 0);
}

static void
serve(char *line)
{
  char *argv[4];
  int argc = 0;
  for(char *p = line; *p && argc < 4; ){
    while(*p == ' ')
      p++;
    if(*p == 0)
      break;
    argv[argc++] = p;
    while(*p && *p != ' ')
      p++;
    if(*p)
      *p++ = 0;
  }
  if(argc < 2)
    return;              // not a request (noise after a reconnection)
  const char *seq = argv[0];
  if(strcmp(argv[1], "streams") == 0 && argc == 2){
    int n = slurp("/dev/streams", 0);
    if(n < 0)
      reply_err(seq, "/dev/streams", n);
    else
      reply(seq, "streams", answer, n);
  } else if(strcmp(argv[1], "tap") == 0 && argc == 3 && isdigit(argv[2][0])){
    char path[32];
    snprintf(path, sizeof(path), "/dev/tap/%d", atoi(argv[2]));
    int n = slurp(path, 1);
    if(n < 0)
      reply_err(seq, path, n);
    else
      reply(seq, "tap", answer, n);
  } else if(strcmp(argv[1], "tapshow") == 0 && argc == 3){
    tapshow(seq, argv[2]);
  } else {
    reply_err(seq, argv[1], -EINVAL);
  }
}

int
main(int argc, char *argv[])
{
  vfd = open("/dev/vcons", O_RDWR);
  if(vfd == -ENOENT || vfd == -ENXIO || vfd == -ENODEV)
    return 0;            // no channel to the host: nothing to do
  if(vfd < 0)
    die(prog, "/dev/vcons", vfd);
  answer = malloc(ANSWERMAX);
  if(answer == 0)
    die(prog, "malloc", -ENOMEM);
  printf("viewd: answering the host's view on /dev/vcons\n");
  // Opened in the foreground (so the boot's resource counts include it),
  // served by a child reparented to init.
  int pid = fork();
  if(pid < 0)
    die(prog, "fork", pid);
  if(pid > 0)
    return 0;
  char line[128];
  int len = 0;
  for(;;){
    char c;
    int n = read(vfd, &c, 1);
    if(n < 0)
      die(prog, "read /dev/vcons", n);
    if(n == 0)
      continue;
    if(c == '\n'){
      line[len] = 0;
      serve(line);
      len = 0;
    } else if(len < (int)sizeof(line) - 1){
      line[len++] = c;
    } else {
      len = 0;           // an overlong line is noise: drop it
    }
  }
}
