// HOSTTEST-SOURCES: kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c tests/host/kshim.c
// test_assert.c: the framework's invariants are checked (ASSERT of
// kernel/streams/stream.h). Each case breaks one invariant in a child
// process, which must die of abort() having printed "assertion failed:"
// with the expression and the file – and a correct use of the same
// routine must not abort.
#include "kshim.h"
#include "errno.h"
#include "streams/stream.h"
#include "streams/strsubr.h"

// from the C library (kshim.h's kernel headers rule out <unistd.h>)
int  fork(void);
int  pipe(int fds[2]);
int  dup2(int a, int b);
int  close(int fd);
long read(int fd, void *buf, unsigned long n);
int  waitpid(int pid, int *status, int options);
void _exit(int code) __attribute__((noreturn));

#define SIGABRT 6

static char errtext[1024];

// Run fn in a child; 1 if it died of SIGABRT, -1 if it exited normally
// (0), with what it wrote to standard error in errtext.
static int
aborts(void (*fn)(void))
{
  int p[2];
  if(pipe(p) < 0)
    return 0;
  int pid = fork();
  if(pid == 0){
    close(p[0]);
    dup2(p[1], 2);
    fn();
    _exit(0);
  }
  close(p[1]);
  int n = 0;
  long r;
  while(n < (int)sizeof(errtext) - 1 && (r = read(p[0], errtext + n, sizeof(errtext) - 1 - n)) > 0)
    n += r;
  errtext[n] = 0;
  close(p[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if((st & 0x7f) == SIGABRT)
    return 1;
  return (st & 0x7f) == 0 ? -1 : 0;
}

static int
said(const char *needle)
{
  int n = strlen(needle);
  for(const char *h = errtext; *h; h++)
    if(strncmp(h, needle, n) == 0)
      return 1;
  return 0;
}

// ---------------------------------------------------------------- cases

static struct module_info t_info = { 3001, "t", 0, INFPSZ, 1024, 256, 0 };
static int t_put(queue_t *q, mblk_t *mp) { freemsg(mp); return 0; }
static struct qinit t_init = { .qi_putp = t_put, .qi_minfo = &t_info };
static struct streamtab t_tab = { .st_rdinit = &t_init, .st_wrinit = &t_init,
                                  .st_flags = STR_MODULE };
STREAMS_MODULE(t_tab);

// Two queues, q[0] -> q[1], in a stream of their own (not registered).
static struct stdata t_sd;
static queue_t tq[2];

static void
setup(void)
{
  memset(&t_sd, 0, sizeof(t_sd));
  initlock(&t_sd.sd_lock, "t_sd");
  for(int i = 0; i < 2; i++){
    memset(&tq[i], 0, sizeof(tq[i]));
    initlock(&tq[i].q_lock, "tq");
    tq[i].q_qinfo = &t_init;
    tq[i].q_hiwat = 1024;
    tq[i].q_lowat = 256;
    tq[i].q_stream = &t_sd;
    tq[i].q_state = QNOENB;
  }
  tq[0].q_next = &tq[1];
}

static void
putq_linked(void)
{
  mblk_t *a = allocb(1, BPRI_MED), *b = allocb(1, BPRI_MED);
  a->b_next = b;            // a is still on somebody's list
  putq(&tq[1], a);
}

static void
putq_fine(void)
{
  putq(&tq[1], allocb(1, BPRI_MED));
  freemsg(getq(&tq[1]));
}

static void
putnext_linked(void)
{
  mblk_t *a = allocb(1, BPRI_MED), *b = allocb(1, BPRI_MED);
  a->b_prev = b;
  putnext(&tq[0], a);
}

static void
putnext_fine(void)
{
  putnext(&tq[0], allocb(1, BPRI_MED));
}

static void
freeb_twice(void)
{
  mblk_t *a = allocb(1, BPRI_MED);
  a->b_datap->db_ref = 0;   // what a buffer freed once more looks like
  freeb(a);
}

static void
release_unclaimed(void)
{
  strrelease(&tq[0]);       // no strclaim before it
}

static void
release_claimed(void)
{
  if(strclaim(&tq[0]))
    strrelease(&tq[0]);
}

static void
ack_data(void)
{
  mblk_t *mp = allocb(sizeof(struct iocblk), BPRI_MED);
  mp->b_wptr += sizeof(struct iocblk);   // the right size, but M_DATA
  miocack(&tq[1], mp, 0, 0);
}

static void
nak_short(void)
{
  mblk_t *mp = allocb(4, BPRI_MED);
  DB_TYPE(mp) = M_IOCTL;
  mp->b_wptr += 4;                       // an M_IOCTL too short for its iocblk
  miocnak(&tq[1], mp, 0, EINVAL);
}

static void
ack_fine(void)
{
  mblk_t *mp = allocb(sizeof(struct iocblk), BPRI_MED);
  DB_TYPE(mp) = M_IOCTL;
  memset(mp->b_wptr, 0, sizeof(struct iocblk));
  mp->b_wptr += sizeof(struct iocblk);
  tq[1].q_flag = 0;
  tq[0].q_flag = QREADR;   // OTHERQ(&tq[1]) is tq[0]: the answer goes "up" there
  miocack(&tq[1], mp, 0, 0);
}

// ---------------------------------------------------------------- main

static void
expect_abort(const char *name, void (*fn)(void), const char *expr, const char *file)
{
  char n[96];
  int r = aborts(fn);
  snprintf(n, sizeof(n), "%s/aborts", name);
  CHECK(n, r == 1);
  snprintf(n, sizeof(n), "%s/says_expression", name);
  CHECK(n, said("assertion failed: ") && said(expr));
  snprintf(n, sizeof(n), "%s/says_where", name);
  CHECK(n, said(file));
}

static void
expect_fine(const char *name, void (*fn)(void))
{
  int r = aborts(fn);
  CHECK(name, r == -1 && errtext[0] == 0);
}

int
main(void)
{
  setup();
  expect_abort("assert/putq_linked", putq_linked, "b_next == 0", "kernel/streams/queue.c:");
  expect_fine("assert/putq_fine", putq_fine);
  expect_abort("assert/putnext_linked", putnext_linked, "b_prev == 0", "kernel/streams/queue.c:");
  expect_fine("assert/putnext_fine", putnext_fine);
  expect_abort("assert/freeb_twice", freeb_twice, "db_ref", "kernel/streams/msg.c:");
  expect_abort("assert/release_unclaimed", release_unclaimed, "sd_inflight > 0",
               "kernel/streams/plumb.c:");
  expect_fine("assert/release_claimed", release_claimed);
  expect_abort("assert/miocack_not_ioctl", ack_data, "M_IOCTL", "kernel/streams/queue.c:");
  expect_abort("assert/miocnak_short", nak_short, "sizeof(struct iocblk)",
               "kernel/streams/queue.c:");
  expect_fine("assert/miocack_fine", ack_fine);
  return kshim_failures != 0;
}
