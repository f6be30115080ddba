// main.c: supervisor-mode boot. Hart 0 brings up every subsystem in
// dependency order, then lets the other harts in; each hart then enables
// its own paging, traps, interrupts and timer and enters the scheduler.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "defs.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "fs.h"
#include "pci.h"
#include "callout.h"

// Provided by kernel/streams; the weak default lets the core boot alone.
__attribute__((weak)) void streams_init(void) { }
void vcons_init(void);   // virtio_cons.c

static volatile int boot_done;

void
main(void)
{
  if(cpuid() == 0){
    bootargs_early(); // before the device tree's memory can be reused
    consoleinit();
    printfinit();
    printf("\nxv6-streams kernel booting\n");
    kinit();          // physical page allocator
    kvminit();        // kernel page table
    kvminithart();    // turn on paging
    procinit();       // process table
    trapinit();
    trapinithart();   // install the kernel trap vector
    plicinit();
    plicinithart();
    pollinit();
    devinit();        // device switch: console, null, device list
    bootargs_init();  // /dev/bootargs
    binit();          // buffer cache
    iinit();          // inode table
    fileinit();       // file table
    virtio_disk_init();
    vcons_init();     // /dev/vcons, if a virtio console is attached
    pciinit();        // PCIe devices (network cards)
    callout_init();   // timers for protocol modules
    streams_init();   // STREAMS framework, its drivers and modules
    userinit();       // first user process
    timerinit();
    __sync_synchronize();
    boot_done = 1;
  } else {
    while(boot_done == 0)
      ;
    __sync_synchronize();
    kvminithart();
    trapinithart();
    plicinithart();
    timerinit();
  }
  mycpu()->started = 1;
  scheduler();
}
