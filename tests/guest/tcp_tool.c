// tcp_tool.c: guest-side helpers for the host-driven TCP tests
// (tests/test_tcp.py); not a PASS/FAIL program.
//
//   tcp_tool serve PORT NCONN [WORKERS]
//       Echo server for NCONN connections, handled by WORKERS processes
//       (default 4; each accepts its share, then serves them all at once
//       with poll). Prints "tcp_tool: listening on PORT" once announced,
//       a line per worker with the bytes it echoed, and at the end
//       "tcp_tool: served N connections, M workers failed"; exit status 0
//       only if every connection ran to its end without error.
//   tcp_tool hold A.B.C.D!PORT IDLE_MS INTVL_MS COUNT
//       Connect, turn keepalive on with these times and wait to read.
//       Prints "tcp_tool: connected" once connected, and at the end the
//       outcome of the read ("tcp_tool: read: <error>" or "tcp_tool: read
//       N") with the milliseconds it waited.
#include "user.h"

#define BUFSZ 8192
#define MAXC  24                  // connections per worker (NOFILE is 32)

static const char *prog = "tcp_tool";

struct conn {
  int fd;
  int eof;                        // the client sent FIN
  int pend, off;                  // echo bytes waiting in buf
  char buf[BUFSZ];
};

// Serve n connections accepted from l; returns bytes echoed or -errno.
static long
worker(int l, int n)
{
  static struct conn c[MAXC];
  for(int i = 0; i < n; i++){
    c[i].fd = accept(l);
    if(c[i].fd < 0)
      return c[i].fd;
    c[i].eof = c[i].pend = c[i].off = 0;
    fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
  }
  close(l);
  long bytes = 0;
  int live = n;
  while(live > 0){
    struct pollfd p[MAXC];
    for(int i = 0; i < n; i++){
      p[i].fd = c[i].fd;
      p[i].events = c[i].pend ? POLLOUT : (c[i].eof ? 0 : POLLIN);
      p[i].revents = 0;
    }
    int r = poll(p, n, 60000);
    if(r <= 0)
      return r < 0 ? r : -ETIMEDOUT;
    for(int i = 0; i < n; i++){
      struct conn *k = &c[i];
      if(k->fd < 0)
        continue;
      if(k->pend == 0 && !k->eof && (p[i].revents & (POLLIN | POLLHUP | POLLERR))){
        int m = read(k->fd, k->buf, BUFSZ);
        if(m == 0)
          k->eof = 1;
        else if(m > 0){
          k->pend = m;
          k->off = 0;
        } else if(m != -EAGAIN)
          return m;
      }
      if(k->pend){
        int w = write(k->fd, k->buf + k->off, k->pend);
        if(w > 0){
          k->off += w;
          k->pend -= w;
          bytes += w;
        } else if(w != -EAGAIN)
          return w;
      }
      if(k->eof && k->pend == 0){
        close(k->fd);             // FIN after everything echoed
        k->fd = -1;               // and out of the next poll
        live--;
      }
    }
  }
  return bytes;
}

static int
serve(int port, int nconn, int nworkers)
{
  if(nworkers < 1 || nconn < nworkers || (nconn + nworkers - 1) / nworkers > MAXC){
    fprintf(2, "%s: %d connections need at least %d workers\n", prog, nconn,
            (nconn + MAXC - 1) / MAXC);
    return 2;
  }
  char a[32];
  snprintf(a, sizeof(a), "tcp!*!%d", port);
  int l = announce(a);
  if(l < 0)
    die(prog, a, l);
  printf("%s: listening on %d\n", prog, port);
  for(int w = 0; w < nworkers; w++){
    int share = nconn / nworkers + (w < nconn % nworkers);
    if(fork() == 0){
      long b = worker(l, share);
      if(b < 0){
        eprint(prog, "worker", (int)b);
        exit(1);
      }
      printf("%s: worker %d echoed %ld bytes\n", prog, w, b);
      exit(0);
    }
  }
  close(l);
  int bad = 0;
  for(int w = 0; w < nworkers; w++){
    int st;
    if(wait(&st) < 0 || st != 0)
      bad++;
  }
  printf("%s: served %d connections, %d workers failed\n", prog, nconn, bad);
  return bad ? 1 : 0;
}

static int
hold(const char *addr, const char *idle, const char *intvl, const char *count)
{
  char a[48], cmd[80];
  snprintf(a, sizeof(a), "tcp!%s", addr);
  int s = dial(a);
  if(s < 0)
    die(prog, addr, s);
  snprintf(cmd, sizeof(cmd), "keepalive on %s %s %s", idle, intvl, count);
  int r = tcpctl(s, cmd, 0, 0);
  if(r < 0)
    die(prog, cmd, r);
  printf("%s: connected\n", prog);
  long t0 = uptime();
  char b[64];
  int n = read(s, b, sizeof(b));
  long el = uptime() - t0;
  if(n < 0)
    printf("%s: read: %s after %ld ms\n", prog, strerror(n), el);
  else
    printf("%s: read %d after %ld ms\n", prog, n, el);
  close(s);
  return 0;
}

int
main(int argc, char *argv[])
{
  if(argc >= 4 && strcmp(argv[1], "serve") == 0)
    return serve(atoi(argv[2]), atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 4);
  if(argc == 6 && strcmp(argv[1], "hold") == 0)
    return hold(argv[2], argv[3], argv[4], argv[5]);
  fprintf(2, "usage: tcp_tool serve PORT NCONN [WORKERS]\n"
             "       tcp_tool hold A.B.C.D!PORT IDLE_MS INTVL_MS COUNT\n");
  return 2;
}
