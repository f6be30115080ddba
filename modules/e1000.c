// e1000.c: STREAMS driver for the Intel 82540EM Ethernet card that QEMU
// emulates (-device e1000). The bottom of the network stack.
//
//   /dev/e1000/N  one stream per card (a second open gets EBUSY).
//   write side    M_DATA = one complete Ethernet frame (header included,
//                 no FCS) to transmit; frames wait on the queue while the
//                 transmit ring is full, which is real flow control.
//   read side     every frame received, as M_DATA.
//   ioctls        DL_INFO (address, link, mtu), DL_STATS (counters, text);
//                 NET_CTL "card" answers the same counters, so that they
//                 can be read through eth once the card is linked under it
//                 (`netctl /dev/eth card`).
//
// Receive and transmit use descriptor rings in memory the card reaches by
// DMA. Receive is polled, as Mogul and Ramakrishnan and Linux's NAPI do it,
// so that a flood from the wire cannot livelock the guest: the interrupt
// only masks the receive causes and enables the read queue; its service
// procedure (process context, fairly scheduled) copies up to RX_BUDGET
// frames into messages and passes them up while the queue above can take
// them, gives the descriptors back to the card with one RDT write per
// batch, and unmasks the interrupt only when the ring is empty – then looks
// once more, for a frame that came in between. When the queue above is
// full it leaves the frames on the ring: the card (QEMU) then refuses new
// ones, which costs the guest nothing (the host's tap drops and counts
// them), and the back-enable from above resumes the harvest.
// Transmitted frames go out straight from the message's data block (no
// copy) and are freed when the card reports them done.
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
#include "net/ether.h"
#include "netctl.h"
#include "provides.h"

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
#define MPC      0x4010            // missed packets (statistics, read-to-clear)
#define RNBC     0x40a0            // receive: no buffers (read-to-clear)
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
#define RX_BUDGET 32               // frames per service run (NAPI: 64)
#define RX_CAUSES (ICR_RXT0 | ICR_RXDMT0 | ICR_RXO)

struct rx_desc { uint64 addr; uint16 len, csum; uint8 status, errors; uint16 special; };
struct tx_desc { uint64 addr; uint16 len; uint8 cso, cmd, status, css; uint16 special; };

struct card {
  struct spinlock lock;     // transmit ring, rq, rx_masked and counters
  volatile uint32 *regs;
  int present;
  uint8 mac[ETH_ALEN];
  queue_t *rq;              // read queue of the open stream, or 0
  int rx_masked;            // receive causes masked: a harvest is due
  // The receive ring belongs to the read service procedure (which never
  // runs on two harts at once) and, before it can run, to open:
  struct rx_desc *rx;       // NRX descriptors (one page)
  char *rxbuf[NRX];
  struct tx_desc *tx;       // NTX descriptors
  mblk_t *txmsg[NTX];       // message to free when its descriptor is done
  uint32 tx_head;           // oldest descriptor not yet reclaimed
  uint32 tx_tail;           // next descriptor to fill (== TDT)
  uint32 rx_next;           // next descriptor the card will fill
  int sweep_armed;          // a e1000_tx_sweep callout is pending
  struct {
    ulong rx_frames, rx_bytes;     // passed up
    ulong rx_errors;               // bad descriptors (errors, no EOP, too long)
    ulong rx_nomem;                // dropped: no message block for a copy
    ulong rx_closed;               // dropped: arrived while no stream was open
    ulong rx_missed, rx_nobuf;     // the card's MPC and RNBC, accumulated
    ulong rx_overruns;             // RXO interrupts (the card ran out of descriptors)
    ulong rx_polls, rx_budget_out; // service runs; runs that used their whole budget
    ulong rx_upper_full;           // runs that left frames on the ring: queue above full
    ulong tx_frames, tx_bytes, tx_drops;
  } st;
};

static struct card cards[NCARD];
static int ncards;

static uint32 rd(struct card *c, int r) { return c->regs[r / 4]; }
static void wr(struct card *c, int r, uint32 v) { c->regs[r / 4] = v; }

