// virtio_cons.c: /dev/vcons, a byte channel to the host that does not go
// through the network stack: a virtio console (QEMU's virtio-serial-device
// on a virtio-mmio slot other than the disk's, with one virtconsole port
// whose chardev is a socket on the host). The live view of the stack
// (scripts/view.py on the host, user/viewd.c in the guest) talks over it,
// so it keeps working while the network is flooded, broken or unplumbed.
//
// The driver knows nothing of what travels on it: reads return the bytes
// the host sent, writes send bytes to the host. Only port 0 is used and
// VIRTIO_CONSOLE_F_MULTIPORT is not negotiated, so there is no control
// queue: queue 0 carries host-to-guest bytes, queue 1 guest-to-host.
// Without such a device (the usual machine) there is no /dev/vcons.
//
// One open at a time: two readers would split each other's requests.
//
// Receive: RXBUFS buffers of RXBUFSZ bytes stay posted to the device;
// the interrupt copies what the host sent into a ring, and gives each
// buffer back. When the ring has no room for a whole buffer, used
// buffers stay in the used ring until a reader makes room (the device
// then stops taking bytes from the socket: nothing is lost).
// Transmit: a write copies into free TXBUFS buffers and sleeps when none
// is free; the interrupt frees the ones the device has sent.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "errno.h"
#include "fcntl.h"
#include "poll.h"
#include "spinlock.h"
#include "proc.h"
#include "file.h"
#include "defs.h"
#include "virtio.h"

#define VIRTIO_DEV_CONSOLE 3

#define QSZ      8                  // descriptors per queue (both queues)
#define RXBUFSZ  256
#define TXBUFSZ  512
#define RINGSZ   2048               // bytes of host input kept for the reader
_Static_assert(QSZ * RXBUFSZ <= PGSIZE && QSZ * TXBUFSZ <= PGSIZE, "buffers fit a page");

struct vq {
  struct virtq_desc *desc;          // one page holds all three parts
  struct virtq_avail *avail;
  struct virtq_used *used;
  uint16 used_seen;                 // used entries already reaped
  char *buf;                        // QSZ buffers, one per descriptor
};

static struct {
  struct spinlock lock;
  uint64 base;                      // the device's registers; 0: no device
  int irq;
  struct vq rx, tx;                 // queue 0 and queue 1
  char ring[RINGSZ];                // host input; guarded by lock
  uint64 r, w;                      // ring positions (w - r bytes waiting)
  uchar txfree[QSZ];                // tx descriptor free?  guarded by lock
  int ntxfree;
  int open;                         // one opener at a time
} vc;

#define REG(off) (*(volatile uint32 *)(vc.base + (off)))

static int
vq_setup(struct vq *q, int index, int bufsz)
{
  REG(VIRTIO_MMIO_QUEUE_SEL) = index;
  if(REG(VIRTIO_MMIO_QUEUE_READY) || REG(VIRTIO_MMIO_QUEUE_NUM_MAX) < QSZ)
    return -1;
  char *page = kalloc(), *bufs = kalloc();
  if(page == 0 || bufs == 0){
    if(page)
      kfree(page);
    if(bufs)
      kfree(bufs);
    return -1;
  }
  memset(page, 0, PGSIZE);
  q->desc = (struct virtq_desc *)page;
  q->avail = (struct virtq_avail *)(page + QSZ * sizeof(struct virtq_desc));
  q->used = (struct virtq_used *)(page + PGSIZE / 2);
  q->buf = bufs;
  for(int i = 0; i < QSZ; i++){
    q->desc[i].addr = (uint64)(bufs + i * bufsz);
    q->desc[i].len = bufsz;
  }
  REG(VIRTIO_MMIO_QUEUE_NUM) = QSZ;
  REG(VIRTIO_MMIO_QUEUE_DESC_LOW) = (uint64)q->desc;
  REG(VIRTIO_MMIO_QUEUE_DESC_HIGH) = (uint64)q->desc >> 32;
  REG(VIRTIO_MMIO_QUEUE_DRIVER_LOW) = (uint64)q->avail;
  REG(VIRTIO_MMIO_QUEUE_DRIVER_HIGH) = (uint64)q->avail >> 32;
  REG(VIRTIO_MMIO_QUEUE_DEVICE_LOW) = (uint64)q->used;
  REG(VIRTIO_MMIO_QUEUE_DEVICE_HIGH) = (uint64)q->used >> 32;
  REG(VIRTIO_MMIO_QUEUE_READY) = 1;
  return 0;
}

