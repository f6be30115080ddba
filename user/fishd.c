// fishd: the FiSh daemon – the file-server half of FiSh (docs/fish.md).
//
//   fishd [-n NAME] [-s DIR] [-c CONF]
//
// /etc/rc starts it in the background after netup. It plumbs the stack
// (an /dev/eth stream bound to 0x3250, I_PLINKed under the fish driver
// through /dev/fish/daemon), then serves what the driver hands up:
//   PING     -> ANNOUNCE with our node name
//   DIRASK   -> DIRLIST (classic: the first 9 names of at most 7 bytes)
//   GETFILE  -> HAVEFILE (files of at most 256 bytes) or NOFILE
//   XDIRASK / XGETFILE / XREAD (the extension) -> pages of the listing,
//               size and CRC-32 of a file, and its chunks.
// Only regular files directly in the shared directory are ever read:
// a name that is empty, longer than a directory entry, holds '/' or a
// control character, or is "." or "..", gets "no such file".
// It also makes the per-node device files the driver announces:
// /dev/fish/NODE/dir and /dev/fish/NODE/files/FILE, and removes them
// when the driver says the node left its school slot (FISH_UP_GONE).
//
// Configuration, later wins: defaults (share /share; node name "nodeN"
// from node=N on the kernel command line, else "xv6-" and the last three
// bytes of the card's address), then CONF (default /etc/fish.conf:
// "name NAME", "share DIR" lines), then the options.
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"
#include "net/fish.h"
#include "fsformat.h"
#include "sysparam.h"

#define SHAREMAX 128
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *prog = "fishd";
static char nodename[FISH_MAXNAME];
static char share[SHAREMAX];
static int dfd;                 // /dev/fish/daemon
static int fishmajor = -1;
static char slotname[FISH_SCHOOL][FISH_MAXNAME];   // device directory per slot
static uint32 slotgen[FISH_SCHOOL];                // ... made for this node generation
static char pending[FISH_SCHOOL][FISH_NODEFILES][FISH_NAMEMAX + 1];
static char buf[sizeof(struct fish_down) + FISH_PAYLOADMAX];

// A name we serve or make a device file for.
static int
safe_name(const char *s, int max)
{
  int n = strlen(s);
  if(n == 0 || n > max || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
    return 0;
  for(int i = 0; i < n; i++)
    if(s[i] == '/' || (uchar)s[i] < 0x20 || s[i] == 0x7f)
      return 0;
  return 1;
}

static void
send_down(struct fish_down *d, const void *data, int len)
{
  d->len = len;
  memmove(buf, d, sizeof(*d));
  if(len > 0)
    memmove(buf + sizeof(*d), data, len);
  int r = write(dfd, buf, sizeof(*d) + len);
  if(r < 0)
    eprint(prog, "write", r);
}

static void
answer_init(struct fish_down *d, int kind, struct fish_up *u)
{
  memset(d, 0, sizeof(*d));
  d->kind = kind;
  memmove(d->mac, u->mac, 6);
  d->reqid = u->reqid;
}

// ---------------------------------------------------------------- the share

// Open name in the share if it is a regular file we may serve. fd or -errno.
static int
open_shared(const char *name, struct stat *st)
{
  char path[SHAREMAX + FISH_NAMEMAX + 2];
  if(!safe_name(name, FISH_NAMEMAX))
    return -ENOENT;
  snprintf(path, sizeof(path), "%s/%s", share, name);
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if(fd < 0)
    return fd;
  if(fstat(fd, st) < 0 || st->type != T_FILE){
    close(fd);
    return -ENOENT;
  }
  return fd;
}

// Calls fn for each name we serve, in directory order; stops when fn
// returns non-zero. Returns the number of names seen.
static int
each_shared(int (*fn)(void *arg, const char *name, int idx), void *arg)
{
  int fd = open(share, O_RDONLY);
  if(fd < 0)
    return 0;
  struct dirent de;
  int idx = 0;
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    char name[DIRSIZ + 1];
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = 0;
    if(!safe_name(name, FISH_NAMEMAX) || name[0] == '.')
      continue;              // hidden: "." "..", and our own temporary files
    struct stat st;
    int f = open_shared(name, &st);
    if(f < 0)
      continue;
    close(f);
    if(fn(arg, name, idx++))
      break;
  }
  close(fd);
  return idx;
}

