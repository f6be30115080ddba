// stropts.h: the STREAMS interface seen by user programs – the stream
// head's ioctl commands with their SVR4 numbers, the structures they take,
// read options and flush flags. Shared by the kernel (kernel/streams) and
// user space (push, streams, tests), so it uses only types.h types.
//
// Commands 0..037 follow SVR4/illumos so the literature applies; those
// from 0200 up are this system's own additions.
#ifndef STROPTS_H
#define STROPTS_H
#include "types.h"

#define STR          ('S' << 8)

#define I_NREAD      (STR | 01)   // int *: bytes in first message; returns message count
#define I_PUSH       (STR | 02)   // char *name: push a module under the head
#define I_POP        (STR | 03)   // 0: pop the topmost module
#define I_LOOK       (STR | 04)   // char buf[FMNAMESZ+1]: name of topmost module
#define I_FLUSH      (STR | 05)   // FLUSHR/FLUSHW/FLUSHRW
#define I_SRDOPT     (STR | 06)   // int: read mode | protocol option
#define I_GRDOPT     (STR | 07)   // int *: current read options
#define I_STR        (STR | 010)  // struct strioctl *: ioctl for a module/driver
#define I_FIND       (STR | 013)  // char *name: 1 if pushed, 0 if not
#define I_LINK       (STR | 014)  // int fd: link fd's stream under this mux; returns mux id
#define I_UNLINK     (STR | 015)  // int muxid or MUXID_ALL
#define I_LIST       (STR | 025)  // struct str_list * (0: returns the count)
#define I_PLINK      (STR | 026)  // like I_LINK, but survives close of this stream
#define I_PUNLINK    (STR | 027)  // int muxid or MUXID_ALL: undo I_PLINK

// Additions of this system.
#define I_ERRSTR     (STR | 0200) // char buf[STR_ERRLEN]: why the last command failed
#define I_KEEP       (STR | 0201) // struct str_keep *: keep this stream under a name
#define I_UNKEEP     (STR | 0202) // 0: stop keeping it (dismantled at last close)
#define I_GSTATS     (STR | 0203) // struct str_stats *: global counters

#define FMNAMESZ     15           // longest module name (SVR4 has 8)
#define NSTRPUSH     9            // most modules on one stream
#define STR_ERRLEN   128          // longest reason text of I_ERRSTR
#define STRIOCMAX    4096         // most data bytes of one I_STR, each way
#define MUXID_ALL    (-1)         // I_UNLINK / I_PUNLINK: every link
#define INFTIM       (-1)         // I_STR: wait forever (so does any negative)
#define STRTIMOUT    15           // I_STR: default timeout in seconds

// I_FLUSH and M_FLUSH
#define FLUSHR       0x01         // flush the read side
#define FLUSHW       0x02         // flush the write side
#define FLUSHRW      0x03

// I_SRDOPT: one read mode ...
#define RNORM        0x00         // byte stream: message boundaries ignored
#define RMSGD        0x01         // one message per read, rest discarded
#define RMSGN        0x02         // one message per read, rest kept
#define RMODEMASK    0x03
// ... or'ed with one treatment of M_PROTO/M_PCPROTO messages at the head
#define RPROTDAT     0x04         // deliver the control part as data
#define RPROTDIS     0x08         // discard the control part, read the data
#define RPROTNORM    0x10         // fail the read with EBADMSG (the default)
#define RPROTMASK    0x1c

// I_STR: an ioctl for a module or the driver, carried down as M_IOCTL.
struct strioctl {
  int   ic_cmd;      // the command the module understands
  int   ic_timout;   // seconds to wait for the answer; 0 default; < 0 (INFTIM) forever
  int   ic_len;      // in: bytes at ic_dp to send; out: bytes of the answer
  char *ic_dp;       // data both ways (the answer overwrites it)
};

// I_LIST
struct str_mlist {
  char l_name[FMNAMESZ + 1];
};
struct str_list {
  int sl_nmods;                // in: room in sl_modlist; out: entries filled
  struct str_mlist *sl_modlist;
};

// I_KEEP: the name is an input; the device file that re-opens the stream
// (/dev/kept/NAME, to be created with mknod) is the output.
struct str_keep {
  char  k_name[FMNAMESZ + 1];
  short k_major;
  short k_minor;
};

// I_GSTATS: counters for leak checks (messages in use must return to
// their baseline once a test's streams are closed).
struct str_stats {
  int   ss_streams;       // streams in existence
  int   ss_mblks;         // message blocks in use
  int   ss_dblks;         // data blocks in use
  int   ss_links;         // multiplexor links
  int   ss_kept;          // kept (named) streams
  int   ss_pad;
  ulong ss_allocfail;     // allocb calls that found no memory
};

#endif
