// mkdir.c: make directories.
//   mkdir [-p] dir...     -p: make missing parents, no error if it exists
#include "user.h"
#include "sysparam.h"

static int
mkdir_parents(const char *dir)
{
  char path[MAXPATH];
  int r;

  if(strlcpy(path, dir, sizeof(path)) >= sizeof(path))
    return -ENAMETOOLONG;
  // create each prefix ending before a '/', then the whole path
  for(char *p = path + 1; *p; p++){
    if(*p != '/')
      continue;
    *p = 0;
    r = mkdir(path);
    *p = '/';
    if(r < 0 && r != -EEXIST)
      return r;
  }
  r = mkdir(path);
  if(r == -EEXIST){
    struct stat st;
    // fine if it is a directory already
    if(stat(path, &st) == 0 && st.type == T_DIR)
      return 0;
  }
  return r;
}

int
main(int argc, char *argv[])
{
  int parents = 0, status = 0, c;

  while((c = getopt(argc, argv, "p")) != -1){
    if(c != 'p'){
      fprintf(2, "usage: mkdir [-p] dir...\n");
      return 2;
    }
    parents = 1;
  }
  if(optind == argc){
    fprintf(2, "usage: mkdir [-p] dir...\n");
    return 2;
  }
  for(int i = optind; i < argc; i++){
    int r = parents ? mkdir_parents(argv[i]) : mkdir(argv[i]);
    if(r < 0){
      eprint("mkdir", argv[i], r);
      status = 1;
    }
  }
  return status;
}
