// io.c: line input and small file helpers on top of the system calls
// (readline, gets, the buffered line reader, stat, isconsole).
#include "user.h"

int
readline(int fd, char *buf, int max)
{
  int n = 0;
  char c;

  if(max <= 0)
    return -EINVAL;
  while(n < max - 1){
    int r = read(fd, &c, 1);
    if(r < 0){
      if(n > 0)
        break;          // hand out what we have; the error comes again next time
      buf[0] = 0;
      return r;
    }
    if(r == 0)
      break;
    buf[n++] = c;
    if(c == '\n')
      break;
  }
  buf[n] = 0;
  return n;
}

char *
gets(char *buf, int max)
{
  return readline(0, buf, max) > 0 ? buf : 0;
}

void
lb_init(struct linebuf *lb, int fd)
{
  lb->fd = fd;
  lb->pos = 0;
  lb->len = 0;
}

// Like readline, but reads the file in large chunks. A line longer than
// max-1 bytes is handed out in pieces (the last piece ends with '\n').
int
lb_getline(struct linebuf *lb, char *line, int max)
{
  int n = 0;

  if(max <= 0)
    return -EINVAL;
  while(n < max - 1){
    if(lb->pos == lb->len){
      int r = read(lb->fd, lb->buf, sizeof(lb->buf));
      if(r < 0 && n == 0){
        line[0] = 0;
        return r;
      }
      if(r <= 0)
        break;
      lb->pos = 0;
      lb->len = r;
    }
    char c = lb->buf[lb->pos++];
    line[n++] = c;
    if(c == '\n')
      break;
  }
  line[n] = 0;
  return n;
}

int
stat(const char *path, struct stat *st)
{
  int fd = open(path, O_RDONLY);
  int r;
  if(fd < 0)
    return fd;
  r = fstat(fd, st);
  close(fd);
  return r;
}

int
isconsole(int fd)
{
  struct stat st;
  return fstat(fd, &st) == 0 && st.type == T_DEVICE && st.major == 1;
}
