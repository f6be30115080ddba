// e1000.c: STREAMS driver for the Intel 82540EM Ethernet card that QEMU
// emulates (-device e1000). The bottom of the network stack.
//
//   /dev/e1000/N  one stream per card (a second open gets EBUSY).
//   write side    M_DATA = one complete Ethernet frame (header included,
//                 no FCS) to transmit; frames wait on the queue while the
//                 transmit ring is full, which is real flow control.
//   read side     every frame received, as M_DATA.
//   ioctls        DL_INFO (address, link, mtu), DL_STATS (counters, text).
//
// Receive and transmit use descriptor rings in memory the card reaches by
// DMA. Received frames are copied into fresh messages in the interrupt
// handler and queued; the read service procedure passes them up under
// flow control. Transmitted frames go out straight from the message's
// data block (no copy) and are freed when the card reports them done.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "errno.h"
#include "spinlock.h"
#include "file.h"
#include "pci.h"
#include "defs.h"
#include "callout.h"
#include "streams/stream.h"
#include "ether.h"

// Registers (82540EM manual, section 13), as byte offsets into BAR 0.
#define CTRL     0x0000
#define STATUS   0x0008
#define EERD     0x0014
#define ICR      0x00c0
#define IMS      0x00d0
#define IMC      0x00d8
#define RCTL     0x0100
#define TCTL     0x0400
#define TIPG     0x0410
#define RDBAL    0x2800
#define RDBAH    0x2804
#define RDLEN    0x2808
#define RDH      0x2810
#define RDT      0x2818
#define RDTR     0x2820
#define ITR      0x00c4
#define TDBAL    0x3800
#define TDBAH    0x3804
#define TDLEN    0x3808
#define TDH      0x3810
#define TDT      0x3818
#define MTA      0x5200
#define RAL0     0x5400
#define RAH0     0x5404

#define CTRL_SLU      (1 << 6)     // set link up
#define CTRL_RST      (1 << 26)
#define STATUS_LU     (1 << 1)
#define RCTL_EN       (1 << 1)
#define RCTL_BAM      (1 << 15)    // accept broadcast
#define RCTL_SECRC    (1 << 26)    // strip the FCS
#define TCTL_EN       (1 << 1)
#define TCTL_PSP      (1 << 3)     // pad short packets
#define RAH_AV        (1u << 31)   // address valid
#define ICR_TXDW      (1 << 0)     // a transmit descriptor was written back
#define ICR_LSC       (1 << 2)     // link status changed
#define ICR_RXDMT0    (1 << 4)     // receive ring running low
#define ICR_RXO       (1 << 6)     // receiver overrun: frames lost
#define ICR_RXT0      (1 << 7)     // receive timer: frames arrived

#define TXCMD_EOP     (1 << 0)
#define TXCMD_IFCS    (1 << 1)     // insert FCS
#define TXCMD_RS      (1 << 3)     // report status
#define DESC_DD       (1 << 0)     // descriptor done
#define RXSTA_EOP     (1 << 1)

#define NRX       256              // >= TCP window / MSS, see the QEMU notes
#define NTX       128
#define RXBUFSZ   2048
#define NCARD     4
#define ITR_US    40               // interrupt throttling interval

struct rx_desc { uint64 addr; uint16 len, csum; uint8 status, errors; uint16 special; };
struct tx_desc { uint64 addr; uint16 len; uint8 cso, cmd, status, css; uint16 special; };

struct card {
  struct spinlock lock;     // rings, rq and counters
  volatile uint32 *regs;
  int present;
  uint8 mac[ETH_ALEN];
  queue_t *rq;              // read queue of the open stream, or 0
  struct rx_desc *rx;       // NRX descriptors (one page)
  char *rxbuf[NRX];
  struct tx_desc *tx;       // NTX descriptors
  mblk_t *txmsg[NTX];       // message to free when its descriptor is done
  uint32 tx_head;           // oldest descriptor not yet reclaimed
  uint32 tx_tail;           // next descriptor to fill (== TDT)
  uint32 rx_next;           // next descriptor the card will fill
  int sweep_armed;          // a tx_sweep callout is pending
  struct {
    ulong rx_frames, rx_bytes, rx_drops, rx_errors, rx_overruns;
    ulong tx_frames, tx_bytes, tx_drops;
  } st;
};

static struct card cards[NCARD];
static int ncards;

static uint32 rd(struct card *c, int r) { return c->regs[r / 4]; }
static void wr(struct card *c, int r, uint32 v) { c->regs[r / 4] = v; }

static int tx_free(struct card *c) { return NTX - 1 - (c->tx_tail - c->tx_head); }

