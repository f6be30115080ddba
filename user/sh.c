// sh.c: the command interpreter.
//
//   sh               interactive when stdin is the console: prompt "$ "
//   sh FILE [ARGS]   run a script ($0 = FILE, $1.. = ARGS), no prompts
//   sh -c 'CMDS'     run one command line
//
// A line is a list of pipelines separated by ; & && || . A pipeline is
// commands joined by | . A command is words plus redirections < > >> 2>
// and 2>&1. Words may be quoted with '...' (literal) or "..." ($ expands
// inside), a backslash quotes the next character, and # starts a comment.
// Expansions: $? (status of the last foreground pipeline, taken when the
// pipeline that uses it starts, so "false; echo $?" prints 1), $$ (the
// shell's pid), $0..$9 (script arguments). Built in: cd, exit, wait.
// A command name without '/' is looked up in /bin.
//
// Work is split in three steps, each a section below: lex (characters to
// tokens), parse (tokens to pipelines), run (fork, pipes, exec, wait).
#include "user.h"
#include "sysparam.h"

#define MAXLINE   1024
#define MAXTOK    128           // tokens per line
#define MAXPIPE   16            // pipelines per line
#define MAXCMD    16            // commands per pipeline
#define MAXREDIR  4             // redirections per command
#define MAXBG     NPROC         // background jobs remembered

static int interactive;         // print prompts and background pids
static int laststatus;          // $?
static int scriptfd = -1;       // the script being read; closed in children
static int nscriptargs;
static char **scriptargs;       // $0..$9

// ---------------------------------------------------------------- lexing

enum toktype {
  T_WORD, T_PIPE, T_LT, T_GT, T_GTGT, T_ERRGT, T_ERRDUP,
  T_SEMI, T_AMP, T_AND, T_OR
};

struct token {
  enum toktype type;
  char *word;                   // T_WORD: points into the word store
};

struct lexer {
  struct token tok[MAXTOK];
  int ntok;
  char store[2 * MAXLINE];      // expanded words, NUL-separated
  int used;
};

static int
storechar(struct lexer *lx, char c)
{
  if(lx->used >= (int)sizeof(lx->store) - 1){
    fprintf(2, "sh: line too long\n");
    return -1;
  }
  lx->store[lx->used++] = c;
  return 0;
}

// $? cannot be expanded while lexing, because the line's earlier
// pipelines have not run yet. The lexer leaves a mark (LATE, '?') in the
// word and latewords() replaces it just before the pipeline starts. A
// LATE byte typed by the user is stored doubled.
#define LATE '\x01'

static int
storelit(struct lexer *lx, char c)
{
  if(c == LATE && storechar(lx, LATE) < 0)
    return -1;
  return storechar(lx, c);
}

static int
storestr(struct lexer *lx, const char *s)
{
  for(; *s; s++)
    if(storelit(lx, *s) < 0)
      return -1;
  return 0;
}

// Expands the $-construct at *pp (which points at the '$'). Returns 0, or
// -1 on overflow; a '$' that starts nothing we know is kept as it is.
static int
expand(struct lexer *lx, const char **pp)
{
  const char *p = *pp + 1;
  char num[16];

  if(*p == '?'){
    *pp = p + 1;
    if(storechar(lx, LATE) < 0)
      return -1;
    return storechar(lx, '?');
  }
  if(*p == '$'){
    snprintf(num, sizeof(num), "%d", getpid());
    *pp = p + 1;
    return storestr(lx, num);
  }
  if(isdigit(*p)){
    int i = *p - '0';
    *pp = p + 1;
    return i < nscriptargs ? storestr(lx, scriptargs[i]) : 0;
  }
  *pp = p;
  return storechar(lx, '$');
}

static int
addtok(struct lexer *lx, enum toktype type, char *word)
{
  if(lx->ntok == MAXTOK){
    fprintf(2, "sh: too many words\n");
    return -1;
  }
  lx->tok[lx->ntok].type = type;
  lx->tok[lx->ntok].word = word;
  lx->ntok++;
  return 0;
}

