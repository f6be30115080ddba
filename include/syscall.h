// syscall.h: system call numbers, shared by the kernel's dispatcher
// (kernel/syscall.c) and the user-space stubs (user/lib/usys.S).
// Calling convention: number in a7, arguments in a0..a5, `ecall`,
// result in a0. A negative result is -errno (see errno.h).
#ifndef SYSCALL_H
#define SYSCALL_H

#define SYS_fork      1   // int fork(void)
#define SYS_exit      2   // void exit(int status)
#define SYS_wait      3   // int wait(int *status)  -> pid
#define SYS_pipe      4   // int pipe(int fds[2])
#define SYS_read      5   // int read(int fd, void *buf, int n)
#define SYS_kill      6   // int kill(int pid)
#define SYS_exec      7   // int exec(const char *path, char **argv)
#define SYS_fstat     8   // int fstat(int fd, struct stat *st)
#define SYS_chdir     9   // int chdir(const char *path)
#define SYS_dup      10   // int dup(int fd)
#define SYS_getpid   11   // int getpid(void)
#define SYS_sbrk     12   // char *sbrk(int n)  (-ENOMEM as pointer value on failure)
#define SYS_sleep    13   // int sleep(int ms)
#define SYS_uptime   14   // long uptime(void)  -> milliseconds since boot
#define SYS_open     15   // int open(const char *path, int flags)
#define SYS_write    16   // int write(int fd, const void *buf, int n)
#define SYS_mknod    17   // int mknod(const char *path, short major, short minor)
#define SYS_unlink   18   // int unlink(const char *path)
#define SYS_link     19   // int link(const char *old, const char *new)
#define SYS_mkdir    20   // int mkdir(const char *path)
#define SYS_close    21   // int close(int fd)
#define SYS_ioctl    22   // int ioctl(int fd, int cmd, long arg)  (-ENOTTY if none)
#define SYS_poll     23   // int poll(struct pollfd *fds, int nfds, int timeout_ms)
#define SYS_fcntl    24   // int fcntl(int fd, int cmd, long arg)
#define SYS_rename   25   // int rename(const char *old, const char *new)
#define SYS_lseek    26   // long lseek(int fd, long off, int whence)
#define SYS_dup2     27   // int dup2(int oldfd, int newfd)
#define SYS_procinfo 28   // int procinfo(struct procinfo *buf, int max) -> count
#define SYS_sysinfo  29   // int sysinfo(struct sysinfo *info)
#define SYS_halt     30   // int halt(int code)  powers the machine off
#define SYS_getppid  31   // int getppid(void)
#define SYS_uptimeus 32   // long uptimeus(void) -> microseconds since boot
#define SYS_NSYSCALL 33

#endif
