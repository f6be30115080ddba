// net/tcp.h: /dev/tcp as user programs see it (modules/tcp/ is the driver,
// user/lib/dial.c the library on top, docs/tcp.md the manual).
//
// Every open of /dev/tcp is a new conversation, numbered. It is
// controlled with text lines sent as NET_CTL (I_STR), answered with text:
//
//   connect A.B.C.D!PORT [MS]   connect; the I_STR returns once the
//                               connection is established, or fails with
//                               ECONNREFUSED, ETIMEDOUT (after MS ms,
//                               default TCP_CONNECT_MS) or EHOSTUNREACH
//   announce ADDR!PORT [N]      listen (ADDR "*" or A.B.C.D; PORT 0 picks
//                               one); N pending connections at most;
//                               EADDRINUSE if the port has a listener
//   accept N [nowait]           on a fresh conversation: wait for a
//                               connection to listener N and take it over
//                               (nowait: EAGAIN if none is waiting). A
//                               listener polls readable while one waits.
//   shutdown                    send FIN after the data already written
//   abort                       reset the connection (RST)
//   keepalive on [IDLE [INTVL [COUNT]]] | keepalive off   (milliseconds)
//   nodelay on | nodelay off    Nagle's algorithm off / on
//   local | remote              "A.B.C.D!PORT"
//   status                      one line: N STATE LOCAL REMOTE SENDQ RECVQ
//   list                        the /dev/tcpstat listing (first 4 KiB)
//
// Data is plain read/write. End of the peer's data reads as 0 (end of
// file); writes go on until shutdown. A reset makes reads and writes fail
// with ECONNRESET, a dead peer with ETIMEDOUT; writing after shutdown
// fails with EPIPE.
#ifndef TCP_H
#define TCP_H

#define TCP_CONNECT_MS  75000   // default connect timeout (as BSD's keepinit)
#define TCP_BACKLOG     64      // default pending connections per listener
#define TCP_BACKLOG_MAX 128
#define TCP_ADDRLEN     24      // "255.255.255.255!65535" and a NUL

#endif
