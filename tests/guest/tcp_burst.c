// tcp_burst.c: the guest side of the connect-burst test (tests/test_tcp.py,
// test_connect_burst_lan); not a PASS/FAIL program.
//
//   tcp_burst PORT
//       Listen on PORT (default backlog) and serve connections as they
//       come, up to MAXC at once, from one process with poll: echo what
//       each sends, close after its FIN. A connection whose first byte is
//       'Q' ends the run. Prints "tcp_burst: listening on PORT" once
//       announced and at the end "tcp_burst: served N connections, E
//       failed" (E: connections that ended with an error); exit status 0
//       only if E is 0.
#include "user.h"

#define MAXC 24                   // connections at once (NOFILE is 32)

static const char *prog = "tcp_burst";

struct conn {
  int fd;                         // -1: free slot
  char pend;                      // a byte to echo
  int have;
};

int
main(int argc, char *argv[])
{
  if(argc != 2){
    fprintf(2, "usage: tcp_burst PORT\n");
    return 2;
  }
  char a[32];
  snprintf(a, sizeof(a), "tcp!*!%s", argv[1]);
  int l = announce(a);
  if(l < 0)
    die(prog, a, l);
  fcntl(l, F_SETFL, O_NONBLOCK);
  printf("%s: listening on %s\n", prog, argv[1]);

  static struct conn c[MAXC];
  for(int i = 0; i < MAXC; i++)
    c[i].fd = -1;
  int served = 0, failed = 0, quit = 0, live = 0;
  while(!quit || live > 0){
    struct pollfd p[MAXC + 1];
    int idx[MAXC + 1], n = 0;
    if(!quit && live < MAXC){
      p[n].fd = l;
      p[n].events = POLLIN;
      idx[n++] = -1;
    }
    for(int i = 0; i < MAXC; i++){
      if(c[i].fd < 0)
        continue;
      p[n].fd = c[i].fd;
      p[n].events = c[i].have ? POLLOUT : POLLIN;
      idx[n++] = i;
    }
    for(int k = 0; k < n; k++)
      p[k].revents = 0;
    // A client that neither sends nor closes for this long is stuck:
    // the host side has its own deadline, and so do we.
    int r = poll(p, n, 120000);
    if(r == 0){
      fprintf(2, "%s: nothing happened for 120 s\n", prog);
      failed += live;
      break;
    }
    if(r < 0)
      die(prog, "poll", r);
    for(int k = 0; k < n; k++){
      if(p[k].revents == 0)
        continue;
      if(idx[k] < 0){
        for(;;){                  // take every connection that waits
          int slot = -1;
          for(int i = 0; i < MAXC && slot < 0; i++)
            if(c[i].fd < 0)
              slot = i;
          if(slot < 0)
            break;
          int fd = accept(l);
          if(fd == -EAGAIN)
            break;
          if(fd < 0)
            die(prog, "accept", fd);
          fcntl(fd, F_SETFL, O_NONBLOCK);
          c[slot].fd = fd;
          c[slot].have = 0;
          live++;
        }
        continue;
      }
      struct conn *x = &c[idx[k]];
      int err = 0, done = 0;
      if(!x->have){
        char b;
        int m = read(x->fd, &b, 1);
        if(m == 1){
          x->pend = b;
          x->have = 1;
          if(b == 'Q')
            quit = 1;
        } else if(m == 0){
          done = 1;             // the client's FIN: the exchange is over
        } else if(m != -EAGAIN){
          err = m;
        }
      }
      if(x->have && !err){
        int w = write(x->fd, &x->pend, 1);
        if(w == 1)
          x->have = 0;
        else if(w != -EAGAIN)
          err = w;
      }
      if(done || err){
        if(err){
          eprint(prog, "connection", err);
          failed++;
        } else {
          served++;
        }
        close(x->fd);
        x->fd = -1;
        live--;
      }
    }
  }
  close(l);
  printf("%s: served %d connections, %d failed\n", prog, served, failed);
  return failed ? 1 : 0;
}
