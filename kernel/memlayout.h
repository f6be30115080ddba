// memlayout.h: where things are in the physical and virtual address spaces
// of QEMU's riscv64 `virt` machine.
//
// Physical map (from QEMU's hw/riscv/virt.c memory map):
//   0x00100000  test device ("sifive,test"): write to power off / reboot
//   0x02000000  CLINT (unused: timers use the Sstc stimecmp CSR)
//   0x02f00000  ACLINT SSWI (with -machine virt,aclint=on): a write of 1 to
//               the word of hart N raises a supervisor software interrupt
//               there – our inter-processor interrupt
//   0x0c000000  PLIC interrupt controller
//   0x10000000  UART0 (16550)
//   0x10001000  virtio-mmio slot 0 (our disk); slots 1..7 follow every
//               0x1000, on PLIC lines 2..8 (a virtio console there is
//               /dev/vcons)
//   0x30000000  PCIe ECAM configuration space (256 MiB)
//   0x40000000  PCIe 32-bit MMIO window (BARs are placed here)
//   0x80000000  RAM: the kernel is loaded here by QEMU (-bios none)
#ifndef MEMLAYOUT_H
#define MEMLAYOUT_H

#define TESTDEV     0x00100000L
#define SSWI        0x02f00000L
#define UART0       0x10000000L
#define UART0_IRQ   10
#define VIRTIO0     0x10001000L
#define VIRTIO0_IRQ 1
#define VIRTIO_SLOTS 8
#define VIRTIO_SLOT(i)     (VIRTIO0 + (i) * 0x1000L)
#define VIRTIO_SLOT_IRQ(i) (VIRTIO0_IRQ + (i))
#define PLIC        0x0c000000L
#define PCIE_ECAM   0x30000000L
#define PCIE_ECAM_SIZE 0x10000000L
#define PCIE_MMIO   0x40000000L
#define PCIE_MMIO_SIZE 0x10000000L   // we use the first 256 MiB of the window
#define PCIE_IRQ0   32               // INTA..INTD -> PLIC 32..35

#define PLIC_PRIORITY      (PLIC + 0x0)
#define PLIC_PENDING       (PLIC + 0x1000)
#define PLIC_SENABLE(hart) (PLIC + 0x2080 + (hart)*0x100)
#define PLIC_SPRIORITY(hart) (PLIC + 0x201000 + (hart)*0x2000)
#define PLIC_SCLAIM(hart)  (PLIC + 0x201004 + (hart)*0x2000)

#define RAMSIZE     (256L*1024*1024)
#define KERNBASE    0x80000000L
#define PHYSTOP     (KERNBASE + RAMSIZE)

// The top of every address space (Sv39 allows 2^38 without sign trouble).
#ifndef PGSIZE
#define PGSIZE 4096
#endif
#define MAXVA       (1L << (9 + 9 + 9 + 12 - 1))

// The trampoline page (trap entry/exit code) is mapped at the highest
// virtual page of both the kernel and every user address space.
#define TRAMPOLINE  (MAXVA - PGSIZE)

// Kernel stacks live below the trampoline, each followed by an unmapped
// guard page so that an overflow faults instead of corrupting memory.
#define KSTACK_PAGES 2
#define KSTACK(p)   (TRAMPOLINE - ((p) + 1) * (KSTACK_PAGES + 1) * PGSIZE)

// User address space, from the bottom:
//   text, data, bss; a guard page; the stack (USERSTACK pages); the heap
//   (grown by sbrk); ...; the trapframe page; the trampoline page.
#define TRAPFRAME   (TRAMPOLINE - PGSIZE)

#endif
