// sysparam.h: the limits of the system a user program may rely on: how
// many processes and open files there can be, how long a path or an
// argument list may be. The kernel's own table sizes (buffers, inodes,
// the log) are in kernel/param.h, which includes this file.
#ifndef SYSPARAM_H
#define SYSPARAM_H

#define NPROC        64     // maximum number of processes
#define NOFILE      128     // open files per process (a chat server holds 100 clients)
#define NDEV         64     // device major numbers (mknod)
#define MAXARG       32     // max exec arguments
#define MAXPATH      256    // maximum file path name
#define USERSTACK    4      // user stack pages

#endif
