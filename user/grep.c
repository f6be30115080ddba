// grep.c: print lines that match a pattern.
//   grep [-v] [-c] [-n] [-q] pattern [file...]
// -v non-matching lines, -c only a count, -n line numbers, -q quiet.
// Patterns: ordinary characters match themselves, '.' any character,
// 'x*' zero or more of x, '^' and '$' anchor at the start and the end,
// '\' makes the next character ordinary. Exit status 0 if a line was
// selected, 1 if none, 2 on errors.
#include "user.h"

#define MAXNODE 128

// The pattern compiled into a list of single-character steps.
struct node {
  int any;        // '.'
  char c;         // otherwise this character
  int star;       // repeated zero or more times
};

static struct node pat[MAXNODE];
static int npat, anchor_start, anchor_end;
static int invert, countonly, numbers, quiet;

static int
compile(const char *re)
{
  if(*re == '^'){
    anchor_start = 1;
    re++;
  }
  while(*re){
    if(re[0] == '$' && re[1] == 0){
      anchor_end = 1;
      break;
    }
    if(npat == MAXNODE)
      return -1;
    struct node *n = &pat[npat++];
    n->any = 0;
    n->star = 0;
    if(*re == '\\' && re[1]){
      n->c = re[1];
      re += 2;
    } else if(*re == '*' && npat == 1){
      n->c = '*';          // a leading '*' has nothing to repeat
      re++;
    } else {
      n->any = *re == '.';
      n->c = *re++;
    }
    if(*re == '*'){
      n->star = 1;
      re++;
    }
  }
  return 0;
}

static int
step_ok(struct node *n, char c)
{
  return c != 0 && (n->any || n->c == c);
}

// Does pat[i..] match at s? Repetitions are greedy: the longest run is
// tried first, then shorter ones.
static int
match_from(int i, const char *s)
{
  for(; i < npat; i++){
    struct node *n = &pat[i];
    if(n->star){
      int k = 0;
      while(step_ok(n, s[k]))
        k++;
      for(; k >= 0; k--)
        if(match_from(i + 1, s + k))
          return 1;
      return 0;
    }
    if(!step_ok(n, *s))
      return 0;
    s++;
  }
  return !anchor_end || *s == 0;
}

static int
matches(const char *line)
{
  if(anchor_start)
    return match_from(0, line);
  for(const char *s = line;; s++){
    if(match_from(0, s))
      return 1;
    if(*s == 0)
      return 0;
  }
}

// Greps one file; returns the number of selected lines, or -1.
static long
grep(int fd, const char *name, int showname)
{
  static char line[4096];
  struct linebuf lb;
  long lineno = 0, selected = 0;
  int n;

  lb_init(&lb, fd);
  while((n = lb_getline(&lb, line, sizeof(line))) > 0){
    lineno++;
    int nl = line[n - 1] == '\n';
    if(nl)
      line[n - 1] = 0;
    if(matches(line) == invert)
      continue;
    selected++;
    if(quiet || countonly)
      continue;
    if(showname && numbers)
      printf("%s:%ld:%s\n", name, lineno, line);
    else if(showname)
      printf("%s:%s\n", name, line);
    else if(numbers)
      printf("%ld:%s\n", lineno, line);
    else
      printf("%s\n", line);
  }
  if(n < 0){
    eprint("grep", name, n);
    return -1;
  }
  if(countonly && !quiet){
    if(showname)
      printf("%s:%ld\n", name, selected);
    else
      printf("%ld\n", selected);
  }
  return selected;
}

int
main(int argc, char *argv[])
{
  int c, errors = 0;
  long found = 0;

  while((c = getopt(argc, argv, "vcnq")) != -1){
    switch(c){
    case 'v': invert = 1; break;
    case 'c': countonly = 1; break;
    case 'n': numbers = 1; break;
    case 'q': quiet = 1; break;
    default:
      fprintf(2, "usage: grep [-v] [-c] [-n] [-q] pattern [file...]\n");
      return 2;
    }
  }
  if(optind == argc){
    fprintf(2, "usage: grep [-v] [-c] [-n] [-q] pattern [file...]\n");
    return 2;
  }
  if(compile(argv[optind++]) < 0){
    fprintf(2, "grep: pattern too long\n");
    return 2;
  }
  if(optind == argc){
    long r = grep(0, "stdin", 0);
    return r < 0 ? 2 : r > 0 ? 0 : 1;
  }
  int showname = argc - optind > 1;
  for(int i = optind; i < argc; i++){
    int fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      eprint("grep", argv[i], fd);
      errors = 1;
      continue;
    }
    long r = grep(fd, argv[i], showname);
    close(fd);
    if(r < 0)
      errors = 1;
    else
      found += r;
  }
  if(errors)
    return 2;
  return found > 0 ? 0 : 1;
}
