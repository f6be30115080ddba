// mv.c: rename files.
//   mv old new          rename (replacing new if it is a file)
//   mv path... dir      move into an existing directory
#include "user.h"
#include "sysparam.h"

static int
isdir(const char *path)
{
  struct stat st;
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if(fd < 0)
    return 0;
  int r = fstat(fd, &st) == 0 && st.type == T_DIR;
  close(fd);
  return r;
}

static const char *
basename(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static int
move(const char *from, const char *to)
{
  int r = rename(from, to);
  if(r < 0){
    fprintf(2, "mv: %s -> %s: %s\n", from, to, strerror(r));
    return 1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  const char *dst;
  int status = 0;

  if(argc < 3){
    fprintf(2, "usage: mv old new | mv path... dir\n");
    return 2;
  }
  dst = argv[argc - 1];
  if(!isdir(dst)){
    if(argc != 3){
      fprintf(2, "mv: %s: not a directory\n", dst);
      return 1;
    }
    return move(argv[1], dst);
  }
  for(int i = 1; i < argc - 1; i++){
    char path[MAXPATH];
    if(snprintf(path, sizeof(path), "%s/%s", dst, basename(argv[i])) >= (int)sizeof(path)){
      eprint("mv", argv[i], -ENAMETOOLONG);
      status = 1;
      continue;
    }
    status |= move(argv[i], path);
  }
  return status;
}
