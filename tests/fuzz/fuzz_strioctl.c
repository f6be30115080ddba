// FUZZ-SOURCES: tests/host/kshim.c kernel/streams/msg.c kernel/streams/queue.c kernel/streams/sched.c kernel/streams/plumb.c kernel/streams/head.c kernel/streams/ioctl.c kernel/streams/mux.c kernel/streams/keep.c kernel/streams/registry.c kernel/streams/listing.c modules/loop.c modules/null.c modules/rot13.c modules/count.c modules/muxloop.c
// fuzz_strioctl.c: libFuzzer harness for the stream head's ioctl argument
// decoding: each input is a short program of ioctls (I_PUSH with a name,
// I_STR with a command, timeout and length, I_LIST with a count, I_SRDOPT,
// I_FLUSH, I_LOOK, I_FIND, I_POP, I_NREAD, reads and writes) on a loop
// stream, run through the real framework in the host shim. Arguments point
// into a buffer the input fills, so a length the framework trusted too far
// shows as an AddressSanitizer finding. The stream is closed at the end,
// and every message block must be freed.
#include "kshim.h"
#include "fcntl.h"
#include "streams/stream.h"
#include "streams/strsubr.h"
#include "stropts.h"

void streams_init(void);
int LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size);

static char arena[8192];

int
LLVMFuzzerTestOneInput(const uint8 *data, unsigned long size)
{
  static int up;
  if(!up){
    streams_init();
    up = 1;
  }
  int fd = kshim_open("loop", O_RDWR | O_NONBLOCK);
  if(fd < 0)
    return 0;
  static const char *names[] = { "null", "rot13", "count", "loop", "nosuch", "" };
  unsigned long i = 0;
  while(i + 4 <= size){
    uint8 op = data[i], a = data[i + 1];
    int len = (int16)(data[i + 2] | data[i + 3] << 8);
    i += 4;
    int take = size - i < 64 ? size - i : 64;
    memset(arena, 0, 256);
    memmove(arena, data + i, take);
    i += take / 4;
    if(len > (int)sizeof(arena) - 64)
      len = sizeof(arena) - 64;
    switch(op % 12){
    case 0: kshim_ioctl(fd, I_PUSH, (long)names[a % 6]); break;
    case 1: kshim_ioctl(fd, I_POP, 0); break;
    case 2: {
      struct strioctl sc = { (int)(a | data[i % size] << 8), a % 3, len, arena + 64 };
      if((a & 0xc0) == 0)
        sc.ic_cmd = ('C' << 8) | (a & 3);          // count's own commands
      kshim_ioctl(fd, I_STR, (long)&sc);
      break;
    }
    case 3: {
      struct str_mlist ml[4];
      struct str_list sl = { len % 5, ml };
      kshim_ioctl(fd, I_LIST, a & 1 ? (long)&sl : 0);
      break;
    }
    case 4: kshim_ioctl(fd, I_SRDOPT, a | (long)len * 256); break;
    case 5: kshim_ioctl(fd, I_FLUSH, a); break;
    case 6: kshim_ioctl(fd, I_LOOK, (long)arena); break;
    case 7: kshim_ioctl(fd, I_FIND, (long)names[a % 6]); break;
    case 8: kshim_ioctl(fd, I_NREAD, (long)arena); break;
    case 9: kshim_write(fd, arena, len < 0 ? 0 : len % 4096); break;
    case 10: kshim_read(fd, arena, len < 0 ? 0 : len % 4096); break;
    case 11:
      // Any stream head command, its argument a zeroed buffer: pointers
      // inside it would be host addresses here, which the shim cannot
      // check the way the kernel's copyin does.
      memset(arena, 0, 256);
      *(int *)arena = len;
      kshim_ioctl(fd, (int)(('S' << 8) | a), (long)arena);
      break;
    }
  }
  kshim_close(fd);
  return 0;
}