// Classic DIRLIST: the first nine names that fit seven bytes.
struct classic_list { char data[FISH_DIRENTRIES * (FISH_FNAMLEN + 1)]; int len, n; };

static int
classic_add(void *arg, const char *name, int idx)
{
  struct classic_list *cl = arg;
  int n = strlen(name);
  if(n > FISH_FNAMLEN)
    return 0;
  memmove(cl->data + cl->len, name, n + 1);
  cl->len += n + 1;
  return ++cl->n == FISH_DIRENTRIES;
}

// Extended listing: entries from `start` while they fit one frame.
struct xlist { uint32 start; uint8 data[FISH_PAYLOADMAX]; int len, room, full; uint32 count; };

static int
xlist_add(void *arg, const char *name, int idx)
{
  struct xlist *xl = arg;
  if((uint32)idx < xl->start || xl->full)
    return 0;                // keep counting: the total goes out too
  int n = strlen(name);
  if(xl->len + 1 + n + 4 > xl->room){
    xl->full = 1;
    return 0;
  }
  struct stat st;
  int fd = open_shared(name, &st);
  uint32 size = 0;
  if(fd >= 0){
    size = st.size;
    close(fd);
  }
  uint8 *p = xl->data + xl->len;
  p[0] = n;
  memmove(p + 1, name, n);
  fish_put32(p + 1 + n, size);
  xl->len += 1 + n + 4;
  xl->count++;
  return 0;
}

// The file CRC of the last few files asked for: a client repeats XGETFILE
// while we compute, and big files take a while.
struct crcent { char name[FISH_NAMEMAX + 1]; uint ino; ulong size; uint32 crc; long when; };
static struct crcent crcs[4];

static int
file_crc(int fd, const char *name, struct stat *st, uint32 *crc)
{
  long now = uptime();
  for(int i = 0; i < COUNT(crcs); i++){
    struct crcent *c = &crcs[i];
    if(c->when && now - c->when < 5000 && c->ino == st->ino && c->size == st->size &&
       strcmp(c->name, name) == 0){
      *crc = c->crc;
      return 0;
    }
  }
  static uint8 block[8192];
  uint32 v = 0;
  ulong done = 0;
  int r;
  while((r = read(fd, block, sizeof(block))) > 0){
    v = fish_crc32(v, block, r);
    done += r;
  }
  if(r < 0 || done != st->size)
    return -EIO;
  int old = 0;
  for(int i = 1; i < COUNT(crcs); i++)
    if(crcs[i].when < crcs[old].when)
      old = i;
  strlcpy(crcs[old].name, name, sizeof(crcs[old].name));
  crcs[old].ino = st->ino;
  crcs[old].size = st->size;
  crcs[old].crc = v;
  crcs[old].when = now;
  *crc = v;
  return 0;
}

// XREAD: one file kept open between requests of the same transfer, and
// closed once no request has used it for READER_IDLE_MS (by the main loop
// when no other request comes: an open file held for a transfer that
// ended would otherwise stay open, and keep the file's inode, for good).
#define READER_IDLE_MS 2000
static struct { char name[FISH_NAMEMAX + 1]; int fd; long when; } rd = { "", -1, 0 };

static void
reader_close(void)
{
  if(rd.fd >= 0)
    close(rd.fd);
  rd.fd = -1;
}

static int
reader_fd(const char *name)
{
  long now = uptime();
  if(rd.fd >= 0 && (strcmp(rd.name, name) != 0 || now - rd.when > READER_IDLE_MS))
    reader_close();
  if(rd.fd < 0){
    struct stat st;
    int fd = open_shared(name, &st);
    if(fd < 0)
      return fd;
    rd.fd = fd;
    strlcpy(rd.name, name, sizeof(rd.name));
  }
  rd.when = now;
  return rd.fd;
}

// ---------------------------------------------------------------- requests

