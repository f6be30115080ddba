// pcapsave: save what a tap has captured so far as a pcap file, without
// waiting for more (cat /dev/tap/N would wait for the next frame).
//
//   pcapsave /dev/tap/0 /cap.pcap    prints "N frames, B bytes"
//
// Copy the file out of the guest (or print it with `xd`) and open it
// with tshark or Wireshark.
#include "user.h"

int
main(int argc, char *argv[])
{
  if(argc != 3){
    fprintf(2, "usage: pcapsave /dev/tap/N FILE\n");
    return 2;
  }
  int in = open(argv[1], O_RDONLY | O_NONBLOCK);
  if(in < 0)
    die("pcapsave", argv[1], in);
  int out = open(argv[2], O_WRONLY | O_CREATE | O_TRUNC);
  if(out < 0)
    die("pcapsave", argv[2], out);
  static char buf[8192];
  long bytes = 0, frames = -1;      // the first read is the file header
  for(;;){
    int n = read(in, buf, sizeof(buf));
    if(n == -EAGAIN || n == 0)
      break;
    if(n < 0)
      die("pcapsave", argv[1], n);
    if(writeall(out, buf, n) != n)
      die("pcapsave", argv[2], -EIO);
    // count records: each starts with a 16-byte header holding its length
    if(frames < 0){
      frames = 0;
    } else {
      for(int off = 0; off + 16 <= n; frames++){
        int caplen = (uint8)buf[off + 8] | (uint8)buf[off + 9] << 8 |
                     (uint8)buf[off + 10] << 16 | (uint8)buf[off + 11] << 24;
        off += 16 + caplen;
      }
    }
    bytes += n;
  }
  close(out);
  printf("%ld frames, %ld bytes\n", frames < 0 ? 0 : frames, bytes);
  return 0;
}
