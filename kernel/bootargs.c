// bootargs.c: the kernel command line. QEMU passes a flattened device
// tree (FDT) to the kernel with its address in a1; the text given with
// -append sits in the /chosen node's "bootargs" property. We copy it out
// at boot and offer it as /dev/bootargs, so user space (init, netup) can
// choose a configuration per guest, e.g. "net=lan node=3".
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "file.h"
#include "defs.h"

uint64 boot_dtb;              // set by start() from a1
static char args[256];
int have_sswi;                // the device tree lists an ACLINT SSWI

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static uint32
be32(const void *p)
{
  const uint8 *b = p;
  return ((uint32)b[0] << 24) | ((uint32)b[1] << 16) | ((uint32)b[2] << 8) | b[3];
}

// Walk the structure block looking for /chosen/bootargs and for the
// ACLINT SSWI node (inter-processor interrupts). The tree comes from QEMU,
// but a bad one must still only make us find nothing.
static void
parse_fdt(const uint8 *fdt)
{
  if(be32(fdt) != FDT_MAGIC)
    return;
  uint32 total = be32(fdt + 4);
  uint32 off_struct = be32(fdt + 8), off_strings = be32(fdt + 12);
  uint32 size_struct = be32(fdt + 36);
  if(total > (1 << 20) || off_struct >= total || off_strings >= total ||
     size_struct > total - off_struct)
    return;
  const uint8 *p = fdt + off_struct, *end = p + size_struct;
  int depth = 0, in_chosen = 0;
  while(p + 4 <= end){
    uint32 tok = be32(p);
    p += 4;
    if(tok == FDT_BEGIN_NODE){
      const char *name = (const char *)p;
      int len = strlen(name);
      depth++;
      if(depth == 2 && strncmp(name, "chosen", 6) == 0 && (name[6] == 0 || name[6] == '@'))
        in_chosen = 1;
      if(strcmp(name, "sswi@2f00000") == 0)
        have_sswi = 1;
      p += (len + 1 + 3) & ~3;
    } else if(tok == FDT_END_NODE){
      if(depth == 2)
        in_chosen = 0;
      depth--;
    } else if(tok == FDT_PROP){
      if(p + 8 > end)
        return;
      uint32 len = be32(p), nameoff = be32(p + 4);
      p += 8;
      if(len > (uint32)(end - p) || off_strings + nameoff >= total)
        return;
      const char *pname = (const char *)fdt + off_strings + nameoff;
      if(in_chosen && strcmp(pname, "bootargs") == 0){
        int n = len < sizeof(args) - 1 ? len : sizeof(args) - 1;
        memmove(args, p, n);
        args[n] = 0;
      }
      p += (len + 3) & ~3;
    } else if(tok == FDT_NOP){
      continue;
    } else {
      return;
    }
  }
}

static int
bootargs_read(struct file *f, uint64 dst, int n)
{
  int len = strlen(args);
  char line[sizeof(args) + 1];
  memmove(line, args, len);
  line[len++] = '\n';
  if(f->off >= (uint64)len)
    return 0;
  int m = len - f->off < (uint64)n ? len - f->off : n;
  if(copyout_user(dst, line + f->off, m) < 0)
    return -EFAULT;
  f->off += m;
  return m;
}

static struct devsw bootargs_dev = { .read = bootargs_read };

void
bootargs_init(void)
{
  // The DTB sits in RAM that the page allocator may have handed out
  // already: parse it before anything else touches memory (main calls
  // us first), here only the device is registered.
  int major = devsw_register("bootargs", &bootargs_dev);
  if(major > 0)
    devnode_add("bootargs", major, 0);
  if(args[0])
    printf("bootargs: %s\n", args);
}

void
bootargs_early(void)
{
  if(boot_dtb >= 0x80000000UL && boot_dtb < 0x80000000UL + (256UL << 20))
    parse_fdt((const uint8 *)boot_dtb);
}