// The ring is full and frames wait: ask for an interrupt when the card
// has sent some. Lock held.
static void
tx_wait(struct card *c)
{
  wr(c, IMS, ICR_TXDW);
}

// Free the messages of descriptors the card has finished. Lock held.
static void
tx_reclaim(struct card *c)
{
  while(c->tx_head != c->tx_tail){
    struct tx_desc *d = &c->tx[c->tx_head % NTX];
    if((d->status & DESC_DD) == 0)
      break;
    if(c->txmsg[c->tx_head % NTX])
      freemsg(c->txmsg[c->tx_head % NTX]);
    c->txmsg[c->tx_head % NTX] = 0;
    c->tx_head++;
  }
}

// Reclaiming only when the next frame goes out (or at an interrupt)
// leaves the last frames of a burst on the ring for as long as the link
// stays quiet: not lost, but counted as message blocks in use, which
// would make every leak check depend on the traffic's last direction.
// So a frame put on an idle ring arms one sweep, TX_SWEEP_MS later; the
// sweep frees what the card has sent and re-arms while frames remain.
#define TX_SWEEP_MS 20

static void
tx_sweep(void *arg)
{
  struct card *c = arg;
  acquire(&c->lock);
  tx_reclaim(c);
  c->sweep_armed = c->tx_head != c->tx_tail && timeout(tx_sweep, c, TX_SWEEP_MS) != 0;
  release(&c->lock);
}

// Put one frame on the ring. Lock held; caller checked tx_free().
static void
tx_one(struct card *c, mblk_t *mp)
{
  int len = MBLKL(mp);
  struct tx_desc *d = &c->tx[c->tx_tail % NTX];
  memset(d, 0, sizeof(*d));
  d->addr = (uint64)mp->b_rptr;
  d->len = len;
  d->cmd = TXCMD_EOP | TXCMD_IFCS | TXCMD_RS;
  c->txmsg[c->tx_tail % NTX] = mp;
  c->tx_tail++;
  c->st.tx_frames++;
  c->st.tx_bytes += len;
  __sync_synchronize();       // descriptor in memory before the doorbell
  wr(c, TDT, c->tx_tail % NTX);
  if(!c->sweep_armed)
    c->sweep_armed = timeout(tx_sweep, c, TX_SWEEP_MS) != 0;
}

// Make a frame sendable: one contiguous block of 14..1514 bytes.
// Returns 0 (frame freed and counted) if it cannot be sent.
static mblk_t *
tx_prepare(struct card *c, queue_t *q, mblk_t *mp)
{
  int len = msgdsize(mp);
  if(len < ETH_HLEN || len > ETH_MAXFRAME){
    qdrop(q, mp, "frame size out of range");
    acquire(&c->lock);
    c->st.tx_drops++;
    release(&c->lock);
    return 0;
  }
  if(mp->b_cont && !pullupmsg(mp, -1)){
    qdrop(q, mp, "no memory to gather frame");
    acquire(&c->lock);
    c->st.tx_drops++;
    release(&c->lock);
    return 0;
  }
  return mp;
}

static void
e1000_ioctl(queue_t *q, mblk_t *mp)
{
  struct card *c = q->q_ptr;
  struct iocblk *ioc = (struct iocblk *)mp->b_rptr;
  if(ioc->ioc_cmd == DL_INFO){
    struct dl_info info;
    memset(&info, 0, sizeof(info));
    memmove(info.addr, c->mac, ETH_ALEN);
    info.link_up = (rd(c, STATUS) & STATUS_LU) != 0;
    info.mtu = ETH_MTU;
    mblk_t *dp = allocb(sizeof(info), BPRI_MED);
    if(dp == 0){
      miocnak(q, mp, 0, ENOMEM);
      return;
    }
    memmove(dp->b_wptr, &info, sizeof(info));
    dp->b_wptr += sizeof(info);
    if(mp->b_cont)
      freemsg(unlinkb(mp));
    linkb(mp, dp);
    miocack(q, mp, sizeof(info), 0);
  } else if(ioc->ioc_cmd == DL_STATS){
    mblk_t *dp = allocb(512, BPRI_MED);
    if(dp == 0){
      miocnak(q, mp, 0, ENOMEM);
      return;
    }
    acquire(&c->lock);
    int n = snprintf((char *)dp->b_wptr, 512,
      "rx_frames %lu\nrx_bytes %lu\nrx_drops %lu\nrx_errors %lu\nrx_overruns %lu\n"
      "tx_frames %lu\ntx_bytes %lu\ntx_drops %lu\nlink %s\n",
      c->st.rx_frames, c->st.rx_bytes, c->st.rx_drops, c->st.rx_errors,
      c->st.rx_overruns, c->st.tx_frames, c->st.tx_bytes, c->st.tx_drops,
      (rd(c, STATUS) & STATUS_LU) ? "up" : "down");
    release(&c->lock);
    dp->b_wptr += n < 512 ? n : 511;
    if(mp->b_cont)
      freemsg(unlinkb(mp));
    linkb(mp, dp);
    miocack(q, mp, msgdsize(dp), 0);
  } else {
    miocnak(q, mp, 0, EINVAL);
  }
}