static void
serve(struct fish_up *u)
{
  struct fish_down d;
  struct stat st;
  u->name[FISH_NAMEMAX] = 0;
  switch(u->kind){
  case FISH_UP_PING:
    answer_init(&d, FISH_DN_ANNOUNCE, u);
    strlcpy(d.name, nodename, sizeof(d.name));
    send_down(&d, 0, 0);
    break;

  case FISH_UP_DIRASK: {
    struct classic_list cl;
    memset(&cl, 0, sizeof(cl));
    each_shared(classic_add, &cl);
    answer_init(&d, FISH_DN_DIRLIST, u);
    send_down(&d, cl.data, cl.len);
    break;
  }

  case FISH_UP_GETFILE: {
    // One block: only files that fit it whole (no silent truncation).
    static char block[FISH_BLOCK];
    int fd = open_shared(u->name, &st);
    int n = -1;
    if(fd >= 0){
      if(st.size <= FISH_BLOCK)
        n = read(fd, block, st.size);
      close(fd);
    }
    answer_init(&d, n >= 0 && n == (int)st.size ? FISH_DN_HAVEFILE : FISH_DN_NOFILE, u);
    strlcpy(d.name, u->name, sizeof(d.name));
    send_down(&d, block, d.kind == FISH_DN_HAVEFILE ? n : 0);
    break;
  }

  case FISH_UP_XDIRASK: {
    static struct xlist xl;
    memset(&xl, 0, sizeof(xl));
    xl.start = u->index;
    xl.room = FISH_PAYLOADMAX - FISH_XMIN - 10;
    int total = each_shared(xlist_add, &xl);
    answer_init(&d, FISH_DN_XDIRLIST, u);
    d.index = u->index;
    d.total = total;
    send_down(&d, xl.data, xl.len);
    break;
  }

  case FISH_UP_XGETFILE: {
    answer_init(&d, FISH_DN_XINFO, u);
    strlcpy(d.name, u->name, sizeof(d.name));
    d.status = FISH_XNOFILE;
    int fd = open_shared(u->name, &st);
    if(fd >= 0){
      if(file_crc(fd, u->name, &st, &d.crc) == 0){
        d.status = FISH_XOK;
        d.size = st.size;
      }
      close(fd);
    }
    send_down(&d, 0, 0);
    break;
  }

  case FISH_UP_XREAD: {
    if(u->chunk != FISH_XCHUNK)
      break;                 // we only cut files one way
    int fd = reader_fd(u->name);
    if(fd < 0)
      break;                 // a name we never serve: nothing goes out
    static char chunk[FISH_XCHUNK];
    for(int b = 0; b < FISH_XWINDOW; b++){
      if(!(u->bitmap & (1ull << b)))
        continue;
      uint64 idx = u->offset + b;
      if(idx > (1ull << 40))
        break;
      if(lseek(fd, (long)(idx * FISH_XCHUNK), SEEK_SET) < 0)
        break;
      int n = read(fd, chunk, FISH_XCHUNK);
      if(n <= 0)
        break;               // past the end
      answer_init(&d, FISH_DN_XDATA, u);
      d.offset = idx;
      send_down(&d, chunk, n);
    }
    break;
  }

  case FISH_UP_NODE:
  case FISH_UP_FILE:
  case FISH_UP_FILESDONE:
  case FISH_UP_GONE:
    break;                   // handled by nodes()
  }
}

// ---------------------------------------------------------------- device files

// Remove path and, if it is a directory, what is inside (two levels are
// all we ever make).
static void
remove_tree(const char *path, int depth)
{
  int fd = open(path, O_RDONLY | O_NONBLOCK);
  if(fd >= 0){
    struct stat st;
    if(fstat(fd, &st) == 0 && st.type == T_DIR && depth < 3){
      struct dirent de;
      char sub[MAXPATH];
      while(read(fd, &de, sizeof(de)) == sizeof(de)){
        if(de.inum == 0)
          continue;
        char name[DIRSIZ + 1];
        memmove(name, de.name, DIRSIZ);
        name[DIRSIZ] = 0;
        if(strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
          continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, name);
        remove_tree(sub, depth + 1);
      }
    }
    close(fd);
  }
  unlink(path);
}