// Offer descriptor d to the device (without notifying it). vc.lock held.
static void
vq_post(struct vq *q, int d)
{
  q->avail->ring[q->avail->idx % QSZ] = d;
  __sync_synchronize();
  q->avail->idx += 1;
}

static void
notify(int queue)
{
  __sync_synchronize();
  REG(VIRTIO_MMIO_QUEUE_NOTIFY) = queue;
}

// Move what the host sent from the used ring into vc.ring, while a whole
// buffer fits, and give those buffers back. vc.lock held.
static void
rx_reap(void)
{
  int posted = 0;
  while(vc.rx.used_seen != *(volatile uint16 *)&vc.rx.used->idx &&
        RINGSZ - (vc.w - vc.r) >= RXBUFSZ){
    __sync_synchronize();
    struct virtq_used_elem *e = &vc.rx.used->ring[vc.rx.used_seen % QSZ];
    uint d = e->id, len = e->len;
    if(d >= QSZ || len > RXBUFSZ)
      panic("virtio_cons: device returned a bad receive buffer");
    char *p = vc.rx.buf + d * RXBUFSZ;
    for(uint i = 0; i < len; i++)
      vc.ring[vc.w++ % RINGSZ] = p[i];
    vc.rx.used_seen++;
    vq_post(&vc.rx, d);
    posted = 1;
  }
  if(posted){
    notify(0);
    wakeup(&vc.r);
    pollwakeup();
  }
}

// Take back the transmit buffers the device has sent. vc.lock held.
static void
tx_reap(void)
{
  int freed = 0;
  while(vc.tx.used_seen != *(volatile uint16 *)&vc.tx.used->idx){
    __sync_synchronize();
    uint d = vc.tx.used->ring[vc.tx.used_seen % QSZ].id;
    if(d >= QSZ || vc.txfree[d])
      panic("virtio_cons: device returned a bad transmit buffer");
    vc.txfree[d] = 1;
    vc.ntxfree++;
    vc.tx.used_seen++;
    freed = 1;
  }
  if(freed){
    wakeup(&vc.ntxfree);
    pollwakeup();
  }
}

static void
vcons_intr(void *arg)
{
  acquire(&vc.lock);
  REG(VIRTIO_MMIO_INTERRUPT_ACK) = REG(VIRTIO_MMIO_INTERRUPT_STATUS) & 0x3;
  __sync_synchronize();
  rx_reap();
  tx_reap();
  release(&vc.lock);
}

// ---------------------------------------------------------------- /dev/vcons

static int
vcons_open(struct file *f)
{
  acquire(&vc.lock);
  if(vc.open){
    release(&vc.lock);
    return -EBUSY;
  }
  vc.open = 1;
  release(&vc.lock);
  return 0;
}

static void
vcons_close(struct file *f)
{
  acquire(&vc.lock);
  vc.open = 0;
  release(&vc.lock);
}

static int
vcons_read(struct file *f, uint64 dst, int n)
{
  char chunk[128];
  acquire(&vc.lock);
  while(vc.w == vc.r){
    if(f->flags & O_NONBLOCK){
      release(&vc.lock);
      return -EAGAIN;
    }
    if(killed(myproc())){
      release(&vc.lock);
      return -EINTR;
    }
    sleep(&vc.r, &vc.lock);
  }
  int done = 0;
  while(done < n && vc.w != vc.r){
    int m = 0;
    while(m < (int)sizeof(chunk) && done + m < n && vc.w != vc.r)
      chunk[m++] = vc.ring[vc.r++ % RINGSZ];
    rx_reap();                      // room now: take what waits in the used ring
    release(&vc.lock);
    if(copyout_user(dst + done, chunk, m) < 0)
      return done > 0 ? done : -EFAULT;   // those bytes are lost to a bad buffer
    done += m;
    acquire(&vc.lock);
  }
  release(&vc.lock);
  return done;
}