static int
e1000_wput(queue_t *q, mblk_t *mp)
{
  struct card *c = q->q_ptr;
  switch(DB_TYPE(mp)){
  case M_DATA:
    // Keep order: once frames wait on the queue, newcomers wait too.
    if(q->q_first){
      putq(q, mp);
      return 0;
    }
    if((mp = tx_prepare(c, q, mp)) == 0)
      return 0;
    acquire(&c->lock);
    tx_reclaim(c);
    if(tx_free(c) > 0){
      tx_one(c, mp);
      release(&c->lock);
    } else {
      tx_wait(c);
      release(&c->lock);
      putq(q, mp);
    }
    return 0;
  case M_IOCTL:
    e1000_ioctl(q, mp);
    return 0;
  case M_FLUSH:
    drv_flush(q, mp);
    return 0;
  default:
    qdrop(q, mp, "message type not understood by e1000");
    return 0;
  }
}

// Write service: move waiting frames onto the ring as it empties.
static int
e1000_wsrv(queue_t *q)
{
  struct card *c = q->q_ptr;
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if((mp = tx_prepare(c, q, mp)) == 0)
      continue;
    acquire(&c->lock);
    tx_reclaim(c);
    if(tx_free(c) == 0){
      tx_wait(c);
      release(&c->lock);
      putbq(q, mp);    // the transmit-done interrupt enables us again
      return 0;
    }
    tx_one(c, mp);
    release(&c->lock);
  }
  return 0;
}

static int
e1000_rput(queue_t *q, mblk_t *mp)
{
  // Nothing is below a driver; but keep the contract.
  putq(q, mp);
  return 0;
}

static int
e1000_open(queue_t *rq, int minor, int oflag, int sflag)
{
  if(minor < 0 || minor >= ncards || !cards[minor].present)
    return ENXIO;
  struct card *c = &cards[minor];
  acquire(&c->lock);
  if(c->rq){
    release(&c->lock);
    return EBUSY;
  }
  rq->q_ptr = WR(rq)->q_ptr = c;
  c->rq = rq;
  release(&c->lock);
  return 0;
}

static int
e1000_close(queue_t *rq, int oflag)
{
  struct card *c = rq->q_ptr;
  acquire(&c->lock);
  c->rq = 0;
  release(&c->lock);
  flushq(rq, FLUSHALL);
  flushq(WR(rq), FLUSHALL);
  return 0;
}

static void
e1000_intr(void *arg)
{
  struct card *c = arg;
  uint32 icr = rd(c, ICR);     // reading clears the causes
  if(icr & ICR_RXO){
    acquire(&c->lock);
    c->st.rx_overruns++;
    release(&c->lock);
  }

  // Receive: copy each finished frame into a message and hand the buffer
  // straight back to the card.
  acquire(&c->lock);
  queue_t *rq = c->rq;
  int claimed = rq && strclaim(rq);
  for(;;){
    struct rx_desc *d = &c->rx[c->rx_next];
    if((d->status & DESC_DD) == 0)
      break;
    int len = d->len;
    if(d->errors || (d->status & RXSTA_EOP) == 0 || len > ETH_MAXFRAME + 4){
      c->st.rx_errors++;
    } else if(!claimed){
      c->st.rx_drops++;          // nobody has the card open
    } else {
      mblk_t *mp = canput(rq) ? allocb(len, BPRI_MED) : 0;
      if(mp == 0){
        c->st.rx_drops++;        // queue full or no memory
      } else {
        memmove(mp->b_wptr, c->rxbuf[c->rx_next], len);
        mp->b_wptr += len;
        c->st.rx_frames++;
        c->st.rx_bytes += len;
        putq(rq, mp);
      }
    }
    d->status = 0;
    __sync_synchronize();
    wr(c, RDT, c->rx_next);    // the card may use this descriptor again
    c->rx_next = (c->rx_next + 1) % NRX;
  }

  // Transmit: free what was sent; let waiting frames onto the ring.
  tx_reclaim(c);
  if(icr & ICR_TXDW)
    wr(c, IMC, ICR_TXDW);      // until the ring fills up again
  int wake_tx = claimed && (icr & ICR_TXDW) && WR(rq)->q_first;
  release(&c->lock);
  if(wake_tx)
    qenable(WR(rq));
  if(claimed)
    strrelease(rq);
}