// Per-node directories of an earlier run (or boot) are stale.
static void
clear_nodes(void)
{
  int fd = open("/dev/fish", O_RDONLY);
  if(fd < 0)
    return;
  struct dirent de;
  char names[FISH_SCHOOL * 2][DIRSIZ + 1];
  int n = 0;
  while(n < COUNT(names) && read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    memmove(names[n], de.name, DIRSIZ);
    names[n][DIRSIZ] = 0;
    n++;
  }
  close(fd);
  for(int i = 0; i < n; i++){
    char path[MAXPATH];
    struct stat st;
    snprintf(path, sizeof(path), "/dev/fish/%s", names[i]);
    if(names[i][0] == '.')
      continue;
    // only directories: the driver's own files stay
    int f = open(path, O_RDONLY | O_NONBLOCK);
    int isdir = 0;
    if(f >= 0){
      isdir = fstat(f, &st) == 0 && st.type == T_DIR;
      close(f);
    }
    if(isdir)
      remove_tree(path, 0);
  }
}

// The device directory of slot's node goes (the node left, or the slot
// holds another one now).
static void
remove_node_dir(int slot)
{
  char path[MAXPATH];
  if(slotname[slot][0] == 0)
    return;
  snprintf(path, sizeof(path), "/dev/fish/%s", slotname[slot]);
  remove_tree(path, 0);
  slotname[slot][0] = 0;
  slotgen[slot] = 0;
}

static void
make_node_dir(int slot, uint32 gen, const char *name)
{
  char path[MAXPATH];
  // a node that took another slot's name, or a slot that changed names
  for(int i = 0; i < FISH_SCHOOL; i++)
    if(slotname[i][0] && (i == slot || strcmp(slotname[i], name) == 0))
      remove_node_dir(i);
  if(!safe_name(name, FISH_NODEMAX) || name[0] == '.' || fishmajor < 0)
    return;
  snprintf(path, sizeof(path), "/dev/fish/%s", name);
  if(mkdir(path) < 0)
    return;                  // e.g. the name of a fixed file ("ping")
  strlcpy(slotname[slot], name, sizeof(slotname[slot]));
  slotgen[slot] = gen;
  snprintf(path, sizeof(path), "/dev/fish/%s/dir", name);
  mknod(path, fishmajor, FISH_MINOR_DIR(slot));
  snprintf(path, sizeof(path), "/dev/fish/%s/files", name);
  mkdir(path);
}

static void
make_file_nodes(int slot, uint32 gen, int count)
{
  if(slotname[slot][0] == 0 || slotgen[slot] != gen)
    return;                  // a listing of another node than the directory's
  char path[MAXPATH];
  snprintf(path, sizeof(path), "/dev/fish/%s/files", slotname[slot]);
  remove_tree(path, 1);
  mkdir(path);
  for(int i = 0; i < count && i < FISH_NODEFILES; i++){
    if(!safe_name(pending[slot][i], FISH_NAMEMAX))
      continue;
    snprintf(path, sizeof(path), "/dev/fish/%s/files/%s", slotname[slot], pending[slot][i]);
    mknod(path, fishmajor, FISH_MINOR_FILE(slot, i));
  }
}

// Notices about the school: make device files, then say so (a reader of
// /dev/fish/ping or .../dir waits for that before its end of file).
static void
nodes(struct fish_up *u)
{
  struct fish_down d;
  if(u->index >= FISH_SCHOOL)
    return;
  u->name[FISH_NAMEMAX] = 0;
  memset(&d, 0, sizeof(d));
  d.index = u->index;
  d.gen = u->gen;
  switch(u->kind){
  case FISH_UP_NODE:
    make_node_dir(u->index, u->gen, u->name);
    d.kind = FISH_DN_MADE;
    send_down(&d, 0, 0);
    break;
  case FISH_UP_FILE:
    if(u->count < FISH_NODEFILES)
      strlcpy(pending[u->index][u->count], u->name, FISH_NAMEMAX + 1);
    break;
  case FISH_UP_FILESDONE:
    make_file_nodes(u->index, u->nodegen, u->count);
    d.kind = FISH_DN_FILESMADE;
    send_down(&d, 0, 0);
    break;
  case FISH_UP_GONE:
    // only the node the directory was made for (a GONE that overtook
    // its NODE is sent again once the directory is there)
    if(slotgen[u->index] == u->gen)
      remove_node_dir(u->index);
    break;
  }
}

