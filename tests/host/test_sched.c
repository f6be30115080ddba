// HOSTTEST-SOURCES: kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/loop.c modules/null.c modules/rot13.c modules/count.c modules/muxloop.c tests/host/kshim.c
// test_sched.c: host unit tests of when and where service procedures run
// (kernel/streams/sched.c). A write is a system call: kshim_write returns
// the way usertrapret does, through runqueues. So:
//   - a service procedure enabled by a put procedure during a write has
//     run, on the writer's own thread, when the write returns; the answer
//     of a loop stream is already at the stream head;
//   - messages keep their order;
//   - with writers on several threads, a queue's service procedure never
//     runs twice at once, and nothing is lost;
//   - work enabled by a kernel thread still runs (the service threads).
#include "kshim.h"
#include "errno.h"
#include "fcntl.h"
#include "streams/stream.h"
#include "streams/strsubr.h"
#include "stropts.h"

void streams_init(void);

// "rec": queues what is written and forwards it from its write service
// procedure, noting which thread ran it, in what order, and whether two
// runs ever overlapped.
#define NREC 4096
static struct {
  struct proc *who[NREC];
  unsigned char tag[NREC][2];   // writer, sequence number
  int n;
  int running, overlaps;
} rec;

static int pass_put(queue_t *q, mblk_t *mp) { putnext(q, mp); return 0; }

static int
rec_wput(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) == M_DATA)
    putq(q, mp);
  else
    putnext(q, mp);
  return 0;
}

static int
rec_wsrv(queue_t *q)
{
  if(__atomic_exchange_n(&rec.running, 1, __ATOMIC_ACQUIRE))
    __atomic_add_fetch(&rec.overlaps, 1, __ATOMIC_RELAXED);
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    int i = rec.n;
    if(i < NREC){
      rec.who[i] = myproc();
      rec.tag[i][0] = MBLKL(mp) > 0 ? mp->b_rptr[0] : 0;
      rec.tag[i][1] = MBLKL(mp) > 1 ? mp->b_rptr[1] : 0;
      rec.n = i + 1;
    }
    putnext(q, mp);
  }
  __atomic_store_n(&rec.running, 0, __ATOMIC_RELEASE);
  return 0;
}

static struct module_info rec_info = { 2101, "rec", 0, INFPSZ, 1 << 20, 1 << 18, 0 };
static struct qinit rec_rinit = { .qi_putp = pass_put, .qi_minfo = &rec_info };
static struct qinit rec_winit = { .qi_putp = rec_wput, .qi_srvp = rec_wsrv,
                                  .qi_minfo = &rec_info };
static struct streamtab rec_tab = {
  .st_rdinit = &rec_rinit, .st_wrinit = &rec_winit, .st_flags = STR_MODULE,
};
STREAMS_MODULE(rec_tab);

static void
rec_reset(void)
{
  memset(&rec, 0, sizeof(rec));
}

static int
nread(int fd)
{
  int bytes = 0;
  int msgs = kshim_ioctl(fd, I_NREAD, (long)&bytes);
  return msgs < 0 ? msgs : bytes;
}

// One writer: every run on its thread, done by the time write returns.
static void
test_run_to_completion(void)
{
  rec_reset();
  int fd = kshim_open("loop", O_RDWR);
  CHECK("rtc/open", fd >= 0);
  CHECK("rtc/push", kshim_ioctl(fd, I_PUSH, (long)"rec") == 0);
  int late = 0, elsewhere = 0, answered = 0;
  for(int i = 0; i < 200; i++){
    unsigned char msg[2] = { 1, (unsigned char)i };
    int before = rec.n;
    EXPECT("rtc/write", kshim_write(fd, msg, 2), 2);
    if(rec.n != before + 1)
      late++;                                  // not run yet when write returned
    else if(rec.who[before] != myproc())
      elsewhere++;                             // run, but by another thread
    if(nread(fd) == 2)
      answered++;                              // the loop's answer is up already
    unsigned char back[2];
    EXPECT("rtc/read", kshim_read(fd, back, 2), 2);
    if(back[1] != (unsigned char)i)
      printf("FAIL rtc/order: message %d came back as %d\n", i, back[1]), kshim_failures++;
  }
  EXPECT("rtc/service_run_when_write_returns", late, 0);
  EXPECT("rtc/service_run_by_the_writer", elsewhere, 0);
  EXPECT("rtc/answer_at_the_head_when_write_returns", answered, 200);
  int inorder = 1;
  for(int i = 0; i < rec.n; i++)
    if(rec.tag[i][1] != (unsigned char)i)
      inorder = 0;
  CHECK("rtc/service_saw_messages_in_order", rec.n == 200 && inorder);
  EXPECT("rtc/close", kshim_close(fd), 0);
}

