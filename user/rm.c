// rm.c: remove files.
//   rm [-r] [-f] path...
// A directory is removed with unlink(2) when it is empty; -r empties it
// first, depth first. -f: no message for names that do not exist.
#include "user.h"
#include "fsformat.h"
#include "sysparam.h"

static int recursive, force;

static int rmpath(const char *path);

// Removes everything inside the directory open on fd.
static int
empty_dir(const char *path, int fd)
{
  struct dirent de;
  char name[DIRSIZ + 1];
  char sub[MAXPATH];
  int status = 0, r;

  while((r = read(fd, &de, sizeof(de))) == sizeof(de)){
    if(de.inum == 0)
      continue;
    memcpy(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    if(strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
      continue;
    if(snprintf(sub, sizeof(sub), "%s/%s", path, name) >= (int)sizeof(sub)){
      eprint("rm", name, -ENAMETOOLONG);
      status = -1;
      continue;
    }
    if(rmpath(sub) < 0)
      status = -1;
  }
  if(r < 0){
    eprint("rm", path, r);
    return -1;
  }
  return status;
}

// Returns 0, or -1 after printing why not.
static int
rmpath(const char *path)
{
  if(recursive){
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if(fd >= 0 && fstat(fd, &st) == 0 && st.type == T_DIR){
      int r = empty_dir(path, fd);
      close(fd);
      if(r < 0)
        return -1;     // the directory cannot be empty now
    } else if(fd >= 0){
      close(fd);
    }
  }
  int r = unlink(path);
  if(r < 0 && !(force && r == -ENOENT)){
    eprint("rm", path, r);
    return -1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int c, status = 0;
  while((c = getopt(argc, argv, "rRf")) != -1){
    if(c == 'r' || c == 'R')
      recursive = 1;
    else if(c == 'f')
      force = 1;
    else {
      fprintf(2, "usage: rm [-r] [-f] path...\n");
      return 2;
    }
  }
  if(optind == argc && !force){
    fprintf(2, "usage: rm [-r] [-f] path...\n");
    return 2;
  }
  for(int i = optind; i < argc; i++)
    if(rmpath(argv[i]) < 0)
      status = 1;
  return status;
}
