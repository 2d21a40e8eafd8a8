/* Physical pages, paging and the heap. */
#include "test/selftest.h"
#include "mm/pmm.h"
#include "mm/paging.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "lib/string.h"
#include "arch/x86_64/trap.h"
#include "obj/syscall_support.h"

bool probe_read_faults(uint64_t addr);
bool probe_write_faults(uint64_t addr);

#define N_PAGES 512

static uint64_t page_list[N_PAGES];

static void test_pmm_alloc_free(struct ktest_ctx *ctx)
{
	struct pmm_stats before, during, after;
	pmm_get_stats(&before);
	for (int i = 0; i < N_PAGES; i++) {
		page_list[i] = pmm_alloc_page();
		if (!CHECK(ctx, page_list[i] != PMM_NONE))
			return;
		CHECK(ctx, (page_list[i] & (PAGE_SIZE - 1)) == 0);
		/* Never the kernel image, never low memory. */
		CHECK(ctx, page_list[i] >= 0x100000);
		CHECK(ctx, page_list[i] + PAGE_SIZE <= (uint64_t)_kernel_phys_start ||
			   page_list[i] >= (uint64_t)_kernel_phys_end);
		/* Zeroed, then tagged with its own address. */
		uint64_t *p = phys_to_virt(page_list[i]);
		CHECK(ctx, p[0] == 0 && p[511] == 0);
		p[0] = page_list[i];
		p[511] = ~page_list[i];
	}
	pmm_get_stats(&during);
	CHECK(ctx, during.free_pages == before.free_pages - N_PAGES);
	/* No page handed out twice: every tag is still intact. */
	for (int i = 0; i < N_PAGES; i++) {
		uint64_t *p = phys_to_virt(page_list[i]);
		CHECK(ctx, p[0] == page_list[i] && p[511] == ~page_list[i]);
	}
	for (int i = 0; i < N_PAGES; i++)
		pmm_free_page(page_list[i]);
	pmm_get_stats(&after);
	CHECK(ctx, after.free_pages == before.free_pages);
	CHECK(ctx, after.total_pages == before.total_pages);
}

static void test_pmm_contiguous(struct ktest_ctx *ctx)
{
	struct pmm_stats before, after;
	pmm_get_stats(&before);
	uint64_t pa = pmm_alloc_pages(16);
	if (!CHECK(ctx, pa != PMM_NONE))
		return;
	uint8_t *p = phys_to_virt(pa);
	bool zero = true;
	for (size_t i = 0; i < 16 * PAGE_SIZE; i++)
		zero &= p[i] == 0;
	CHECK(ctx, zero);
	/* A single page allocated now must not fall inside the run. */
	uint64_t single = pmm_alloc_page();
	CHECK(ctx, single < pa || single >= pa + 16 * PAGE_SIZE);
	pmm_free_page(single);
	pmm_free_pages(pa, 16);
	pmm_get_stats(&after);
	CHECK(ctx, after.free_pages == before.free_pages);
}

static void test_pmm_exhaustion(struct ktest_ctx *ctx)
{
	/* Asking for more contiguous memory than exists fails cleanly. */
	struct pmm_stats st;
	pmm_get_stats(&st);
	CHECK(ctx, pmm_alloc_pages(st.total_pages + 1) == PMM_NONE);
	CHECK(ctx, pmm_alloc_pages(0) == PMM_NONE);
}

static void test_kernel_wx(struct ktest_ctx *ctx)
{
	uint64_t pa;
	unsigned flags;
	CHECK(ctx, vm_query(&kernel_as, (uint64_t)_text_start, &pa, &flags));
	CHECK(ctx, (flags & VM_EXEC) && !(flags & VM_WRITE));
	CHECK(ctx, pa == (uint64_t)_text_start - KERNEL_VMA);
	CHECK(ctx, vm_query(&kernel_as, (uint64_t)_rodata_start, &pa, &flags));
	CHECK(ctx, !(flags & VM_EXEC) && !(flags & VM_WRITE));
	CHECK(ctx, vm_query(&kernel_as, (uint64_t)_data_start, &pa, &flags));
	CHECK(ctx, !(flags & VM_EXEC) && (flags & VM_WRITE));
	/* The direct map is never executable, and the image's alias is read-only. */
	CHECK(ctx, vm_query(&kernel_as, (uint64_t)phys_to_virt(0x100000 * 64), &pa, &flags));
	CHECK(ctx, !(flags & VM_EXEC));
	CHECK(ctx, vm_query(&kernel_as, (uint64_t)phys_to_virt(pa = (uint64_t)_text_start - KERNEL_VMA), 0, &flags));
	CHECK(ctx, !(flags & VM_WRITE) && !(flags & VM_EXEC));
	/* Write-protect is on: writing to kernel text faults even in ring 0. */
	CHECK(ctx, probe_write_faults((uint64_t)_text_start));
	CHECK(ctx, trap_last_recovered_vector == VEC_PAGE_FAULT);
	CHECK(ctx, probe_write_faults((uint64_t)_rodata_start));
	CHECK(ctx, !probe_write_faults((uint64_t)_data_start));
}

