// irq.c: who handles which device interrupt. trap.c asks the PLIC which
// line interrupted and calls irq_dispatch; the handlers live here, a short
// chain per line, because lines are shared: on virt the four PCIe INTx
// lines serve every slot (pci.c), so two cards can sit on one line. The
// line is level-triggered and stays high while any device on it wants
// service, so every handler on the chain runs on each interrupt (each one
// asks its own device); one left out would keep the line up for ever.
#include "types.h"
#include "param.h"
#include "errno.h"
#include "spinlock.h"
#include "defs.h"

#define NIRQ      64
#define NIRQCHAIN 4     // handlers on one line: as many as INTx can share here

struct irqhandler {
  int  (*fn)(void *);   // says whether its device had interrupted; or 0
  void (*vfn)(void *);  // irq_register's kind: does not say
  void *arg;
};

// Entries are filled before nchain counts them, and never removed, so
// irq_dispatch reads without a lock.
static struct irqhandler chain[NIRQ][NIRQCHAIN];
static int nchain[NIRQ];                 // (irq_lock for writers)
static ulong spurious[NIRQ];             // interrupts no handler claimed
static struct spinlock irq_lock;

void
irqinit(void)
{
  initlock(&irq_lock, "irq");
}

static int
add(int irq, int (*fn)(void *), void (*vfn)(void *), void *arg)
{
  if(irq <= 0 || irq >= NIRQ)
    return -EINVAL;
  acquire(&irq_lock);
  int n = nchain[irq];
  if(n == NIRQCHAIN){
    release(&irq_lock);
    return -EBUSY;
  }
  chain[irq][n].fn = fn;
  chain[irq][n].vfn = vfn;
  chain[irq][n].arg = arg;
  __atomic_store_n(&nchain[irq], n + 1, __ATOMIC_RELEASE);
  release(&irq_lock);
  plic_enable(irq);
  return 0;
}

// Add a handler to line irq. It returns 1 if its device had raised the
// interrupt, 0 if not. 0, or -EINVAL (no such line), -EBUSY (NIRQCHAIN
// handlers on it already).
int
irq_add(int irq, int (*handler)(void *), void *arg)
{
  if(handler == 0)
    return -EINVAL;
  return add(irq, handler, 0, arg);
}

// The older kind of handler, which does not say whether it handled; it is
// added to the chain like the others (it used to replace the line's
// handler). A full chain is a configuration error that leaves this
// device without interrupts: said once, loudly.
void
irq_register(int irq, void (*handler)(void *), void *arg)
{
  int err = handler ? add(irq, 0, handler, arg) : -EINVAL;
  if(err == -EBUSY)
    printf("irq_register: irq %d is shared by %d devices already (NIRQCHAIN): "
           "this one gets no interrupts\n", irq, NIRQCHAIN);
  else if(err)
    printf("irq_register: no interrupt line %d: this device gets no interrupts\n", irq);
}

// An interrupt on line irq: run every handler on it. Returns how many
// handled it (a handler that does not say counts as one), -1 if the line
// has no handler at all. Interrupt context.
int
irq_dispatch(int irq)
{
  if(irq <= 0 || irq >= NIRQ)
    return -1;
  int n = __atomic_load_n(&nchain[irq], __ATOMIC_ACQUIRE);
  if(n == 0)
    return -1;
  int handled = 0;
  for(int i = 0; i < n; i++){
    struct irqhandler *h = &chain[irq][i];
    if(h->fn)
      handled += h->fn(h->arg) != 0;
    else {
      h->vfn(h->arg);
      handled++;
    }
  }
  if(handled == 0)
    __atomic_add_fetch(&spurious[irq], 1, __ATOMIC_RELAXED);
  return handled;
}

// Handlers on a line, and interrupts on it that none of them claimed.
int
irq_handlers(int irq)
{
  return irq > 0 && irq < NIRQ ? __atomic_load_n(&nchain[irq], __ATOMIC_ACQUIRE) : 0;
}

ulong
irq_spurious(int irq)
{
  return irq > 0 && irq < NIRQ ? __atomic_load_n(&spurious[irq], __ATOMIC_RELAXED) : 0;
}
