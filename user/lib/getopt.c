// getopt.c: command line option parsing with the traditional interface.
// Options are single letters, may be grouped (-lc), and an option that
// takes an argument ("f:" in optstring) accepts it attached (-fFILE) or
// as the next word (-f FILE). "--" ends the options; so does the first
// word that is not an option (no reordering of argv).
// Pure code apart from the error message, which goes to fd 2.
#include "user.h"

char *optarg;
int optind = 1;
int opterr = 1;
int optopt;

static int pos;     // index inside a group like -abc; 0 = at a new word

void
getopt_reset(void)
{
  optind = 1;
  pos = 0;
  optarg = 0;
  optopt = 0;
}

// Returns the next option letter, '?' for an unknown option or a missing
// argument (':' instead if optstring starts with ':'), -1 at the end.
int
getopt(int argc, char *const argv[], const char *optstring)
{
  int quiet = optstring[0] == ':';
  const char *spec;
  char *word;
  int c;

  optarg = 0;
  if(pos == 0){
    if(optind >= argc || argv[optind] == 0)
      return -1;
    word = argv[optind];
    if(word[0] != '-' || word[1] == 0)    // "-" alone means stdin: an operand
      return -1;
    if(strcmp(word, "--") == 0){
      optind++;
      return -1;
    }
    pos = 1;
  }
  word = argv[optind];
  c = (uchar)word[pos++];
  spec = c == ':' ? 0 : strchr(optstring + quiet, c);

  if(spec == 0){
    optopt = c;
    if(word[pos] == 0){
      optind++;
      pos = 0;
    }
    if(opterr && !quiet)
      fprintf(2, "%s: unknown option -%c\n", argv[0], c);
    return '?';
  }
  if(spec[1] != ':'){
    // a flag: move to the next letter or the next word
    if(word[pos] == 0){
      optind++;
      pos = 0;
    }
    return c;
  }
  // an option with an argument
  if(word[pos] != 0){
    optarg = &word[pos];
    optind++;
  } else if(optind + 1 < argc){
    optarg = argv[optind + 1];
    optind += 2;
  } else {
    optind++;
    pos = 0;
    optopt = c;
    if(opterr && !quiet)
      fprintf(2, "%s: option -%c needs an argument\n", argv[0], c);
    return quiet ? ':' : '?';
  }
  pos = 0;
  return c;
}
