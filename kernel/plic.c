// plic.c: the platform-level interrupt controller routes device interrupts
// (UART, virtio disk, PCIe cards) to harts. Every hart takes supervisor-mode
// external interrupts; whichever claims an interrupt first handles it.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "defs.h"

#define REG(a) (*(volatile uint32 *)(a))

static uint64 enabled[2];         // bitmap of enabled irqs (0..127)
static int harts_ready[NCPU];

static void
enable_on_hart(int hart)
{
  REG(PLIC_SENABLE(hart)) = (uint32)enabled[0];
  REG(PLIC_SENABLE(hart) + 4) = (uint32)(enabled[0] >> 32);
  REG(PLIC_SENABLE(hart) + 8) = (uint32)enabled[1];
  REG(PLIC_SENABLE(hart) + 12) = (uint32)(enabled[1] >> 32);
}

void
plic_enable(int irq)
{
  REG(PLIC_PRIORITY + irq * 4) = 1;
  enabled[irq / 64] |= 1UL << (irq % 64);
  for(int h = 0; h < NCPU; h++)
    if(harts_ready[h])
      enable_on_hart(h);
}

void
plicinit(void)
{
  plic_enable(UART0_IRQ);
}

void
plicinithart(void)
{
  int hart = cpuid();
  harts_ready[hart] = 1;
  enable_on_hart(hart);
  REG(PLIC_SPRIORITY(hart)) = 0;   // accept every priority above 0
}

int
plic_claim(void)
{
  return REG(PLIC_SCLAIM(cpuid()));
}

void
plic_complete(int irq)
{
  REG(PLIC_SCLAIM(cpuid())) = irq;
}