static int
ismeta(char c)
{
  return c == '|' || c == '<' || c == '>' || c == ';' || c == '&';
}

// Reads one word (with its quotes and expansions) starting at *pp.
static int
lexword(struct lexer *lx, const char **pp)
{
  const char *p = *pp;
  char *word = lx->store + lx->used;

  while(*p && !isspace(*p) && !ismeta(*p)){
    if(*p == '\''){
      for(p++; *p != '\''; p++){
        if(*p == 0){
          fprintf(2, "sh: unterminated quote\n");
          return -1;
        }
        if(storelit(lx, *p) < 0)
          return -1;
      }
      p++;
    } else if(*p == '"'){
      for(p++; *p != '"';){
        if(*p == 0){
          fprintf(2, "sh: unterminated quote\n");
          return -1;
        }
        if(*p == '$'){
          if(expand(lx, &p) < 0)
            return -1;
          continue;
        }
        if(*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
          p++;
        if(storelit(lx, *p++) < 0)
          return -1;
      }
      p++;
    } else if(*p == '\\'){
      p++;
      if(*p == 0)
        break;
      if(storelit(lx, *p++) < 0)
        return -1;
    } else if(*p == '$'){
      if(expand(lx, &p) < 0)
        return -1;
    } else {
      if(storelit(lx, *p++) < 0)
        return -1;
    }
  }
  if(storechar(lx, 0) < 0)
    return -1;
  *pp = p;
  return addtok(lx, T_WORD, word);
}

// Splits a line into tokens. Returns 0, or -1 after printing an error.
static int
lex(struct lexer *lx, const char *p)
{
  lx->ntok = 0;
  lx->used = 0;
  for(;;){
    while(isspace(*p))
      p++;
    if(*p == 0 || *p == '#')
      return 0;
    int r;
    if(p[0] == '2' && p[1] == '>' && p[2] == '&' && p[3] == '1'){
      r = addtok(lx, T_ERRDUP, 0);
      p += 4;
    } else if(p[0] == '2' && p[1] == '>'){
      r = addtok(lx, T_ERRGT, 0);
      p += 2;
    } else if(p[0] == '>' && p[1] == '>'){
      r = addtok(lx, T_GTGT, 0);
      p += 2;
    } else if(p[0] == '&' && p[1] == '&'){
      r = addtok(lx, T_AND, 0);
      p += 2;
    } else if(p[0] == '|' && p[1] == '|'){
      r = addtok(lx, T_OR, 0);
      p += 2;
    } else if(ismeta(*p)){
      enum toktype t = *p == '|' ? T_PIPE : *p == '<' ? T_LT :
                       *p == '>' ? T_GT : *p == ';' ? T_SEMI : T_AMP;
      r = addtok(lx, t, 0);
      p++;
    } else {
      r = lexword(lx, &p);
    }
    if(r < 0)
      return -1;
  }
}

// --------------------------------------------------------------- parsing

struct redir {
  int fd;             // descriptor to replace (0, 1 or 2)
  char *file;         // file to open, or 0 for 2>&1
  int flags;          // open flags
};

struct cmd {
  char *argv[MAXARG];
  int argc;
  struct redir redir[MAXREDIR];
  int nredir;
};

// How a pipeline is joined to the one before it.
enum join { J_FIRST, J_SEQ, J_AND, J_OR };

struct pipeline {
  struct cmd cmd[MAXCMD];
  int ncmd;
  int background;     // ended by '&'
  enum join join;
};

struct script {
  struct pipeline pl[MAXPIPE];
  int npl;
};

static int
syntax(const char *what)
{
  fprintf(2, "sh: syntax error near %s\n", what);
  return -1;
}

static const char *
tokname(enum toktype t)
{
  static const char *names[] = {
    "word", "|", "<", ">", ">>", "2>", "2>&1", ";", "&", "&&", "||"
  };
  return names[t];
}

// Turns tokens into pipelines. Returns 0, or -1 after printing an error.
static int
parse(struct lexer *lx, struct script *s)
{
  struct pipeline *pl = 0;
  struct cmd *c = 0;
  enum join join = J_FIRST;

  s->npl = 0;
  for(int i = 0; i < lx->ntok; i++){
    struct token *t = &lx->tok[i];

    if(pl == 0){
      if(t->type != T_WORD && t->type != T_LT && t->type != T_GT &&
         t->type != T_GTGT && t->type != T_ERRGT && t->type != T_ERRDUP)
        return syntax(tokname(t->type));
      if(s->npl == MAXPIPE){
        fprintf(2, "sh: too many commands\n");
        return -1;
      }
      pl = &s->pl[s->npl++];
      memset(pl, 0, sizeof(*pl));
      pl->join = join;
      c = &pl->cmd[pl->ncmd++];
    }

    switch(t->type){
    case T_WORD:
      if(c->argc == MAXARG - 1){
        fprintf(2, "sh: too many arguments\n");
        return -1;
      }
      c->argv[c->argc++] = t->word;
      break;
    case T_LT: case T_GT: case T_GTGT: case T_ERRGT: case T_ERRDUP: {
      if(c->nredir == MAXREDIR){
        fprintf(2, "sh: too many redirections\n");
        return -1;
      }
      struct redir *r = &c->redir[c->nredir++];
      r->fd = t->type == T_LT ? 0 : (t->type == T_ERRGT || t->type == T_ERRDUP) ? 2 : 1;
      r->file = 0;
      r->flags = t->type == T_LT ? O_RDONLY :
                 t->type == T_GTGT ? (O_WRONLY | O_CREATE | O_APPEND) :
                 (O_WRONLY | O_CREATE | O_TRUNC);
      if(t->type == T_ERRDUP)
        break;
      if(i + 1 >= lx->ntok || lx->tok[i + 1].type != T_WORD)
        return syntax(i + 1 < lx->ntok ? tokname(lx->tok[i + 1].type) : "end of line");
      r->file = lx->tok[++i].word;
      break;
    }
    case T_PIPE:
      if(c->argc == 0)
        return syntax("|");
      if(pl->ncmd == MAXCMD){
        fprintf(2, "sh: pipeline too long\n");
        return -1;
      }
      c = &pl->cmd[pl->ncmd++];
      break;
    case T_SEMI: case T_AMP: case T_AND: case T_OR:
      if(c->argc == 0)
        return syntax(tokname(t->type));
      pl->background = t->type == T_AMP;
      join = t->type == T_AND ? J_AND : t->type == T_OR ? J_OR : J_SEQ;
      pl = 0;
      c = 0;
      break;
    }
  }
  if(c && c->argc == 0)
    return syntax(pl->ncmd > 1 ? "|" : "end of line");
  if(pl == 0 && join != J_SEQ && join != J_FIRST)
    return syntax("end of line");   // "a &&" with nothing after it
  return 0;
}

// --------------------------------------------------------------- running

static int bgpids[MAXBG];

static void
bg_add(int pid)
{
  for(int i = 0; i < MAXBG; i++){
    if(bgpids[i] == 0){
      bgpids[i] = pid;
      return;
    }
  }
}

static void
bg_forget(int pid)
{
  for(int i = 0; i < MAXBG; i++)
    if(bgpids[i] == pid)
      bgpids[i] = 0;
}

static int
isbuiltin(const char *name)
{
  return strcmp(name, "cd") == 0 || strcmp(name, "exit") == 0 ||
         strcmp(name, "wait") == 0;
}

// Runs a built-in command in the shell process; returns its status.
static int
builtin(struct cmd *c)
{
  if(strcmp(c->argv[0], "cd") == 0){
    const char *dir = c->argc > 1 ? c->argv[1] : "/";
    int r = chdir(dir);
    if(r < 0){
      fprintf(2, "sh: cd: %s: %s\n", dir, strerror(r));
      return 1;
    }
    return 0;
  }
  if(strcmp(c->argv[0], "exit") == 0)
    exit(c->argc > 1 ? atoi(c->argv[1]) : laststatus);
  // wait: collect every child, background jobs included
  int st;
  while(wait(&st) > 0)
    ;
  memset(bgpids, 0, sizeof(bgpids));
  return 0;
}

// In a child: applies the command's redirections. Exits on failure.
static void
redirect(struct cmd *c)
{
  for(int i = 0; i < c->nredir; i++){
    struct redir *r = &c->redir[i];
    if(r->file == 0){             // 2>&1
      dup2(1, 2);
      continue;
    }
    int fd = open(r->file, r->flags);
    if(fd < 0){
      fprintf(2, "sh: cannot open %s: %s\n", r->file, strerror(fd));
      exit(1);
    }
    if(fd != r->fd){
      dup2(fd, r->fd);
      close(fd);
    }
  }
}

// In a child: runs the command; never returns.
static void
runcmd(struct cmd *c)
{
  char path[MAXPATH];
  int r;

  redirect(c);
  if(scriptfd >= 0)
    close(scriptfd);
  if(isbuiltin(c->argv[0]))
    exit(builtin(c));
  c->argv[c->argc] = 0;
  if(strchr(c->argv[0], '/')){
    r = exec(c->argv[0], c->argv);
  } else if(strlen(c->argv[0]) + 6 > sizeof(path)){
    r = -ENAMETOOLONG;
  } else {
    strcpy(path, "/bin/");
    strcat(path, c->argv[0]);
    r = exec(path, c->argv);
  }
  if(r == -ENOENT){
    fprintf(2, "sh: %s: not found\n", c->argv[0]);
    exit(127);
  }
  fprintf(2, "sh: %s: %s\n", c->argv[0], strerror(r));
  exit(126);
}

// Replaces the LATE marks in every word of the pipeline (see storelit).
// The expanded words live in a buffer that lasts until the next pipeline.
static int
latewords(struct pipeline *pl)
{
  static char buf[2 * MAXLINE];
  int used = 0;

  for(int i = 0; i < pl->ncmd; i++){
    struct cmd *c = &pl->cmd[i];
    char **words[MAXARG + MAXREDIR];
    int n = 0;
    for(int k = 0; k < c->argc; k++)
      words[n++] = &c->argv[k];
    for(int k = 0; k < c->nredir; k++)
      if(c->redir[k].file)
        words[n++] = &c->redir[k].file;
    for(int k = 0; k < n; k++){
      char *w = *words[k];
      if(strchr(w, LATE) == 0)
        continue;
      char *out = buf + used;
      for(; *w; w++){
        char num[16];
        const char *add = num;
        if(w[0] == LATE && w[1] == '?'){
          snprintf(num, sizeof(num), "%d", laststatus);
          w++;
        } else {
          if(w[0] == LATE && w[1] == LATE)
            w++;
          num[0] = *w;
          num[1] = 0;
        }
        int len = strlen(add);
        if(used + len + 1 >= (int)sizeof(buf)){
          fprintf(2, "sh: line too long\n");
          return -1;
        }
        memcpy(buf + used, add, len);
        used += len;
      }
      buf[used++] = 0;
      *words[k] = out;
    }
  }
  return 0;
}

// Starts every command of the pipeline, each reading the previous one's
// output. Returns the status of the last command (0 for a background job).
static int
runpipeline(struct pipeline *pl)
{
  int pids[MAXCMD];
  int nstarted = 0, status = 0, infd = -1;

  if(latewords(pl) < 0)
    return 2;
  if(pl->ncmd == 1 && !pl->background && isbuiltin(pl->cmd[0].argv[0]))
    return builtin(&pl->cmd[0]);

  for(int i = 0; i < pl->ncmd; i++){
    int p[2] = { -1, -1 };
    if(i + 1 < pl->ncmd){
      int r = pipe(p);
      if(r < 0){
        fprintf(2, "sh: pipe: %s\n", strerror(r));
        status = 1;
        break;
      }
    }
    int pid = fork();
    if(pid < 0){
      fprintf(2, "sh: fork: %s\n", strerror(pid));
      if(p[0] >= 0){
        close(p[0]);
        close(p[1]);
      }
      status = 1;
      break;
    }
    if(pid == 0){
      if(infd >= 0){
        dup2(infd, 0);
        close(infd);
      }
      if(p[1] >= 0){
        dup2(p[1], 1);
        close(p[1]);
        close(p[0]);
      }
      runcmd(&pl->cmd[i]);
    }
    pids[nstarted++] = pid;
    // the parent keeps only the read end the next command needs
    if(infd >= 0)
      close(infd);
    if(p[1] >= 0)
      close(p[1]);
    infd = p[0];
  }
  if(infd >= 0)
    close(infd);

  if(pl->background){
    for(int i = 0; i < nstarted; i++)
      bg_add(pids[i]);
    if(interactive && nstarted > 0)
      printf("[%d]\n", pids[nstarted - 1]);
    return status;
  }

  // Wait for our commands. Background jobs that finish meanwhile are
  // reaped too, so they do not linger as zombies.
  int left = nstarted;
  while(left > 0){
    int st;
    int pid = wait(&st);
    if(pid < 0)
      break;
    for(int i = 0; i < nstarted; i++){
      if(pids[i] == pid){
        pids[i] = 0;
        left--;
        if(i == pl->ncmd - 1)
          status = st;
      }
    }
    bg_forget(pid);
  }
  return status;
}

// Runs one line of input. Sets $? from each foreground pipeline.
static void
runline(const char *line)
{
  static struct lexer lx;
  static struct script s;

  if(lex(&lx, line) < 0 || parse(&lx, &s) < 0){
    laststatus = 2;
    return;
  }
  for(int i = 0; i < s.npl; i++){
    struct pipeline *pl = &s.pl[i];
    if(pl->join == J_AND && laststatus != 0)
      continue;
    if(pl->join == J_OR && laststatus == 0)
      continue;
    int st = runpipeline(pl);
    if(!pl->background)
      laststatus = st;
  }
}

// Reads lines with `next` until the end and runs them.
static void
runlines(int (*next)(char *buf, int max, void *arg), void *arg)
{
  static char line[MAXLINE];

  for(;;){
    if(interactive)
      fputs("$ ", 2);
    int n = next(line, sizeof(line), arg);
    if(n <= 0)
      return;
    if(line[n - 1] != '\n' && n == sizeof(line) - 1){
      // overlong line: drop the rest of it and report
      do {
        n = next(line, sizeof(line), arg);
      } while(n > 0 && line[n - 1] != '\n');
      fprintf(2, "sh: line too long\n");
      laststatus = 2;
      continue;
    }
    runline(line);
  }
}

static int
next_stdin(char *buf, int max, void *arg)
{
  (void)arg;
  // one byte at a time: commands we start may read the rest of stdin
  return readline(0, buf, max);
}

static int
next_script(char *buf, int max, void *arg)
{
  return lb_getline((struct linebuf *)arg, buf, max);
}

int
main(int argc, char *argv[])
{
  if(argc >= 3 && strcmp(argv[1], "-c") == 0){
    scriptargs = argv + 2;        // sh -c CMDS [$0 [$1...]]
    nscriptargs = argc - 2;
    runline(argv[2]);
    return laststatus;
  }
  if(argc >= 2){
    static struct linebuf lb;
    int fd = open(argv[1], O_RDONLY);
    if(fd < 0){
      fprintf(2, "sh: cannot open %s: %s\n", argv[1], strerror(fd));
      return 127;
    }
    scriptfd = fd;
    scriptargs = argv + 1;
    nscriptargs = argc - 1;
    lb_init(&lb, fd);
    runlines(next_script, &lb);
    return laststatus;
  }
  scriptargs = argv;
  nscriptargs = 1;
  interactive = isconsole(0);
  runlines(next_stdin, 0);
  return laststatus;
}