// A burst written in one call (split into several messages by the head):
// all of it is through when the call returns, in order.
static void
test_burst(void)
{
  rec_reset();
  int fd = kshim_open("loop", O_RDWR);
  CHECK("burst/push", kshim_ioctl(fd, I_PUSH, (long)"rec") == 0);
  static unsigned char buf[3000], back[3000];
  for(int i = 0; i < (int)sizeof(buf); i++)
    buf[i] = i * 7;
  EXPECT("burst/write", kshim_write(fd, buf, sizeof(buf)), sizeof(buf));
  EXPECT("burst/all_up_when_write_returns", nread(fd), sizeof(buf));
  int got = 0;
  while(got < (int)sizeof(back)){
    int r = kshim_read(fd, back + got, sizeof(back) - got);
    if(r <= 0)
      break;
    got += r;
  }
  EXPECT("burst/read", got, sizeof(buf));
  CHECK("burst/bytes_in_order", memcmp(buf, back, sizeof(buf)) == 0);
  EXPECT("burst/close", kshim_close(fd), 0);
}

// Several writers on one stream: the service procedure never overlaps
// itself, each writer's messages stay in order, nothing is lost.
#define NWRITERS 4
#define PER_WRITER 200
static int shared_fd;

static void
writer(void *arg)
{
  long id = (long)arg;
  for(int i = 0; i < PER_WRITER; i++){
    unsigned char msg[2] = { (unsigned char)id, (unsigned char)i };
    if(kshim_write(shared_fd, msg, 2) != 2)
      printf("FAIL conc/write: writer %ld message %d\n", id, i), kshim_failures++;
  }
}

static void
test_concurrent_writers(void)
{
  rec_reset();
  shared_fd = kshim_open("loop", O_RDWR);
  CHECK("conc/push", kshim_ioctl(shared_fd, I_PUSH, (long)"rec") == 0);
  // the reader keeps up, so writers never block on flow control
  struct kshim_thread *t[NWRITERS];
  for(long i = 0; i < NWRITERS; i++)
    t[i] = kshim_spawn(writer, (void *)(i + 1));
  int got = 0, next[NWRITERS + 1] = { 0 }, disorder = 0;
  while(got < NWRITERS * PER_WRITER){
    unsigned char back[2];
    int r = kshim_read(shared_fd, back, 2);
    if(r != 2)
      break;
    if(back[0] < 1 || back[0] > NWRITERS || back[1] != (unsigned char)next[back[0]]++)
      disorder++;
    got++;
  }
  for(int i = 0; i < NWRITERS; i++)
    kshim_join(t[i]);
  EXPECT("conc/all_messages_back", got, NWRITERS * PER_WRITER);
  EXPECT("conc/each_writer_in_order", disorder, 0);
  EXPECT("conc/service_never_ran_twice_at_once", rec.overlaps, 0);
  EXPECT("conc/close", kshim_close(shared_fd), 0);
}

// Work a kernel thread enables goes to the service threads and runs.
static int loop_fd;
static volatile int kdone;

static void
kwriter(void *arg)
{
  (void)arg;
  // A kernel thread has no return to user space: runqueues does nothing
  // for it, so only the service threads can run what it enables.
  struct file *f = kshim_file(loop_fd);
  unsigned char msg[2] = { 9, 0 };
  devsw[f->major].write(f, (uint64)msg, 2);
  kdone = 1;
}

static int
answered(void *arg)
{
  (void)arg;
  return nread(loop_fd) == 2;
}

static void
test_kernel_thread_work(void)
{
  rec_reset();
  loop_fd = kshim_open("loop", O_RDWR);
  CHECK("kthread/push", kshim_ioctl(loop_fd, I_PUSH, (long)"rec") == 0);
  kdone = 0;
  CHECK("kthread/start", kproc_create("kwriter", kwriter, 0) > 0);
  CHECK("kthread/answered_by_the_service_threads", kshim_waitfor(answered, 0, 5000));
  CHECK("kthread/not_run_by_the_writer", rec.n == 1 && rec.who[0] != myproc());
  unsigned char back[2];
  EXPECT("kthread/read", kshim_read(loop_fd, back, 2), 2);
  EXPECT("kthread/close", kshim_close(loop_fd), 0);
}

int
main(void)
{
  streams_init();
  long base = kshim_kmalloc_live();
  test_run_to_completion();
  test_burst();
  test_concurrent_writers();
  test_kernel_thread_work();
  CHECK("leak/settled", kshim_settle(5000));
  EXPECT("leak/kmalloc", kshim_kmalloc_live(), base);
  return kshim_failures != 0;
}
