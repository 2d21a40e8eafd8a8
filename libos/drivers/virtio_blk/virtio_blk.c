/* virtio-blk, virtio 1.0 over PCI: device set-up, the split virtqueue. */
#include "lightos/virtio_blk.h"

/* Common configuration (virtio 1.0, 4.1.4.3). */
#define C_DEVICE_FEATURE_SELECT 0
#define C_DEVICE_FEATURE        4
#define C_DRIVER_FEATURE_SELECT 8
#define C_DRIVER_FEATURE        12
#define C_DEVICE_STATUS         20
#define C_QUEUE_SELECT          22
#define C_QUEUE_SIZE            24
#define C_QUEUE_MSIX_VECTOR     26
#define C_QUEUE_ENABLE          28
#define C_QUEUE_NOTIFY_OFF      30
#define C_QUEUE_DESC            32
#define C_QUEUE_DRIVER          40
#define C_QUEUE_DEVICE          48

#define S_ACKNOWLEDGE 1
#define S_DRIVER      2
#define S_DRIVER_OK   4
#define S_FEATURES_OK 8
#define S_FAILED      128

#define F_BLK_FLUSH  (1u << 9)
#define F_VERSION_1  (1u << 0)    /* bit 32: in the second feature word */

#define D_NEXT  1
#define D_WRITE 2

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/* The DMA memory: descriptors and the available ring in page 0, the used
 * ring in page 1, request headers and status bytes in page 2, one page of
 * data per slot after that. */
#define AVAIL_OFF  1024
#define USED_OFF   4096
#define HDR_OFF    8192
#define DATA_OFF   12288

