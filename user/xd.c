// xd: print files (or standard input) as plain hexadecimal, 32 bytes a
// line, like `xxd -p` – a way to carry binary data over the console.
#include "user.h"

static int
dump(int fd)
{
  static const char hex[] = "0123456789abcdef";
  static uint8 buf[32 * 64];
  char line[32 * 2 + 2];
  int n, col = 0;
  while((n = read(fd, buf, sizeof(buf))) > 0){
    for(int i = 0; i < n; i++){
      line[col++] = hex[buf[i] >> 4];
      line[col++] = hex[buf[i] & 15];
      if(col == 64){
        line[col++] = '\n';
        writeall(1, line, col);
        col = 0;
      }
    }
  }
  if(col){
    line[col++] = '\n';
    writeall(1, line, col);
  }
  return n;
}

int
main(int argc, char *argv[])
{
  if(argc == 1)
    return dump(0) < 0;
  for(int i = 1; i < argc; i++){
    int fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      eprint("xd", argv[i], fd);
      return 1;
    }
    int r = dump(fd);
    close(fd);
    if(r < 0){
      eprint("xd", argv[i], r);
      return 1;
    }
  }
  return 0;
}
