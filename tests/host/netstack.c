// netstack.c: the host-side network stack of netstack.h – the fakenic
// driver and the plumbing. Not a test by itself.
#include "kshim.h"
#include "errno.h"
#include "fcntl.h"
#include "streams/stream.h"
#include "stropts.h"
#include "net/ether.h"
#include "inet.h"
#include "netctl.h"
#include "netstack.h"
#include "provides.h"

// the few C library calls used here (no system headers beside defs.h)
void *calloc(unsigned long n, unsigned long size);
void free(void *p);
long atol(const char *s);
char *strstr(const char *hay, const char *needle);

void streams_init(void);
void callout_init(void);

static const uint8 mymac[6] = NS_MAC;

// Whole pages (arp's /dev/arp listing uses one): the shim has only kmalloc.
void *kalloc(void) { return calloc(1, 4096); }
void kfree(void *p) { free(p); }

// ---------------------------------------------------------------- fakenic

static struct spinlock nic_lock;
static queue_t *nic_rq;
static struct sentframe { struct sentframe *next; int len; uint8 data[ETH_MAXFRAME]; } *sent_first, *sent_last;
static int nic_ready;

static int
nic_wput(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) == M_DATA){
    struct sentframe *f = calloc(1, sizeof(*f));
    for(mblk_t *b = mp; b && f->len < ETH_MAXFRAME; b = b->b_cont){
      int n = MBLKL(b) < ETH_MAXFRAME - f->len ? MBLKL(b) : ETH_MAXFRAME - f->len;
      memcpy(f->data + f->len, b->b_rptr, n);
      f->len += n;
    }
    freemsg(mp);
    acquire(&nic_lock);
    if(sent_last) sent_last->next = f; else sent_first = f;
    sent_last = f;
    wakeup(&sent_first);
    release(&nic_lock);
    return 0;
  }
  if(DB_TYPE(mp) == M_IOCTL && ((struct iocblk *)mp->b_rptr)->ioc_cmd == DL_INFO){
    struct dl_info info;
    memset(&info, 0, sizeof(info));
    memcpy(info.addr, mymac, 6);
    info.link_up = 1;
    info.mtu = ETH_MTU;
    mblk_t *dp = allocb(sizeof(info), BPRI_MED);
    memcpy(dp->b_wptr, &info, sizeof(info));
    dp->b_wptr += sizeof(info);
    if(mp->b_cont)
      freemsg(unlinkb(mp));
    linkb(mp, dp);
    miocack(q, mp, sizeof(info), 0);
    return 0;
  }
  if(DB_TYPE(mp) == M_IOCTL){
    miocnak(q, mp, 0, EINVAL);
    return 0;
  }
  if(DB_TYPE(mp) == M_FLUSH){
    if(*mp->b_rptr & FLUSHR){
      *mp->b_rptr &= ~FLUSHW;
      qreply(q, mp);
      return 0;
    }
  }
  freemsg(mp);
  return 0;
}

static int nic_rput(queue_t *q, mblk_t *mp) { putnext(q, mp); return 0; }

static int
nic_open(queue_t *rq, int minor, int oflag, int sflag)
{
  acquire(&nic_lock);
  if(nic_rq){
    release(&nic_lock);
    return EBUSY;
  }
  nic_rq = rq;
  release(&nic_lock);
  return 0;
}

static int
nic_close(queue_t *rq, int oflag)
{
  acquire(&nic_lock);
  nic_rq = 0;
  release(&nic_lock);
  return 0;
}

static struct module_info nic_info = { 2100, "fakenic", 0, ETH_MAXFRAME, 65536, 16384, 0 };
static struct qinit nic_rinit = { .qi_putp = nic_rput, .qi_qopen = nic_open,
                                  .qi_qclose = nic_close, .qi_minfo = &nic_info };
static struct qinit nic_winit = { .qi_putp = nic_wput, .qi_minfo = &nic_info };
static const char *const nic_devs[] = { "fakenic", 0 };
static const struct streamtab nic_tab = {
  .st_rdinit = &nic_rinit, .st_wrinit = &nic_winit, .st_flags = STR_DRIVER,
  .st_provides = ST_FRAMES, .st_devices = nic_devs,
};
STREAMS_MODULE(nic_tab);

// Hand any message (an ioctl answer, say) up from the card, as if the
// driver had sent it.
void
ns_inject_msg(mblk_t *mp)
{
  acquire(&nic_lock);
  queue_t *rq = nic_rq;
  int ok = rq && strclaim(rq);
  release(&nic_lock);
  if(!ok){
    freemsg(mp);
    return;
  }
  putnext(rq, mp);
  strrelease(rq);
}

