/* DMA memory: contiguous pinned VMOs from a resource with the DMA right,
 * whose physical address only a handle with the VMO's DMA right reveals. */
#include "utest.h"

#define ALL_BUT_DMA_RES (LO_DEFAULT_RIGHTS_RESOURCE & ~LO_RIGHT_RESOURCE_DMA)

/* One VMO's life: contiguous, zeroed, mapped, pinned, closed. */
static void contiguous_cycle(void)
{
	lo_vmo_t v;
	uint64_t pa = 0, size = 0;
	if (!CHECK_ST(lo_vmo_create_contiguous(lo_job_self(), utest_root, 3 * 4096 + 100, &v), LO_OK))
		return;
	CHECK_ST(lo_vmo_phys_addr(v, &pa), LO_OK);
	CHECK(pa != 0 && (pa & 4095) == 0);
	CHECK_ST(lo_vmo_get_size(v, &size), LO_OK);
	CHECK(size == 3 * 4096 + 100);
	/* Zeroed, and writable through the VMO and a mapping alike. */
	uint8_t buf[64];
	CHECK_ST(lo_vmo_read(v, buf, 4096 * 3, sizeof(buf)), LO_OK);
	int zero = 1;
	for (unsigned i = 0; i < sizeof(buf); i++)
		zero &= buf[i] == 0;
	CHECK(zero);
	struct lo_map_request req = { 0, 0, 4 * 4096, LO_MAP_WRITE, 0 };
	uint64_t addr = 0;
	if (CHECK_ST(lo_process_map(lo_self, v, &req, &addr), LO_OK)) {
		((volatile uint8_t *)addr)[4096 * 2 + 7] = 0xA5;
		CHECK_ST(lo_vmo_read(v, buf, 4096 * 2 + 7, 1), LO_OK);
		CHECK(buf[0] == 0xA5);
		CHECK_ST(lo_process_unmap(lo_self, addr, 4 * 4096), LO_OK);
	}
	/* Pinned: no RESIZE right, and the object refuses anyway. */
	CHECK_ST(lo_vmo_set_size(v, 4096), LO_ERR_ACCESS_DENIED);
	CHECK(lo_handle_close(lo_vmo_handle(v)) == LO_OK);
}

static void test_contiguous_roundtrip(void)
{
	/* Its pages went back. The free count is the whole machine's, which
	 * other programs and threads ending on other CPUs change too: a leak
	 * shows in every cycle, so one clean cycle out of ten is the answer. */
	struct lo_memory_stats before = { 0, 0 }, after = { 0, 0 };
	for (int attempt = 0; attempt < 10; attempt++) {
		if (attempt)
			utest_sleep_ms(5);
		CHECK_ST(lo_resource_memory_stats(utest_root, &before), LO_OK);
		contiguous_cycle();
		CHECK_ST(lo_resource_memory_stats(utest_root, &after), LO_OK);
		if (after.free_pages == before.free_pages)
			break;
	}
	if (!CHECK(after.free_pages == before.free_pages))
		lo_printf("  free pages: %lu before, %lu after\n", before.free_pages, after.free_pages);
}

static void test_dma_rights(void)
{
	lo_vmo_t v, plain, nodma;
	uint64_t pa;
	/* A resource without DMA cannot allocate DMA memory. */
	lo_resource_t weak = lo_resource_from(utest_dup(lo_resource_handle(utest_root), ALL_BUT_DMA_RES));
	CHECK_ST(lo_vmo_create_contiguous(lo_job_self(), weak, 4096, &v), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_resource_handle(weak));
	/* Carving never mints DMA: a device resource comes without it, so
	 * CARVE does not imply DMA. */
	lo_resource_t ports;
	if (CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IOPORT, 0x80, 1, &ports), LO_OK)) {
		CHECK_ST(lo_vmo_create_contiguous(lo_job_self(), ports, 4096, &v), LO_ERR_ACCESS_DENIED);
		lo_handle_close(lo_resource_handle(ports));
	}
	if (!CHECK_ST(lo_vmo_create_contiguous(lo_job_self(), utest_root, 4096, &v), LO_OK))
		return;
	/* A copy without the VMO's DMA right may use the memory, not learn where it is. */
	nodma = lo_vmo_from(utest_dup(lo_vmo_handle(v), LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_MAP));
	CHECK_ST(lo_vmo_phys_addr(nodma, &pa), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_vmo_write(nodma, "x", 0, 1), LO_OK);
	/* Ordinary VMOs are lazily backed: they have no address to give. */
	if (CHECK_ST(lo_vmo_create(lo_job_self(), 4096, &plain), LO_OK)) {
		CHECK_ST(lo_vmo_phys_addr(plain, &pa), LO_ERR_NOT_SUPPORTED);
		lo_handle_close(lo_vmo_handle(plain));
	}
	lo_handle_close(lo_vmo_handle(nodma));
	lo_handle_close(lo_vmo_handle(v));
	/* Bounds. */
	CHECK_ST(lo_vmo_create_contiguous(lo_job_self(), utest_root, 0, &v), LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_vmo_create_contiguous(lo_job_self(), utest_root, (4u << 20) + 1, &v), LO_ERR_OUT_OF_RANGE);
}

/* DMA memory is charged to the job named in the call: one object, and all
 * its pages from the start (they are pinned), within the job's quota. */
static void test_dma_job_charged(void)
{
	struct lo_job_quota q = { 8, 1, 4, 4, 0 };
	lo_job_t job = { 0 };
	struct lo_job_info info;
	if (!CHECK_ST(lo_job_create(lo_job_self(), &q, &job), LO_OK))
		return;
	lo_vmo_t v, w;
	if (CHECK_ST(lo_vmo_create_contiguous(job, utest_root, 3 * 4096, &v), LO_OK)) {
		CHECK_ST(lo_job_info(job, &info), LO_OK);
		/* Three pages and the object's 512 bytes. */
		CHECK(info.objects_used == 1 && info.memory_pages_used == 4);
		/* Five more pages do not fit in the job's eight. */
		CHECK_ST(lo_vmo_create_contiguous(job, utest_root, 5 * 4096, &w), LO_ERR_NO_MEMORY);
		lo_handle_close(lo_vmo_handle(v));
	}
	CHECK_ST(lo_job_info(job, &info), LO_OK);
	CHECK(info.objects_used == 0 && info.memory_pages_used == 0);
	lo_handle_close(lo_job_handle(job));
}

static const struct utest dma_tests[] = {
	{"user.dma_contiguous_roundtrip", test_contiguous_roundtrip},
	{"user.dma_rights", test_dma_rights},
	{"user.dma_job_charged", test_dma_job_charged},
	{0, 0},
};
UTEST_SUITE(dma_tests);
