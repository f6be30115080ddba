// GUESTTEST-TIMEOUT: 300
// st_conc.c: in-guest concurrency test of STREAMS: two processes (on two
// harts when there are two) hammer streams at the same time for
// CONC_MS_SMP milliseconds (CONC_MS_UP on one hart) – each its own loop stream with modules, checking
// every message comes back intact, and one shared loop stream, writing
// numbered messages and reading whatever arrives, checking each writer's
// messages stay in order. At the end nothing is lost (every shared message
// sent was read once), nothing deadlocked, no message block is left over.
// Prints PASS/FAIL lines and DONE st_conc (see user/lib/check.c).
#include "st_util.h"

// How long the two processes hammer: a minute when there are two harts
// to run them truly at once, less on one hart (interleaving only).
#define CONC_MS_SMP  60000
#define CONC_MS_UP   15000

struct report {
  long own_msgs;      // round trips on the private stream
  long own_bad;       // of which came back wrong
  long sent;          // messages written to the shared stream
  long got;           // messages read from the shared stream
  long disorder;      // a writer's messages read out of order
};

// One message: "W:SEQ" – writer number and sequence.
static int
parse(const char *m, int *w, long *seq)
{
  if(m[0] < '0' || m[0] > '2' || m[1] != ':')
    return -1;
  *w = m[0] - '0';
  *seq = strtol(m + 2, 0, 10);
  return 0;
}

static void
worker(int id, int shared, int out, long end)
{
  struct report rep;
  memset(&rep, 0, sizeof(rep));
  long last[3] = { -1, -1, -1 };
  char msg[600], back[600];
  int own = open("/dev/loop", O_RDWR);
  ioctl(own, I_PUSH, (long)"rot13");
  ioctl(own, I_PUSH, (long)"null");
  ioctl(own, I_PUSH, (long)"rot13");
  struct prng r;
  prng_init(&r, 77 + id);
  long seq = 0;
  int writing = 1;
  while(writing || uptime() < end + 2000){
    if(uptime() >= end)
      writing = 0;
    if(writing){
      // private stream: one round trip of a random-size message
      int n = 1 + prng_next(&r) % (sizeof(msg) - 1);
      prng_fill(&r, msg, n);
      if(write(own, msg, n) == n){
        int got = 0;
        while(got < n){
          int k = read(own, back + got, n - got);
          if(k <= 0)
            break;
          got += k;
        }
        rep.own_msgs++;
        if(got != n || memcmp(msg, back, n) != 0)
          rep.own_bad++;
      } else {
        rep.own_bad++;
      }
    }
    // shared stream: send one if it has room, read what is there
    struct pollfd p = { shared, POLLIN | (writing ? POLLOUT : 0), 0 };
    if(poll(&p, 1, writing ? 0 : 100) <= 0){
      if(!writing)
        break;          // quiet for 100 ms after the end: done
      continue;
    }
    if(writing && (p.revents & POLLOUT)){
      int n = snprintf(msg, sizeof(msg), "%d:%ld", id, seq);
      int w = write(shared, msg, n);
      if(w == n)
        seq++;
    }
    if(p.revents & POLLIN){
      int k = read(shared, back, sizeof(back) - 1);
      if(k > 0){
        back[k] = 0;
        int w;
        long s;
        if(parse(back, &w, &s) < 0 || s <= last[w])
          rep.disorder++;
        else
          last[w] = s;
        rep.got++;
      }
    }
  }
  rep.sent = seq;
  close(own);
  write(out, &rep, sizeof(rep));
}

int
main(void)
{
  t_begin("st_conc");
  struct str_stats base = st_stats();
  int shared = st_open("/dev/loop", O_RDWR | O_NONBLOCK);
  ioctl(shared, I_SRDOPT, RMSGN);     // one message per read
  ioctl(shared, I_PUSH, (long)"null");
  int p[2];
  pipe(p);
  struct sysinfo si;
  sysinfo(&si);
  long end = uptime() + (si.ncpu > 1 ? CONC_MS_SMP : CONC_MS_UP);
  int pids[2];
  for(int i = 0; i < 2; i++){
    if((pids[i] = fork()) == 0){
      close(p[0]);
      worker(i + 1, shared, p[1], end);
      exit(0);
    }
  }
  close(p[1]);
  struct report rep[2];
  for(int i = 0; i < 2; i++)
    if(read(p[0], &rep[i], sizeof(rep[i])) != sizeof(rep[i]))
      memset(&rep[i], 0, sizeof(rep[i]));
  for(int i = 0; i < 2; i++){
    int st;
    wait(&st);
  }
  // whatever the workers left in the shared stream
  long left = 0;
  char back[64];
  while(st_readwait(shared, back, sizeof(back), 200) > 0)
    left++;
  long sent = rep[0].sent + rep[1].sent, got = rep[0].got + rep[1].got + left;
  printf("# %ld + %ld private round trips, %ld shared messages\n",
         rep[0].own_msgs, rep[1].own_msgs, sent);
  t_check("private_streams", rep[0].own_bad == 0 && rep[1].own_bad == 0 &&
          rep[0].own_msgs > 0 && rep[1].own_msgs > 0,
          "bad %ld/%ld of %ld/%ld", rep[0].own_bad, rep[1].own_bad,
          rep[0].own_msgs, rep[1].own_msgs);
  t_check("shared_in_order", rep[0].disorder == 0 && rep[1].disorder == 0,
          "%ld/%ld out of order", rep[0].disorder, rep[1].disorder);
  t_check("shared_no_loss", sent > 0 && got == sent, "sent %ld, read %ld", sent, got);
  close(shared);
  st_leakcheck("no_leaks", &base);
  return t_done();
}
