// vmtypes.h: the types of Sv39 page tables, which the kernel's prototypes
// (defs.h) and the process structure (proc.h) name. They are the kernel's
// own, so they are not in include/types.h; the page-table bits are in
// riscv.h, which includes this file. Kept apart from riscv.h so that the
// host builds of kernel code (tests/host/hostcpu/riscv.h) still choose
// their own riscv.h.
#ifndef VMTYPES_H
#define VMTYPES_H
#include "types.h"

typedef uint64 pte_t;
typedef uint64 *pagetable_t;   // one page of 512 PTEs

#endif