static void test_paging_map_unmap(struct ktest_ctx *ctx)
{
	/* A page far past RAM in the direct-map slot: free virtual space. */
	uint64_t va = DIRECT_MAP_BASE + (256ul << 30);
	uint64_t pa = pmm_alloc_page();
	if (!CHECK(ctx, pa != PMM_NONE))
		return;
	CHECK(ctx, !vm_query(&kernel_as, va, 0, 0));
	CHECK(ctx, probe_read_faults(va));
	CHECK(ctx, vm_map(&kernel_as, va, pa, VM_WRITE) == LO_OK);
	CHECK(ctx, vm_map(&kernel_as, va, pa, VM_WRITE) == LO_ERR_ALREADY_EXISTS);
	uint64_t got;
	unsigned flags;
	CHECK(ctx, vm_query(&kernel_as, va + 123, &got, &flags));
	CHECK(ctx, got == pa + 123 && (flags & VM_WRITE) && !(flags & VM_EXEC));
	/* The new mapping and the direct map alias the same page. */
	*(volatile uint64_t *)va = 0x1234567890abcdefull;
	CHECK(ctx, *(uint64_t *)phys_to_virt(pa) == 0x1234567890abcdefull);
	/* Read-only now: writes fault, reads work. */
	CHECK(ctx, vm_protect(&kernel_as, va, 0) == LO_OK);
	CHECK(ctx, probe_write_faults(va));
	CHECK(ctx, !probe_read_faults(va));
	uint64_t old = 0;
	CHECK(ctx, vm_unmap(&kernel_as, va, &old) == LO_OK);
	CHECK(ctx, old == pa);
	CHECK(ctx, vm_unmap(&kernel_as, va, 0) == LO_ERR_NOT_FOUND);
	CHECK(ctx, probe_read_faults(va));
	CHECK(ctx, vm_map(&kernel_as, va + 1, pa, 0) == LO_ERR_INVALID_ARGS);
	CHECK(ctx, vm_map(&kernel_as, 0x0000800000000000ul, pa, 0) == LO_ERR_INVALID_ARGS);
	CHECK(ctx, vm_map(&kernel_as, va, pa, VM_USER) == LO_ERR_INVALID_ARGS);
	pmm_free_page(pa);
}

static void test_addrspace(struct ktest_ctx *ctx)
{
	uint64_t tables_before = paging_table_pages();
	struct addrspace as;
	if (!CHECK(ctx, addrspace_create(&as, NULL) == LO_OK))
		return;
	uint64_t pa = pmm_alloc_page();
	CHECK(ctx, vm_map(&as, 0x400000, pa, VM_USER | VM_WRITE) == LO_OK);
	CHECK(ctx, vm_map(&as, 0x7ffffffff000ul, pa, VM_USER) == LO_OK);
	unsigned flags;
	CHECK(ctx, vm_query(&as, 0x400000, 0, &flags) && (flags & VM_USER));
	CHECK(ctx, !vm_query(&kernel_as, 0x400000, 0, 0));
	/* The kernel half is shared. */
	CHECK(ctx, vm_query(&as, (uint64_t)_text_start, 0, &flags) && (flags & VM_EXEC));
	CHECK(ctx, paging_table_pages() > tables_before);
	addrspace_activate(&as);
	CHECK(ctx, vm_unmap(&as, 0x400000, 0) == LO_OK);
	addrspace_activate(&kernel_as);
	addrspace_destroy(&as);
	pmm_free_page(pa);
	CHECK(ctx, paging_table_pages() == tables_before);
}

