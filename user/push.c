// push.c: plumb STREAMS from the shell (the ioctls of include/stropts.h).
//
//   push [-k NAME] DEV [MODULE...]   push the modules onto a stream of DEV, in
//                                    order (the last one ends on top); -k keeps
//                                    the stream as /dev/kept/NAME after push exits
//   push -p DEV                      pop the topmost module
//   push -l DEV                      list the modules, top first, driver last
//   push -u NAME                     stop keeping /dev/kept/NAME
//   push -L MUXDEV LOWERDEV [MODULE...]
//                                    link a LOWERDEV stream (with the modules
//                                    pushed) under the multiplexor MUXDEV, for
//                                    good (I_PLINK); prints the mux id
//   push -U MUXDEV ID|all            undo such a link (I_PUNLINK)
//   push -f FILE                     run the commands in FILE (below)
//
// Every open of a STREAMS device makes a new stream that ends with its last
// close – so plumbing that must outlast this command is either kept (-k) or
// linked (-L). A stack file has one command per line, '#' starts a comment:
//   keep NAME DEV [MODULE...]      push MODULE... onto a new DEV stream, keep it
//   push DEV MODULE...             push onto DEV (a kept stream: /dev/kept/NAME)
//   pop DEV
//   list DEV
//   unkeep NAME
//   link MUXDEV LOWERDEV [MODULE...]
//   unlink MUXDEV ID|all
#include "user.h"
#include "stropts.h"

#define KEPTDIR "/dev/kept"

static const char *where = "push";   // "push" or "FILE:LINE" for messages

// "push: DEV: what: message: reason", the reason being the stream's own
// explanation (I_ERRSTR) when it has one.
static void
fail(int fd, const char *dev, const char *what, int err)
{
  char reason[STR_ERRLEN];
  reason[0] = 0;
  if(fd >= 0 && ioctl(fd, I_ERRSTR, (long)reason) < 0)
    reason[0] = 0;
  fprintf(2, "%s: %s: %s: %s%s%s\n", where, dev, what, strerror(err),
          reason[0] ? ": " : "", reason);
}

static int
opendev(const char *dev)
{
  int fd = open(dev, O_RDWR);
  if(fd < 0)
    fprintf(2, "%s: %s: %s\n", where, dev, strerror(fd));
  return fd;
}

static int
iskept(const char *dev)
{
  return strncmp(dev, KEPTDIR "/", strlen(KEPTDIR) + 1) == 0;
}

static int
pushmods(int fd, const char *dev, char **mods, int n)
{
  for(int i = 0; i < n; i++){
    int r = ioctl(fd, I_PUSH, (long)mods[i]);
    if(r < 0){
      char what[64];
      snprintf(what, sizeof(what), "cannot push %s", mods[i]);
      fail(fd, dev, what, r);
      return -1;
    }
  }
  return 0;
}

// Give the stream on fd the name NAME and make /dev/kept/NAME for it.
static int
keep(int fd, const char *dev, const char *name)
{
  struct str_keep k;
  memset(&k, 0, sizeof(k));
  if(strlen(name) > FMNAMESZ){
    fprintf(2, "%s: %s: name too long (at most %d characters)\n", where, name, FMNAMESZ);
    return -1;
  }
  strcpy(k.k_name, name);
  int r = ioctl(fd, I_KEEP, (long)&k);
  if(r < 0){
    fail(fd, dev, "cannot keep the stream", r);
    return -1;
  }
  char path[64];
  snprintf(path, sizeof(path), "%s/%s", KEPTDIR, name);
  mkdir(KEPTDIR);            // may exist already
  unlink(path);              // a file left from an earlier boot
  if((r = mknod(path, k.k_major, k.k_minor)) < 0){
    fprintf(2, "%s: %s: %s\n", where, path, strerror(r));
    ioctl(fd, I_UNKEEP, 0);
    return -1;
  }
  printf("kept as %s\n", path);
  return 0;
}

static int
do_push(const char *name, const char *dev, char **mods, int n)
{
  int fd = opendev(dev);
  if(fd < 0)
    return 1;
  int bad = pushmods(fd, dev, mods, n) < 0;
  if(!bad && name)
    bad = keep(fd, dev, name) < 0;
  if(!bad && !name && !iskept(dev) && n > 0)
    fprintf(2, "%s: note: that stream of %s ended when push closed it; "
            "use -k NAME to keep it\n", where, dev);
  close(fd);
  return bad;
}

static int
do_pop(const char *dev)
{
  int fd = opendev(dev);
  if(fd < 0)
    return 1;
  int r = ioctl(fd, I_POP, 0);
  if(r < 0)
    fail(fd, dev, "cannot pop", r);
  close(fd);
  return r < 0;
}

static int
do_list(const char *dev)
{
  int fd = opendev(dev);
  if(fd < 0)
    return 1;
  int n = ioctl(fd, I_LIST, 0);
  if(n < 0){
    fail(fd, dev, "cannot list", n);
    close(fd);
    return 1;
  }
  struct str_mlist *ml = malloc(n * sizeof(*ml));
  struct str_list sl = { n, ml };
  int r = ioctl(fd, I_LIST, (long)&sl);
  if(r < 0)
    fail(fd, dev, "cannot list", r);
  for(int i = 0; r >= 0 && i < sl.sl_nmods; i++)
    printf("%s\n", ml[i].l_name);
  free(ml);
  close(fd);
  return r < 0;
}

