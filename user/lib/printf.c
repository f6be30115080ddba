// printf.c: formatted printing to file descriptors (printf, fprintf,
// vfprintf) and fputs/writeall. The text is collected in a buffer and
// written with as few write(2) calls as possible, so that one printf of
// a line from one process never interleaves with another's output.
#include "user.h"

#define PBUF 256

struct fdbuf {
  int fd;
  int used;
  int err;          // first write error, if any
  char buf[PBUF];
};

int
writeall(int fd, const void *buf, int n)
{
  const char *p = buf;
  int done = 0;
  while(done < n){
    int r = write(fd, p + done, n - done);
    if(r < 0)
      return r;
    if(r == 0)
      return -EIO;    // a device that accepts nothing would loop forever
    done += r;
  }
  return done;
}

static void
flush(struct fdbuf *b)
{
  if(b->used > 0 && b->err == 0){
    int r = writeall(b->fd, b->buf, b->used);
    if(r < 0)
      b->err = r;
  }
  b->used = 0;
}

static void
fdbuf_out(void *arg, char c)
{
  struct fdbuf *b = arg;
  if(b->used == PBUF)
    flush(b);
  b->buf[b->used++] = c;
}

int
vfprintf(int fd, const char *fmt, __builtin_va_list ap)
{
  struct fdbuf b;
  b.fd = fd;
  b.used = 0;
  b.err = 0;
  int n = vformat(fdbuf_out, &b, fmt, ap);
  flush(&b);
  return b.err < 0 ? b.err : n;
}

int
fprintf(int fd, const char *fmt, ...)
{
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  int r = vfprintf(fd, fmt, ap);
  __builtin_va_end(ap);
  return r;
}

int
printf(const char *fmt, ...)
{
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  int r = vfprintf(1, fmt, ap);
  __builtin_va_end(ap);
  return r;
}

int
fputs(const char *s, int fd)
{
  return writeall(fd, s, strlen(s));
}
