// riscv.h for host builds: the kernel's kernel/riscv.h, except that the
// `time` CSR (r_time), which only a RISC-V can read, comes from the kernel
// shim's clock (kshim_r_time in tests/host/kshim.c: 10 MHz, manual when
// the shim's clock is). Found before kernel/riscv.h through
// `-iquote tests/host/hostcpu` (the lwIP fuzz harnesses' FUZZ-CFLAGS):
// modules/tcp/port/port.c stirs its randomness pool with r_time.
#ifndef HOST_RISCV_H
#define HOST_RISCV_H

// The kernel's own inline r_time is renamed out of the way; being unused,
// its RISC-V instruction is never emitted.
#define r_time kernel_r_time_riscv_only
#include_next "riscv.h"
#undef r_time

uint64 kshim_r_time(void);
static inline uint64 r_time(void) { return kshim_r_time(); }

#endif
