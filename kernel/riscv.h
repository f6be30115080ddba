// riscv.h: the RISC-V privileged architecture as the kernel sees it:
// control and status registers (CSRs), their bits, and Sv39 page tables.
#ifndef RISCV_H
#define RISCV_H
#include "types.h"
#include "vmtypes.h"

// Read and write a CSR by name: csr_read(sstatus), csr_write(stvec, x).
#define csr_read(csr) ({ uint64 __v; \
  asm volatile("csrr %0, " #csr : "=r"(__v)); __v; })
#define csr_write(csr, val) ({ \
  asm volatile("csrw " #csr ", %0" : : "r"((uint64)(val))); })
#define csr_set(csr, bits) ({ \
  asm volatile("csrs " #csr ", %0" : : "r"((uint64)(bits))); })
#define csr_clear(csr, bits) ({ \
  asm volatile("csrc " #csr ", %0" : : "r"((uint64)(bits))); })

// Not every assembler knows the Sstc/Smstateen CSR names: use numbers.
#define CSR_STIMECMP  0x14d
#define CSR_MENVCFG   0x30a

// mstatus / sstatus bits
#define MSTATUS_MPP_MASK (3L << 11)
#define MSTATUS_MPP_S    (1L << 11)
#define SSTATUS_SIE      (1L << 1)   // supervisor interrupts enabled
#define SSTATUS_SPIE     (1L << 5)   // SIE before the trap
#define SSTATUS_SPP      (1L << 8)   // previous mode: 1 = supervisor
#define SSTATUS_SUM      (1L << 18)  // supervisor may touch user pages

// interrupt enable / pending bits (sie, sip, mie)
#define IE_SSIE (1L << 1)
#define IE_STIE (1L << 5)
#define IE_SEIE (1L << 9)

// scause values we handle
#define SCAUSE_INTR          (1UL << 63)
#define SCAUSE_S_SOFT        (SCAUSE_INTR | 1)
#define SCAUSE_S_TIMER       (SCAUSE_INTR | 5)
#define SCAUSE_S_EXTERNAL    (SCAUSE_INTR | 9)
#define SCAUSE_ECALL_U       8
#define SCAUSE_INST_PAGE     12
#define SCAUSE_LOAD_PAGE     13
#define SCAUSE_STORE_PAGE    15

// menvcfg.STCE lets supervisor mode use stimecmp (the Sstc extension)
#define MENVCFG_STCE (1UL << 63)

static inline uint64 r_tp(void) { uint64 x; asm volatile("mv %0, tp" : "=r"(x)); return x; }
static inline void w_tp(uint64 x) { asm volatile("mv tp, %0" : : "r"(x)); }
static inline uint64 r_sp(void) { uint64 x; asm volatile("mv %0, sp" : "=r"(x)); return x; }
static inline uint64 r_time(void) { uint64 x; asm volatile("rdtime %0" : "=r"(x)); return x; }
static inline void w_stimecmp(uint64 x) { asm volatile("csrw 0x14d, %0" : : "r"(x)); }

static inline void intr_on(void)  { csr_set(sstatus, SSTATUS_SIE); }
static inline void intr_off(void) { csr_clear(sstatus, SSTATUS_SIE); }
static inline int  intr_get(void) { return (csr_read(sstatus) & SSTATUS_SIE) != 0; }

static inline void sfence_vma(void) { asm volatile("sfence.vma zero, zero"); }

// Sv39 paging: three levels of 512 8-byte entries, 4096-byte pages.
#ifndef PGSIZE
#define PGSIZE 4096
#endif
#define PGSHIFT 12
#define PGROUNDUP(sz)  (((sz) + PGSIZE - 1) & ~(uint64)(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(uint64)(PGSIZE - 1))

#define PTE_V (1L << 0)
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4)
#define PTE_A (1L << 6)
#define PTE_D (1L << 7)

#define PA2PTE(pa) ((((uint64)(pa)) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)
#define PTE_FLAGS(pte) ((pte) & 0x3FF)

// the 9-bit index of va at page-table level (2 = top, 0 = leaf)
#define PX(level, va) ((((uint64)(va)) >> (PGSHIFT + 9 * (level))) & 0x1FF)

#define SATP_SV39 (8L << 60)
#define MAKE_SATP(pt) (SATP_SV39 | (((uint64)(pt)) >> 12))

#endif
