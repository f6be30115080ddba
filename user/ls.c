// ls.c: list directory contents.
//   ls [-l] [path...]
// Without -l one name per line. With -l: type (d directory, - file,
// c device), inode number, size (major,minor for devices) and name.
// There is no stat-by-name system call, so -l opens every entry to fstat
// it; the open uses O_NONBLOCK so that a device whose open could block
// cannot hang ls. Plain ls reads only the directory itself.
#include "user.h"
#include "fsformat.h"
#include "sysparam.h"

static int longfmt;
static int status;

static char
typechar(int type)
{
  return type == T_DIR ? 'd' : type == T_DEVICE ? 'c' : '-';
}

static void
show(const char *name, struct stat *st)
{
  if(!longfmt){
    printf("%s\n", name);
  } else if(st->type == T_DEVICE){
    char mm[24];
    snprintf(mm, sizeof(mm), "%d,%d", st->major, st->minor);
    printf("%c %5u %8s %s\n", typechar(st->type), st->ino, mm, name);
  } else {
    printf("%c %5u %8lu %s\n", typechar(st->type), st->ino, st->size, name);
  }
}

// Opens path (without blocking) and fstats it. Returns an fd, or -errno.
static int
open_nodev(const char *path, struct stat *st)
{
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if(fd < 0)
    return fd;
  int r = fstat(fd, st);
  if(r < 0){
    close(fd);
    return r;
  }
  return fd;
}

// Type, inode and size of dir/name for -l output.
static int
statat(const char *dir, const char *name, struct stat *st)
{
  char path[MAXPATH];
  if(snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
    return -ENAMETOOLONG;
  int fd = open_nodev(path, st);
  if(fd < 0)
    return fd;
  close(fd);
  return 0;
}

static void
listdir(const char *path, int fd)
{
  struct dirent de;
  char name[DIRSIZ + 1];
  int r;

  while((r = read(fd, &de, sizeof(de))) == sizeof(de)){
    if(de.inum == 0)
      continue;
    memcpy(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    if(!longfmt){
      printf("%s\n", name);
      continue;
    }
    struct stat st;
    int e = statat(path, name, &st);
    if(e < 0){
      // still show what the directory says
      eprint("ls", name, e);
      status = 1;
      continue;
    }
    show(name, &st);
  }
  if(r < 0){
    eprint("ls", path, r);
    status = 1;
  }
}

// header: print "path:" above a directory's entries (several operands)
static void
ls(const char *path, int header)
{
  struct stat st;
  int fd = open_nodev(path, &st);
  if(fd < 0){
    eprint("ls", path, fd);
    status = 1;
    return;
  }
  if(st.type == T_DIR){
    if(header)
      printf("%s:\n", path);
    listdir(path, fd);
  } else
    show(path, &st);
  close(fd);
}

int
main(int argc, char *argv[])
{
  int c;
  while((c = getopt(argc, argv, "l")) != -1){
    if(c == 'l')
      longfmt = 1;
    else {
      fprintf(2, "usage: ls [-l] [path...]\n");
      return 2;
    }
  }
  if(optind == argc)
    ls(".", 0);
  for(int i = optind; i < argc; i++)
    ls(argv[i], argc - optind > 1);
  return status;
}
