/* Resource carving: the kernel's own hardware is never carvable, a carved
 * child's handle never holds more rights than its parent's, and a carve
 * must lie inside its parent on both ends (docs/kernel.md, "Resources the
 * kernel keeps"). */
#include "utest.h"

/* Rights of a handle, or 0 if it cannot be inspected. */
static uint32_t rights_of(lo_resource_t r)
{
	struct lo_object_info info;
	if (lo_handle_info(lo_resource_handle(r), &info) != LO_OK)
		return 0;
	return info.rights;
}

/* A carve that must be refused with `want`; closes a child that slipped out. */
static void refused(lo_resource_t parent, uint32_t kind, uint64_t base, uint64_t size,
		    status_t want)
{
	lo_resource_t child = { 0 };
	status_t st = lo_resource_carve(parent, kind, base, size, &child);
	if (!CHECK_ST(st, want))
		lo_printf("  carve kind %u base 0x%lx size 0x%lx\n", kind, base, size);
	if (st == LO_OK)
		lo_handle_close(lo_resource_handle(child));
}

static void allowed(lo_resource_t parent, uint32_t kind, uint64_t base, uint64_t size)
{
	lo_resource_t child;
	if (CHECK_ST(lo_resource_carve(parent, kind, base, size, &child), LO_OK))
		lo_handle_close(lo_resource_handle(child));
}

/* The I/O ports the kernel drives: every single port, and wider ranges
 * that merely touch one. */
static const struct { uint64_t base, size; } reserved_ports[] = {
	{ 0x20, 2 }, { 0xa0, 2 }, { 0x4d0, 2 }, { 0x40, 4 }, { 0xf4, 4 }, { 0x64, 1 }, { 0x92, 1 },
};

static void refuse_reserved(lo_resource_t from)
{
	for (size_t i = 0; i < sizeof(reserved_ports) / sizeof(reserved_ports[0]); i++) {
		uint64_t b = reserved_ports[i].base, n = reserved_ports[i].size;
		for (uint64_t p = b; p < b + n; p++)
			refused(from, LO_RESOURCE_IOPORT, p, 1, LO_ERR_ACCESS_DENIED);
		refused(from, LO_RESOURCE_IOPORT, b, n, LO_ERR_ACCESS_DENIED);
		refused(from, LO_RESOURCE_IOPORT, b - 1, 2, LO_ERR_ACCESS_DENIED);      /* ends on it */
		refused(from, LO_RESOURCE_IOPORT, b + n - 1, 2, LO_ERR_ACCESS_DENIED);  /* starts on it */
	}
	refused(from, LO_RESOURCE_IOPORT, 0, 0x10000, LO_ERR_ACCESS_DENIED);
	refused(from, LO_RESOURCE_IRQ, 0, 1, LO_ERR_ACCESS_DENIED);
	refused(from, LO_RESOURCE_IRQ, 2, 1, LO_ERR_ACCESS_DENIED);
	refused(from, LO_RESOURCE_IRQ, 0, 16, LO_ERR_ACCESS_DENIED);
	refused(from, LO_RESOURCE_IRQ, 1, 2, LO_ERR_ACCESS_DENIED);
	/* The kernel's memory: page 0, the image at 1 MiB, all of low RAM. */
	refused(from, LO_RESOURCE_MMIO, 0, 0x1000, LO_ERR_ACCESS_DENIED);
	refused(from, LO_RESOURCE_MMIO, 0x100000, 0x1000, LO_ERR_ACCESS_DENIED);
	refused(from, LO_RESOURCE_MMIO, 0, 0x100000000ull, LO_ERR_ACCESS_DENIED);
}

static void test_reserved_refused(void)
{
	/* From the root with every right it has... */
	refuse_reserved(utest_root);
	lo_resource_t all = lo_resource_from(utest_dup(lo_resource_handle(utest_root),
						       LO_DEFAULT_RIGHTS_RESOURCE));
	CHECK(rights_of(all) == LO_DEFAULT_RIGHTS_RESOURCE);
	refuse_reserved(all);
	lo_handle_close(lo_resource_handle(all));
	/* ...and next to them, what a driver may have. */
	allowed(utest_root, LO_RESOURCE_IOPORT, 0x3f8, 8);    /* COM1: the console driver's */
	allowed(utest_root, LO_RESOURCE_IOPORT, 0x60, 1);     /* 8042 data port */
	allowed(utest_root, LO_RESOURCE_IOPORT, 0xcf8, 8);    /* PCI configuration */
	allowed(utest_root, LO_RESOURCE_IOPORT, 0x22, 0x1e);  /* between the PIC and the PIT */
	allowed(utest_root, LO_RESOURCE_IRQ, 1, 1);
	allowed(utest_root, LO_RESOURCE_IRQ, 3, 13);
}

