// dev.c: the device switch. Built-in devices have fixed major numbers
// (file.h); every other driver asks for one at boot with devsw_register
// and names its files with devnode_add. /dev/devices lists those names so
// that init can create the files: the disk image never has to know which
// drivers a kernel was built with.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "file.h"
#include "defs.h"

struct devsw devsw[NDEV];
static const char *devnames[NDEV];

#define NDEVNODE 128
#define DEVPATH 48
static struct {
  struct spinlock lock;
  int n;
  struct { char path[DEVPATH]; short major, minor; } node[NDEVNODE];
} nodes;

int
devsw_register(const char *name, struct devsw *d)
{
  acquire(&nodes.lock);
  for(int m = DEVLIST + 1; m < NDEV; m++){
    if(devnames[m] == 0){
      devnames[m] = name;
      devsw[m] = *d;
      release(&nodes.lock);
      return m;
    }
  }
  release(&nodes.lock);
  printf("devsw_register: no major left for %s\n", name);
  return -ENODEV;
}

const char *
devsw_name(int major)
{
  if(major < 0 || major >= NDEV)
    return 0;
  return devnames[major];
}

int
devnode_add(const char *path, int major, int minor)
{
  if(strlen(path) >= DEVPATH || path[0] == 0 || path[0] == '/')
    return -EINVAL;
  acquire(&nodes.lock);
  if(nodes.n == NDEVNODE){
    release(&nodes.lock);
    return -ENOSPC;
  }
  safestrcpy(nodes.node[nodes.n].path, path, DEVPATH);
  nodes.node[nodes.n].major = major;
  nodes.node[nodes.n].minor = minor;
  nodes.n++;
  release(&nodes.lock);
  return 0;
}

// /dev/devices: "path major minor" lines, read like a file.
static int
devlist_read(struct file *f, uint64 dst, int n)
{
  char line[DEVPATH + 24];
  uint64 pos = 0;     // byte offset of the current line in the listing
  int done = 0;
  acquire(&nodes.lock);
  for(int i = 0; i < nodes.n && done < n; i++){
    int len = snprintf(line, sizeof(line), "%s %d %d\n", nodes.node[i].path,
                       nodes.node[i].major, nodes.node[i].minor);
    if(f->off < pos + len){
      int skip = f->off - pos;
      int m = len - skip;
      if(m > n - done)
        m = n - done;
      release(&nodes.lock);
      if(copyout_user(dst + done, line + skip, m) < 0)
        return done > 0 ? done : -EFAULT;
      acquire(&nodes.lock);
      done += m;
      f->off += m;
    }
    pos += len;
  }
  release(&nodes.lock);
  return done;
}

// /dev/null (minor 0) swallows writes and reads as empty; /dev/zero
// (minor 1) reads as zeros.
static int
null_read(struct file *f, uint64 dst, int n)
{
  if(f->minor != 1)
    return 0;
  static const char zeros[512];
  int done = 0;
  while(done < n){
    int m = n - done < 512 ? n - done : 512;
    if(copyout_user(dst + done, zeros, m) < 0)
      return done > 0 ? done : -EFAULT;
    done += m;
  }
  return done;
}

static int
null_write(struct file *f, uint64 src, int n)
{
  return n;
}

void
devinit(void)
{
  initlock(&nodes.lock, "devnodes");
  devnames[CONSOLE] = "console";
  devnames[DEVNULL] = "null";
  devnames[DEVLIST] = "devices";
  devsw[DEVNULL].read = null_read;
  devsw[DEVNULL].write = null_write;
  devsw[DEVLIST].read = devlist_read;
}