// ---------------------------------------------------------------- set-up

static int
netctl(int fd, const char *text, char *answer, int max)
{
  static char b[STRIOCMAX];   // the answer may be this long
  int n = strlen(text);
  memmove(b, text, n);
  struct strioctl sc = { NET_CTL, 0, n, b };
  int r = ioctl(fd, I_STR, (long)&sc);
  if(r >= 0 && answer){
    int m = sc.ic_len < max - 1 ? sc.ic_len : max - 1;
    memmove(answer, b, m > 0 ? m : 0);
    answer[m > 0 ? m : 0] = 0;
  }
  return r;
}

// The value of "key=" in text of words, or 0.
static char *
word_value(const char *text, const char *key, char *out, int max)
{
  int klen = strlen(key);
  for(const char *p = text; *p; ){
    while(*p == ' ' || *p == '\n')
      p++;
    const char *w = p;
    while(*p && *p != ' ' && *p != '\n')
      p++;
    if(p - w > klen && strncmp(w, key, klen) == 0){
      int n = p - w - klen;
      if(n >= max)
        n = max - 1;
      memmove(out, w + klen, n);
      out[n] = 0;
      return out;
    }
  }
  return 0;
}

static void
read_conf(const char *path)
{
  int fd = open(path, O_RDONLY);
  if(fd < 0)
    return;
  struct linebuf lb;
  char line[160];
  lb_init(&lb, fd);
  while(lb_getline(&lb, line, sizeof(line)) > 0){
    char *argv[4];
    int argc = 0;
    char *p = line;
    while(argc < 4){
      while(*p && isspace(*p))
        p++;
      if(*p == 0 || *p == '#')
        break;
      argv[argc++] = p;
      while(*p && !isspace(*p))
        p++;
      if(*p)
        *p++ = 0;
    }
    if(argc == 2 && strcmp(argv[0], "name") == 0)
      strlcpy(nodename, argv[1], sizeof(nodename));
    else if(argc == 2 && strcmp(argv[0], "share") == 0)
      strlcpy(share, argv[1], sizeof(share));
    else if(argc > 0)
      fprintf(2, "%s: %s: ignoring '%s'\n", prog, path, argv[0]);
  }
  close(fd);
}

static int
find_major(void)
{
  int fd = open("/dev/devices", O_RDONLY);
  if(fd < 0)
    return -1;
  struct linebuf lb;
  char line[128];
  int major = -1;
  lb_init(&lb, fd);
  while(lb_getline(&lb, line, sizeof(line)) > 0)
    if(strncmp(line, "fish/ping ", 10) == 0)
      major = atoi(line + 10);
  close(fd);
  return major;
}

