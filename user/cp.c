// cp.c: copy files.
//   cp src dst          copy src to the file dst (created or truncated)
//   cp src... dir       copy into an existing directory
#include "user.h"
#include "sysparam.h"

static char buf[8192];

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
copy(const char *from, const char *to)
{
  int in, out, n, status = 0;

  in = open(from, O_RDONLY);
  if(in < 0){
    eprint("cp", from, in);
    return 1;
  }
  struct stat sst, dst;
  if(fstat(in, &sst) == 0 && sst.type == T_DIR){
    eprint("cp", from, -EISDIR);
    close(in);
    return 1;
  }
  // truncating the destination would destroy a source that is the same file
  if(stat(to, &dst) == 0 && dst.dev == sst.dev && dst.ino == sst.ino){
    fprintf(2, "cp: %s and %s are the same file\n", from, to);
    close(in);
    return 1;
  }
  out = open(to, O_WRONLY | O_CREATE | O_TRUNC);
  if(out < 0){
    eprint("cp", to, out);
    close(in);
    return 1;
  }
  while((n = read(in, buf, sizeof(buf))) > 0){
    int r = writeall(out, buf, n);
    if(r < 0){
      eprint("cp", to, r);
      status = 1;
      break;
    }
  }
  if(n < 0){
    eprint("cp", from, n);
    status = 1;
  }
  close(in);
  close(out);
  return status;
}

int
main(int argc, char *argv[])
{
  const char *dst;
  int status = 0;

  if(argc < 3){
    fprintf(2, "usage: cp src dst | cp src... dir\n");
    return 2;
  }
  dst = argv[argc - 1];
  if(!isdir(dst)){
    if(argc != 3){
      fprintf(2, "cp: %s: not a directory\n", dst);
      return 1;
    }
    return copy(argv[1], dst);
  }
  for(int i = 1; i < argc - 1; i++){
    char path[MAXPATH];
    if(snprintf(path, sizeof(path), "%s/%s", dst, basename(argv[i])) >= (int)sizeof(path)){
      eprint("cp", argv[i], -ENAMETOOLONG);
      status = 1;
      continue;
    }
    status |= copy(argv[i], path);
  }
  return status;
}
