/* Storage drivers in user space: the PCI bus driver (bin/pci) finds the
 * virtio disk QEMU attaches for the guest suite and starts bin/virtio_blk
 * with that device's BAR, interrupt line and DMA authority; the disk then
 * answers the block protocol, with several requests in flight. */
#include "utest.h"
#include "lightos/protocols.h"
#include "lightos/pci_publish.h"

#define PCI_MMIO_BASE 0xC0000000ull   /* the 32-bit PCI window, below the APICs */
#define PCI_MMIO_END  0xFEC00000ull
#define GUEST_DISK_SECTORS (8 * 1024 * 2)   /* tests/guest/guest.mk: 8 MiB */

struct storage {
	lo_channel_t to_pci, disk;
	lo_process_t pci, driver;
};

static lo_handle_t dup_rights(lo_handle_t h, uint32_t rights)
{
	return utest_dup(h, rights);
}

/* Start bin/pci with the resources init would give it and take disk0. */
static int storage_start(struct storage *s)
{
	lo_resource_t ports, mmio, irqs;
	lo_channel_t theirs;
	lo_memset(s, 0, sizeof(*s));
	if (!CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IOPORT, 0xCF8, 8, &ports), LO_OK) ||
	    !CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_MMIO, PCI_MMIO_BASE, PCI_MMIO_END - PCI_MMIO_BASE, &mmio), LO_OK) ||
	    !CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IRQ, 9, 3, &irqs), LO_OK) ||
	    !CHECK_ST(lo_channel_create(lo_job_self(), &s->to_pci, &theirs), LO_OK))
		return 0;
	struct lo_give give[7] = {
		{ LO_STARTUP_IOPORTS, lo_resource_handle(ports) },
		{ LO_STARTUP_USER + 0, lo_resource_handle(mmio) },
		{ LO_STARTUP_USER + 1, lo_resource_handle(irqs) },
		{ LO_STARTUP_USER + 2, dup_rights(lo_resource_handle(utest_root), LO_RIGHT_RESOURCE_DMA |
						  LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER) },
		{ LO_STARTUP_IMAGE, dup_rights(lo_vmo_handle(utest_image), LO_RIGHT_READ | LO_RIGHT_MAP |
					       LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER) },
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_LOG, dup_rights(lo_log_handle(lo_log), LO_RIGHT_WRITE | LO_RIGHT_INSPECT |
					     LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER) },
	};
	const char *why = NULL;
	if (!CHECK_ST(lo_spawn_from_image(utest_image, "bin/pci", "", give, 7, &s->pci, &why), LO_OK))
		return 0;
	for (;;) {
		struct pci_publish msg;
		lo_handle_t h[2];
		struct lo_channel_read_result got;
		uint32_t observed;
		if (!CHECK_ST(lo_handle_wait_one(lo_channel_handle(s->to_pci), LO_SIG_CHANNEL_READABLE,
						 lo_deadline_after_ms(10000), &observed), LO_OK) ||
		    !CHECK_ST(lo_channel_read(s->to_pci, &msg, sizeof(msg), h, 2, &got), LO_OK))
			return 0;
		if (msg.name[0] == '\0') {
			CHECK(msg.devices >= 3);   /* host bridge, ISA bridge, ..., the disk */
			break;
		}
		if (CHECK(got.handles == 2) && !lo_strcmp(msg.name, "disk0") && !s->disk.value) {
			s->disk = lo_channel_from(h[0]);
			s->driver = lo_process_from(h[1]);
		} else {
			for (uint32_t i = 0; i < got.handles; i++)
				lo_handle_close(h[i]);
		}
	}
	return CHECK(s->disk.value != 0);
}

/* Close everything; both drivers must end (their objects are counted). */
static void storage_stop(struct storage *s)
{
	struct lo_process_info info;
	if (s->disk.value)
		lo_handle_close(lo_channel_handle(s->disk));
	if (s->driver.value) {
		CHECK(utest_wait_process(s->driver, &info));
		CHECK(info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0);
		lo_handle_close(lo_process_handle(s->driver));
	}
	if (s->to_pci.value)
		lo_handle_close(lo_channel_handle(s->to_pci));
	if (s->pci.value) {
		CHECK(utest_wait_process(s->pci, &info));
		lo_handle_close(lo_process_handle(s->pci));
	}
}

