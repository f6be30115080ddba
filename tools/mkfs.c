// mkfs.c: host program that builds the disk image the kernel boots from.
//
//   mkfs IMAGE SPEC
//
// SPEC is a text file, one entry per line ('#' starts a comment):
//   dir  /PATH                  a directory (parents are made as needed)
//   file /PATH HOSTFILE         a copy of a file of the host
//   dev  /PATH MAJOR MINOR      a device file
//
// The image has the layout of kernel/fs.h with FSSIZE blocks. Blocks and
// inodes are handed out in order, entries appear in spec order, and
// nothing depends on the clock or the host: the same spec and files give
// the same image, byte for byte. Any problem (missing host file, name
// too long, image full) stops mkfs with a message and exit status 1; the
// image is built in memory and written only when everything worked.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Kernel headers: plain types and the on-disk format only.
#include "types.h"
#include "param.h"
#include "stat.h"
#include "fsformat.h"

#define NINODES 2048   // inodes in the image: 256 blocks of them

static uchar *img;                 // the whole image, built in memory
static struct superblock sb;
static uint next_inum = ROOTINO;   // next free inode
static uint next_block;            // next free data block
static const char *image_path;
static const char *spec_path;
static int spec_line;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  fprintf(stderr, "mkfs: ");
  if(spec_line)
    fprintf(stderr, "%s:%d: ", spec_path, spec_line);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  __builtin_va_end(ap);
  if(image_path)
    remove(image_path);
  exit(1);
}

static uchar *
block(uint b)
{
  if(b >= sb.size)
    die("internal error: block %u out of range", b);
  return img + (uint64)b * BSIZE;
}

static struct dinode *
dinode(uint inum)
{
  return (struct dinode *)block(IBLOCK(inum, sb)) + inum % IPB;
}

static uint
alloc_block(void)
{
  if(next_block >= sb.size)
    die("image full: more than %u blocks of %u bytes needed", sb.size, BSIZE);
  return next_block++;   // already zero: the image starts zeroed
}

static uint
alloc_inode(short type)
{
  if(next_inum >= sb.ninodes)
    die("image full: more than %u inodes needed", sb.ninodes - 1);
  uint inum = next_inum++;
  struct dinode *d = dinode(inum);
  d->type = type;
  d->nlink = 0;
  return inum;
}

// The block slot *slot, allocating the block if it is still 0.
static uint
slot_block(uint *slot)
{
  if(*slot == 0)
    *slot = alloc_block();
  return *slot;
}

// Disk block for file block bn of inode d, allocated as needed.
static uint
file_block(struct dinode *d, uint bn)
{
  if(bn < NDIRECT)
    return slot_block(&d->addrs[bn]);
  bn -= NDIRECT;
  if(bn < NINDIRECT){
    uint ind = slot_block(&d->addrs[INDIRECT_SLOT]);
    return slot_block((uint *)block(ind) + bn);
  }
  bn -= NINDIRECT;
  if(bn < NDINDIRECT){
    uint top = slot_block(&d->addrs[DINDIRECT_SLOT]);
    uint mid = slot_block((uint *)block(top) + bn / NINDIRECT);
    return slot_block((uint *)block(mid) + bn % NINDIRECT);
  }
  die("file too big: more than %u bytes", (uint)MAXFILESIZE);
}

static void
append(uint inum, const void *data, uint n)
{
  const uchar *p = data;
  while(n > 0){
    struct dinode *d = dinode(inum);
    uint off = d->size;
    if((uint64)off + n > MAXFILESIZE)
      die("file too big: more than %u bytes", (uint)MAXFILESIZE);
    uint m = BSIZE - off % BSIZE;
    if(m > n)
      m = n;
    uint b = file_block(d, off / BSIZE);
    memcpy(block(b) + off % BSIZE, p, m);
    d->size += m;
    p += m;
    n -= m;
  }
}

// Look name up in directory dir; 0 if absent.
static uint
dir_lookup(uint dir, const char *name)
{
  struct dinode *d = dinode(dir);
  for(uint off = 0; off < d->size; off += sizeof(struct dirent)){
    uint b = file_block(d, off / BSIZE);   // all allocated already
    struct dirent *de = (struct dirent *)(block(b) + off % BSIZE);
    if(de->inum != 0 && strncmp(de->name, name, DIRSIZ) == 0)
      return de->inum;
  }
  return 0;
}

