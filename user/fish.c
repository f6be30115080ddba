// fish: the FiSh client command (docs/fish.md).
//
//   fish ping                      who is in the school (name and address)
//   fish school                    the school as the driver knows it, no ping
//   fish list NODE                 the files NODE shares
//   fish get [-v] NODE FILE [DEST] fetch FILE into DEST (default: FILE here)
//   fish ctl [SETTING VALUE]       show the driver's settings and counters,
//                                  or change one (wait, timeout, window ...)
//
// Everything goes through the fish driver's files: /dev/fish/ping, and
// /dev/fish/req, where a request line is written and its answer read on
// the same open file. A fetched file appears under its name only when it
// is complete and checked: it is written to a temporary name in the same
// directory and renamed, so a failed transfer leaves nothing behind.
// Exit status: 0 done, 1 failed (no such file, unknown node, no answer,
// bad checksum, the node left the school, too large), 2 usage.
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"
#include "net/fish.h"
#include "sysparam.h"

static const char *prog = "fish";
static char buf[16384];

static void
usage(void)
{
  fprintf(2, "usage: fish ping | school | list NODE | get [-v] NODE FILE [DEST] |"
             " ctl [SETTING VALUE]\n");
  exit(2);
}

// Why a request failed, in the protocol's words.
static const char *
why(int err)
{
  switch(-err){
  case ENOENT:       return "no such file";
  case EHOSTUNREACH: return "unknown node (no answer to a ping)";
  case ETIMEDOUT:    return "no answer (timed out)";
  case EIO:          return "checksum mismatch";
  case ENAMETOOLONG: return "name too long (classic nodes take 7 characters)";
  case ENETDOWN:     return "fish is not linked to a network (is fishd running?)";
  case ENXIO:        return "the node left the school (its slot went to another; ping again)";
  case EFBIG:        return "file too large (FiSh takes at most 2^40 bytes)";
  case E2BIG:        return "listing too long (FiSh takes at most 65536 names)";
  default:           return strerror(err);
  }
}

static int
copy_out(const char *path)
{
  int fd = open(path, O_RDONLY);
  if(fd < 0){
    eprint(prog, path, fd);
    return 1;
  }
  int r;
  while((r = read(fd, buf, sizeof(buf))) > 0)
    writeall(1, buf, r);
  close(fd);
  if(r < 0){
    fprintf(2, "%s: %s\n", prog, why(r));
    return 1;
  }
  return 0;
}

// Open /dev/fish/req and send a request line.
static int
request(const char *line)
{
  int fd = open("/dev/fish/req", O_RDWR);
  if(fd < 0)
    die(prog, "/dev/fish/req", fd);
  int r = write(fd, line, strlen(line));
  if(r < 0)
    die(prog, "request", r);
  return fd;
}

static int
list(const char *node)
{
  char line[80];
  snprintf(line, sizeof(line), "list %s", node);
  int fd = request(line), r;
  while((r = read(fd, buf, sizeof(buf))) > 0)
    writeall(1, buf, r);
  close(fd);
  if(r < 0){
    fprintf(2, "%s: list %s: %s\n", prog, node, why(r));
    return 1;
  }
  return 0;
}

static int
get(int verbose, const char *node, const char *file, const char *dest)
{
  char line[96], tmp[MAXPATH];
  if(strlen(file) > FISH_NAMEMAX || strlen(node) >= FISH_MAXNAME){
    fprintf(2, "%s: get %s %s: %s\n", prog, node, file, why(-ENAMETOOLONG));
    return 1;
  }
  // the temporary file lives next to the destination (rename stays in
  // one directory)
  const char *slash = strrchr(dest, '/');
  int dirlen = slash ? slash - dest + 1 : 0;
  if(dirlen + 16 >= (int)sizeof(tmp)){
    fprintf(2, "%s: %s: path too long\n", prog, dest);
    return 1;
  }
  memmove(tmp, dest, dirlen);
  snprintf(tmp + dirlen, sizeof(tmp) - dirlen, ".fish.%d", getpid());

  // A device (/dev/null, for measurements) is written directly.
  struct stat st;
  int device = stat(dest, &st) == 0 && st.type == T_DEVICE;

  snprintf(line, sizeof(line), "get %s %s", node, file);
  int fd = request(line);
  int out = device ? open(dest, O_WRONLY) : open(tmp, O_WRONLY | O_CREATE | O_TRUNC);
  if(out < 0){
    close(fd);
    eprint(prog, tmp, out);
    return 1;
  }
  long total = 0, next = 0;
  int r, w = 0;
  while((r = read(fd, buf, sizeof(buf))) > 0){
    if((w = writeall(out, buf, r)) < 0)
      break;
    total += r;
    if(verbose && total >= next){
      printf("fish: %s: %ld bytes so far\n", file, total);
      next = total + 1024 * 1024;
    }
  }
  close(fd);
  close(out);
  if(r < 0 || w < 0){
    if(!device)
      unlink(tmp);
    if(w < 0)
      eprint(prog, dest, w);
    else
      fprintf(2, "%s: get %s %s: %s\n", prog, node, file, why(r));
    return 1;
  }
  // rename replaces an existing DEST in one step: readers see the old
  // file or the new one, never a part
  if(!device){
    if((r = rename(tmp, dest)) < 0){
      unlink(tmp);
      eprint(prog, dest, r);
      return 1;
    }
  }
  printf("fish: got %s from %s: %ld bytes\n", file, node, total);
  return 0;
}

static int
ctl(int argc, char *argv[])
{
  if(argc == 0)
    return copy_out("/dev/fish/ctl");
  char text[NETCTL_MAX] = "";
  for(int i = 0; i < argc; i++){
    if(i)
      strlcpy(text + strlen(text), " ", sizeof(text) - strlen(text));
    strlcpy(text + strlen(text), argv[i], sizeof(text) - strlen(text));
  }
  int fd = open("/dev/fish/ctl", O_RDWR);
  if(fd < 0)
    die(prog, "/dev/fish/ctl", fd);
  static char b[STRIOCMAX];   // the answer may be this long
  int n = strlen(text);
  memmove(b, text, n);
  struct strioctl sc = { NET_CTL, 0, n, b };
  int r = ioctl(fd, I_STR, (long)&sc);
  close(fd);
  if(r < 0){
    fprintf(2, "%s: ctl %s: %s\n", prog, text, strerror(r));
    return 1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  if(argc < 2)
    usage();
  const char *cmd = argv[1];
  if(strcmp(cmd, "ping") == 0 && argc == 2)
    return copy_out("/dev/fish/ping");
  if(strcmp(cmd, "school") == 0 && argc == 2)
    return copy_out("/dev/fish/school");
  if(strcmp(cmd, "list") == 0 && argc == 3)
    return list(argv[2]);
  if(strcmp(cmd, "ctl") == 0)
    return ctl(argc - 2, argv + 2);
  if(strcmp(cmd, "get") == 0){
    int verbose = 0, i = 2;
    if(i < argc && strcmp(argv[i], "-v") == 0){
      verbose = 1;
      i++;
    }
    if(argc - i == 2)
      return get(verbose, argv[i], argv[i + 1], argv[i + 1]);
    if(argc - i == 3)
      return get(verbose, argv[i], argv[i + 1], argv[i + 2]);
  }
  usage();
  return 2;
}
