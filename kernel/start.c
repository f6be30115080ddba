// start.c: the machine-mode prologue. It runs once per hart on the boot
// stack, hands every trap and interrupt to supervisor mode, lets supervisor
// mode program its own timer (the Sstc extension's stimecmp), and drops to
// supervisor mode in main(). Nothing else ever runs in machine mode.
#include "types.h"
#include "param.h"
#include "riscv.h"

void main(void);
extern uint64 boot_dtb;

// a0 = hart id, a1 = device tree address, as QEMU leaves them.
void
start(uint64 hartid, uint64 dtb)
{
  if(hartid == 0)
    boot_dtb = dtb;

  // mret will "return" to main in supervisor mode.
  uint64 ms = csr_read(mstatus);
  ms = (ms & ~MSTATUS_MPP_MASK) | MSTATUS_MPP_S;
  csr_write(mstatus, ms);
  csr_write(mepc, (uint64)main);

  // Paging stays off until kvminithart().
  csr_write(satp, 0);

  // Delegate all exceptions and interrupts to supervisor mode.
  csr_write(medeleg, 0xffff);
  csr_write(mideleg, 0xffff);
  csr_set(sie, IE_SEIE | IE_STIE | IE_SSIE);

  // Physical memory protection: let supervisor mode touch all memory.
  csr_write(pmpaddr0, 0x3fffffffffffffUL);
  csr_write(pmpcfg0, 0xf);

  // Supervisor mode may read `time` and write stimecmp directly, so
  // timer interrupts need no machine-mode handler; it may read `cycle`
  // too, and passes both on to user mode (trapinithart).
  asm volatile("csrs 0x30a, %0" : : "r"(MENVCFG_STCE));   // menvcfg
  csr_set(mcounteren, 3);                                 // CY and TM bits
  w_stimecmp(~0UL);                                       // no timer yet

  // Remember the hart id in tp: cpuid() reads it.
  w_tp(csr_read(mhartid));

  asm volatile("mret");
}