/* Each parent rights set (all with CARVE) against what the child gets. */
static void test_child_rights_bounded(void)
{
	static const uint32_t sets[] = {
		LO_RIGHT_RESOURCE_CARVE,
		LO_RIGHT_RESOURCE_CARVE | LO_RIGHT_INSPECT,
		LO_RIGHT_RESOURCE_CARVE | LO_RIGHT_INSPECT | LO_RIGHT_READ,
		LO_RIGHT_RESOURCE_CARVE | LO_RIGHT_INSPECT | LO_RIGHT_DUPLICATE,
		LO_DEFAULT_RIGHTS_RESOURCE,
	};
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		uint32_t held = sets[i];
		lo_resource_t parent = lo_resource_from(utest_dup(lo_resource_handle(utest_root), held));
		lo_resource_t child, grandchild;
		if (!CHECK_ST(lo_resource_carve(parent, LO_RESOURCE_IOPORT, 0x2f8, 8, &child), LO_OK)) {
			lo_handle_close(lo_resource_handle(parent));
			continue;
		}
		uint32_t got = rights_of(child);
		/* Carving never mints DMA (docs/storage.md), whatever the parent holds. */
		if (held & LO_RIGHT_INSPECT)
			CHECK(got == (held & LO_DEFAULT_RIGHTS_RESOURCE & ~LO_RIGHT_RESOURCE_DMA));
		else
			CHECK(got == 0);   /* not even INSPECT to look at it */
		/* Without WRITE on the parent no write through the child. */
		status_t want = held & LO_RIGHT_WRITE ? LO_OK : LO_ERR_ACCESS_DENIED;
		CHECK_ST(lo_resource_port_out(child, 0x2f8 + 7, 1, 0), want);   /* scratch register */
		/* A grandchild is bounded by the child in turn. */
		if (CHECK_ST(lo_resource_carve(child, LO_RESOURCE_IOPORT, 0x2f8, 1, &grandchild), LO_OK)) {
			uint32_t g = rights_of(grandchild);
			CHECK((g & ~held) == 0);
			lo_handle_close(lo_resource_handle(grandchild));
		}
		lo_handle_close(lo_resource_handle(child));
		lo_handle_close(lo_resource_handle(parent));
	}
}

/* Every way to the PIC's mask registers is shut. A carve that wrongly
 * succeeds is never used to write, so a regression fails here instead of
 * hanging the machine. */
static void test_pic_mask_impossible(void)
{
	CHECK_ST(lo_resource_port_out(utest_root, 0x21, 1, 0xff), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_resource_port_out(utest_root, 0xa1, 1, 0xff), LO_ERR_ACCESS_DENIED);
	refused(utest_root, LO_RESOURCE_IOPORT, 0x21, 1, LO_ERR_ACCESS_DENIED);
	refused(utest_root, LO_RESOURCE_IOPORT, 0xa1, 1, LO_ERR_ACCESS_DENIED);
	refused(utest_root, LO_RESOURCE_IOPORT, 0x00, 0x100, LO_ERR_ACCESS_DENIED);
	lo_resource_t near;
	if (CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IOPORT, 0x22, 0x1e, &near), LO_OK)) {
		CHECK_ST(lo_resource_port_out(near, 0x21, 1, 0xff), LO_ERR_ACCESS_DENIED);
		CHECK_ST(lo_resource_port_out(near, 0x20, 2, 0xffff), LO_ERR_ACCESS_DENIED);
		refused(near, LO_RESOURCE_IOPORT, 0x21, 2, LO_ERR_ACCESS_DENIED);
		lo_handle_close(lo_resource_handle(near));
	}
}

/* Both edges of a parent of `kind` at [base, base + size), unit `u`
 * (1, or a page for MMIO). */
static void edges(uint32_t kind, uint64_t base, uint64_t size, uint64_t u)
{
	lo_resource_t p;
	if (!CHECK_ST(lo_resource_carve(utest_root, kind, base, size, &p), LO_OK))
		return;
	uint64_t end = base + size;
	allowed(p, kind, base, size);                                    /* exactly the parent */
	refused(p, kind, base, size + u, LO_ERR_ACCESS_DENIED);          /* at its base, one larger */
	refused(p, kind, base, 2 * size, LO_ERR_ACCESS_DENIED);
	allowed(p, kind, end - u, u);                                    /* ending at its end */
	allowed(p, kind, base + u, size - u);
	refused(p, kind, end - u, 2 * u, LO_ERR_ACCESS_DENIED);          /* one past the end */
	refused(p, kind, base + u, size, LO_ERR_ACCESS_DENIED);
	refused(p, kind, end, u, LO_ERR_ACCESS_DENIED);
	refused(p, kind, base - u, u, LO_ERR_ACCESS_DENIED);             /* starting one below */
	refused(p, kind, base - u, size, LO_ERR_ACCESS_DENIED);
	refused(p, kind, base - u, size + 2 * u, LO_ERR_ACCESS_DENIED);
	refused(p, kind, base, 0, LO_ERR_INVALID_ARGS);                  /* zero size */
	refused(p, kind, ~0ull - u + 1, 2 * u, LO_ERR_INVALID_ARGS);     /* base + size wraps */
	refused(p, kind, base, ~0ull - u + 1, LO_ERR_INVALID_ARGS);
	lo_handle_close(lo_resource_handle(p));
}

static void test_carve_edges_ioport(void)
{
	edges(LO_RESOURCE_IOPORT, 0x300, 0x10, 1);
}

static void test_carve_edges_irq(void)
{
	edges(LO_RESOURCE_IRQ, 9, 3, 1);
}

static void test_carve_edges_mmio(void)
{
	/* In the PCI hole, far above the guest's 512 MiB of RAM. */
	edges(LO_RESOURCE_MMIO, 0xe0000000ull, 0x4000, 0x1000);
}

static const struct utest resource_tests[] = {
	{ "user.resource_reserved_refused", test_reserved_refused },
	{ "user.resource_child_rights_bounded", test_child_rights_bounded },
	{ "user.resource_pic_mask_impossible", test_pic_mask_impossible },
	{ "user.resource_carve_edges_ioport", test_carve_edges_ioport },
	{ "user.resource_carve_edges_irq", test_carve_edges_irq },
	{ "user.resource_carve_edges_mmio", test_carve_edges_mmio },
	{ 0, 0 },
};
UTEST_SUITE(resource_tests);
