// demo.h: the user-visible interface of the demonstration driver and
// modules in modules/ (loop, count): their I_STR commands and answer
// structures. Shared by those modules and by user programs (tests, the
// docs' examples), so only types.h types. The framework never includes it.
#ifndef STREAMS_DEMO_H
#define STREAMS_DEMO_H
#include "types.h"

// loop driver (/dev/loop): test controls, sent with I_STR.
#define LOOP_HANGUP  (('L' << 8) | 1)  // send M_HANGUP up after the data already written
#define LOOP_ERROR   (('L' << 8) | 2)  // data: int errno; send M_ERROR up at once
#define LOOP_SILENT  (('L' << 8) | 3)  // swallow this ioctl: no answer (tests ETIME)
#define LOOP_ECHOCMD (('L' << 8) | 4)  // answer with the same data, rval = its length

// count module: what passed through it.
#define COUNT_GET    (('C' << 8) | 1)  // answer: struct count_stats
#define COUNT_RESET  (('C' << 8) | 2)

struct count_stats {
  ulong down_msgs;    // messages written through it (write side)
  ulong down_bytes;
  ulong up_msgs;      // messages read through it (read side)
  ulong up_bytes;
};

#endif