// ---------------------------------------------------------------- fakebelow

// Two drivers that only send up what the test gives them and swallow
// what comes down: "fakeether" offers "ether" (arp is pushed on it) and
// "fakelink" offers "ipv4-link" (linked under ip). One stream of each at
// a time.
static queue_t *below_rq[2];

static int
below_open(queue_t *rq, int which)
{
  acquire(&nic_lock);
  if(below_rq[which]){
    release(&nic_lock);
    return EBUSY;
  }
  below_rq[which] = rq;
  release(&nic_lock);
  return 0;
}
static int fe_open(queue_t *rq, int minor, int oflag, int sflag) { return below_open(rq, 0); }
static int fl_open(queue_t *rq, int minor, int oflag, int sflag) { return below_open(rq, 1); }

static int
below_close(queue_t *rq, int oflag)
{
  acquire(&nic_lock);
  for(int i = 0; i < 2; i++)
    if(below_rq[i] == rq)
      below_rq[i] = 0;
  release(&nic_lock);
  return 0;
}

static int
below_wput(queue_t *q, mblk_t *mp)
{
  if(DB_TYPE(mp) == M_IOCTL){
    miocnak(q, mp, 0, EINVAL);
    return 0;
  }
  freemsg(mp);
  return 0;
}

static int below_rput(queue_t *q, mblk_t *mp) { putnext(q, mp); return 0; }

static struct module_info fe_info = { 2101, "fakeether", 0, INFPSZ, 65536, 16384, 0 };
static struct module_info fl_info = { 2102, "fakelink", 0, INFPSZ, 65536, 16384, 0 };
static struct qinit fe_rinit = { .qi_putp = below_rput, .qi_qopen = fe_open,
                                 .qi_qclose = below_close, .qi_minfo = &fe_info };
static struct qinit fe_winit = { .qi_putp = below_wput, .qi_minfo = &fe_info };
static struct qinit fl_rinit = { .qi_putp = below_rput, .qi_qopen = fl_open,
                                 .qi_qclose = below_close, .qi_minfo = &fl_info };
static struct qinit fl_winit = { .qi_putp = below_wput, .qi_minfo = &fl_info };
static const char *const fe_devs[] = { "fakeether", 0 };
static const char *const fl_devs[] = { "fakelink", 0 };
static const struct streamtab fe_tab = {
  .st_rdinit = &fe_rinit, .st_wrinit = &fe_winit, .st_flags = STR_DRIVER,
  .st_provides = ST_ETHER, .st_devices = fe_devs,
};
static const struct streamtab fl_tab = {
  .st_rdinit = &fl_rinit, .st_wrinit = &fl_winit, .st_flags = STR_DRIVER,
  .st_provides = ST_IPV4LINK, .st_devices = fl_devs,
};
STREAMS_MODULE(fe_tab);
STREAMS_MODULE(fl_tab);

void
ns_below_up(const char *dev, mblk_t *mp)
{
  int which = strcmp(dev, "fakelink") == 0;
  acquire(&nic_lock);
  queue_t *rq = below_rq[which];
  int ok = rq && strclaim(rq);
  release(&nic_lock);
  if(!ok){
    freemsg(mp);
    return;
  }
  putnext(rq, mp);
  strrelease(rq);
}

int
ns_link_eth_under(const char *dev, int flags, const char *bind)
{
  char buf[NETCTL_MAX];
  int len = strlen(bind), r;
  if(len >= NETCTL_MAX)
    return -EINVAL;
  int fd = kshim_open(dev, flags);
  if(fd < 0)
    return fd;
  int eth = kshim_open("eth", O_RDWR);
  if(eth < 0){
    kshim_close(fd);
    return eth;
  }
  memmove(buf, bind, len);
  struct strioctl sc = { NET_CTL, 0, len, buf };
  if((r = kshim_ioctl(eth, I_STR, (long)&sc)) < 0 || (r = kshim_ioctl(fd, I_PLINK, eth)) < 0){
    kshim_close(eth);
    kshim_close(fd);
    return r;
  }
  kshim_close(eth);
  return fd;
}

