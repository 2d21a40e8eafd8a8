/* virtio_blk: the virtio block driver, in user space. It holds exactly its
 * device's capabilities: the BAR as an MMIO VMO (USER+0), its interrupt
 * line (USER+1), a resource with the DMA right for its queue memory
 * (USER+2); the PCI bus driver passes where the virtio structures lie in
 * the BAR as arguments. It serves the block protocol (idl/block.idl) on its
 * startup channel, with up to VIRTIO_BLK_SLOTS requests in flight: a
 * request goes to the device at once and is answered when its completion
 * interrupt comes, so answers may come out of order (each carries its
 * transaction id). */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/protocols.h"
#include "lightos/virtio_blk.h"

#define BACKSTOP_MS 50

static struct virtio_blk vb;
static lo_channel_t clients;
static struct lo_msg_header waiting[VIRTIO_BLK_SLOTS];   /* the request each slot answers */

/* The value after "key=" in args (hex unless `decimal`), or 0. */
static uint64_t arg(const char *args, const char *key, int decimal)
{
	size_t klen = lo_strlen(key);
	for (const char *p = args; *p; p++) {
		if ((p == args || p[-1] == ' ') && !lo_strncmp(p, key, klen) && p[klen] == '=') {
			uint64_t v = 0;
			for (p += klen + 1; *p && *p != ' '; p++) {
				int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
				if (d < 0 || (decimal && d > 9))
					return 0;
				v = v * (decimal ? 10 : 16) + (uint64_t)d;
			}
			return v;
		}
	}
	return 0;
}

static status_t on_info(void *ctx, struct lo_block_info_response *resp)
{
	(void)ctx;
	resp->sectors = vb.capacity;
	resp->sector_size = 512;
	return LO_OK;
}

static int in_range(uint64_t sector, uint64_t bytes)
{
	uint64_t n = bytes / 512;
	return bytes && bytes % 512 == 0 && bytes <= VIRTIO_BLK_MAX_BYTES && sector < vb.capacity &&
	       n <= vb.capacity - sector;
}

static status_t start(int type, uint64_t sector, uint32_t len, const struct lo_msg_header *hdr)
{
	int s = virtio_blk_free_slot(&vb);
	if (s < 0)
		return LO_ERR_NO_RESOURCES;   /* never: we only read requests with a slot free */
	waiting[s] = *hdr;
	status_t st = virtio_blk_submit(&vb, s, (uint32_t)type, sector, len, 0);
	return st == LO_OK ? LO_DEFERRED : st;
}

static status_t on_read(void *ctx, const struct lo_block_read_request *req,
			struct lo_block_read_response *resp)
{
	(void)ctx, (void)resp;
	if (!in_range(req->sector, (uint64_t)req->count * 512))
		return LO_ERR_OUT_OF_RANGE;
	return start(VIRTIO_BLK_T_IN, req->sector, req->count * 512, &req->hdr);
}

static status_t on_write(void *ctx, const struct lo_block_write_request *req)
{
	(void)ctx;
	if (req->data_len > sizeof(req->data) || !in_range(req->sector, req->data_len))
		return LO_ERR_OUT_OF_RANGE;
	int s = virtio_blk_free_slot(&vb);
	if (s < 0)
		return LO_ERR_NO_RESOURCES;
	lo_memcpy(vb.slot[s].data, req->data, req->data_len);
	return start(VIRTIO_BLK_T_OUT, req->sector, req->data_len, &req->hdr);
}

static status_t on_flush(void *ctx, const struct lo_block_flush_request *req)
{
	(void)ctx;
	if (!vb.has_flush)
		return LO_OK;   /* the device has no volatile cache to flush */
	return start(VIRTIO_BLK_T_FLUSH, 0, 0, &req->hdr);
}

static const struct lo_block_server server = {
	.info = on_info,
	.read = on_read,
	.write = on_write,
	.flush = on_flush,
};

/* Answer every finished request. A client that does not read its answers
 * loses them: the driver never waits for a client. */
static int complete(void)
{
	int answered = 0;
	static union {
		struct lo_block_read_response read;
		struct lo_block_write_response write;
		struct lo_block_flush_response flush;
	} r;
	status_t st;
	int s;
	while ((s = virtio_blk_next_done(&vb, &st)) >= 0) {
		struct virtio_blk_slot *slot = &vb.slot[s];
		uint32_t size;
		lo_memset(&r, 0, sizeof(r));
		if (slot->type == VIRTIO_BLK_T_IN) {
			r.read.hdr = waiting[s];
			r.read.status = st;
			r.read.data_len = st == LO_OK ? slot->len : 0;
			lo_memcpy(r.read.data, slot->data, r.read.data_len);
			size = sizeof(r.read);
		} else {
			r.write.hdr = waiting[s];   /* write and flush answers look alike */
			r.write.status = st;
			size = sizeof(r.write);
		}
		virtio_blk_release(&vb, s);
		lo_channel_write(clients, &r, size, NULL, 0);
		answered++;
	}
	return answered;
}

