// fsck.c: host program that checks a disk image made by mkfs and used by
// the kernel, and reads files out of it. Used by the host tests and to
// check the disk after a guest run or a simulated crash.
//
//   fsck [-l] [-x /PATH] IMAGE
//
// A committed transaction still in the log is replayed first (in memory
// only), as the kernel would do at boot. Then every rule of the on-disk
// format is checked: superblock layout, directory structure ("." and
// "..", names, no directory reachable twice), link counts, block
// ownership (each block used once, inside the data area) and the free
// map (exactly the used blocks marked). Problems are printed one a line;
// the exit status is 0 for a clean image, 1 otherwise, 2 for bad usage.
//
// -l lists every path with its inode, type, links and size.
// -x /PATH copies that file's contents to standard output (and skips the
//    summary line, so the output is just the file).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "param.h"
#include "stat.h"
#include "fsformat.h"

static uchar *img;
static uint64 imgblocks;
static struct superblock sb;
static uint datastart;
static int nerrors;
static int quiet;

static uchar *owner_seen;   // per block: already owned by some inode
static ushort *refs;        // per inode: directory entries naming it
static uchar *dir_seen;     // per inode: directory already walked

static void __attribute__((format(printf, 1, 2)))
problem(const char *fmt, ...)
{
  __builtin_va_list ap;
  __builtin_va_start(ap, fmt);
  fprintf(stderr, "fsck: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  __builtin_va_end(ap);
  nerrors++;
}

static uchar *
block(uint b)
{
  return img + (uint64)b * BSIZE;
}

static struct dinode *
dinode(uint inum)
{
  return (struct dinode *)block(IBLOCK(inum, sb)) + inum % IPB;
}

static int
block_ok(uint b)
{
  return b >= datastart && b < sb.size;
}

// Record that inode inum owns block b.
static void
own(uint inum, uint b)
{
  if(!block_ok(b)){
    problem("inode %u: block %u outside the data area", inum, b);
    return;
  }
  if(owner_seen[b])
    problem("inode %u: block %u used twice", inum, b);
  owner_seen[b] = 1;
}

// Data block for file block bn, or 0 for a hole (or a bad index).
static uint
file_block(struct dinode *d, uint bn)
{
  if(bn < NDIRECT)
    return d->addrs[bn];
  bn -= NDIRECT;
  if(bn < NINDIRECT){
    uint ind = d->addrs[INDIRECT_SLOT];
    return block_ok(ind) ? ((uint *)block(ind))[bn] : 0;
  }
  bn -= NINDIRECT;
  if(bn >= NDINDIRECT)
    return 0;
  uint top = d->addrs[DINDIRECT_SLOT];
  if(!block_ok(top))
    return 0;
  uint mid = ((uint *)block(top))[bn / NINDIRECT];
  return block_ok(mid) ? ((uint *)block(mid))[bn % NINDIRECT] : 0;
}

// Read n bytes at off of inode d into dst (holes read as zeros).
static void
read_file(struct dinode *d, uint off, void *dst, uint n)
{
  uchar *p = dst;
  while(n > 0){
    uint m = BSIZE - off % BSIZE;
    if(m > n)
      m = n;
    uint b = file_block(d, off / BSIZE);
    if(block_ok(b))
      memcpy(p, block(b) + off % BSIZE, m);
    else
      memset(p, 0, m);
    p += m;
    off += m;
    n -= m;
  }
}

static void
check_index(uint inum, uint ib, int depth, uint64 *nblocks)
{
  own(inum, ib);
  if(!block_ok(ib))
    return;
  uint *e = (uint *)block(ib);
  for(uint i = 0; i < NINDIRECT; i++){
    if(e[i] == 0)
      continue;
    if(depth > 1)
      check_index(inum, e[i], depth - 1, nblocks);
    else {
      own(inum, e[i]);
      (*nblocks)++;
    }
  }
}

static void
check_inodes(void)
{
  for(uint inum = 1; inum < sb.ninodes; inum++){
    struct dinode *d = dinode(inum);
    if(d->type == 0)
      continue;
    if(d->type != T_DIR && d->type != T_FILE && d->type != T_DEVICE){
      problem("inode %u: bad type %d", inum, d->type);
      continue;
    }
    if(d->size > MAXFILESIZE)
      problem("inode %u: size %u too big", inum, d->size);
    uint64 nblocks = 0;
    for(int i = 0; i < NDIRECT; i++){
      if(d->addrs[i]){
        own(inum, d->addrs[i]);
        nblocks++;
      }
    }
    if(d->addrs[INDIRECT_SLOT])
      check_index(inum, d->addrs[INDIRECT_SLOT], 1, &nblocks);
    if(d->addrs[DINDIRECT_SLOT])
      check_index(inum, d->addrs[DINDIRECT_SLOT], 2, &nblocks);
    if(nblocks > ((uint64)d->size + BSIZE - 1) / BSIZE)
      problem("inode %u: %lu data blocks for %u bytes", inum,
              (unsigned long)nblocks, d->size);
  }
}

static const char *
type_name(int t)
{
  return t == T_DIR ? "dir" : t == T_FILE ? "file" : t == T_DEVICE ? "dev" : "?";
}

// Walk directory dir (reached as path, from parent); recurse into
// subdirectories.
static void
walk_dir(uint dir, uint parent, const char *path, int list)
{
  struct dinode *d = dinode(dir);
  if(dir_seen[dir]){
    problem("%s: directory reachable twice", path);
    return;
  }
  dir_seen[dir] = 1;
  if(d->size % sizeof(struct dirent))
    problem("%s: directory size %u not a multiple of %zu", path, d->size,
            sizeof(struct dirent));
  uint n = d->size / sizeof(struct dirent);
  struct dirent *ents = calloc(n + 1, sizeof(struct dirent));
  read_file(d, 0, ents, n * sizeof(struct dirent));

  int have_dot = 0, have_dotdot = 0;
  for(uint i = 0; i < n; i++){
    struct dirent *de = &ents[i];
    if(de->inum == 0)
      continue;
    char name[DIRSIZ + 1];
    memcpy(name, de->name, DIRSIZ);
    name[DIRSIZ] = 0;
    if(de->inum >= sb.ninodes){
      problem("%s: entry '%s' names inode %u, out of range", path, name, de->inum);
      continue;
    }
    if(name[0] == 0 || strchr(name, '/'))
      problem("%s: entry %u has a bad name", path, i);
    for(uint j = 0; j < i; j++)
      if(ents[j].inum && strncmp(ents[j].name, de->name, DIRSIZ) == 0)
        problem("%s: name '%s' appears twice", path, name);
    struct dinode *c = dinode(de->inum);
    if(c->type == 0){
      problem("%s: entry '%s' names free inode %u", path, name, de->inum);
      continue;
    }
    if(strcmp(name, ".") == 0){
      have_dot = 1;
      if(de->inum != dir)
        problem("%s: '.' names inode %u, not %u", path, de->inum, dir);
      continue;   // "." is not counted as a link
    }
    refs[de->inum]++;
    if(strcmp(name, "..") == 0){
      have_dotdot = 1;
      if(de->inum != parent)
        problem("%s: '..' names inode %u, not %u", path, de->inum, parent);
      continue;
    }
    char sub[4096];
    snprintf(sub, sizeof(sub), "%s%s%s", path, strcmp(path, "/") ? "/" : "", name);
    if(list)
      printf("%-40s inode %4u %-4s links %2d size %u\n", sub, de->inum,
             type_name(c->type), c->nlink, c->size);
    if(c->type == T_DIR)
      walk_dir(de->inum, dir, sub, list);
  }
  if(!have_dot)
    problem("%s: no '.' entry", path);
  if(!have_dotdot)
    problem("%s: no '..' entry", path);
  free(ents);
}

static void
check_links(void)
{
  for(uint inum = 1; inum < sb.ninodes; inum++){
    struct dinode *d = dinode(inum);
    if(d->type == 0)
      continue;
    if(refs[inum] == 0 && d->nlink == 0){
      // Unlinked while open when the machine stopped: nobody can reach
      // it, but it is not damage either. Report without failing.
      fprintf(stderr, "fsck: note: inode %u is unlinked but not freed (open at a crash)\n", inum);
    } else if(refs[inum] != d->nlink){
      problem("inode %u: nlink %d but %u directory entries", inum, d->nlink, refs[inum]);
    }
  }
}

static void
check_bitmap(void)
{
  for(uint b = 0; b < sb.size; b++){
    int set = (block(BBLOCK(b, sb))[(b % BPB) / 8] >> (b % 8)) & 1;
    int used = b < datastart || owner_seen[b];
    if(used && !set)
      problem("block %u in use but free in the bitmap", b);
    if(!used && set)
      problem("block %u marked in use but nobody owns it", b);
  }
}

static void
replay_log(void)
{
  struct logheader_disk *h = (struct logheader_disk *)block(sb.logstart);
  if(h->n == 0)
    return;
  if(h->n < 0 || (uint)h->n > sb.nlog - 1){
    problem("log header count %d out of range", h->n);
    return;
  }
  if(!quiet)
    fprintf(stderr, "fsck: replaying %d logged blocks\n", h->n);
  for(int i = 0; i < h->n; i++){
    uint b = h->block[i];
    if(b < sb.inodestart || b >= sb.size){
      problem("log names block %u, outside the file system", b);
      continue;
    }
    memcpy(block(b), block(sb.logstart + 1 + i), BSIZE);
  }
  h->n = 0;
}

static int
check_super(void)
{
  memcpy(&sb, block(1), sizeof(sb));
  if(sb.magic != FSMAGIC){
    problem("bad superblock magic %#x", sb.magic);
    return 0;
  }
  uint ninodeblocks = (sb.ninodes + IPB - 1) / IPB;
  uint nbitmap = (sb.size + BPB - 1) / BPB;
  datastart = sb.bmapstart + nbitmap;
  if(sb.size > imgblocks || sb.logstart < 2 || sb.nlog < 2 ||
     sb.inodestart != sb.logstart + sb.nlog ||
     sb.bmapstart != sb.inodestart + ninodeblocks ||
     datastart >= sb.size || sb.nblocks != sb.size - datastart ||
     sb.ninodes < 2 || sb.ninodes > 65536){
    problem("inconsistent superblock (size %u, image %lu blocks)", sb.size,
            (unsigned long)imgblocks);
    return 0;
  }
  return 1;
}

// Find path (absolute) and return its inode number, or 0.
static uint
lookup(const char *path)
{
  uint cur = ROOTINO;
  const char *p = path;
  for(;;){
    while(*p == '/')
      p++;
    if(*p == 0)
      return cur;
    const char *s = p;
    while(*p && *p != '/')
      p++;
    size_t len = p - s;
    struct dinode *d = dinode(cur);
    if(d->type != T_DIR || len > DIRSIZ)
      return 0;
    uint n = d->size / sizeof(struct dirent), next = 0;
    for(uint i = 0; i < n && !next; i++){
      struct dirent de;
      read_file(d, i * sizeof(de), &de, sizeof(de));
      if(de.inum && strncmp(de.name, s, len) == 0 && (len == DIRSIZ || de.name[len] == 0))
        next = de.inum;
    }
    if(next == 0 || next >= sb.ninodes)
      return 0;
    cur = next;
  }
}

static int
extract(const char *path)
{
  uint inum = lookup(path);
  if(inum == 0){
    fprintf(stderr, "fsck: %s: no such file\n", path);
    return 1;
  }
  struct dinode *d = dinode(inum);
  uchar buf[BSIZE];
  for(uint off = 0; off < d->size; off += BSIZE){
    uint m = d->size - off < BSIZE ? d->size - off : BSIZE;
    read_file(d, off, buf, m);
    fwrite(buf, 1, m, stdout);
  }
  return 0;
}

int
main(int argc, char **argv)
{
  int list = 0;
  const char *xpath = 0, *image = 0;
  for(int i = 1; i < argc; i++){
    if(strcmp(argv[i], "-l") == 0)
      list = 1;
    else if(strcmp(argv[i], "-x") == 0 && i + 1 < argc)
      xpath = argv[++i];
    else if(argv[i][0] != '-' && image == 0)
      image = argv[i];
    else
      image = 0, i = argc;
  }
  if(image == 0){
    fprintf(stderr, "usage: fsck [-l] [-x /PATH] IMAGE\n");
    return 2;
  }
  quiet = xpath != 0;

  FILE *f = fopen(image, "rb");
  if(f == 0){
    perror(image);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  imgblocks = len / BSIZE;
  img = calloc(imgblocks + 2, BSIZE);
  if(img == 0 || fread(img, 1, len, f) != (size_t)len){
    fprintf(stderr, "fsck: cannot read %s\n", image);
    return 1;
  }
  fclose(f);

  if(imgblocks < 2 || !check_super())
    return 1;
  replay_log();
  if(xpath)
    return extract(xpath);

  owner_seen = calloc(sb.size, 1);
  refs = calloc(sb.ninodes, sizeof(ushort));
  dir_seen = calloc(sb.ninodes, 1);
  if(dinode(ROOTINO)->type != T_DIR){
    problem("root inode is not a directory");
    return 1;
  }
  check_inodes();
  walk_dir(ROOTINO, ROOTINO, "/", list);
  check_links();
  check_bitmap();

  uint used = 0, inodes = 0;
  for(uint b = datastart; b < sb.size; b++)
    used += owner_seen[b];
  for(uint i = 1; i < sb.ninodes; i++)
    inodes += dinode(i)->type != 0;
  if(nerrors){
    fprintf(stderr, "fsck: %s: %d problem(s)\n", image, nerrors);
    return 1;
  }
  printf("fsck: %s: clean: %u inodes, %u data blocks in use\n", image, inodes, used);
  return 0;
}