static void test_heap(struct ktest_ctx *ctx)
{
	struct heap_stats before, after;
	heap_get_stats(&before);
	static void *ptrs[200];
	static const size_t sizes[] = { 1, 8, 16, 17, 64, 100, 512, 1024, 1025, 4096, 20000 };
	const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	for (int i = 0; i < 200; i++) {
		size_t size = sizes[i % nsizes];
		ptrs[i] = kmalloc(size);
		if (!CHECK(ctx, ptrs[i] != NULL))
			return;
		CHECK(ctx, ((uint64_t)ptrs[i] & 15) == 0);
		uint8_t *p = ptrs[i];
		bool zero = true;
		for (size_t b = 0; b < size; b++)
			zero &= p[b] == 0;
		CHECK(ctx, zero);
		memset(p, i & 0xff, size);
	}
	for (int i = 0; i < 200; i++) {
		uint8_t *p = ptrs[i];
		size_t size = sizes[i % nsizes];
		CHECK(ctx, p[0] == (i & 0xff) && p[size - 1] == (i & 0xff));
	}
	CHECK(ctx, heap_check() > 0);
	for (int i = 0; i < 200; i++)
		kfree(ptrs[i]);
	heap_check();
	heap_get_stats(&after);
	CHECK(ctx, after.allocations == before.allocations);
	CHECK(ctx, after.bytes_in_use == before.bytes_in_use);
	CHECK(ctx, after.large_pages == before.large_pages);
	CHECK(ctx, kmalloc((size_t)1 << 40) == NULL);
}

/* A user range that wraps past 2^64 is refused before anything is copied,
 * even where the wrapped-to part would look fine (its end at or below
 * USER_TOP) and its start is mapped kernel memory: the last page of the
 * address space, mapped here for the test. */
static void test_usercopy_wrap(struct ktest_ctx *ctx)
{
	uint64_t top = 0xfffffffffffff000ul;
	uint64_t pa = pmm_alloc_page();
	if (!CHECK(ctx, pa != PMM_NONE))
		return;
	if (!CHECK(ctx, vm_map(&kernel_as, top, pa, VM_WRITE) == LO_OK)) {
		pmm_free_page(pa);
		return;
	}
	memset((void *)top, 0x5a, PAGE_SIZE);
	static char buf[2 * PAGE_SIZE];
	memset(buf, 0, sizeof(buf));
	/* The end wraps to exactly 0, then past 0. */
	CHECK(ctx, copy_from_user(buf, top, PAGE_SIZE) == LO_ERR_FAULT);
	CHECK(ctx, copy_from_user(buf, top, 2 * PAGE_SIZE) == LO_ERR_FAULT);
	CHECK(ctx, copy_from_user(buf, top + PAGE_SIZE - 1, 2) == LO_ERR_FAULT);
	CHECK(ctx, buf[0] == 0 && buf[PAGE_SIZE - 1] == 0);
	CHECK(ctx, copy_to_user(top, buf, PAGE_SIZE) == LO_ERR_FAULT);
	CHECK(ctx, copy_to_user(top, buf, 2 * PAGE_SIZE) == LO_ERR_FAULT);
	CHECK(ctx, *(volatile char *)top == 0x5a && *(volatile char *)(top + PAGE_SIZE - 1) == 0x5a);
	/* A huge length from a user address wraps too. */
	CHECK(ctx, copy_from_user(buf, 0x400000, ~0ul - 0x1000) == LO_ERR_FAULT);
	CHECK(ctx, vm_unmap(&kernel_as, top, 0) == LO_OK);
	pmm_free_page(pa);
}

const struct ktest mm_tests[] = {
	{ "mm.usercopy_wrap", test_usercopy_wrap },
	{ "mm.pmm_alloc_free", test_pmm_alloc_free },
	{ "mm.pmm_contiguous", test_pmm_contiguous },
	{ "mm.pmm_exhaustion", test_pmm_exhaustion },
	{ "mm.kernel_w_xor_x", test_kernel_wx },
	{ "mm.paging_map_unmap", test_paging_map_unmap },
	{ "mm.addrspace", test_addrspace },
	{ "mm.heap", test_heap },
	{ 0, 0 },
};
