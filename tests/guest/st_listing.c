// st_listing: /dev/streams and /dev/streams.dot read over and over by two
// processes (one per hart on SMP=2) while a hundred streams exist and a
// third process keeps closing, opening and pushing on some of them. Every
// listing read must be whole and well formed (header, stream records in
// increasing id order each followed by its queues, then links), within a
// deadline, and every stream and message is gone at the end. And bounded:
// a listing shows only streams that existed when it began, each once, so
// it never has more stream records than there were streams before the
// churn (a stream is closed before its replacement is opened), nor more
// than twice the bytes of the listing taken then (the replacements carry
// a module each). A listing that went on to the streams opened while it
// was being made would keep finding new ones and grow without bound.
// GUESTTEST-TIMEOUT: 120
#include "st_util.h"

#define NS      100        // streams held open (NOFILE is 128)
#define ROUNDS  25         // listings per reader, text and dot each
#define BUFSZ   (192 * 1024)

// Whole file into buf (NUL-terminated); bytes, or -errno.
static int
slurp(const char *path, char *buf, int max)
{
  int fd = open(path, O_RDONLY);
  if(fd < 0)
    return fd;
  int n = 0, r;
  while(n < max - 1 && (r = read(fd, buf + n, max - 1 - n)) > 0)
    n += r;
  buf[n] = 0;
  close(fd);
  return n < max - 1 ? n : -E2BIG;
}

static int
starts(const char *s, const char *p)
{
  return strncmp(s, p, strlen(p)) == 0;
}

// Stream records in a well-formed text listing, or -1 (with the reason).
static int
wellformed(char *text)
{
  if(!starts(text, "streams n=")){
    printf("# no header\n");
    return -1;
  }
  int streams = 0, links = 0;
  long last = 0;
  for(char *line = strchr(text, '\n'); line && line[1]; line = strchr(line + 1, '\n')){
    char *l = line + 1;
    if(starts(l, "stream id=")){
      long id = strtol(l + 10, 0, 10);
      if(id <= last || links){
        printf("# stream id=%ld after id=%ld (links %d)\n", id, last, links);
        return -1;
      }
      last = id;
      streams++;
    } else if(starts(l, "queue stream=")){
      if(strtol(l + 13, 0, 10) != last || links){
        printf("# queue of another stream: %.40s\n", l);
        return -1;
      }
    } else if(starts(l, "link id=")){
      links++;
    } else {
      printf("# unknown record: %.40s\n", l);
      return -1;
    }
  }
  return streams;
}

static int most;        // stream records before the churn
static int quietbytes;  // and the size of that listing

// A reader process: says how many listings were wrong, one byte on out,
// and exits with that count. It first closes its copies of the streams
// (fds), which would keep every stream the churn closes alive, and says
// so with a byte on ready: the churn waits for that.
static void
reader(int out, int ready, int *fds)
{
  for(int i = 0; i < NS; i++)
    close(fds[i]);
  char r = 'r';
  write(ready, &r, 1);
  close(ready);
  char *buf = malloc(BUFSZ);
  int bad = 0;
  for(int i = 0; i < ROUNDS && buf; i++){
    int n = slurp("/dev/streams", buf, BUFSZ);
    int s = n > 0 ? wellformed(buf) : -1;
    if(s < NS / 2 || s > most || n > 2 * quietbytes){
      printf("# text listing %d: %d bytes (%d before), %d streams (at most %d)\n",
             i, n, quietbytes, s, most);
      bad++;
    }
    n = slurp("/dev/streams.dot", buf, BUFSZ);
    if(n < 3 || !starts(buf, "digraph streams {") || strcmp(buf + n - 2, "}\n") != 0){
      printf("# dot listing %d: %d bytes\n", i, n);
      bad++;
    }
  }
  if(buf == 0)
    bad = 101;
  char c = bad > 100 ? 100 : bad;
  write(out, &c, 1);
  exit(c);
}

int
main(void)
{
  t_begin("st_listing");
  struct str_stats base = st_stats();
  int fds[NS], opened = 0;
  for(int i = 0; i < NS; i++){
    fds[i] = open("/dev/loop", O_RDWR);
    if(fds[i] < 0)
      break;
    opened++;
    if(i % 4 == 0)
      ioctl(fds[i], I_PUSH, (long)"count");
  }
  if(!t_expect("open_streams", opened, NS)){
    for(int i = 0; i < opened; i++)
      close(fds[i]);
    return t_done();
  }
  char *buf = malloc(BUFSZ);
  int n = buf ? slurp("/dev/streams", buf, BUFSZ) : -1;
  most = n > 0 ? wellformed(buf) : -1;
  quietbytes = n;
  t_check("listing_has_all", n > 0 && most >= NS, "%d bytes", n);

  long t0 = uptime();
  int p[2], rp[2];
  if(!t_expect("pipe", pipe(p), 0) || !t_expect("ready_pipe", pipe(rp), 0))
    return t_done();
  for(int i = 0; i < 2; i++)
    if(fork() == 0){
      close(p[0]);
      close(rp[0]);
      reader(p[1], rp[1], fds);
    }
  close(p[1]);
  close(rp[1]);
  char r2[2];
  int ready = 0, k;
  while(ready < 2 && (k = read(rp[0], r2, 2 - ready)) > 0)
    ready += k;
  close(rp[0]);
  t_expect("readers_ready", ready, 2);
  // Meanwhile streams come and go, with modules pushed on them, until
  // both readers have reported.
  int churn = 0, reported = 0, bad = 0;
  while(reported < 2 && uptime() - t0 < 90000){
    for(int i = NS / 2; i < NS / 2 + 10; i++){
      close(fds[i]);
      fds[i] = open("/dev/loop", O_RDWR);
      if(fds[i] >= 0)
        ioctl(fds[i], I_PUSH, (long)(churn % 2 ? "rot13" : "null"));
      churn++;
    }
    struct pollfd pf = { p[0], POLLIN, 0 };
    char c;
    while(reported < 2 && poll(&pf, 1, 0) > 0 && read(p[0], &c, 1) == 1){
      bad += c;
      reported++;
    }
  }
  close(p[0]);
  int st, statuses = 0;
  for(int k = 0; k < 2; k++)
    if(wait(&st) >= 0)
      statuses += st;
  long dt = uptime() - t0;
  t_expect("readers_reported", reported, 2);
  t_expect("all_listings_whole", bad, 0);
  t_expect("readers_exit_status", statuses, 0);
  t_check("readers_in_time", dt < 90000, "%ld ms", dt);
  printf("# %d listings each side in %ld ms while %d streams were replaced\n",
         2 * ROUNDS, dt, churn);
  for(int i = 0; i < NS; i++)
    if(fds[i] >= 0)
      close(fds[i]);
  free(buf);
  st_leakcheck("no_leak", &base);
  return t_done();
}
