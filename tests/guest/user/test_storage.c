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

/* fatfs on the guest suite's disk (a FAT32 image from mkfs.fat, reserved
 * sectors covering what the tests above write): each open of a file is a
 * session whose rights are what the open asked for, WRITE only through a
 * WRITABLE connection; rename needs MODIFY. */
static status_t ask(status_t st, const int32_t *status) { return st != LO_OK ? st : *status; }

static status_t fs_open(lo_channel_t reg, const char *path, uint32_t rights, uint32_t conn_rights,
			uint32_t want_kind, lo_channel_t *out)
{
	int32_t status = LO_OK;
	uint32_t kind = 0, consumed = 0, granted = 0, link_len = 0;
	char link[8];
	lo_handle_t h = LO_HANDLE_INVALID;
	status_t st = ask(lo_registry_open(reg, path, (uint32_t)lo_strlen(path), rights, conn_rights, &status,
					   &kind, &consumed, &granted, link, sizeof(link), &link_len, &h), &status);
	if (st == LO_OK && kind != want_kind) {
		lo_handle_close(h);
		st = LO_ERR_WRONG_TYPE;
	}
	if (st == LO_OK)
		*out = lo_channel_from(h);
	return st;
}

static void test_fatfs_session_rights(void)
{
	struct storage s;
	lo_channel_t mine = { 0 }, theirs, ro_conn = { 0 }, f = { 0 };
	lo_process_t fatfs = { 0 };
	int32_t status = LO_OK;
	uint32_t n = 0, put = 0, kind = 0;
	uint64_t pos = 0, size = 0;
	char buf[64];
	if (!storage_start(&s) || !CHECK_ST(lo_channel_create(lo_job_self(), &theirs, &mine), LO_OK)) {
		storage_stop(&s);
		return;
	}
	struct lo_give give[3] = {
		{ LO_STARTUP_USER + 0, dup_rights(lo_channel_handle(s.disk), LO_RIGHT_READ | LO_RIGHT_WRITE |
						  LO_RIGHT_WAIT | LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER) },
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_LOG, dup_rights(lo_log_handle(lo_log), LO_RIGHT_WRITE | LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER) },
	};
	const char *why = NULL;
	if (CHECK_ST(lo_spawn_from_image(utest_image, "bin/fatfs", "", give, 3, &fatfs, &why), LO_OK)) {
		/* A file holding "abc", made by binding a VMO. */
		lo_vmo_t v;
		CHECK_ST(lo_vmo_create(lo_job_self(), 3, &v), LO_OK);
		CHECK_ST(lo_vmo_write(v, "abc", 0, 3), LO_OK);
		CHECK_ST(ask(lo_registry_bind(mine, "rights.txt", 10, LO_RIGHT_READ | LO_RIGHT_WRITE, lo_vmo_handle(v),
					      &status), &status), LO_OK);

		/* Opened for reading: reads, but write, truncate and sync are refused. */
		if (CHECK_ST(fs_open(mine, "rights.txt", LO_RIGHT_READ, 0, LO_ENTRY_OBJECT, &f), LO_OK)) {
			CHECK_ST(ask(lo_file_read(f, 10, &status, buf, sizeof(buf), &n), &status), LO_OK);
			CHECK(n == 3 && lo_memcmp(buf, "abc", 3) == 0);
			CHECK_ST(ask(lo_file_write(f, "x", 1, &status, &put), &status), LO_ERR_ACCESS_DENIED);
			CHECK_ST(ask(lo_file_truncate(f, 0, &status), &status), LO_ERR_ACCESS_DENIED);
			CHECK_ST(ask(lo_file_sync(f, &status), &status), LO_ERR_ACCESS_DENIED);
			lo_handle_close(lo_channel_handle(f));
		}
		/* A connection without WRITABLE: asking for WRITE gets no WRITE;
		 * without MODIFY: no rename. */
		if (CHECK_ST(fs_open(mine, "", 0, LO_REGISTRY_RIGHT_ENUMERATE | LO_REGISTRY_RIGHT_OPEN,
				     LO_ENTRY_REGISTRY, &ro_conn), LO_OK)) {
			if (CHECK_ST(fs_open(ro_conn, "rights.txt", LO_RIGHT_READ | LO_RIGHT_WRITE, 0, LO_ENTRY_OBJECT,
					     &f), LO_OK)) {
				CHECK_ST(ask(lo_file_write(f, "x", 1, &status, &put), &status), LO_ERR_ACCESS_DENIED);
				CHECK_ST(ask(lo_file_stat(f, &status, &size, &kind), &status), LO_OK);
				CHECK(size == 3 && kind == 1);
				lo_handle_close(lo_channel_handle(f));
			}
			CHECK_ST(ask(lo_registry_rename(ro_conn, "rights.txt", 10, "moved.txt", 9, &status), &status),
				 LO_ERR_ACCESS_DENIED);
			lo_handle_close(lo_channel_handle(ro_conn));
		}
		/* Opened for writing through a WRITABLE connection: each session
		 * has its own position. */
		if (CHECK_ST(fs_open(mine, "rights.txt", LO_RIGHT_READ | LO_RIGHT_WRITE, 0, LO_ENTRY_OBJECT, &f), LO_OK)) {
			lo_channel_t g;
			CHECK_ST(ask(lo_file_seek(f, 0, 2, &status, &pos), &status), LO_OK);
			CHECK(pos == 3);
			CHECK_ST(ask(lo_file_write(f, "defg", 4, &status, &put), &status), LO_OK);
			CHECK(put == 4);
			if (CHECK_ST(fs_open(mine, "rights.txt", LO_RIGHT_READ, 0, LO_ENTRY_OBJECT, &g), LO_OK)) {
				CHECK_ST(ask(lo_file_read(g, 64, &status, buf, sizeof(buf), &n), &status), LO_OK);
				CHECK(n == 7 && lo_memcmp(buf, "abcdefg", 7) == 0);
				lo_handle_close(lo_channel_handle(g));
			}
			/* A write whose length says more than the message holds, and a
			 * seek before the start: refused, and the session goes on. */
			static struct lo_file_write_request bad;
			static struct lo_file_write_response bad_resp;
			struct lo_channel_read_result got;
			uint32_t observed;
			lo_memset(&bad, 0, sizeof(bad));
			bad.hdr.txid = 0x77;
			bad.hdr.ordinal = LO_FILE_WRITE;
			bad.data_len = 0x10000000;
			CHECK_ST(lo_channel_write(f, &bad, sizeof(bad), NULL, 0), LO_OK);
			CHECK_ST(lo_handle_wait_one(lo_channel_handle(f), LO_SIG_CHANNEL_READABLE,
						    lo_deadline_after_ms(5000), &observed), LO_OK);
			CHECK_ST(lo_channel_read(f, &bad_resp, sizeof(bad_resp), NULL, 0, &got), LO_OK);
			CHECK(bad_resp.hdr.txid == 0x77 && bad_resp.status == LO_ERR_INVALID_ARGS);
			CHECK_ST(ask(lo_file_seek(f, INT64_MIN, 1, &status, &pos), &status), LO_ERR_INVALID_ARGS);
			CHECK_ST(ask(lo_file_seek(f, -8, 2, &status, &pos), &status), LO_ERR_INVALID_ARGS);
			CHECK_ST(ask(lo_file_truncate(f, 2, &status), &status), LO_OK);
			CHECK_ST(ask(lo_file_sync(f, &status), &status), LO_OK);
			CHECK_ST(ask(lo_file_stat(f, &status, &size, &kind), &status), LO_OK);
			CHECK(size == 2);
			CHECK_ST(ask(lo_file_close(f, &status), &status), LO_OK);
			lo_handle_close(lo_channel_handle(f));
		}
		/* Rename through a connection with MODIFY: one step. */
		CHECK_ST(ask(lo_registry_rename(mine, "rights.txt", 10, "moved.txt", 9, &status), &status), LO_OK);
		CHECK_ST(fs_open(mine, "rights.txt", LO_RIGHT_READ, 0, LO_ENTRY_OBJECT, &f), LO_ERR_NOT_FOUND);
		CHECK_ST(ask(lo_registry_unbind(mine, "moved.txt", 9, &status), &status), LO_OK);
	}
	/* With its last client gone, fatfs ends by itself. */
	lo_handle_close(lo_channel_handle(mine));
	if (fatfs.value) {
		struct lo_process_info info;
		CHECK(utest_wait_process(fatfs, &info));
		CHECK(info.exit_reason == LO_EXIT_NORMAL && info.exit_code == 0);
		lo_handle_close(lo_process_handle(fatfs));
	}
	storage_stop(&s);
}

static const struct utest storage_tests[] = {
	{"user.virtio_blk_roundtrip", test_virtio_blk_roundtrip},
	{"user.virtio_blk_in_flight", test_virtio_blk_in_flight},
	{"user.fatfs_session_rights", test_fatfs_session_rights},
	{0, 0},
};
UTEST_SUITE(storage_tests);
