// bench_frames: the raw frame rate of the e1000 driver alone, the limit
// every layer above it is measured against. Run on a guest booted with
// net=none, so that /dev/e1000/0 is free:
//
//   bench_frames tx DST_MAC SIZE COUNT   send COUNT frames of SIZE bytes
//   bench_frames rx SECONDS              count frames arriving for SECONDS
//
// Frames use ethertype 0x88b5 (IEEE "local experimental"). Prints
// "BENCH frames_tx size=S frames=N us=T" or "BENCH frames_rx frames=N
// bytes=B us=T" for the host driver (tests/bench/bench_net.py).
#include "user.h"
#include "stropts.h"
#include "net/ether.h"

static int
parse_mac(const char *s, uint8 *mac)
{
  for(int i = 0; i < 6; i++){
    char *end;
    long v = strtol(s, &end, 16);
    if(end == s || v < 0 || v > 255 || (i < 5 && *end != ':'))
      return -1;
    mac[i] = v;
    s = end + 1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int fd = open("/dev/e1000/0", O_RDWR);
  if(fd < 0)
    die("bench_frames", "/dev/e1000/0", fd);
  ioctl(fd, I_SRDOPT, RMSGD);     // one frame per read
  static uint8 frame[1514];
  if(argc == 5 && strcmp(argv[1], "tx") == 0){
    int size = atoi(argv[3]), count = atoi(argv[4]);
    if(parse_mac(argv[2], frame) < 0 || size < 60 || size > 1514 || count <= 0){
      fprintf(2, "bench_frames: bad arguments\n");
      return 2;
    }
    // A real source address (the card's, from DL_INFO): bridges drop
    // frames from 00:00:00:00:00:00.
    struct dl_info info;
    struct strioctl sc = { DL_INFO, 0, 0, (char *)&info };
    int r = ioctl(fd, I_STR, (long)&sc);
    if(r < 0)
      die("bench_frames", "DL_INFO", r);
    memmove(frame + 6, info.addr, 6);
    frame[12] = 0x88; frame[13] = 0xb5;
    long t0 = uptimeus();
    for(int i = 0; i < count; i++){
      frame[14] = i; frame[15] = i >> 8; frame[16] = i >> 16;
      r = write(fd, frame, size);
      if(r != size)
        die("bench_frames", "write", r < 0 ? r : -EIO);
    }
    long us = uptimeus() - t0;
    printf("BENCH frames_tx size=%d frames=%d us=%ld\n", size, count, us);
    return 0;
  }
  if(argc == 3 && strcmp(argv[1], "rx") == 0){
    long secs = atoi(argv[2]);
    long frames = 0, bytes = 0, first = 0, last = 0;
    long end = uptime() + secs * 1000;
    fcntl(fd, F_SETFL, O_NONBLOCK);   // poll only when nothing is waiting
    for(;;){
      long left = end - uptime();
      if(left <= 0)
        break;
      int n = read(fd, frame, sizeof(frame));
      if(n == -EAGAIN){
        struct pollfd p = { fd, POLLIN, 0 };
        if(poll(&p, 1, left) <= 0)
          break;
        continue;
      }
      if(n <= 0){
        fprintf(2, "bench_frames: read: %s\n", n < 0 ? strerror(n) : "end of file");
        break;
      }
      if(n < 14 || frame[12] != 0x88 || frame[13] != 0xb5)
        continue;
      last = uptimeus();
      if(frames == 0)
        first = last;
      frames++;
      bytes += n;
    }
    printf("BENCH frames_rx frames=%ld bytes=%ld us=%ld\n", frames, bytes, last - first);
    return 0;
  }
  fprintf(2, "usage: bench_frames tx DST_MAC SIZE COUNT | rx SECONDS\n");
  return 2;
}
