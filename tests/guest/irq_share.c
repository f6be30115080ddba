// irq_share: two e1000 cards on one interrupt line, joined by a QEMU hub
// (tests/test_irq.py boots the machine). Card 0 carries the stack netup
// plumbed (10.0.2.15); card 1 is opened raw. Each round card 1 sends a
// broadcast ARP question for 10.0.2.15 and must read the stack's answer:
// the question arrives only if card 0's interrupt is served, the answer
// only if card 1's is. With one handler per line, the card registered
// first would never be served again.
// GUESTTEST-TIMEOUT: 120
#include "user.h"
#include "poll.h"
#include "stropts.h"

#define ROUNDS 40
static const uchar mac1[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
static const uchar me[4] = { 10, 0, 2, 99 };       // card 1's made-up address
static const uchar stack[4] = { 10, 0, 2, 15 };

static int
arp_question(uchar *f)
{
  memset(f, 0, 60);
  memset(f, 0xff, 6);                              // broadcast
  memmove(f + 6, mac1, 6);
  f[12] = 0x08; f[13] = 0x06;                      // ARP
  f[14] = 0; f[15] = 1;                            // Ethernet
  f[16] = 0x08; f[17] = 0x00;                      // IPv4
  f[18] = 6; f[19] = 4;
  f[20] = 0; f[21] = 1;                            // request
  memmove(f + 22, mac1, 6);
  memmove(f + 28, me, 4);
  memmove(f + 38, stack, 4);
  return 60;
}

// An ARP reply from 10.0.2.15 to us?
static int
is_answer(const uchar *f, int n)
{
  return n >= 42 && memcmp(f, mac1, 6) == 0 && f[12] == 0x08 && f[13] == 0x06 &&
         f[20] == 0 && f[21] == 2 && memcmp(f + 28, stack, 4) == 0 &&
         memcmp(f + 38, me, 4) == 0;
}

int
main(void)
{
  t_begin("irq_share");
  int fd = open("/dev/e1000/1", O_RDWR);
  if(!t_check("open_card1", fd >= 0, "open /dev/e1000/1: %d", fd))
    return t_done();
  // One frame a read: in the default byte-stream mode frames that queued
  // up together (the card's service ran late) come back as one run of
  // bytes, and an answer behind another frame would go unseen.
  t_expect("message_mode", ioctl(fd, I_SRDOPT, RMSGD), 0);
  uchar f[2048];
  int answered = 0;
  long worst = 0;
  for(int r = 0; r < ROUNDS; r++){
    int n = arp_question(f);
    if(write(fd, f, n) != n)
      break;
    long t0 = uptime(), end = t0 + 3000;
    int got = 0;
    while(!got && uptime() < end){
      struct pollfd p = { fd, POLLIN, 0 };
      if(poll(&p, 1, end - uptime()) <= 0)
        break;
      int m = read(fd, f, sizeof(f));
      if(m > 0 && is_answer(f, m))
        got = 1;
    }
    if(!got)
      break;
    answered++;
    if(uptime() - t0 > worst)
      worst = uptime() - t0;
  }
  t_check("both_cards_interrupt", answered == ROUNDS,
          "%d of %d ARP questions answered through the shared line", answered, ROUNDS);
  printf("# %d rounds, slowest answer %ld ms\n", answered, worst);
  close(fd);
  return t_done();
}
