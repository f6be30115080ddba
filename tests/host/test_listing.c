// HOSTTEST-SOURCES: kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/loop.c modules/null.c modules/rot13.c modules/count.c modules/muxloop.c tests/host/kshim.c
// test_listing.c: host tests of /dev/streams and /dev/streams.dot under
// load. The lock rule: a snapshot never allocates or formats with a
// spinlock held (st_list_lock and the mux lock turn interrupts off and
// hold up every open and close). The bound: a listing shows each stream
// that existed when it began at most once and no stream opened since, so
// its size follows the number of streams even while streams are opened
// and closed as fast as it is made – deterministically (streams opened
// from inside the listing's own formatting) and with two readers racing
// a thread that closes and opens streams. Memory and streams back to
// their baseline at the end.
#include "kshim.h"
#include "errno.h"
#include "fcntl.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

int atoi(const char *s);
char *strchr(const char *s, int c);
void streams_init(void);

#define NLS  60          // streams held open
#define BIG  (512 * 1024)

static int
contains(const char *hay, const char *needle)
{
  int n = strlen(needle);
  for(; *hay; hay++)
    if(strncmp(hay, needle, n) == 0)
      return 1;
  return 0;
}

static struct str_stats
stats(void)
{
  struct str_stats ss;
  memset(&ss, 0, sizeof(ss));
  int fd = kshim_open("streams", O_RDONLY);
  kshim_ioctl(fd, I_GSTATS, (long)&ss);
  kshim_close(fd);
  return ss;
}

// The whole listing dev into text (NUL-terminated); bytes, or -1 if it
// did not fit.
static int
slurp(const char *dev, char *text, int max)
{
  int ls = kshim_open(dev, O_RDONLY);
  if(ls < 0)
    return ls;
  int n = 0, r;
  while(n < max - 1 && (r = kshim_read(ls, text + n, max - 1 - n)) > 0)
    n += r;
  text[n] = 0;
  kshim_close(ls);
  return n < max - 1 ? n : -1;
}

// A text listing is well formed: the header first, then stream records
// in increasing id order (so none twice), each followed by its queues,
// then the links. Returns the number of stream records, or -1.
static int
wellformed(const char *text, int *maxid)
{
  if(strncmp(text, "streams n=", 10) != 0)
    return -1;
  int streams = 0, last = 0, links = 0;
  for(const char *p = strchr(text, '\n'); p && p[1]; p = strchr(p + 1, '\n')){
    const char *line = p + 1;
    if(strncmp(line, "stream id=", 10) == 0){
      int id = atoi(line + 10);
      if(id <= last || links){
        printf("# stream id=%d after id=%d, %d links\n", id, last, links);
        return -1;
      }
      last = id;
      streams++;
    } else if(strncmp(line, "queue stream=", 13) == 0){
      if(atoi(line + 13) != last || links){
        printf("# queue of stream %d after stream %d\n", atoi(line + 13), last);
        return -1;
      }
    } else if(strncmp(line, "link id=", 8) == 0){
      links++;
    } else {
      printf("# unknown record: %.60s\n", line);
      return -1;
    }
  }
  if(maxid)
    *maxid = last;
  return streams;
}

// The newest stream's id now: the one a fresh stream gets, less one.
static int
newest_id(void)
{
  acquire(&st_list_lock);
  int id = st_all ? st_all->sd_id : 0;
  release(&st_list_lock);
  return id;
}

// ---------------------------------------------------------------- hooks

static struct proc *watched;     // the thread making the listing
static int locked_work;          // kmalloc/snprintf calls with a lock held
static int opens_left;           // streams to open from inside the listing
static int nformat;              // its snprintf calls so far
static int opened[256], nopened;
static int inhook;

// Called by every kmalloc and snprintf. In the listing's thread: counts
// work done under a spinlock, and (when asked, and when no lock is held)
// opens a new stream, as another process would in the meantime - from
// the second line formatted on: the first is the header, made before the
// walk of the streams begins.
static void
watch(const char *what)
{
  if(myproc() != watched || inhook)
    return;
  if(kshim_locks_held() > 0){
    locked_work++;
    return;
  }
  if(strcmp(what, "snprintf") == 0 && nformat++ > 0 && opens_left > 0){
    inhook = 1;
    opens_left--;
    int fd = kshim_open("loop", O_RDWR);
    if(fd >= 0)
      opened[nopened++] = fd;
    inhook = 0;
  }
}

static char text[BIG];

// ---------------------------------------------------------------- tests

static void
test_lock_rule(int *fds)
{
  watched = myproc();
  locked_work = 0;
  kshim_watch = watch;
  int n = slurp("streams", text, sizeof(text));
  kshim_watch = 0;
  EXPECT("locks/text_no_alloc_or_format_under_lock", locked_work, 0);
  EXPECT("locks/text_wellformed", wellformed(text, 0), NLS + 3);
  CHECK("locks/text_kept", contains(text, "kept=lsdemo"));
  CHECK("locks/text_links", contains(text, "persistent=1 ctl=0") &&
        contains(text, "persistent=0 ctl="));
  CHECK("locks/text_size", n > 0);
  locked_work = 0;
  kshim_watch = watch;
  n = slurp("streams.dot", text, sizeof(text));
  kshim_watch = 0;
  EXPECT("locks/dot_no_alloc_or_format_under_lock", locked_work, 0);
  CHECK("locks/dot_whole", n > 2 && strcmp(text + n - 2, "}\n") == 0 &&
        contains(text, "multiplexor") && contains(text, "(P)") &&
        contains(text, "kept lsdemo"));
  (void)fds;
}

