// poll.h: poll(2) structures and event bits, shared with user space.
// Bit values follow Linux.
#ifndef POLL_H
#define POLL_H

#define POLLIN    0x001  // data to read (or end of file / hang-up)
#define POLLPRI   0x002  // high-priority message at a stream head
#define POLLOUT   0x004  // writing would not block
#define POLLERR   0x008  // error (stream head M_ERROR)
#define POLLHUP   0x010  // hang-up
#define POLLNVAL  0x020  // fd not open

struct pollfd {
  int fd;
  short events;
  short revents;
};

#endif
