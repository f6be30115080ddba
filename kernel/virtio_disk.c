// virtio_disk.c: the disk driver, for a virtio block device behind the
// modern (version 2) virtio-mmio interface at VIRTIO0, as QEMU provides
// it with `-device virtio-blk-device -global virtio-mmio.force-legacy=false`.
//
// One virtqueue carries requests of three descriptors each (header, data,
// status byte). A caller queues its requests, tells the device, and
// sleeps; the interrupt handler reaps finished requests from the used
// ring and wakes the sleepers. Several requests may be in flight at once,
// which the log uses to write a whole transaction in one go.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "defs.h"
#include "fs.h"
#include "buf.h"
#include "virtio.h"

#define REG(off) (*(volatile uint32 *)(VIRTIO0 + (off)))

// Queue size we ask for; less if the device offers less. A power of two
// (split virtqueues require it), and small enough that the descriptor
// table and both rings fit in one page.
#define QMAX 128
_Static_assert(QMAX * sizeof(struct virtq_desc) + 6 + 2 * QMAX <= 2560,
               "descriptors and available ring overflow their part of the page");
_Static_assert(2560 + 6 + 8 * QMAX <= PGSIZE, "used ring overflows the page");

#define DESC_PER_REQ 3

static struct {
  struct spinlock lock;
  uint qsize;                  // descriptors in the queue
  struct virtq_desc *desc;     // all three parts live in one page
  struct virtq_avail *avail;
  struct virtq_used *used;
  uchar is_free[QMAX];
  uint nfree;
  int desc_waiters;            // processes sleeping for descriptors
  uint16 used_seen;            // used ring entries already reaped

  // Per request, indexed by the first descriptor of its chain.
  struct {
    struct buf *b;
    volatile uchar status;     // written by the device
  } req[QMAX];
  struct virtio_blk_req hdr[QMAX];

  uint64 nblocks;              // capacity in BSIZE blocks
} disk;

static void
fail(const char *why)
{
  printf("virtio_disk: %s\n", why);
  panic("virtio_disk_init: no usable disk");
}

static void virtio_disk_intr(void *arg);

