// HOSTTEST-SOURCES: kernel/irq.c tests/host/kshim.c
// test_irq.c: host unit tests of the interrupt handler table (kernel/irq.c):
// handlers on one shared line form a chain and each runs on every
// interrupt, so a device that interrupted while another one registered
// last is still served (the line goes low); a full chain, a bad line and
// a missing handler are refused with an errno; interrupts nobody claims
// are counted. The PLIC is a stub that records which lines were enabled.
#include "kshim.h"
#include "errno.h"

static int plic_on[64];

void
plic_enable(int irq)
{
  plic_on[irq]++;
}

// A device on a level-triggered line: it raises `pending`, its handler
// lowers it. The line is high while any device on it is pending.
struct dev {
  int pending;
  int calls;
};

static int
dev_intr(void *a)
{
  struct dev *d = a;
  d->calls++;
  int was = d->pending;
  d->pending = 0;
  return was;
}

// irq_register's kind of handler, which does not say
static void
dev_vintr(void *a)
{
  dev_intr(a);
}

int
main(void)
{
  irqinit();
  struct dev a = { 0, 0 }, b = { 0, 0 };
  EXPECT("irq/add_first", irq_add(33, dev_intr, &a), 0);
  irq_register(33, dev_vintr, &b);             // the old kind, registered last
  EXPECT("irq/shared_two_handlers", irq_handlers(33), 2);
  CHECK("irq/line_enabled", plic_on[33] >= 1);

  // the first card interrupts: it is served although another registered after it
  a.pending = 1;
  CHECK("irq/dispatch_handled", irq_dispatch(33) >= 1);
  EXPECT("irq/first_served", a.pending, 0);
  EXPECT("irq/first_called", a.calls, 1);
  EXPECT("irq/second_called_too", b.calls, 1);
  // both at once: one interrupt serves both, the line goes low
  a.pending = b.pending = 1;
  irq_dispatch(33);
  CHECK("irq/both_served_line_low", a.pending == 0 && b.pending == 0);

  // a line whose handlers all say "not mine": counted, not hidden
  struct dev c = { 0, 0 }, d = { 0, 0 };
  irq_add(34, dev_intr, &c);
  irq_add(34, dev_intr, &d);
  EXPECT("irq/nobody_handled", irq_dispatch(34), 0);
  EXPECT("irq/spurious_counted", irq_spurious(34), 1);
  d.pending = 1;
  EXPECT("irq/second_of_chain", irq_dispatch(34), 1);
  EXPECT("irq/spurious_unchanged", irq_spurious(34), 1);

  // the hard limit: NIRQCHAIN (4) handlers a line
  struct dev e[5];
  memset(e, 0, sizeof(e));
  int ok = 0;
  for(int i = 0; i < 4; i++)
    ok += irq_add(35, dev_intr, &e[i]) == 0;
  EXPECT("irq/four_fit", ok, 4);
  EXPECT("irq/fifth_ebusy", irq_add(35, dev_intr, &e[4]), -EBUSY);
  irq_register(35, dev_vintr, &e[4]);          // says so, changes nothing
  EXPECT("irq/chain_still_four", irq_handlers(35), 4);
  e[3].pending = 1;
  EXPECT("irq/last_of_four_served", irq_dispatch(35), 1);
  EXPECT("irq/fifth_never_called", e[4].calls, 0);

  // errors
  EXPECT("irq/line0", irq_add(0, dev_intr, &a), -EINVAL);
  EXPECT("irq/line_past_end", irq_add(64, dev_intr, &a), -EINVAL);
  EXPECT("irq/negative_line", irq_add(-3, dev_intr, &a), -EINVAL);
  EXPECT("irq/no_handler", irq_add(36, 0, &a), -EINVAL);
  EXPECT("irq/empty_line", irq_dispatch(37), -1);
  EXPECT("irq/dispatch_bad_line", irq_dispatch(1000), -1);
  EXPECT("irq/empty_line_not_enabled", plic_on[36], 0);
  return kshim_failures != 0;
}