int
main(int argc, char *argv[])
{
  char optname[FISH_MAXNAME] = "", optshare[SHAREMAX] = "";
  const char *conf = "/etc/fish.conf";
  int c;
  while((c = getopt(argc, argv, "n:s:c:")) != -1){
    switch(c){
    case 'n': strlcpy(optname, optarg, sizeof(optname)); break;
    case 's': strlcpy(optshare, optarg, sizeof(optshare)); break;
    case 'c': conf = optarg; break;
    default:
      fprintf(2, "usage: fishd [-n NAME] [-s DIR] [-c CONF]\n");
      return 2;
    }
  }

  dfd = open("/dev/fish/daemon", O_RDWR);
  if(dfd < 0){
    if(dfd == -EBUSY)
      fprintf(2, "%s: another fishd is running\n", prog);
    else if(dfd != -ENOENT)
      eprint(prog, "/dev/fish/daemon", dfd);
    return 1;                // -ENOENT: a kernel without fish
  }

  // Plumbing: eth stream for our ethertype, linked under fish. If the
  // type is bound already an earlier fishd did this, and the link stays.
  // Without a card under eth (net=none) there is nothing to serve: leave
  // quietly, the boot goes on.
  int eth = open("/dev/eth", O_RDWR);
  if(eth < 0)
    return 0;
  char status[1024], mac[24] = "";
  if(netctl(eth, "stats", status, sizeof(status)) < 0 || strstr(status, "if0 addr") == 0)
    return 0;
  char cmd[32];
  snprintf(cmd, sizeof(cmd), "bind 0x%x", FISH_ETHERTYPE);
  int r = netctl(eth, cmd, 0, 0);
  if(r == 0){
    r = ioctl(dfd, I_PLINK, eth);
    if(r < 0){
      eprint(prog, "link eth under fish", r);
      return 1;
    }
  } else if(r != -EBUSY){
    eprint(prog, cmd, r);
    return 1;
  }
  close(eth);

  // Our address: eth answers the driver's question soon after the link.
  long deadline = uptime() + 2000;
  while(uptime() < deadline){
    // the answer has "addr XX:..." on a line of its own
    char *a = netctl(dfd, "stats", status, sizeof(status)) >= 0 ? strstr(status, "addr ") : 0;
    if(a){
      int n = 0;
      a += 5;
      while(a[n] && a[n] != '\n' && n < (int)sizeof(mac) - 1)
        n++;
      memmove(mac, a, n);
      mac[n] = 0;
    }
    if(mac[0] && strcmp(mac, "none") != 0)
      break;
    mac[0] = 0;
    sleep(20);               // polling the driver for a condition, bounded
  }
  if(mac[0] == 0){
    fprintf(2, "%s: no network card under eth; not serving\n", prog);
    return 1;
  }

  // Name and share: defaults, then the configuration, then options.
  strlcpy(share, "/share", sizeof(share));
  char args[256], node[16];
  int bfd = open("/dev/bootargs", O_RDONLY);
  int n = bfd >= 0 ? read(bfd, args, sizeof(args) - 1) : 0;
  if(bfd >= 0)
    close(bfd);
  args[n > 0 ? n : 0] = 0;
  if(word_value(args, "node=", node, sizeof(node)) && atoi(node) > 0)
    snprintf(nodename, sizeof(nodename), "node%d", atoi(node));
  else if(strlen(mac) >= 17)
    snprintf(nodename, sizeof(nodename), "xv6-%c%c%c%c%c%c", mac[9], mac[10], mac[12],
             mac[13], mac[15], mac[16]);
  else
    strlcpy(nodename, "xv6", sizeof(nodename));
  read_conf(conf);
  if(optname[0])
    strlcpy(nodename, optname, sizeof(nodename));
  if(optshare[0])
    strlcpy(share, optshare, sizeof(share));
  if(!safe_name(nodename, FISH_NODEMAX)){
    fprintf(2, "%s: node name '%s' unusable (1..%d characters, no '/')\n", prog, nodename,
            FISH_NODEMAX);
    return 1;
  }

  fishmajor = find_major();
  clear_nodes();
  ioctl(dfd, I_SRDOPT, RMSGD);
  printf("fishd: %s (%s) shares %s\n", nodename, mac, share);

  // A daemon: the set-up above ran in the foreground (so /etc/rc's next
  // line, and the first prompt, come after it); the serving goes on in a
  // child, reparented to init.
  int pid = fork();
  if(pid < 0)
    die(prog, "fork", pid);
  if(pid > 0)
    return 0;

  struct fish_up u;
  for(;;){
    if(rd.fd >= 0){
      // a transfer's file is open: wait for the next request only so long
      struct pollfd pf = { dfd, POLLIN, 0 };
      long idle = READER_IDLE_MS - (uptime() - rd.when);
      if(idle <= 0 || poll(&pf, 1, idle) == 0){
        reader_close();
        continue;
      }
    }
    int got = read(dfd, &u, sizeof(u));
    if(got < 0){
      if(got == -EINTR)
        continue;
      eprint(prog, "read", got);
      return 1;
    }
    if(got != sizeof(u))
      continue;
    if(u.kind == FISH_UP_NODE || u.kind == FISH_UP_FILE || u.kind == FISH_UP_FILESDONE ||
       u.kind == FISH_UP_GONE)
      nodes(&u);
    else
      serve(&u);
  }
}