static int tx_free(struct card *c) { return NTX - 1 - (c->tx_tail - c->tx_head); }

// The ring is full and frames wait on the write queue: ask for an
// interrupt when the card has sent some. Lock held, and the frame that
// did not fit already back on the queue: the interrupt enables the queue
// only if frames wait, so unmasking first could let an interrupt between
// the two find an empty queue and leave the frame stranded.
static void
e1000_tx_wait(struct card *c)
{
  wr(c, IMS, ICR_TXDW);
}

// Free the messages of descriptors the card has finished. Lock held.
static void
e1000_tx_reclaim(struct card *c)
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
e1000_tx_sweep(void *arg)
{
  struct card *c = arg;
  acquire(&c->lock);
  e1000_tx_reclaim(c);
  c->sweep_armed = c->tx_head != c->tx_tail && timeout(e1000_tx_sweep, c, TX_SWEEP_MS) != 0;
  release(&c->lock);
}

// Put one frame on the ring. Lock held; caller checked tx_free().
static void
e1000_tx_one(struct card *c, mblk_t *mp)
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
    c->sweep_armed = timeout(e1000_tx_sweep, c, TX_SWEEP_MS) != 0;
}

// Make a frame sendable: one contiguous block of 14..1514 bytes.
// Returns 0 (frame freed and counted) if it cannot be sent.
static mblk_t *
e1000_tx_prepare(struct card *c, queue_t *q, mblk_t *mp)
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

// The card's statistics registers clear when read: fold them into the
// counters. Lock held.
static void
e1000_rx_fold_missed(struct card *c)
{
  c->st.rx_missed += rd(c, MPC);
  c->st.rx_nobuf += rd(c, RNBC);
}

// Every counter, "name value" a line. rx_drops is the sum of the frames the
// guest took and then dropped (no memory, no stream open); rx_missed and
// rx_nobuf are frames the card itself missed. Lock held.
static int
e1000_stats_text(struct card *c, char *buf, int n)
{
  e1000_rx_fold_missed(c);
  int len = snprintf(buf, n,
    "rx_frames %lu\nrx_bytes %lu\nrx_drops %lu\nrx_drop_nomem %lu\nrx_drop_closed %lu\n"
    "rx_errors %lu\nrx_missed %lu\nrx_nobuf %lu\nrx_overruns %lu\n"
    "rx_polls %lu\nrx_budget_out %lu\nrx_upper_full %lu\n"
    "tx_frames %lu\ntx_bytes %lu\ntx_drops %lu\nlink %s\n",
    c->st.rx_frames, c->st.rx_bytes, c->st.rx_nomem + c->st.rx_closed, c->st.rx_nomem,
    c->st.rx_closed, c->st.rx_errors, c->st.rx_missed, c->st.rx_nobuf, c->st.rx_overruns,
    c->st.rx_polls, c->st.rx_budget_out, c->st.rx_upper_full,
    c->st.tx_frames, c->st.tx_bytes, c->st.tx_drops,
    (rd(c, STATUS) & STATUS_LU) ? "up" : "down");
  return len < n ? len : n - 1;
}

#define STATS_MAX 640

// NET_CTL "card": the card's counters, as DL_STATS gives them.
static const char *
e1000_ctl_card(struct netctl_req *r)
{
  struct card *c = r->q->q_ptr;
  char *buf = kmalloc(STATS_MAX);
  if(buf == 0){
    r->err = ENOMEM;
    return "";
  }
  acquire(&c->lock);
  int n = e1000_stats_text(c, buf, STATS_MAX);
  release(&c->lock);
  int bad = netctl_reply(r, buf, n) < 0;
  kmfree(buf);
  if(bad){
    r->err = ENOMEM;
    return "";
  }
  return 0;
}