int
ns_arp_frame(uint8 *f, int op, const uint8 *sha, uint32 spa, const uint8 *tha, uint32 tpa,
             const uint8 *dst)
{
  memmove(f, dst, 6);
  memmove(f + 6, sha, 6);
  put16(f + 12, ETHERTYPE_ARP);
  uint8 *p = f + 14;
  put16(p, 1); put16(p + 2, ETHERTYPE_IP); p[4] = 6; p[5] = 4; put16(p + 6, op);
  memmove(p + 8, sha, 6); put32(p + 14, spa); memmove(p + 18, tha, 6); put32(p + 24, tpa);
  memset(p + 28, 0, 18);      // padding to 60 bytes
  return 60;
}

void
ns_inject(const uint8 *frame, int len)
{
  mblk_t *mp = allocb(len > 0 ? len : 1, BPRI_MED);
  if(mp == 0)
    return;
  memcpy(mp->b_wptr, frame, len);
  mp->b_wptr += len;
  acquire(&nic_lock);
  queue_t *rq = nic_rq;
  int ok = rq && strclaim(rq);
  release(&nic_lock);
  if(!ok){
    freemsg(mp);
    return;
  }
  putnext(rq, mp);
  strrelease(rq);
}

int
ns_sent(uint8 *buf, int max, int ms)
{
  uint64 deadline = uptime_ms() + ms;
  acquire(&nic_lock);
  while(sent_first == 0 && uptime_ms() < deadline)
    sleep_until(&sent_first, &nic_lock, deadline);
  struct sentframe *f = sent_first;
  if(f){
    sent_first = f->next;
    if(sent_first == 0)
      sent_last = 0;
  }
  release(&nic_lock);
  if(f == 0)
    return 0;
  int n = f->len < max ? f->len : max;
  memcpy(buf, f->data, n);
  free(f);
  return n;
}

void
ns_flush_sent(void)
{
  uint8 buf[ETH_MAXFRAME];
  while(ns_sent(buf, sizeof(buf), 0) > 0)
    ;
}

// ---------------------------------------------------------------- plumbing

int
ns_ctl(const char *dev, const char *text, char *ans, int max)
{
  int fd = kshim_open(dev, 2);
  if(fd < 0)
    return fd;
  static char buf[STRIOCMAX];
  int n = strlen(text);
  memcpy(buf, text, n);
  struct strioctl sc = { NET_CTL, 0, n, buf };
  int r = kshim_ioctl(fd, I_STR, (long)&sc);
  if(r >= 0 && ans){
    int m = sc.ic_len < max - 1 ? sc.ic_len : max - 1;
    memcpy(ans, buf, m > 0 ? m : 0);
    ans[m > 0 ? m : 0] = 0;
  }
  kshim_close(fd);
  return r;
}

static int
fd_ctl(int fd, const char *text)
{
  char buf[NETCTL_MAX];
  int n = strlen(text);
  memcpy(buf, text, n);
  struct strioctl sc = { NET_CTL, 0, n, buf };
  return kshim_ioctl(fd, I_STR, (long)&sc);
}

int
ns_up(void)
{
  if(!nic_ready){
    initlock(&nic_lock, "fakenic");
    streams_init();
    callout_init();
    nic_ready = 1;
  }
  int r, card = kshim_open("fakenic", 2);
  if(card < 0)
    return card;
  int eth = kshim_open("eth", 2);
  int muxid = kshim_ioctl(eth, I_PLINK, card);
  if(muxid < 0)
    return muxid;
  int lnk = kshim_open("eth", 2);
  char cmd[64];
  snprintf(cmd, sizeof(cmd), "bind mux=%d 0x0800", muxid);
  if((r = fd_ctl(lnk, cmd)) < 0)
    return r;
  if((r = kshim_ioctl(lnk, I_PUSH, (long)"arp")) < 0)
    return r;
  int ip = kshim_open("ip", 2);
  int ipmux = kshim_ioctl(ip, I_PLINK, lnk);
  if(ipmux < 0)
    return ipmux;
  snprintf(cmd, sizeof(cmd), "addr mux=%d %s", ipmux, NS_ADDR);
  if((r = fd_ctl(ip, cmd)) < 0)
    return r;
  kshim_close(card);
  kshim_close(eth);
  kshim_close(lnk);
  kshim_close(ip);
  return 0;
}

void
ns_down(void)
{
  int ip = kshim_open("ip", 2);
  kshim_ioctl(ip, I_PUNLINK, MUXID_ALL);
  kshim_close(ip);
  int eth = kshim_open("eth", 2);
  kshim_ioctl(eth, I_PUNLINK, MUXID_ALL);
  kshim_close(eth);
  ns_flush_sent();
}
