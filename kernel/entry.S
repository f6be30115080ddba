# entry.S: the first instructions every hart runs. QEMU (-bios none) starts
# all harts at 0x80000000 in machine mode with a0 = hart id. Each hart takes
# its own boot stack from boot_stacks and calls start(hartid, dtb) in C;
# a0 and a1 still hold what QEMU put there.
        .section .text.entry
        .globl _entry
_entry:
        # sp = boot_stacks + (hartid + 1) * BOOT_STACK_SIZE
        csrr t0, mhartid
        addi t0, t0, 1
        li t1, 8192
        mul t0, t0, t1
        la sp, boot_stacks
        add sp, sp, t0
        call start
1:      wfi
        j 1b

        .bss
        .balign 16
        .globl boot_stacks
boot_stacks:
        .space 8192 * 8          # BOOT_STACK_SIZE * NCPU
