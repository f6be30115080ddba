// pci.h: PCI Express devices found on QEMU virt's host bridge. Drivers
// (modules/e1000.c) look their hardware up here; pciinit has already
// given every memory BAR an address and enabled the device.
#ifndef PCI_H
#define PCI_H
#include "types.h"

struct pci_dev {
  int bus, slot, func;
  uint16 vendor, device;
  uint64 bar[6];       // assigned physical address of each memory BAR (0 = none)
  uint64 barsize[6];
  int irq;             // PLIC interrupt number of INTx
};

void pciinit(void);
// The index'th device (0, 1, ...) with this vendor and device id: fills
// *out and returns 0, or returns -ENODEV.
int  pci_find(uint16 vendor, uint16 device, int index, struct pci_dev *out);

#endif
