/* A virtio 1.0 block device over PCI ("modern" interface): one virtqueue
 * in DMA memory, VIRTIO_BLK_SLOTS requests in flight, completions found in
 * the used ring when the interrupt fires. The driver program
 * (init/programs/virtio-blk) maps the BAR and the DMA memory and serves the
 * block protocol on top of this. */
#ifndef LIGHTOS_VIRTIO_BLK_H
#define LIGHTOS_VIRTIO_BLK_H

#include <stdint.h>
#include "status.h"

#define VIRTIO_BLK_SLOTS     16
#define VIRTIO_BLK_QSIZE     64            /* 3 descriptors per slot */
#define VIRTIO_BLK_MAX_BYTES 4096          /* per request */
#define VIRTIO_BLK_DMA_BYTES ((3 + VIRTIO_BLK_SLOTS) * 4096)

#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4

/* Where the virtio structures are in the mapped BAR. */
struct virtio_blk_layout {
	uint32_t common, notify, notify_mult, isr, device;
};

struct virtio_blk_slot {
	int busy;
	uint32_t type;
	uint32_t len;
	uint64_t cookie;       /* the caller's: which request to answer */
	uint8_t *data;         /* VIRTIO_BLK_MAX_BYTES of DMA memory */
};

struct virtio_blk {
	volatile uint8_t *common, *notify, *isr, *device;
	uint8_t *mem;          /* VIRTIO_BLK_DMA_BYTES, mapped */
	uint64_t mem_pa;       /* and where the device sees it */
	uint16_t qsize, last_used, avail_idx;
	uint64_t capacity;     /* 512-byte sectors */
	int has_flush;
	uint32_t in_flight;
	struct virtio_blk_slot slot[VIRTIO_BLK_SLOTS];
};

/* Reset and set up the device; LO_ERR_NOT_SUPPORTED if it lacks VERSION_1. */
status_t virtio_blk_init(struct virtio_blk *vb, volatile uint8_t *bar, const struct virtio_blk_layout *l,
			 uint8_t *mem, uint64_t mem_pa);
/* A free slot, or -1. */
int virtio_blk_free_slot(const struct virtio_blk *vb);
/* Start a request in `slot` (data already in slot->data for writes). */
status_t virtio_blk_submit(struct virtio_blk *vb, int slot, uint32_t type, uint64_t sector, uint32_t len,
			   uint64_t cookie);
/* After an interrupt: read (and so clear) the ISR status. */
uint8_t virtio_blk_ack_isr(struct virtio_blk *vb);
/* The next finished request: its slot (then free it with virtio_blk_release)
 * and status (LO_OK or LO_ERR_IO); -1 if none. */
int virtio_blk_next_done(struct virtio_blk *vb, status_t *status);
void virtio_blk_release(struct virtio_blk *vb, int slot);

#endif