int main(void)
{
	const char *args = lo_startup_args();
	clients = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	lo_vmo_t bar = lo_vmo_from(lo_startup_handle(LO_STARTUP_USER + 0));
	lo_resource_t irq_res = lo_resource_from(lo_startup_handle(LO_STARTUP_USER + 1));
	lo_resource_t dma = lo_resource_from(lo_startup_handle(LO_STARTUP_USER + 2));
	struct virtio_blk_layout l = {
		(uint32_t)arg(args, "common", 0), (uint32_t)arg(args, "notify", 0),
		(uint32_t)arg(args, "mult", 0), (uint32_t)arg(args, "isr", 0), (uint32_t)arg(args, "device", 0),
	};
	uint64_t bar_size = arg(args, "size", 0);
	uint32_t line = (uint32_t)arg(args, "irq", 1);

	lo_vmo_t mem;
	lo_interrupt_t irq;
	uint64_t bar_addr = 0, mem_addr = 0, mem_pa = 0;
	struct lo_map_request map_bar = { 0, 0, bar_size, LO_MAP_WRITE, 0 };
	struct lo_map_request map_mem = { 0, 0, VIRTIO_BLK_DMA_BYTES, LO_MAP_WRITE, 0 };
	status_t st = lo_process_map(lo_self, bar, &map_bar, &bar_addr);
	if (st == LO_OK)
		st = lo_vmo_create_contiguous(lo_job_self(), dma, VIRTIO_BLK_DMA_BYTES, &mem);
	if (st == LO_OK)
		st = lo_vmo_phys_addr(mem, &mem_pa);
	if (st == LO_OK)
		st = lo_process_map(lo_self, mem, &map_mem, &mem_addr);
	if (st == LO_OK)
		st = lo_interrupt_create(irq_res, line, &irq);
	if (st == LO_OK)
		st = virtio_blk_init(&vb, (volatile uint8_t *)bar_addr, &l, (uint8_t *)mem_addr, mem_pa);
	if (st != LO_OK) {
		lo_printf("virtio-blk: cannot start: %s\n", lo_status_name(st));
		return 1;
	}
	lo_printf("virtio-blk: %lu sectors, irq %u%s\n", vb.capacity, line, vb.has_flush ? ", flush" : "");

	lo_handle_t waits[2] = { lo_interrupt_handle(irq), lo_channel_handle(clients) };
	for (;;) {
		/* Take requests only while a slot is free to start them in. */
		uint32_t masks[2] = { LO_SIG_INTERRUPT_SIGNALED, LO_SIG_CHANNEL_PEER_CLOSED };
		while (virtio_blk_free_slot(&vb) >= 0) {
			st = lo_block_serve_one(clients, &server, NULL, LO_BLOCK_RIGHTS_ALL);   /* one client: whoever init hands dev:/disk0 to */
			if (st == LO_ERR_PEER_CLOSED && vb.in_flight == 0)
				return 0;
			if (st != LO_OK)
				break;   /* SHOULD_WAIT: nothing queued */
		}
		if (virtio_blk_free_slot(&vb) >= 0)
			masks[1] |= LO_SIG_CHANNEL_READABLE;
		uint32_t observed[2] = { 0, 0 };
		/* With requests in flight, look at the used ring now and then
		 * even without an interrupt: a backstop, should one be lost on
		 * the shared INTx line (seen rarely under load; docs/storage.md). */
		uint64_t deadline = vb.in_flight ? lo_deadline_after_ms(BACKSTOP_MS) : UINT64_MAX;
		st = lo_handle_wait_many(waits, masks, observed, 2, deadline);
		if (st == LO_ERR_TIMED_OUT) {
			static int told;
			if (complete() && !told++)
				lo_printf("virtio-blk: a completion came without its interrupt\n");
			continue;
		}
		if (st != LO_OK)
			return 2;
		if (observed[0] & LO_SIG_INTERRUPT_SIGNALED) {
			virtio_blk_ack_isr(&vb);
			complete();
			lo_interrupt_ack(irq);
		}
		if ((observed[1] & LO_SIG_CHANNEL_PEER_CLOSED) && !(observed[1] & LO_SIG_CHANNEL_READABLE) &&
		    vb.in_flight == 0)
			return 0;
	}
}
