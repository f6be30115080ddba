# usys.S: the system call stubs. Each loads its number (include/syscall.h)
# into a7 and traps with ecall; the arguments are already in a0..a5 as the
# C calling convention left them, and the kernel's result comes back in
# a0, negative for -errno, which the stub returns unchanged.
#include "syscall.h"

#define STUB(name)              \
        .globl name;            \
        .type name, @function;  \
name:                           \
        li      a7, SYS_##name; \
        ecall;                  \
        ret

        .text
STUB(fork)
STUB(exit)
STUB(wait)
STUB(pipe)
STUB(read)
STUB(kill)
STUB(exec)
STUB(fstat)
STUB(chdir)
STUB(dup)
STUB(getpid)
STUB(sbrk)
STUB(sleep)
STUB(uptime)
STUB(open)
STUB(write)
STUB(mknod)
STUB(unlink)
STUB(link)
STUB(mkdir)
STUB(close)
STUB(ioctl)
STUB(poll)
STUB(fcntl)
STUB(rename)
STUB(lseek)
STUB(dup2)
STUB(procinfo)
STUB(sysinfo)
STUB(halt)
STUB(getppid)
STUB(uptimeus)

# long syscall(num, a0, a1, a2, a3, a4, a5): any call with raw arguments,
# for tests that must hand the kernel values no typed wrapper would.
        .globl syscall
        .type syscall, @function
syscall:
        mv      a7, a0
        mv      a0, a1
        mv      a1, a2
        mv      a2, a3
        mv      a3, a4
        mv      a4, a5
        mv      a5, a6
        ecall
        ret
