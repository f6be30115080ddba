// virtio.h: the parts of the virtio 1.x specification the disk driver
// needs: the virtio-mmio register block (modern layout, version 2), the
// device status and feature bits, the split virtqueue structures, and the
// virtio-blk request header.
#ifndef VIRTIO_H
#define VIRTIO_H
#include "types.h"

// virtio-mmio registers: byte offsets from the device's base address.
#define VIRTIO_MMIO_MAGIC            0x000  // "virt" = 0x74726976
#define VIRTIO_MMIO_VERSION          0x004  // 2 for a modern device
#define VIRTIO_MMIO_DEVICE_ID        0x008  // 0 = empty slot, 2 = block
#define VIRTIO_MMIO_VENDOR_ID        0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES  0x010  // 32 bits, word chosen by _SEL
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES  0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL        0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX    0x034
#define VIRTIO_MMIO_QUEUE_NUM        0x038
#define VIRTIO_MMIO_QUEUE_READY      0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY     0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK    0x064
#define VIRTIO_MMIO_STATUS           0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW   0x080  // descriptor table
#define VIRTIO_MMIO_QUEUE_DESC_HIGH  0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090  // available ring
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0  // used ring
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG           0x100  // device-specific configuration

#define VIRTIO_MAGIC        0x74726976
#define VIRTIO_DEV_BLOCK    2

// Device status bits, set by the driver in this order during start-up.
#define VIRTIO_STATUS_ACKNOWLEDGE  1
#define VIRTIO_STATUS_DRIVER       2
#define VIRTIO_STATUS_DRIVER_OK    4
#define VIRTIO_STATUS_FEATURES_OK  8
#define VIRTIO_STATUS_NEEDS_RESET  64
#define VIRTIO_STATUS_FAILED       128

// Feature bits (bit numbers). Only VERSION_1 is accepted: the driver
// needs nothing else, and every feature left out is one less behaviour
// to get right.
#define VIRTIO_F_VERSION_1         32
#define VIRTIO_BLK_F_RO            5

// virtio-blk configuration space: capacity in 512-byte sectors first.
#define VIRTIO_BLK_CFG_CAPACITY    0x00
#define VIRTIO_SECTOR              512

// Split virtqueue. The driver owns the descriptor table and the available
// ring; the device fills the used ring.
struct virtq_desc {
  uint64 addr;    // physical address of the buffer
  uint32 len;
  uint16 flags;
  uint16 next;    // index of the next descriptor if VIRTQ_DESC_F_NEXT
};
#define VIRTQ_DESC_F_NEXT   1
#define VIRTQ_DESC_F_WRITE  2   // the device writes this buffer

struct virtq_avail {
  uint16 flags;
  uint16 idx;       // where the driver puts the next entry (mod queue size)
  uint16 ring[];    // heads of descriptor chains
};

struct virtq_used_elem {
  uint32 id;        // head of the finished chain
  uint32 len;
};

struct virtq_used {
  uint16 flags;
  uint16 idx;       // where the device puts the next entry
  struct virtq_used_elem ring[];
};

// A block request is three descriptors: this header (device reads),
// the data (device reads for a write, writes for a read) and a status
// byte (device writes).
#define VIRTIO_BLK_T_IN    0   // read from the disk
#define VIRTIO_BLK_T_OUT   1   // write to the disk
#define VIRTIO_BLK_S_OK    0

struct virtio_blk_req {
  uint32 type;
  uint32 reserved;
  uint64 sector;
};

#endif