static int
vcons_write(struct file *f, uint64 src, int n)
{
  int done = 0;
  acquire(&vc.lock);
  while(done < n){
    while(vc.ntxfree == 0){
      if(done > 0 && (f->flags & O_NONBLOCK))
        goto out;
      if(f->flags & O_NONBLOCK){
        release(&vc.lock);
        return -EAGAIN;
      }
      if(killed(myproc())){
        release(&vc.lock);
        return done > 0 ? done : -EINTR;
      }
      sleep(&vc.ntxfree, &vc.lock);
    }
    int d = 0;
    while(!vc.txfree[d])
      d++;
    vc.txfree[d] = 0;
    vc.ntxfree--;
    int m = n - done < TXBUFSZ ? n - done : TXBUFSZ;
    char *p = vc.tx.buf + d * TXBUFSZ;
    release(&vc.lock);
    int bad = copyin_user(p, src + done, m) < 0;
    acquire(&vc.lock);
    if(bad){
      vc.txfree[d] = 1;
      vc.ntxfree++;
      release(&vc.lock);
      return done > 0 ? done : -EFAULT;
    }
    vc.tx.desc[d].len = m;
    vc.tx.desc[d].flags = 0;        // the device reads it
    vq_post(&vc.tx, d);
    notify(1);
    done += m;
  }
out:
  release(&vc.lock);
  return done;
}

static int
vcons_poll(struct file *f)
{
  acquire(&vc.lock);
  int r = (vc.w != vc.r ? POLLIN : 0) | (vc.ntxfree > 0 ? POLLOUT : 0);
  release(&vc.lock);
  return r;
}

static struct devsw vcons_devsw = {
  .open = vcons_open, .close = vcons_close, .read = vcons_read,
  .write = vcons_write, .poll = vcons_poll,
};

// Look for a virtio console in the virtio-mmio slots after the disk's
// and start it (virtio specification 3.1.1). A device that misbehaves
// during start-up is reported and left alone: the channel is a
// convenience, never a reason not to boot.
void
vcons_init(void)
{
  initlock(&vc.lock, "vcons");
  for(int slot = 1; slot < VIRTIO_SLOTS && vc.base == 0; slot++){
    uint64 base = VIRTIO_SLOT(slot);
    volatile uint32 *regs = (volatile uint32 *)base;
    if(regs[VIRTIO_MMIO_MAGIC / 4] == VIRTIO_MAGIC &&
       regs[VIRTIO_MMIO_VERSION / 4] == 2 &&
       regs[VIRTIO_MMIO_DEVICE_ID / 4] == VIRTIO_DEV_CONSOLE){
      vc.base = base;
      vc.irq = VIRTIO_SLOT_IRQ(slot);
    }
  }
  if(vc.base == 0)
    return;

  uint status = 0;
  REG(VIRTIO_MMIO_STATUS) = status;
  status |= VIRTIO_STATUS_ACKNOWLEDGE;
  REG(VIRTIO_MMIO_STATUS) = status;
  status |= VIRTIO_STATUS_DRIVER;
  REG(VIRTIO_MMIO_STATUS) = status;
  REG(VIRTIO_MMIO_DEVICE_FEATURES_SEL) = 1;
  uint feat_hi = REG(VIRTIO_MMIO_DEVICE_FEATURES);
  const char *why = 0;
  if((feat_hi & (1U << (VIRTIO_F_VERSION_1 - 32))) == 0)
    why = "no VIRTIO_F_VERSION_1";
  if(!why){
    REG(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 0;
    REG(VIRTIO_MMIO_DRIVER_FEATURES) = 0;   // no size, no multiport
    REG(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 1;
    REG(VIRTIO_MMIO_DRIVER_FEATURES) = 1U << (VIRTIO_F_VERSION_1 - 32);
    status |= VIRTIO_STATUS_FEATURES_OK;
    REG(VIRTIO_MMIO_STATUS) = status;
    if((REG(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
      why = "features refused";
  }
  if(!why && (vq_setup(&vc.rx, 0, RXBUFSZ) < 0 || vq_setup(&vc.tx, 1, TXBUFSZ) < 0))
    why = "queues unusable or out of memory";
  if(why){
    printf("virtio_cons: %s; no /dev/vcons\n", why);
    REG(VIRTIO_MMIO_STATUS) = VIRTIO_STATUS_FAILED;
    vc.base = 0;
    return;
  }
  for(int i = 0; i < QSZ; i++){
    vc.rx.desc[i].flags = VIRTQ_DESC_F_WRITE;
    vq_post(&vc.rx, i);
    vc.txfree[i] = 1;
  }
  vc.ntxfree = QSZ;

  irq_register(vc.irq, vcons_intr, 0);
  status |= VIRTIO_STATUS_DRIVER_OK;
  REG(VIRTIO_MMIO_STATUS) = status;
  notify(0);

  int major = devsw_register("vcons", &vcons_devsw);
  if(major > 0)
    devnode_add("vcons", major, 0);
  printf("virtio_cons: /dev/vcons on irq %d\n", vc.irq);
}