static const struct netctl_cmd e1000_ctl[] = {
  { "card", 1, 1, e1000_ctl_card, "e1000: usage: card" },
  { 0 },
};

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
    netctl_answer(q, mp, &info, sizeof(info));
  } else if(ioc->ioc_cmd == NET_CTL){
    // only "card" (eth passes down what it does not know)
    netctl_request(q, mp, e1000_ctl, "e1000: unknown control message (card)");
  } else if(ioc->ioc_cmd == DL_STATS){
    char *buf = kmalloc(STATS_MAX);
    if(buf == 0){
      miocnak(q, mp, 0, ENOMEM);
      return;
    }
    acquire(&c->lock);
    int n = e1000_stats_text(c, buf, STATS_MAX);
    release(&c->lock);
    netctl_answer(q, mp, buf, n);
    kmfree(buf);
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
    if((mp = e1000_tx_prepare(c, q, mp)) == 0)
      return 0;
    acquire(&c->lock);
    e1000_tx_reclaim(c);
    if(tx_free(c) > 0){
      e1000_tx_one(c, mp);
      release(&c->lock);
      return 0;
    }
    release(&c->lock);
    putq(q, mp);
    acquire(&c->lock);
    e1000_tx_reclaim(c);
    int room = tx_free(c) > 0;
    if(!room)
      e1000_tx_wait(c);
    release(&c->lock);
    if(room)
      qenable(q);      // the ring emptied meanwhile: the service sends it
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
    if((mp = e1000_tx_prepare(c, q, mp)) == 0)
      continue;
    acquire(&c->lock);
    e1000_tx_reclaim(c);
    if(tx_free(c) == 0){
      release(&c->lock);
      putbq(q, mp);
      acquire(&c->lock);
      e1000_tx_reclaim(c);
      if(tx_free(c) > 0){   // room came meanwhile: go on
        release(&c->lock);
        continue;
      }
      e1000_tx_wait(c);           // the transmit-done interrupt enables us again
      release(&c->lock);
      return 0;
    }
    e1000_tx_one(c, mp);
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

// Give descriptors [from, to) back to the card: one RDT write for the
// batch (under QEMU each write is an exit to the emulator, which also
// refills the slot at once from what the host has queued).
static void
e1000_rx_return(struct card *c, uint32 to)
{
  __sync_synchronize();       // descriptors cleared before the card sees them
  wr(c, RDT, (to + NRX - 1) % NRX);
}

// Unmask the receive causes. Lock held.
static void
e1000_rx_unmask(struct card *c)
{
  c->rx_masked = 0;
  wr(c, IMS, RX_CAUSES);
}

// Read service: pass up what was queued here (rput), then harvest the
// ring. Runs in process context, never on two harts at once; the ring's
// descriptors and rx_next are its own.
static int
e1000_rsrv(queue_t *q)
{
  struct card *c = q->q_ptr;
  mblk_t *mp;
  while((mp = getq(q)) != 0){
    if(!canputnext(q)){
      putbq(q, mp);
      return 0;               // back-enabled when the queue above drains
    }
    putnext(q, mp);
  }

  for(;;){
    int n = 0, full = 0;
    ulong frames = 0, bytes = 0, errors = 0, nomem = 0;
    while(n < RX_BUDGET){
      struct rx_desc *d = &c->rx[c->rx_next];
      if((d->status & DESC_DD) == 0)
        break;
      if(!canputnext(q)){
        full = 1;             // leave it to the card: it refuses what follows
        break;
      }
      __sync_synchronize();   // read the frame only after seeing DD
      int len = d->len;
      if(d->errors || (d->status & RXSTA_EOP) == 0 || len > ETH_MAXFRAME + 4){
        errors++;
      } else if((mp = allocb(len, BPRI_MED)) == 0){
        nomem++;
      } else {
        memmove(mp->b_wptr, c->rxbuf[c->rx_next], len);
        mp->b_wptr += len;
        frames++;
        bytes += len;
        putnext(q, mp);
      }
      d->status = 0;
      c->rx_next = (c->rx_next + 1) % NRX;
      n++;
    }
    if(n > 0)
      e1000_rx_return(c, c->rx_next);

    acquire(&c->lock);
    c->st.rx_polls++;
    c->st.rx_frames += frames;
    c->st.rx_bytes += bytes;
    c->st.rx_errors += errors;
    c->st.rx_nomem += nomem;
    if(full){
      // Stay masked: the back-enable from above runs us again.
      c->st.rx_upper_full++;
      release(&c->lock);
      return 0;
    }
    if(n == RX_BUDGET){
      // More may wait: go to the back of the run list, so that other
      // queues (and, through the scheduler, processes) get their turn.
      c->st.rx_budget_out++;
      release(&c->lock);
      qenable(q);
      return 0;
    }
    // The ring is empty: clear the causes that piled up while masked
    // (writing 1s clears ICR bits; a read would clear TXDW too), unmask,
    // then look once more – a frame that arrived between the last look
    // and the clear raised no interrupt we will see.
    wr(c, ICR, RX_CAUSES);
    e1000_rx_unmask(c);
    int more = (c->rx[c->rx_next].status & DESC_DD) != 0;
    if(more){
      c->rx_masked = 1;
      wr(c, IMC, RX_CAUSES);
    }
    release(&c->lock);
    if(!more)
      return 0;
  }
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
  // Frames that came while nobody had the card open are dropped, not
  // delivered late to a stream that did not exist then. The read
  // procedures are still off, so the ring is ours here.
  int n = 0;
  while(n < NRX && (c->rx[c->rx_next].status & DESC_DD)){
    c->rx[c->rx_next].status = 0;
    c->rx_next = (c->rx_next + 1) % NRX;
    n++;
  }
  c->st.rx_closed += n;
  if(n)
    e1000_rx_return(c, c->rx_next);
  c->rq = rq;
  e1000_rx_unmask(c);   // the first interrupt enables the read queue
  release(&c->lock);
  return 0;
}

static int
e1000_close(queue_t *rq, int oflag)
{
  struct card *c = rq->q_ptr;
  acquire(&c->lock);
  c->rq = 0;
  // Masked until the next open: frames wait on the ring, then the card
  // refuses them (the host drops them); open counts what it finds.
  c->rx_masked = 1;
  wr(c, IMC, RX_CAUSES);
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
  acquire(&c->lock);
  queue_t *rq = c->rq;
  if(icr & ICR_RXO)
    c->st.rx_overruns++;
  // Receive: no work here, only scheduling (see the top of the file).
  if((icr & RX_CAUSES) && !c->rx_masked){
    c->rx_masked = 1;
    wr(c, IMC, RX_CAUSES);
    if(rq)
      qenable(rq);
  }
  // Transmit: free what was sent; let waiting frames onto the ring.
  e1000_tx_reclaim(c);
  if(icr & ICR_TXDW)
    wr(c, IMC, ICR_TXDW);      // until the ring fills up again (e1000_tx_wait)
  if(rq && (icr & ICR_TXDW) && WR(rq)->q_first)
    qenable(WR(rq));
  release(&c->lock);
}

static int
e1000_card_init(struct card *c, struct pci_dev *pd)
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
  // on the ring (e1000_tx_wait): sent frames are otherwise reclaimed lazily.
  // Receive causes stay masked until a stream opens the card.
  c->rx_masked = 1;
  wr(c, IMS, ICR_LSC);
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
    if(e1000_card_init(c, &pd) < 0){
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
  .qi_putp = e1000_rput, .qi_srvp = e1000_rsrv,
  .qi_qopen = e1000_open, .qi_qclose = e1000_close, .qi_minfo = &e1000_info,
};

static struct qinit e1000_winit = {
  .qi_putp = e1000_wput, .qi_srvp = e1000_wsrv, .qi_minfo = &e1000_info,
};

static const struct streamtab e1000_tab = {
  .st_rdinit = &e1000_rinit, .st_wrinit = &e1000_winit,
  .st_flags = STR_DRIVER,
  .st_provides = ST_FRAMES,
  .st_init = e1000_init,
};

STREAMS_MODULE(e1000_tab);