static int
do_unkeep(const char *name)
{
  char path[64];
  snprintf(path, sizeof(path), "%s/%s", KEPTDIR, name);
  int fd = open(path, O_RDWR);
  if(fd == -ENXIO){
    // the file outlived its stream (made before the last reboot)
    unlink(path);
    fprintf(2, "%s: %s: no such kept stream (stale file removed)\n", where, path);
    return 1;
  }
  if(fd < 0){
    fprintf(2, "%s: %s: %s\n", where, path, strerror(fd));
    return 1;
  }
  int r = ioctl(fd, I_UNKEEP, 0);
  if(r < 0)
    fail(fd, path, "cannot stop keeping it", r);
  close(fd);         // the last reference: the stream is taken apart
  unlink(path);
  return r < 0;
}

static int
do_link(const char *mux, const char *lower, char **mods, int n)
{
  int ufd = opendev(mux);
  if(ufd < 0)
    return 1;
  int lfd = opendev(lower);
  if(lfd < 0){
    close(ufd);
    return 1;
  }
  int bad = pushmods(lfd, lower, mods, n) < 0;
  if(!bad){
    int id = ioctl(ufd, I_PLINK, lfd);
    if(id < 0){
      fail(ufd, mux, "cannot link", id);
      bad = 1;
    } else {
      printf("linked %s under %s: mux id %d\n", lower, mux, id);
    }
  }
  close(lfd);
  close(ufd);
  return bad;
}

static int
do_unlink(const char *mux, const char *idtext)
{
  int id;
  if(strcmp(idtext, "all") == 0)
    id = MUXID_ALL;
  else if((id = atoi(idtext)) <= 0){
    fprintf(2, "%s: %s: not a mux id\n", where, idtext);
    return 1;
  }
  int fd = opendev(mux);
  if(fd < 0)
    return 1;
  int r = ioctl(fd, I_PUNLINK, id);
  if(r < 0)
    fail(fd, mux, "cannot unlink", r);
  close(fd);
  return r < 0;
}

// ---------------------------------------------------------------- stack files

#define MAXWORDS 16

static int
split(char *line, char **w)
{
  int n = 0;
  char *p = line;
  for(;;){
    while(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
      p++;
    if(*p == 0 || *p == '#')
      break;
    if(n == MAXWORDS)
      return -1;
    w[n++] = p;
    while(*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != '#')
      p++;
    if(*p == '#'){
      *p = 0;
      break;
    }
    if(*p)
      *p++ = 0;
  }
  return n;
}

static int
command(char **w, int n)
{
  const char *v = w[0];
  if(strcmp(v, "keep") == 0 && n >= 3)
    return do_push(w[1], w[2], w + 3, n - 3);
  if(strcmp(v, "push") == 0 && n >= 3)
    return do_push(0, w[1], w + 2, n - 2);
  if(strcmp(v, "pop") == 0 && n == 2)
    return do_pop(w[1]);
  if(strcmp(v, "list") == 0 && n == 2)
    return do_list(w[1]);
  if(strcmp(v, "unkeep") == 0 && n == 2)
    return do_unkeep(w[1]);
  if(strcmp(v, "link") == 0 && n >= 3)
    return do_link(w[1], w[2], w + 3, n - 3);
  if(strcmp(v, "unlink") == 0 && n == 3)
    return do_unlink(w[1], w[2]);
  fprintf(2, "%s: cannot understand \"%s\" with %d argument(s)\n", where, v, n - 1);
  return 1;
}

static int
do_file(const char *file)
{
  int fd = open(file, O_RDONLY);
  if(fd < 0){
    fprintf(2, "push: %s: %s\n", file, strerror(fd));
    return 1;
  }
  struct linebuf *lb = malloc(sizeof(*lb));
  lb_init(lb, fd);
  char line[256], place[80];
  char *w[MAXWORDS];
  int lineno = 0, bad = 0, r;
  while((r = lb_getline(lb, line, sizeof(line))) > 0){
    lineno++;
    snprintf(place, sizeof(place), "%s:%d", file, lineno);
    where = place;
    int n = split(line, w);
    if(n < 0){
      fprintf(2, "%s: too many words\n", where);
      bad = 1;
    } else if(n > 0 && command(w, n)){
      bad = 1;
    }
  }
  where = "push";
  free(lb);
  close(fd);
  return bad;
}

static void
usage(void)
{
  fprintf(2, "usage: push [-k NAME] DEV [MODULE...]\n"
             "       push -p DEV | -l DEV | -u NAME | -f FILE\n"
             "       push -L MUXDEV LOWERDEV [MODULE...] | -U MUXDEV ID|all\n");
  exit(2);
}

int
main(int argc, char *argv[])
{
  if(argc < 2)
    usage();
  char *opt = argv[1];
  if(opt[0] != '-')
    return do_push(0, argv[1], argv + 2, argc - 2);
  if(strcmp(opt, "-k") == 0 && argc >= 4)
    return do_push(argv[2], argv[3], argv + 4, argc - 4);
  if(strcmp(opt, "-p") == 0 && argc == 3)
    return do_pop(argv[2]);
  if(strcmp(opt, "-l") == 0 && argc == 3)
    return do_list(argv[2]);
  if(strcmp(opt, "-u") == 0 && argc == 3)
    return do_unkeep(argv[2]);
  if(strcmp(opt, "-L") == 0 && argc >= 4)
    return do_link(argv[2], argv[3], argv + 4, argc - 4);
  if(strcmp(opt, "-U") == 0 && argc == 4)
    return do_unlink(argv[2], argv[3]);
  if(strcmp(opt, "-f") == 0 && argc == 3)
    return do_file(argv[2]);
  usage();
  return 2;
}