static int
card_init(struct card *c, struct pci_dev *pd)
{
  c->regs = (volatile uint32 *)pd->bar[0];
  initlock(&c->lock, "e1000");

  wr(c, IMC, ~0u);
  wr(c, CTRL, rd(c, CTRL) | CTRL_RST);
  while(rd(c, CTRL) & CTRL_RST)
    ;
  wr(c, IMC, ~0u);

  // The address QEMU was given with mac=, as the EEPROM loaded it.
  uint32 ral = rd(c, RAL0), rah = rd(c, RAH0);
  for(int i = 0; i < 4; i++)
    c->mac[i] = ral >> (8 * i);
  c->mac[4] = rah;
  c->mac[5] = rah >> 8;

  if((c->rx = kalloc()) == 0 || (c->tx = kalloc()) == 0)
    return -ENOMEM;
  memset(c->rx, 0, PGSIZE);
  memset(c->tx, 0, PGSIZE);
  for(int i = 0; i < NRX; i += 2){
    char *pg = kalloc();
    if(pg == 0)
      return -ENOMEM;
    c->rxbuf[i] = pg;
    c->rxbuf[i + 1] = pg + RXBUFSZ;
    c->rx[i].addr = (uint64)c->rxbuf[i];
    c->rx[i + 1].addr = (uint64)c->rxbuf[i + 1];
  }

  wr(c, RDBAL, (uint64)c->rx);
  wr(c, RDBAH, (uint64)c->rx >> 32);
  wr(c, RDLEN, NRX * sizeof(struct rx_desc));
  wr(c, RDH, 0);
  wr(c, RDT, NRX - 1);
  for(int i = 0; i < 128; i++)
    wr(c, MTA + 4 * i, 0);
  wr(c, RAH0, rah | RAH_AV);
  wr(c, RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);   // 2048-byte buffers

  wr(c, TDBAL, (uint64)c->tx);
  wr(c, TDBAH, (uint64)c->tx >> 32);
  wr(c, TDLEN, NTX * sizeof(struct tx_desc));
  wr(c, TDH, 0);
  wr(c, TDT, 0);
  wr(c, TCTL, TCTL_EN | TCTL_PSP | (0x10 << 4) | (0x40 << 12));
  wr(c, TIPG, 10 | (8 << 10) | (6 << 20));

  wr(c, CTRL, rd(c, CTRL) | CTRL_SLU);
  // At most one interrupt per ITR_US: under load many frames share one
  // interrupt (each costs an exit to the emulator); idle latency grows by
  // at most that much.
  wr(c, RDTR, 0);
  wr(c, ITR, ITR_US * 1000 / 256);
  // Transmit-done interrupts are only wanted while frames wait for room
  // on the ring (tx_wait): sent frames are otherwise reclaimed lazily.
  wr(c, IMS, ICR_RXT0 | ICR_RXDMT0 | ICR_RXO | ICR_LSC);
  irq_register(pd->irq, e1000_intr, c);
  c->present = 1;
  return 0;
}

// Boot: find every card, set it up and name its device file.
static void
e1000_init(int major)
{
  struct pci_dev pd;
  for(int i = 0; i < NCARD && pci_find(0x8086, 0x100e, i, &pd) == 0; i++){
    struct card *c = &cards[i];
    if(card_init(c, &pd) < 0){
      printf("e1000: card %d: out of memory\n", i);
      break;
    }
    char name[16];
    snprintf(name, sizeof(name), "e1000/%d", i);
    devnode_add(name, major, i);
    printf("e1000/%d: %02x:%02x:%02x:%02x:%02x:%02x irq %d\n", i, c->mac[0], c->mac[1],
           c->mac[2], c->mac[3], c->mac[4], c->mac[5], pd.irq);
    ncards = i + 1;
  }
}

static struct module_info e1000_info = {
  .mi_idnum = 1000, .mi_idname = "e1000",
  .mi_minpsz = 0, .mi_maxpsz = ETH_MAXFRAME,
  .mi_hiwat = 64 * 1024, .mi_lowat = 16 * 1024,
};

static struct qinit e1000_rinit = {
  .qi_putp = e1000_rput, .qi_srvp = putnext_srv,
  .qi_qopen = e1000_open, .qi_qclose = e1000_close, .qi_minfo = &e1000_info,
};

static struct qinit e1000_winit = {
  .qi_putp = e1000_wput, .qi_srvp = e1000_wsrv, .qi_minfo = &e1000_info,
};

static const struct streamtab e1000_tab = {
  .st_rdinit = &e1000_rinit, .st_wrinit = &e1000_winit,
  .st_flags = STR_DRIVER,
  .st_provides = "frames",
  .st_init = e1000_init,
};

STREAMS_MODULE(e1000_tab);