static void fill(uint8_t *buf, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

static void test_virtio_blk_roundtrip(void)
{
	struct storage s;
	if (storage_start(&s)) {
		int32_t status = -1;
		uint64_t sectors = 0;
		uint32_t sector_size = 0, len = 0;
		static uint8_t out[4096], in[4096];
		CHECK_ST(lo_block_info(s.disk, &status, &sectors, &sector_size), LO_OK);
		CHECK(status == LO_OK && sectors == GUEST_DISK_SECTORS && sector_size == 512);
		fill(out, sizeof(out), 1);
		CHECK_ST(lo_block_write(s.disk, 100, (const char *)out, sizeof(out), &status), LO_OK);
		CHECK_ST(status, LO_OK);
		CHECK_ST(lo_block_read(s.disk, 100, 8, &status, (char *)in, sizeof(in), &len), LO_OK);
		CHECK(status == LO_OK && len == 4096 && lo_memcmp(in, out, 4096) == 0);
		/* One sector in the middle of what was written. */
		CHECK_ST(lo_block_read(s.disk, 103, 1, &status, (char *)in, sizeof(in), &len), LO_OK);
		CHECK(status == LO_OK && len == 512 && lo_memcmp(in, out + 3 * 512, 512) == 0);
		CHECK_ST(lo_block_flush(s.disk, 0, &status), LO_OK);
		CHECK_ST(status, LO_OK);
		/* Past the end, partial sectors, too much at once: refused. */
		CHECK_ST(lo_block_read(s.disk, GUEST_DISK_SECTORS - 1, 2, &status, (char *)in, sizeof(in), &len), LO_OK);
		CHECK_ST(status, LO_ERR_OUT_OF_RANGE);
		CHECK_ST(lo_block_write(s.disk, 0, (const char *)out, 100, &status), LO_OK);
		CHECK_ST(status, LO_ERR_OUT_OF_RANGE);
		CHECK_ST(lo_block_read(s.disk, 0, 9, &status, (char *)in, sizeof(in), &len), LO_OK);
		CHECK_ST(status, LO_ERR_OUT_OF_RANGE);
	}
	storage_stop(&s);
}

/* Requests written back to back, answers read afterwards: the driver has
 * them in flight together and answers each by its transaction id. */
static void test_virtio_blk_in_flight(void)
{
	enum { N = 12 };
	struct storage s;
	if (storage_start(&s)) {
		static struct lo_block_write_request w;
		static struct lo_block_read_request r;
		static struct lo_block_read_response resp;
		struct lo_channel_read_result got;
		uint32_t seen = 0, observed;
		for (uint32_t i = 0; i < N; i++) {
			lo_memset(&w, 0, sizeof(w));
			w.hdr.txid = 0x5000 + i;
			w.hdr.ordinal = LO_BLOCK_WRITE;
			w.sector = 1000 + 8 * i;
			w.data_len = 4096;
			fill((uint8_t *)w.data, 4096, 10 + i);
			CHECK_ST(lo_channel_write(s.disk, &w, sizeof(w), NULL, 0), LO_OK);
		}
		for (uint32_t i = 0; i < N; i++) {
			if (!CHECK_ST(lo_handle_wait_one(lo_channel_handle(s.disk), LO_SIG_CHANNEL_READABLE,
							 lo_deadline_after_ms(5000), &observed), LO_OK))
				break;
			CHECK_ST(lo_channel_read(s.disk, &resp, sizeof(resp), NULL, 0, &got), LO_OK);
			uint32_t k = resp.hdr.txid - 0x5000;
			CHECK(k < N && resp.status == LO_OK);
			if (k < N)
				seen |= 1u << k;
		}
		CHECK(seen == (1u << N) - 1);
		for (uint32_t i = 0; i < N; i++) {
			lo_memset(&r, 0, sizeof(r));
			r.hdr.txid = 0x6000 + i;
			r.hdr.ordinal = LO_BLOCK_READ;
			r.sector = 1000 + 8 * i;
			r.count = 8;
			CHECK_ST(lo_channel_write(s.disk, &r, sizeof(r), NULL, 0), LO_OK);
		}
		seen = 0;
		static uint8_t want[4096];
		for (uint32_t i = 0; i < N; i++) {
			if (!CHECK_ST(lo_handle_wait_one(lo_channel_handle(s.disk), LO_SIG_CHANNEL_READABLE,
							 lo_deadline_after_ms(5000), &observed), LO_OK))
				break;
			CHECK_ST(lo_channel_read(s.disk, &resp, sizeof(resp), NULL, 0, &got), LO_OK);
			uint32_t k = resp.hdr.txid - 0x6000;
			if (!CHECK(k < N && resp.status == LO_OK && resp.data_len == 4096))
				continue;
			fill(want, 4096, 10 + k);
			CHECK(lo_memcmp(resp.data, want, 4096) == 0);
			seen |= 1u << k;
		}
		CHECK(seen == (1u << N) - 1);
	}
	storage_stop(&s);
}

static const struct utest storage_tests[] = {
	{"user.virtio_blk_roundtrip", test_virtio_blk_roundtrip},
	{"user.virtio_blk_in_flight", test_virtio_blk_in_flight},
	{0, 0},
};
UTEST_SUITE(storage_tests);