void
virtio_disk_init(void)
{
  initlock(&disk.lock, "virtio_disk");

  if(REG(VIRTIO_MMIO_MAGIC) != VIRTIO_MAGIC)
    fail("no virtio-mmio device at VIRTIO0 (wrong magic value)");
  uint version = REG(VIRTIO_MMIO_VERSION);
  if(version != 2){
    printf("virtio_disk: interface version %d, this driver needs 2 (modern);"
           " run QEMU with -global virtio-mmio.force-legacy=false\n", version);
    fail("legacy virtio-mmio interface");
  }
  uint id = REG(VIRTIO_MMIO_DEVICE_ID);
  if(id == 0)
    fail("no disk attached (virtio-mmio slot 0 is empty; "
         "QEMU needs -drive ... -device virtio-blk-device,bus=virtio-mmio-bus.0)");
  if(id != VIRTIO_DEV_BLOCK){
    printf("virtio_disk: slot 0 holds virtio device type %d\n", id);
    fail("not a block device");
  }

  // Start-up sequence of the virtio specification (3.1.1).
  uint status = 0;
  REG(VIRTIO_MMIO_STATUS) = status;           // reset
  status |= VIRTIO_STATUS_ACKNOWLEDGE;
  REG(VIRTIO_MMIO_STATUS) = status;
  status |= VIRTIO_STATUS_DRIVER;
  REG(VIRTIO_MMIO_STATUS) = status;

  REG(VIRTIO_MMIO_DEVICE_FEATURES_SEL) = 0;
  uint feat_lo = REG(VIRTIO_MMIO_DEVICE_FEATURES);
  REG(VIRTIO_MMIO_DEVICE_FEATURES_SEL) = 1;
  uint feat_hi = REG(VIRTIO_MMIO_DEVICE_FEATURES);
  if((feat_hi & (1U << (VIRTIO_F_VERSION_1 - 32))) == 0)
    fail("device does not offer VIRTIO_F_VERSION_1");
  if(feat_lo & (1U << VIRTIO_BLK_F_RO))
    fail("disk is read-only");
  REG(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 0;
  REG(VIRTIO_MMIO_DRIVER_FEATURES) = 0;
  REG(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = 1;
  REG(VIRTIO_MMIO_DRIVER_FEATURES) = 1U << (VIRTIO_F_VERSION_1 - 32);
  status |= VIRTIO_STATUS_FEATURES_OK;
  REG(VIRTIO_MMIO_STATUS) = status;
  if((REG(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
    fail("device refused our feature set");

  // Queue 0.
  REG(VIRTIO_MMIO_QUEUE_SEL) = 0;
  if(REG(VIRTIO_MMIO_QUEUE_READY))
    fail("queue 0 already in use");
  uint max = REG(VIRTIO_MMIO_QUEUE_NUM_MAX);
  if(max < 4)
    fail("queue 0 too small or missing");
  disk.qsize = QMAX;
  while(disk.qsize > max)
    disk.qsize /= 2;

  char *page = kalloc();
  if(page == 0)
    fail("out of memory for the virtqueue");
  memset(page, 0, PGSIZE);
  disk.desc = (struct virtq_desc *)page;
  disk.avail = (struct virtq_avail *)(page + QMAX * sizeof(struct virtq_desc));
  disk.used = (struct virtq_used *)(page + 2560);

  REG(VIRTIO_MMIO_QUEUE_NUM) = disk.qsize;
  REG(VIRTIO_MMIO_QUEUE_DESC_LOW) = (uint64)disk.desc;
  REG(VIRTIO_MMIO_QUEUE_DESC_HIGH) = (uint64)disk.desc >> 32;
  REG(VIRTIO_MMIO_QUEUE_DRIVER_LOW) = (uint64)disk.avail;
  REG(VIRTIO_MMIO_QUEUE_DRIVER_HIGH) = (uint64)disk.avail >> 32;
  REG(VIRTIO_MMIO_QUEUE_DEVICE_LOW) = (uint64)disk.used;
  REG(VIRTIO_MMIO_QUEUE_DEVICE_HIGH) = (uint64)disk.used >> 32;
  REG(VIRTIO_MMIO_QUEUE_READY) = 1;

  for(uint i = 0; i < disk.qsize; i++)
    disk.is_free[i] = 1;
  disk.nfree = disk.qsize;

  // Capacity: a 64-bit field read as two words; re-read if the device
  // changed its configuration in between.
  uint gen, lo, hi;
  do {
    gen = REG(VIRTIO_MMIO_CONFIG_GENERATION);
    lo = REG(VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY);
    hi = REG(VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY + 4);
  } while(gen != REG(VIRTIO_MMIO_CONFIG_GENERATION));
  disk.nblocks = (((uint64)hi << 32) | lo) / (BSIZE / VIRTIO_SECTOR);

  irq_register(VIRTIO0_IRQ, virtio_disk_intr, 0);

  status |= VIRTIO_STATUS_DRIVER_OK;
  REG(VIRTIO_MMIO_STATUS) = status;
  printf("virtio_disk: %d blocks of %d bytes, queue of %d\n",
         (int)disk.nblocks, BSIZE, disk.qsize);
}

uint64
virtio_disk_blocks(void)
{
  return disk.nblocks;
}

static int
alloc_desc(void)
{
  for(uint i = 0; i < disk.qsize; i++){
    if(disk.is_free[i]){
      disk.is_free[i] = 0;
      disk.nfree--;
      return i;
    }
  }
  panic("virtio_disk: descriptor count wrong");
}

// Give back the chain starting at descriptor i.
static void
free_chain(uint i)
{
  for(;;){
    if(i >= disk.qsize || disk.is_free[i])
      panic("virtio_disk: bad descriptor chain");
    int more = disk.desc[i].flags & VIRTQ_DESC_F_NEXT;
    uint next = disk.desc[i].next;
    memset(&disk.desc[i], 0, sizeof(disk.desc[i]));
    disk.is_free[i] = 1;
    disk.nfree++;
    if(!more)
      break;
    i = next;
  }
}

static void
notify_device(void)
{
  __sync_synchronize();
  REG(VIRTIO_MMIO_QUEUE_NOTIFY) = 0;
}

// Put one request on the available ring (without notifying the device).
// Called with disk.lock held; may sleep for free descriptors.
static void
queue_request(struct buf *b, uint blockno, int write)
{
  if(blockno >= disk.nblocks){
    printf("virtio_disk: block %d is beyond the end of the disk\n", blockno);
    panic("virtio_disk: bad block number");
  }
  while(disk.nfree < DESC_PER_REQ){
    notify_device();            // let it finish what we queued so far
    disk.desc_waiters++;
    sleep(&disk.nfree, &disk.lock);
    disk.desc_waiters--;
  }
  int d0 = alloc_desc(), d1 = alloc_desc(), d2 = alloc_desc();

  struct virtio_blk_req *h = &disk.hdr[d0];
  h->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  h->reserved = 0;
  h->sector = (uint64)blockno * (BSIZE / VIRTIO_SECTOR);

  disk.desc[d0].addr = (uint64)h;
  disk.desc[d0].len = sizeof(*h);
  disk.desc[d0].flags = VIRTQ_DESC_F_NEXT;
  disk.desc[d0].next = d1;

  disk.desc[d1].addr = (uint64)b->data;
  disk.desc[d1].len = BSIZE;
  disk.desc[d1].flags = VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE);
  disk.desc[d1].next = d2;

  disk.req[d0].status = 0xff;   // anything but OK, in case it is not written
  disk.desc[d2].addr = (uint64)&disk.req[d0].status;
  disk.desc[d2].len = 1;
  disk.desc[d2].flags = VIRTQ_DESC_F_WRITE;
  disk.desc[d2].next = 0;

  disk.req[d0].b = b;
  b->disk = 1;

  // The descriptors must be visible before the ring entry, and the ring
  // entry before the index that publishes it.
  disk.avail->ring[disk.avail->idx % disk.qsize] = d0;
  __sync_synchronize();
  disk.avail->idx += 1;
}

void
virtio_disk_rwv(struct buf **bv, const uint *blocks, int n, int write)
{
  acquire(&disk.lock);
  for(int i = 0; i < n; i++)
    queue_request(bv[i], blocks ? blocks[i] : bv[i]->blockno, write);
  notify_device();
  for(int i = 0; i < n; i++)
    while(bv[i]->disk)
      sleep(bv[i], &disk.lock);
  release(&disk.lock);
}

void
virtio_disk_rw(struct buf *b, int write)
{
  virtio_disk_rwv(&b, 0, 1, write);
}

static void
virtio_disk_intr(void *arg)
{
  acquire(&disk.lock);
  // Acknowledge first: a completion arriving while we reap raises a new
  // interrupt instead of being lost.
  REG(VIRTIO_MMIO_INTERRUPT_ACK) = REG(VIRTIO_MMIO_INTERRUPT_STATUS) & 0x3;
  __sync_synchronize();

  int freed = 0;
  while(disk.used_seen != *(volatile uint16 *)&disk.used->idx){
    __sync_synchronize();
    uint id = disk.used->ring[disk.used_seen % disk.qsize].id;
    if(id >= disk.qsize || disk.req[id].b == 0)
      panic("virtio_disk: device completed an unknown request");
    struct buf *b = disk.req[id].b;
    if(disk.req[id].status != VIRTIO_BLK_S_OK){
      printf("virtio_disk: I/O error %d on block %d\n", disk.req[id].status,
             (int)(disk.hdr[id].sector / (BSIZE / VIRTIO_SECTOR)));
      panic("virtio_disk: I/O error");
    }
    disk.req[id].b = 0;
    free_chain(id);
    freed = 1;
    b->disk = 0;
    wakeup(b);
    disk.used_seen++;
  }
  if(freed && disk.desc_waiters)
    wakeup(&disk.nfree);
  release(&disk.lock);
}