static void
dir_add(uint dir, const char *name, uint inum)
{
  struct dirent de;
  memset(&de, 0, sizeof(de));
  memcpy(de.name, name, strlen(name));   // at most DIRSIZ: next_elem checked
  de.inum = inum;
  append(dir, &de, sizeof(de));
  // "." does not count as a link (the kernel's convention too).
  if(strcmp(name, ".") != 0)
    dinode(inum)->nlink++;
}

static uint
make_dir(uint parent, const char *name)
{
  uint inum = alloc_inode(T_DIR);
  dir_add(inum, ".", inum);
  dir_add(inum, "..", parent ? parent : inum);
  if(parent)
    dir_add(parent, name, inum);
  return inum;
}

// Split path into its elements one at a time: copies the next element
// of *pp into name and advances. Returns 0 when none is left.
static int
next_elem(const char **pp, char *name)
{
  const char *p = *pp;
  while(*p == '/')
    p++;
  if(*p == 0)
    return 0;
  const char *s = p;
  while(*p && *p != '/')
    p++;
  size_t len = p - s;
  if(len > DIRSIZ)
    die("name '%.*s' too long: at most %d characters", (int)len, s, DIRSIZ);
  if((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
    die("'.' and '..' are not allowed in spec paths");
  memcpy(name, s, len);
  name[len] = 0;
  *pp = p;
  return 1;
}

// The directory holding the last element of path (made if missing), and
// that element in name.
static uint
parent_of(const char *path, char *name)
{
  if(path[0] != '/')
    die("path '%s' must start with /", path);
  uint dir = ROOTINO;
  const char *p = path;
  char elem[DIRSIZ + 1];
  if(!next_elem(&p, elem))
    die("path '%s' names the root", path);
  for(;;){
    const char *rest = p;
    char next[DIRSIZ + 1];
    if(!next_elem(&rest, next))
      break;   // elem is the last element
    uint sub = dir_lookup(dir, elem);
    if(sub == 0)
      sub = make_dir(dir, elem);
    else if(dinode(sub)->type != T_DIR)
      die("'%s' in path '%s' is not a directory", elem, path);
    dir = sub;
    memcpy(elem, next, sizeof(elem));
    p = rest;
  }
  strcpy(name, elem);
  return dir;
}

static void
add_dir(const char *path)
{
  char name[DIRSIZ + 1];
  uint dir = parent_of(path, name);
  uint old = dir_lookup(dir, name);
  if(old == 0)
    make_dir(dir, name);
  else if(dinode(old)->type != T_DIR)
    die("'%s' already exists and is not a directory", path);
}

static uint
add_new(const char *path, short type)
{
  char name[DIRSIZ + 1];
  uint dir = parent_of(path, name);
  if(dir_lookup(dir, name))
    die("'%s' is listed twice", path);
  uint inum = alloc_inode(type);
  dir_add(dir, name, inum);
  return inum;
}

static void
add_file(const char *path, const char *hostfile)
{
  FILE *f = fopen(hostfile, "rb");
  if(f == 0){
    fprintf(stderr, "mkfs: %s:%d: cannot open host file '%s': ", spec_path,
            spec_line, hostfile);
    perror(0);
    if(image_path)
      remove(image_path);
    exit(1);
  }
  uint inum = add_new(path, T_FILE);
  uchar buf[8192];
  size_t n;
  while((n = fread(buf, 1, sizeof(buf), f)) > 0)
    append(inum, buf, n);
  if(ferror(f))
    die("error reading host file '%s'", hostfile);
  fclose(f);
}

static void
add_dev(const char *path, const char *smajor, const char *sminor)
{
  char *end1, *end2;
  long major = strtol(smajor, &end1, 10);
  long minor = strtol(sminor, &end2, 10);
  if(*smajor == 0 || *end1 || *sminor == 0 || *end2 ||
     major < 0 || major >= NDEV || minor < 0 || minor > 32767)
    die("bad device numbers '%s %s' (major 0..%d, minor 0..32767)",
        smajor, sminor, NDEV - 1);
  uint inum = add_new(path, T_DEVICE);
  dinode(inum)->major = major;
  dinode(inum)->minor = minor;
}

// Split a line into at most max words; the last word takes the rest of
// the line (so a host file name may contain spaces).
static int
split(char *line, char **w, int max)
{
  int n = 0;
  char *p = line;
  while(n < max){
    while(*p == ' ' || *p == '\t')
      p++;
    if(*p == 0)
      break;
    w[n++] = p;
    if(n == max)
      break;
    while(*p && *p != ' ' && *p != '\t')
      p++;
    if(*p)
      *p++ = 0;
  }
  if(n > 0){
    // trim trailing blanks of the last word
    char *e = w[n - 1] + strlen(w[n - 1]);
    while(e > w[n - 1] && (e[-1] == ' ' || e[-1] == '\t'))
      *--e = 0;
  }
  return n;
}

static void
read_spec(void)
{
  FILE *f = fopen(spec_path, "r");
  if(f == 0){
    fprintf(stderr, "mkfs: cannot open spec '%s': ", spec_path);
    perror(0);
    exit(1);
  }
  char line[4096];
  while(fgets(line, sizeof(line), f)){
    spec_line++;
    size_t len = strlen(line);
    if(len == sizeof(line) - 1 && line[len - 1] != '\n')
      die("line too long");
    line[strcspn(line, "\r\n")] = 0;
    char *hash = strchr(line, '#');
    if(hash)
      *hash = 0;
    char *w[4];
    int n = split(line, w, 4);
    if(n == 0)
      continue;
    if(strcmp(w[0], "dir") == 0 && n == 2)
      add_dir(w[1]);
    else if(strcmp(w[0], "file") == 0 && n == 3)
      add_file(w[1], w[2]);
    else if(strcmp(w[0], "dev") == 0 && n == 4)
      add_dev(w[1], w[2], w[3]);
    else
      die("expected 'dir /PATH', 'file /PATH HOSTFILE' or 'dev /PATH MAJOR MINOR'");
  }
  fclose(f);
  spec_line = 0;
}

int
main(int argc, char **argv)
{
  if(argc != 3){
    fprintf(stderr, "usage: mkfs IMAGE SPEC\n");
    return 2;
  }
  spec_path = argv[2];

  uint nlog = LOGSIZE + 1;
  uint ninodeblocks = (NINODES + IPB - 1) / IPB;
  uint nbitmap = (FSSIZE + BPB - 1) / BPB;
  sb.magic = FSMAGIC;
  sb.size = FSSIZE;
  sb.ninodes = NINODES;
  sb.nlog = nlog;
  sb.logstart = 2;
  sb.inodestart = sb.logstart + nlog;
  sb.bmapstart = sb.inodestart + ninodeblocks;
  uint datastart = sb.bmapstart + nbitmap;
  sb.nblocks = FSSIZE - datastart;
  next_block = datastart;

  img = calloc(FSSIZE, BSIZE);
  if(img == 0){
    fprintf(stderr, "mkfs: out of memory\n");
    return 1;
  }

  uint root = make_dir(0, "/");
  if(root != ROOTINO)
    die("internal error: root is inode %u", root);
  read_spec();

  // The free map: everything below next_block is in use.
  for(uint b = 0; b < next_block; b++)
    block(BBLOCK(b, sb))[(b % BPB) / 8] |= 1 << (b % 8);
  memcpy(block(1), &sb, sizeof(sb));

  image_path = argv[1];
  FILE *out = fopen(image_path, "wb");
  if(out == 0){
    fprintf(stderr, "mkfs: cannot create '%s': ", image_path);
    perror(0);
    return 1;
  }
  if(fwrite(img, BSIZE, FSSIZE, out) != FSSIZE || fclose(out) != 0)
    die("error writing the image");
  printf("mkfs: %s: %u blocks (%u used), %u inodes (%u used)\n", image_path,
         sb.size, next_block, sb.ninodes, next_inum - 1);
  return 0;
}
