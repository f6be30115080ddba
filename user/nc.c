// nc: netcat - move bytes between standard input/output and a TCP
// connection (/dev/tcp, through dial/announce/accept in user/lib/dial.c).
//
//   nc [-v] [-q SECS] HOST PORT    connect to HOST (a dotted quad)
//   nc -l [-v] [-q SECS] PORT      wait for one connection on PORT
//
// Both directions at once: standard input goes to the connection, the
// connection's data to standard output. At the end of standard input nc
// sends FIN (shutdown) and keeps reading until the peer closes its side;
// then it exits. -q SECS quits at most SECS seconds after the end of
// standard input even if the peer has not closed (-q 0: at once; what was
// written is still delivered, the kernel sends it after close). Bytes
// are passed unchanged, so `nc -l 7000 > file` and `cat file | nc HOST
// 7000` copy a binary file. -v reports the listening port and the
// connection on standard error.
// Exit status: 0 when the connection ended normally, 1 on an error.
#include "user.h"

#define BUFSZ (32 * 1024)

static const char *prog = "nc";
static char inbuf[BUFSZ];      // from standard input, on its way out
static char netbuf[BUFSZ];     // from the connection, on its way to stdout

static void
usage(void)
{
  fprintf(2, "usage: nc [-v] [-q SECS] HOST PORT\n"
             "       nc -l [-v] [-q SECS] PORT\n");
  exit(2);
}

// Copy until the peer closes (or -q runs out). s is non-blocking: a
// full connection never stops us from reading the other way, which is
// what keeps two programs that both write a lot from deadlocking.
static int
pump(int s, int quit_ms)
{
  int in_open = 1, shut = 0;
  int pend = 0, off = 0;       // inbuf[off .. off+pend) still to send
  long deadline = -1;
  for(;;){
    struct pollfd p[2];
    p[0].fd = (in_open && pend == 0) ? 0 : -1;
    p[0].events = POLLIN;
    p[1].fd = s;
    p[1].events = POLLIN | (pend ? POLLOUT : 0);
    int wait = -1;
    if(deadline >= 0){
      long left = deadline - uptime();
      if(left <= 0)
        return 0;
      wait = left;
    }
    int r = poll(p, 2, wait);
    if(r < 0){
      eprint(prog, "poll", r);
      return 1;
    }

    if(p[1].revents & (POLLIN | POLLHUP | POLLERR)){
      int n = read(s, netbuf, BUFSZ);
      if(n == 0)
        return 0;              // the peer is done
      if(n > 0){
        if(writeall(1, netbuf, n) != n){
          eprint(prog, "write", -EPIPE);
          return 1;
        }
      } else if(n != -EAGAIN){
        eprint(prog, "read", n);
        return 1;
      }
    }

    if(p[0].revents & (POLLIN | POLLHUP | POLLERR)){
      int n = read(0, inbuf, BUFSZ);
      if(n > 0){
        pend = n;
        off = 0;
      } else {
        in_open = 0;           // end of input (or an error on it)
      }
    }
    if(pend > 0){
      int w = write(s, inbuf + off, pend);
      if(w > 0){
        off += w;
        pend -= w;
      } else if(w != -EAGAIN){
        eprint(prog, "write", w);
        return 1;
      }
    }
    if(!in_open && pend == 0 && !shut){
      shut = 1;
      int e = tcpctl(s, "shutdown", 0, 0);
      if(e < 0 && e != -ENOTCONN){
        eprint(prog, "shutdown", e);
        return 1;
      }
      if(quit_ms == 0)
        return 0;
      if(quit_ms > 0)
        deadline = uptime() + quit_ms;
    }
  }
}

int
main(int argc, char *argv[])
{
  int listen = 0, verbose = 0, quit_ms = -1, c;
  while((c = getopt(argc, argv, "lvq:")) != -1){
    switch(c){
    case 'l': listen = 1; break;
    case 'v': verbose = 1; break;
    case 'q':
      if(!isdigit(optarg[0]))
        usage();
      quit_ms = atoi(optarg) * 1000;
      break;
    default:
      usage();
    }
  }
  char addr[64], peer[32];
  int s;
  if(listen){
    if(argc - optind != 1 || !isdigit(argv[optind][0]))
      usage();
    snprintf(addr, sizeof(addr), "tcp!*!%s", argv[optind]);
    int l = announce(addr);
    if(l < 0)
      die(prog, addr + 4, l);
    if(verbose)
      fprintf(2, "nc: listening on %s\n", argv[optind]);
    s = accept(l);
    if(s < 0)
      die(prog, "accept", s);
    close(l);                  // one connection only
    if(verbose && netaddr(s, 1, peer, sizeof(peer)) == 0)
      fprintf(2, "nc: connection from %s\n", peer);
  } else {
    if(argc - optind != 2)
      usage();
    snprintf(addr, sizeof(addr), "tcp!%s!%s", argv[optind], argv[optind + 1]);
    s = dial(addr);
    if(s < 0)
      die(prog, addr + 4, s);
    if(verbose && netaddr(s, 0, peer, sizeof(peer)) == 0)
      fprintf(2, "nc: connected to %s!%s from %s\n", argv[optind], argv[optind + 1], peer);
  }
  int fl = fcntl(s, F_GETFL, 0);
  if(fl < 0 || fcntl(s, F_SETFL, fl | O_NONBLOCK) < 0)
    die(prog, "fcntl", fl < 0 ? fl : -EINVAL);
  int r = pump(s, quit_ms);
  close(s);
  return r;
}
