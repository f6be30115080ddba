// streams.c: show every STREAMS stream – what `ps` is for processes.
//
//   streams        each stream: device, modules top to bottom, what waits
//                  on each queue (messages/bytes, read and write side)
//   streams -v     also every queue's totals: messages and bytes it was
//                  handed, drops (with the last reason), water marks
//   streams -dot   the Graphviz graph of it all: streams -dot > s.dot,
//                  then on the host: dot -Tsvg s.dot > s.svg
//
// It reads /dev/streams (one "key=value" record per line, described in
// kernel/streams/listing.c) or copies /dev/streams.dot.
#include "user.h"

static char *
slurp(const char *path)
{
  int fd = open(path, O_RDONLY);
  if(fd < 0)
    die("streams", path, fd);
  int cap = 4096, len = 0, n;
  char *buf = malloc(cap);
  while((n = read(fd, buf + len, cap - len - 1)) > 0){
    len += n;
    if(cap - len < 1024){
      cap *= 2;
      buf = realloc(buf, cap);
    }
  }
  close(fd);
  if(n < 0)
    die("streams", path, n);
  buf[len] = 0;
  return buf;
}

// The value of key in a record line, copied into out ("" if absent).
// Values run to the next space, or are "quoted".
static const char *
field(const char *line, const char *key, char *out, int max)
{
  int k = strlen(key);
  out[0] = 0;
  for(const char *p = line; *p && *p != '\n'; p++){
    if((p == line || p[-1] == ' ') && strncmp(p, key, k) == 0 && p[k] == '='){
      p += k + 1;
      int quoted = *p == '"', i = 0;
      if(quoted)
        p++;
      while(*p && *p != '\n' && i < max - 1 && (quoted ? *p != '"' : *p != ' '))
        out[i++] = *p++;
      out[i] = 0;
      break;
    }
  }
  return out;
}

static long
num(const char *line, const char *key)
{
  char v[32];
  return strtol(field(line, key, v, sizeof(v)), 0, 10);
}

static int
isrec(const char *line, const char *type)
{
  int n = strlen(type);
  return strncmp(line, type, n) == 0 && line[n] == ' ';
}

static char *
nextline(char *p)
{
  while(*p && *p != '\n')
    p++;
  return *p ? p + 1 : p;
}

static void
show_stream(char *line)
{
  char dev[32], kept[32], flags[64];
  field(line, "dev", dev, sizeof(dev));
  if(num(line, "busy")){
    printf("#%ld /dev/%s (being re-plumbed)\n", num(line, "id"), dev);
    return;
  }
  field(line, "kept", kept, sizeof(kept));
  field(line, "flags", flags, sizeof(flags));
  printf("#%ld /dev/%s", num(line, "id"), dev);
  if(strcmp(kept, "-") != 0)
    printf("  kept as /dev/kept/%s", kept);
  if(strcmp(flags, "-") != 0)
    printf("  [%s]", flags);
  printf("  (%ld module%s)\n", num(line, "mods"), num(line, "mods") == 1 ? "" : "s");
}

// A queue pair: the read record comes first, then the write one.
static void
show_pair(char *r, char *w, int verbose)
{
  char name[32];
  field(r, "name", name, sizeof(name));
  printf("   %-14s r %4ld msg %6ld B%s   w %4ld msg %6ld B%s\n", name,
         num(r, "depth"), num(r, "qbytes"), num(r, "full") ? " FULL" : "",
         num(w, "depth"), num(w, "qbytes"), num(w, "full") ? " FULL" : "");
  if(!verbose)
    return;
  char *q[2] = { r, w };
  for(int i = 0; i < 2; i++){
    char why[96];
    field(q[i], "why", why, sizeof(why));
    printf("   %14s %c total %ld msgs %ld B, drops %ld, hiwat %ld lowat %ld%s%s%s\n", "",
           i == 0 ? 'r' : 'w', num(q[i], "msgs"), num(q[i], "bytes"), num(q[i], "drops"),
           num(q[i], "hiwat"), num(q[i], "lowat"), why[0] ? " (last drop: " : "", why,
           why[0] ? ")" : "");
  }
}

static void
show(int verbose)
{
  char *text = slurp("/dev/streams");
  char *line = text, *pending = 0;
  for(; *line; line = nextline(line)){
    if(isrec(line, "streams")){
      printf("%ld stream%s, %ld message blocks and %ld data blocks in use, "
             "%ld link%s, %ld kept\n",
             num(line, "n"), num(line, "n") == 1 ? "" : "s", num(line, "mblks"),
             num(line, "dblks"), num(line, "links"), num(line, "links") == 1 ? "" : "s",
             num(line, "kept"));
      if(verbose)
        printf("service procedure runs %ld, allocation failures %ld\n",
               num(line, "svcruns"), num(line, "allocfail"));
    } else if(isrec(line, "stream")){
      show_stream(line);
      pending = 0;
    } else if(isrec(line, "queue")){
      char side[4];
      field(line, "side", side, sizeof(side));
      if(side[0] == 'r')
        pending = line;
      else if(pending){
        show_pair(pending, line, verbose);
        pending = 0;
      }
    } else if(isrec(line, "link")){
      char mux[32];
      field(line, "mux", mux, sizeof(mux));
      printf("link %ld: stream #%ld under %s%s", num(line, "id"), num(line, "lower"), mux,
             num(line, "persistent") ? " (persistent)" : "");
      if(num(line, "ctl"))
        printf(", made by stream #%ld", num(line, "ctl"));
      printf("\n");
    }
  }
  free(text);
}

int
main(int argc, char *argv[])
{
  if(argc == 1){
    show(0);
    return 0;
  }
  if(argc == 2 && strcmp(argv[1], "-v") == 0){
    show(1);
    return 0;
  }
  if(argc == 2 && strcmp(argv[1], "-dot") == 0){
    char *text = slurp("/dev/streams.dot");
    writeall(1, text, strlen(text));
    free(text);
    return 0;
  }
  fprintf(2, "usage: streams [-v | -dot]\n");
  return 2;
}
