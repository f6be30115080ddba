// wc.c: count lines, words and bytes.
//   wc [-lwc] [file...]
// Prints the selected counts (all three by default) in the order lines,
// words, bytes, then the file name; with several files also a total.
#include "user.h"

static int showl, showw, showc;

struct counts {
  long lines, words, bytes;
};

static void
report(struct counts *c, const char *name)
{
  char line[100];
  int n = 0;
  if(showl)
    n += snprintf(line + n, sizeof(line) - n, "%s%ld", n ? " " : "", c->lines);
  if(showw)
    n += snprintf(line + n, sizeof(line) - n, "%s%ld", n ? " " : "", c->words);
  if(showc)
    n += snprintf(line + n, sizeof(line) - n, "%s%ld", n ? " " : "", c->bytes);
  if(name)
    printf("%s %s\n", line, name);
  else
    printf("%s\n", line);
}

static int
count(int fd, const char *name, struct counts *c)
{
  static char buf[4096];
  int inword = 0, n;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    c->bytes += n;
    for(int i = 0; i < n; i++){
      if(buf[i] == '\n')
        c->lines++;
      if(isspace(buf[i])){
        inword = 0;
      } else if(!inword){
        inword = 1;
        c->words++;
      }
    }
  }
  if(n < 0){
    eprint("wc", name, n);
    return -1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int c, status = 0;
  struct counts total = { 0, 0, 0 };

  while((c = getopt(argc, argv, "lwc")) != -1){
    if(c == 'l') showl = 1;
    else if(c == 'w') showw = 1;
    else if(c == 'c') showc = 1;
    else {
      fprintf(2, "usage: wc [-lwc] [file...]\n");
      return 2;
    }
  }
  if(!showl && !showw && !showc)
    showl = showw = showc = 1;

  if(optind == argc){
    struct counts k = { 0, 0, 0 };
    if(count(0, "stdin", &k) < 0)
      return 1;
    report(&k, 0);
    return 0;
  }
  for(int i = optind; i < argc; i++){
    struct counts k = { 0, 0, 0 };
    int fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      eprint("wc", argv[i], fd);
      status = 1;
      continue;
    }
    if(count(fd, argv[i], &k) < 0)
      status = 1;
    close(fd);
    report(&k, argv[i]);
    total.lines += k.lines;
    total.words += k.words;
    total.bytes += k.bytes;
  }
  if(argc - optind > 1)
    report(&total, "total");
  return status;
}