// Streams opened while the listing is being made (here: from inside its
// own formatting, forty of them, as fast as it goes) are not in it:
// it shows the NLS + 3 streams there were, each once, and no more.
static void
test_no_chase(const char *dev)
{
  char name[64];
  int before = newest_id();
  nopened = 0;
  nformat = 0;
  opens_left = 40;
  watched = myproc();
  kshim_watch = watch;
  int n = slurp(dev, text, sizeof(text));
  kshim_watch = 0;
  opens_left = 0;
  snprintf(name, sizeof(name), "chase/%s_streams_opened_meanwhile", dev);
  EXPECT(name, nopened, 40);
  snprintf(name, sizeof(name), "chase/%s_whole", dev);
  CHECK(name, n > 0);
  if(strcmp(dev, "streams") == 0){
    int maxid = 0;
    EXPECT("chase/streams_each_stream_once", wellformed(text, &maxid), NLS + 3);
    CHECK("chase/streams_none_opened_since", maxid <= before);
  } else {
    int clusters = 0;
    for(const char *p = text; (p = strchr(p, '\n')) != 0; p++)
      if(strncmp(p + 1, "  subgraph cluster_s", 20) == 0)
        clusters++;
    EXPECT("chase/dot_each_stream_once", clusters, NLS + 3);
  }
  for(int i = 0; i < nopened; i++)
    kshim_close(opened[i]);
  nopened = 0;
}

// Two readers while streams come and go (and are pushed on): every
// listing is whole and well formed, shows at most the streams there ever
// were at once, and is no more than twice the size of a listing of
// NLS + 3 streams taken in quiet (the churned streams carry a module
// each, one more queue pair than most of the others).
struct lsreader {
  int rounds, bad, most, quietbytes, biggest;
  char text[BIG];
};

static void
ls_reader(void *a)
{
  struct lsreader *r = a;
  for(int i = 0; i < r->rounds; i++){
    int n = slurp("streams", r->text, sizeof(r->text));
    int s = n > 0 ? wellformed(r->text, 0) : -1;
    if(n > r->biggest)
      r->biggest = n;
    if(n <= 0 || s < NLS / 2 || s > r->most || n > 2 * r->quietbytes){
      printf("# listing %d: %d bytes (quiet %d), %d streams (at most %d)\n",
             i, n, r->quietbytes, s, r->most);
      r->bad++;
    }
    n = slurp("streams.dot", r->text, sizeof(r->text));
    if(n < 3 || strncmp(r->text, "digraph streams {", 17) != 0 ||
       strcmp(r->text + n - 2, "}\n") != 0){
      printf("# dot listing %d: %d bytes\n", i, n);
      r->bad++;
    }
  }
}

static void
test_two_readers(int *fds)
{
  int quietbytes = slurp("streams", text, sizeof(text));
  static struct lsreader r[2];
  struct kshim_thread *t[2];
  for(int i = 0; i < 2; i++){
    r[i].rounds = 40;
    r[i].bad = 0;
    r[i].most = NLS + 3;       // closed before opened: never more at once
    r[i].quietbytes = quietbytes;
    r[i].biggest = 0;
    t[i] = kshim_spawn(ls_reader, &r[i]);
  }
  for(int round = 0; round < 20; round++)
    for(int i = NLS / 2; i < NLS; i++){
      kshim_close(fds[i]);
      fds[i] = kshim_open("loop", O_RDWR);
      kshim_ioctl(fds[i], I_PUSH, (long)(round % 2 ? "null" : "rot13"));
    }
  for(int i = 0; i < 2; i++)
    kshim_join(t[i]);
  printf("# quiet listing %d bytes; biggest under churn %d, %d\n",
         quietbytes, r[0].biggest, r[1].biggest);
  EXPECT("readers/reader0_bounded_and_wellformed", r[0].bad, 0);
  EXPECT("readers/reader1_bounded_and_wellformed", r[1].bad, 0);
}

int
main(void)
{
  streams_init();
  long base = kshim_kmalloc_live();
  int fds[NLS];
  for(int i = 0; i < NLS; i++){
    fds[i] = kshim_open("loop", O_RDWR);
    if(i % 3 == 0)
      kshim_ioctl(fds[i], I_PUSH, (long)"count");
  }
  int u = kshim_open("muxloop", O_RDWR);
  int l1 = kshim_open("loop", O_RDWR), l2 = kshim_open("loop", O_RDWR);
  kshim_ioctl(u, I_LINK, l1);
  kshim_ioctl(u, I_PLINK, l2);
  struct str_keep k;
  memset(&k, 0, sizeof(k));
  strcpy(k.k_name, "lsdemo");
  kshim_ioctl(fds[1], I_KEEP, (long)&k);

  test_lock_rule(fds);
  test_no_chase("streams");
  test_no_chase("streams.dot");
  test_two_readers(fds);

  kshim_ioctl(fds[1], I_UNKEEP, 0);
  kshim_ioctl(u, I_PUNLINK, MUXID_ALL);
  kshim_close(l1);
  kshim_close(l2);
  kshim_close(u);
  for(int i = 0; i < NLS; i++)
    kshim_close(fds[i]);
  EXPECT("leak/streams", stats().ss_streams, 0);
  EXPECT("leak/kmalloc", kshim_kmalloc_live(), base);
  return kshim_failures != 0;
}
