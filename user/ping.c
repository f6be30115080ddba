// ping: send ICMP echo requests through /dev/ip and report the replies,
// with round-trip times (min/avg/max) and loss, like its Unix namesake.
//
//   ping [-c COUNT] [-i INTERVAL_MS] [-W WAIT_MS] [-s SIZE] [-q] A.B.C.D
//
// It binds an /dev/ip stream to ICMP and connects it to the host, so each
// write is one echo request; each read returns one whole IPv4 packet.
// Exit status 0 if at least one reply came back, 1 otherwise.
#include "user.h"
#include "stropts.h"
#include "net/netctl.h"

static int
ctl(int fd, const char *text)
{
  char buf[NETCTL_MAX];
  int n = strlen(text);
  memmove(buf, text, n);
  struct strioctl sc = { NET_CTL, 0, n, buf };
  return ioctl(fd, I_STR, (long)&sc);
}

static uint16
cksum(const uint8 *p, int len)
{
  uint32 sum = 0;
  for(; len > 1; len -= 2, p += 2)
    sum += (p[0] << 8) | p[1];
  if(len)
    sum += p[0] << 8;
  while(sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return ~sum;
}

int
main(int argc, char *argv[])
{
  int count = 4, interval = 1000, wait = 1000, size = 56, quiet = 0, c;
  while((c = getopt(argc, argv, "c:i:W:s:q")) != -1){
    switch(c){
    case 'c': count = atoi(optarg); break;
    case 'i': interval = atoi(optarg); break;
    case 'W': wait = atoi(optarg); break;
    case 's': size = atoi(optarg); break;
    case 'q': quiet = 1; break;
    default:
      fprintf(2, "usage: ping [-c count] [-i interval_ms] [-W wait_ms] [-s size] [-q] host\n");
      return 2;
    }
  }
  if(optind != argc - 1 || count <= 0 || size < 8 || size > 1400 || interval < 0 || wait <= 0){
    fprintf(2, "usage: ping [-c count] [-i interval_ms] [-W wait_ms] [-s size] [-q] host\n");
    return 2;
  }
  const char *host = argv[optind];
  int fd = open("/dev/ip", O_RDWR);
  if(fd < 0)
    die("ping", "/dev/ip", fd);
  char cmd[64];
  int r;
  if((r = ctl(fd, "proto 1")) < 0)
    die("ping", "proto 1", r);
  snprintf(cmd, sizeof(cmd), "connect %s", host);
  if((r = ctl(fd, cmd)) < 0)
    die("ping", host, r);
  ioctl(fd, I_SRDOPT, RMSGD);

  int id = getpid() & 0xffff;
  int sent = 0, received = 0;
  long tmin = -1, tmax = 0, tsum = 0;
  uint8 pkt[1500], in[1600];
  printf("PING %s: %d data bytes\n", host, size);
  for(int seq = 1; seq <= count; seq++){
    memset(pkt, 0, 8 + size);
    pkt[0] = 8;                          // echo request
    pkt[4] = id >> 8; pkt[5] = id;
    pkt[6] = seq >> 8; pkt[7] = seq;
    long t0 = uptimeus();
    memmove(pkt + 8, &t0, sizeof(t0));
    for(int i = 8 + sizeof(t0); i < 8 + size; i++)
      pkt[i] = i;
    uint16 s = cksum(pkt, 8 + size);
    pkt[2] = s >> 8; pkt[3] = s;
    if((r = write(fd, pkt, 8 + size)) < 0)
      die("ping", "write", r);
    sent++;

    // Wait for our reply until the deadline; others' ICMP is ignored.
    long deadline = uptime() + wait;
    int got = 0;
    while(!got){
      long left = deadline - uptime();
      if(left <= 0)
        break;
      struct pollfd p = { fd, POLLIN, 0 };
      if(poll(&p, 1, left) <= 0)
        break;
      int n = read(fd, in, sizeof(in));
      if(n < 20)
        continue;
      int hl = (in[0] & 15) * 4;
      if(n < hl + 8 || in[hl] != 0)      // echo reply only
        continue;
      int rid = (in[hl + 4] << 8) | in[hl + 5], rseq = (in[hl + 6] << 8) | in[hl + 7];
      if(rid != id || rseq != seq)
        continue;
      long rtt = uptimeus() - t0;
      got = 1;
      received++;
      tsum += rtt;
      if(tmin < 0 || rtt < tmin) tmin = rtt;
      if(rtt > tmax) tmax = rtt;
      if(!quiet)
        printf("%d bytes from %d.%d.%d.%d: icmp_seq=%d ttl=%d time=%ld.%03ld ms\n",
               n - hl, in[12], in[13], in[14], in[15], seq, in[8], rtt / 1000, rtt % 1000);
    }
    if(!got && !quiet)
      printf("no reply for icmp_seq=%d\n", seq);
    if(seq < count && interval > 0){
      long pause = interval - (uptime() - (t0 / 1000));
      if(pause > 0)
        sleep(pause);
    }
  }
  printf("--- %s ping statistics ---\n", host);
  printf("%d packets transmitted, %d received, %d%% packet loss\n", sent, received,
         (sent - received) * 100 / sent);
  if(received > 0){
    long avg = tsum / received;
    printf("rtt min/avg/max = %ld.%03ld/%ld.%03ld/%ld.%03ld ms\n", tmin / 1000, tmin % 1000,
           avg / 1000, avg % 1000, tmax / 1000, tmax % 1000);
  }
  return received > 0 ? 0 : 1;
}
