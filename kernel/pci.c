// pci.c: enumerate bus 0 of the PCIe host bridge through its ECAM window,
// assign addresses to memory BARs from the 32-bit MMIO window, and enable
// memory decoding and bus mastering (DMA). There is no firmware to do this
// for us under -bios none. Interrupts: on virt, INTx of a device in slot s
// with pin p (1..4) arrives at PLIC irq PCIE_IRQ0 + (s + p - 1) % 4.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "errno.h"
#include "spinlock.h"
#include "pci.h"
#include "defs.h"

#define NPCIDEV 16
static struct pci_dev devs[NPCIDEV];
static int ndevs;

static volatile uint32 *
cfg(int bus, int slot, int func, int off)
{
  return (volatile uint32 *)(PCIE_ECAM + ((uint64)bus << 20) + (slot << 15) +
                             (func << 12) + off);
}

void
pciinit(void)
{
  uint64 next = PCIE_MMIO;
  for(int slot = 0; slot < 32 && ndevs < NPCIDEV; slot++){
    uint32 id = *cfg(0, slot, 0, 0);
    if((id & 0xffff) == 0xffff)
      continue;
    struct pci_dev *d = &devs[ndevs];
    memset(d, 0, sizeof(*d));
    d->slot = slot;
    d->vendor = id & 0xffff;
    d->device = id >> 16;
    uint32 class = *cfg(0, slot, 0, 8) >> 16;
    if(class == 0x0600)     // the host bridge itself
      continue;

    // Size each memory BAR: write all ones, read back the mask.
    *cfg(0, slot, 0, 4) = 0;   // decoding off while probing
    for(int b = 0; b < 6; b++){
      volatile uint32 *bar = cfg(0, slot, 0, 0x10 + 4 * b);
      uint32 old = *bar;
      if(old & 1)            // I/O space: not used on RISC-V
        continue;
      int is64 = ((old >> 1) & 3) == 2;
      *bar = 0xffffffff;
      uint32 mask = *bar & ~0xfU;
      if(mask == 0){
        *bar = old;
        continue;
      }
      uint64 size = (uint64)(~mask) + 1;
      next = (next + size - 1) & ~(size - 1);   // natural alignment
      if(next + size > PCIE_MMIO + (16 << 20)){
        printf("pci: no room for BAR%d of %x:%x\n", b, d->vendor, d->device);
        break;
      }
      *bar = (uint32)next;
      if(is64)
        *cfg(0, slot, 0, 0x10 + 4 * (b + 1)) = (uint32)(next >> 32);
      d->bar[b] = next;
      d->barsize[b] = size;
      next += size;
      if(is64)
        b++;
    }
    // memory space + bus master
    *cfg(0, slot, 0, 4) = (1 << 1) | (1 << 2);
    int pin = (*cfg(0, slot, 0, 0x3c) >> 8) & 0xff;
    d->irq = pin ? PCIE_IRQ0 + (slot + pin - 1) % 4 : 0;
    ndevs++;
  }
}

int
pci_find(uint16 vendor, uint16 device, int index, struct pci_dev *out)
{
  for(int i = 0; i < ndevs; i++){
    if(devs[i].vendor == vendor && devs[i].device == device && index-- == 0){
      *out = devs[i];
      return 0;
    }
  }
  return -ENODEV;
}