static inline void w8(volatile uint8_t *p, uint8_t v) { *p = v; }
static inline void w16(volatile uint8_t *p, uint16_t v) { *(volatile uint16_t *)p = v; }
static inline void w32(volatile uint8_t *p, uint32_t v) { *(volatile uint32_t *)p = v; }
static inline uint8_t r8(volatile uint8_t *p) { return *p; }
static inline uint16_t r16(volatile uint8_t *p) { return *(volatile uint16_t *)p; }
static inline uint32_t r32(volatile uint8_t *p) { return *(volatile uint32_t *)p; }
static inline void w64(volatile uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

static struct desc *descs(struct virtio_blk *vb) { return (struct desc *)vb->mem; }
static volatile uint16_t *avail(struct virtio_blk *vb) { return (volatile uint16_t *)(vb->mem + AVAIL_OFF); }
static volatile uint8_t *used(struct virtio_blk *vb) { return vb->mem + USED_OFF; }

status_t virtio_blk_init(struct virtio_blk *vb, volatile uint8_t *bar, const struct virtio_blk_layout *l,
			 uint8_t *mem, uint64_t mem_pa)
{
	vb->common = bar + l->common;
	vb->isr = bar + l->isr;
	vb->device = bar + l->device;
	vb->mem = mem;
	vb->mem_pa = mem_pa;
	volatile uint8_t *c = vb->common;

	w8(c + C_DEVICE_STATUS, 0);   /* reset */
	for (int i = 0; i < 1000000 && r8(c + C_DEVICE_STATUS); i++)
		;
	w8(c + C_DEVICE_STATUS, S_ACKNOWLEDGE);
	w8(c + C_DEVICE_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	w32(c + C_DEVICE_FEATURE_SELECT, 0);
	uint32_t f0 = r32(c + C_DEVICE_FEATURE);
	w32(c + C_DEVICE_FEATURE_SELECT, 1);
	uint32_t f1 = r32(c + C_DEVICE_FEATURE);
	if (!(f1 & F_VERSION_1)) {
		w8(c + C_DEVICE_STATUS, S_FAILED);
		return LO_ERR_NOT_SUPPORTED;
	}
	vb->has_flush = (f0 & F_BLK_FLUSH) != 0;
	w32(c + C_DRIVER_FEATURE_SELECT, 0);
	w32(c + C_DRIVER_FEATURE, f0 & F_BLK_FLUSH);
	w32(c + C_DRIVER_FEATURE_SELECT, 1);
	w32(c + C_DRIVER_FEATURE, F_VERSION_1);
	w8(c + C_DEVICE_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
	if (!(r8(c + C_DEVICE_STATUS) & S_FEATURES_OK)) {
		w8(c + C_DEVICE_STATUS, S_FAILED);
		return LO_ERR_NOT_SUPPORTED;
	}

	w16(c + C_QUEUE_SELECT, 0);
	uint16_t max = r16(c + C_QUEUE_SIZE);
	if (max < VIRTIO_BLK_QSIZE) {
		w8(c + C_DEVICE_STATUS, S_FAILED);
		return LO_ERR_NOT_SUPPORTED;
	}
	vb->qsize = VIRTIO_BLK_QSIZE;
	w16(c + C_QUEUE_SIZE, vb->qsize);
	w16(c + C_QUEUE_MSIX_VECTOR, 0xFFFF);   /* no MSI-X: the INTx line */
	w64(c + C_QUEUE_DESC, mem_pa);
	w64(c + C_QUEUE_DRIVER, mem_pa + AVAIL_OFF);
	w64(c + C_QUEUE_DEVICE, mem_pa + USED_OFF);
	vb->notify = bar + l->notify + (uint32_t)r16(c + C_QUEUE_NOTIFY_OFF) * l->notify_mult;
	w16(c + C_QUEUE_ENABLE, 1);
	vb->capacity = (uint64_t)r32(vb->device) | (uint64_t)r32(vb->device + 4) << 32;
	for (int i = 0; i < VIRTIO_BLK_SLOTS; i++)
		vb->slot[i].data = mem + DATA_OFF + (uint64_t)i * 4096;
	w8(c + C_DEVICE_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return LO_OK;
}

int virtio_blk_free_slot(const struct virtio_blk *vb)
{
	for (int i = 0; i < VIRTIO_BLK_SLOTS; i++)
		if (!vb->slot[i].busy)
			return i;
	return -1;
}

status_t virtio_blk_submit(struct virtio_blk *vb, int i, uint32_t type, uint64_t sector, uint32_t len,
			   uint64_t cookie)
{
	struct virtio_blk_slot *s = &vb->slot[i];
	if (s->busy || len > VIRTIO_BLK_MAX_BYTES)
		return LO_ERR_INVALID_ARGS;
	uint8_t *hdr = vb->mem + HDR_OFF + (uint64_t)i * 32;
	uint64_t hdr_pa = vb->mem_pa + HDR_OFF + (uint64_t)i * 32;
	*(uint32_t *)hdr = type;
	*(uint32_t *)(hdr + 4) = 0;
	*(uint64_t *)(hdr + 8) = sector;
	hdr[16] = 0xFF;   /* the device writes the status here */
	struct desc *d = descs(vb);
	uint16_t h = (uint16_t)(3 * i), data = (uint16_t)(h + 1), st = (uint16_t)(h + 2);
	d[h] = (struct desc){ hdr_pa, 16, D_NEXT, len ? data : st };
	if (len)
		d[data] = (struct desc){ vb->mem_pa + DATA_OFF + (uint64_t)i * 4096, len,
					 (uint16_t)(D_NEXT | (type == VIRTIO_BLK_T_IN ? D_WRITE : 0)), st };
	d[st] = (struct desc){ hdr_pa + 16, 1, D_WRITE, 0 };
	s->busy = 1;
	s->type = type;
	s->len = len;
	s->cookie = cookie;
	vb->in_flight++;
	volatile uint16_t *a = avail(vb);
	a[2 + vb->avail_idx % vb->qsize] = h;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the ring entry before the index */
	a[1] = ++vb->avail_idx;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the index before the notify */
	w16(vb->notify, 0);
	return LO_OK;
}

uint8_t virtio_blk_ack_isr(struct virtio_blk *vb)
{
	return r8(vb->isr);
}

int virtio_blk_next_done(struct virtio_blk *vb, status_t *status)
{
	volatile uint8_t *u = used(vb);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vb->last_used == r16(u + 2))
		return -1;
	uint32_t id = r32(u + 4 + (uint32_t)(vb->last_used % vb->qsize) * 8);
	vb->last_used++;
	int i = (int)(id / 3);
	if (id % 3 || i >= VIRTIO_BLK_SLOTS || !vb->slot[i].busy) {
		*status = LO_ERR_IO;   /* a device bug: nothing to answer */
		return virtio_blk_next_done(vb, status);
	}
	*status = vb->mem[HDR_OFF + (uint64_t)i * 32 + 16] == 0 ? LO_OK : LO_ERR_IO;
	return i;
}

void virtio_blk_release(struct virtio_blk *vb, int i)
{
	vb->slot[i].busy = 0;
	vb->in_flight--;
}
