#include "obj/resource.h"
#include "obj/kernel_types.h"
#include "arch/x86_64/multiboot.h"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "mm/layout.h"
#include "obj/denials.h"
#include "lib/string.h"

#define IRQ_LINES     16

/* The hardware the kernel drives itself, in one place: no resource may be
 * carved over any of it, whatever rights the parent handle holds (see
 * docs/kernel.md, "Resources the kernel keeps"). COM1 (0x3f8) is not here:
 * the kernel only writes polled log output there, which any UART setting
 * survives, and the user-space console driver needs the ports. */
struct reserved_range {
	uint32_t kind;
	uint64_t base, size;
	const char *what;
};

static const struct reserved_range reserved[] = {
	{ LO_RESOURCE_IOPORT, 0x20,  2, "master PIC" },
	{ LO_RESOURCE_IOPORT, 0xa0,  2, "slave PIC" },
	{ LO_RESOURCE_IOPORT, 0x4d0, 2, "PIC edge/level control" },
	{ LO_RESOURCE_IOPORT, 0x40,  4, "PIT" },
	{ LO_RESOURCE_IOPORT, 0xf4,  4, "QEMU debug-exit (kern/arch/x86_64/qemu.c)" },
	{ LO_RESOURCE_IOPORT, 0x64,  1, "8042 command port: machine reset, A20 gate" },
	{ LO_RESOURCE_IOPORT, 0x92,  1, "system control port A: fast reset, A20 gate" },
	{ LO_RESOURCE_IRQ,    0,     1, "timer tick" },
	{ LO_RESOURCE_IRQ,    2,     1, "PIC cascade" },
};

static void resource_destroy(struct cap_object *obj)
{
	kobject_count_destroyed(LO_TYPE_RESOURCE);
	kfree(obj);
}

static const struct cap_object_ops resource_ops = {
	.destroy = resource_destroy,
	.on_zero_handles = NULL,
};

static struct resource *resource_new(uint32_t kind, uint64_t base, uint64_t size)
{
	struct resource *r = kmalloc(sizeof(*r));
	if (!r)
		return NULL;
	kobject_init(&r->obj, LO_TYPE_RESOURCE, &resource_ops);
	r->kind = kind;
	r->base = base;
	r->size = size;
	return r;
}

status_t resource_create_root(struct resource **out)
{
	struct resource *r = resource_new(LO_RESOURCE_ROOT, 0, 0);
	if (!r)
		return LO_ERR_NO_MEMORY;
	*out = r;
	return LO_OK;
}

bool resource_covers(const struct resource *r, uint32_t kind, uint64_t base, uint64_t size)
{
	if (r->kind == LO_RESOURCE_ROOT)
		return true;
	return r->kind == kind && base >= r->base && size <= r->size &&
	       base - r->base <= r->size - size;
}

/* [base, base+size) and [b, b+n) share an address; neither wraps. */
static bool overlaps(uint64_t base, uint64_t size, uint64_t b, uint64_t n)
{
	return base < b + n && b < base + size;
}

/* MMIO must never reach the kernel's own memory: RAM (the direct map, page
 * tables, the heap, every page it hands out), the kernel image, the boot
 * information and modules, wherever the memory map put them. */
static bool overlaps_kernel_memory(uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < boot_info.region_count; i++) {
		const struct mem_region *m = &boot_info.regions[i];
		if (m->type == MEM_USABLE && overlaps(base, size, m->base, m->length))
			return true;
	}
	uint64_t kstart = (uint64_t)_kernel_phys_start;
	if (overlaps(base, size, kstart, (uint64_t)_kernel_phys_end - kstart))
		return true;
	if (overlaps(base, size, boot_info.info_start, boot_info.info_end - boot_info.info_start))
		return true;
	for (size_t i = 0; i < boot_info.module_count; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		if (overlaps(base, size, m->start, m->end - m->start))
			return true;
	}
	return false;
}

/* The interrupt controllers, wherever ACPI put them: the local APICs'
 * page (every CPU's timer, EOI and IPIs) and the I/O APIC's (every device
 * line's routing and mask). A user mapping of either could stop the
 * scheduler or take over interrupt delivery. */
static bool overlaps_interrupt_controllers(uint64_t base, uint64_t size)
{
	if (acpi_info.lapic_pa &&
	    overlaps(base, size, acpi_info.lapic_pa & ~(uint64_t)(PAGE_SIZE - 1), PAGE_SIZE))
		return true;
	return acpi_info.ioapic_pa &&
	       overlaps(base, size, acpi_info.ioapic_pa & ~(uint64_t)(PAGE_SIZE - 1), PAGE_SIZE);
}

static bool overlaps_reserved(uint32_t kind, uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		const struct reserved_range *r = &reserved[i];
		if (r->kind == kind && overlaps(base, size, r->base, r->size))
			return true;
	}
	if (kind == LO_RESOURCE_MMIO)
		return overlaps_kernel_memory(base, size) ||
		       overlaps_interrupt_controllers(base, size);
	return false;
}

static status_t check_range(uint32_t kind, uint64_t base, uint64_t size)
{
	if (size == 0 || base + size < base)
		return LO_ERR_INVALID_ARGS;
	switch (kind) {
	case LO_RESOURCE_IOPORT:
		if (base + size > 0x10000)
			return LO_ERR_OUT_OF_RANGE;
		break;
	case LO_RESOURCE_IRQ:
		if (base + size > IRQ_LINES)
			return LO_ERR_OUT_OF_RANGE;
		break;
	case LO_RESOURCE_MMIO:
		if ((base | size) & (PAGE_SIZE - 1))
			return LO_ERR_INVALID_ARGS;
		break;
	default:
		return LO_ERR_INVALID_ARGS;
	}
	return overlaps_reserved(kind, base, size) ? LO_ERR_ACCESS_DENIED : LO_OK;
}

status_t resource_carve(struct resource *parent, uint32_t kind, uint64_t base,
			uint64_t size, struct resource **out)
{
	status_t st = check_range(kind, base, size);
	if (st != LO_OK)
		return st;
	if (!resource_covers(parent, kind, base, size))
		return LO_ERR_ACCESS_DENIED;
	struct resource *r = resource_new(kind, base, size);
	if (!r)
		return LO_ERR_NO_MEMORY;
	*out = r;
	return LO_OK;
}

status_t resource_io_in(struct resource *r, uint16_t port, uint32_t width, uint32_t *value)
{
	if (width != 1 && width != 2 && width != 4)
		return LO_ERR_INVALID_ARGS;
	if (r->kind == LO_RESOURCE_ROOT || !resource_covers(r, LO_RESOURCE_IOPORT, port, width))
		return LO_ERR_ACCESS_DENIED;
	if (width == 1) {
		*value = inb(port);
	} else if (width == 2) {
		uint16_t v;
		__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
		*value = v;
	} else {
		uint32_t v;
		__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
		*value = v;
	}
	return LO_OK;
}

status_t resource_io_out(struct resource *r, uint16_t port, uint32_t width, uint32_t value)
{
	if (width != 1 && width != 2 && width != 4)
		return LO_ERR_INVALID_ARGS;
	if (r->kind == LO_RESOURCE_ROOT || !resource_covers(r, LO_RESOURCE_IOPORT, port, width))
		return LO_ERR_ACCESS_DENIED;
	if (width == 1)
		outb(port, (uint8_t)value);
	else if (width == 2)
		outw(port, (uint16_t)value);
	else
		outl(port, value);
	return LO_OK;
}

/* --- System calls (idl/resource.idl) --- */

status_t resource_info(struct resource *resource, struct lo_resource_info *info)
{
	info->kind = resource->kind;
	info->reserved = 0;
	info->base = resource->base;
	info->size = resource->size;
	return LO_OK;
}

status_t resource_port_in(struct resource *resource, uint32_t port, uint32_t width,
			    uint32_t *value)
{
	if (port > 0xffff)
		return LO_ERR_INVALID_ARGS;
	return resource_io_in(resource, (uint16_t)port, width, value);
}

status_t resource_port_out(struct resource *resource, uint32_t port, uint32_t width,
			     uint32_t value)
{
	if (port > 0xffff)
		return LO_ERR_INVALID_ARGS;
	return resource_io_out(resource, (uint16_t)port, width, value);
}

status_t resource_object_counts(struct resource *resource, uint64_t *counts, uint32_t n)
{
	if (resource->kind != LO_RESOURCE_ROOT)
		return LO_ERR_ACCESS_DENIED;
	for (uint32_t i = 0; i < n; i++)
		counts[i] = kobject_live_count(i);
	return LO_OK;
}

status_t resource_memory_stats(struct resource *resource, struct lo_memory_stats *stats)
{
	if (resource->kind != LO_RESOURCE_ROOT)
		return LO_ERR_ACCESS_DENIED;
	struct pmm_stats s;
	pmm_get_stats(&s);
	stats->total_pages = s.total_pages;
	stats->free_pages = s.free_pages;
	return LO_OK;
}

status_t resource_denials(struct resource *resource, struct lo_denial *entries, uint32_t max,
			    uint64_t start, uint32_t *actual, uint64_t *next)
{
	if (resource->kind != LO_RESOURCE_ROOT)
		return LO_ERR_ACCESS_DENIED;
	uint64_t total = denials_recorded();
	uint64_t oldest = total > DENIAL_LOG_SIZE ? total - DENIAL_LOG_SIZE : 0;
	uint64_t i = start < oldest ? oldest : start;
	uint32_t n = 0;
	for (; i < total && n < max; i++) {
		struct denial d;
		if (!denial_get(i, &d))
			continue;
		entries[n].index = i;
		entries[n].process_id = d.process_id;
		entries[n].syscall = d.syscall;
		entries[n].handle = d.handle;
		entries[n].required = d.required;
		entries[n].held = d.held;
		entries[n].missing = d.required & ~d.held;
		entries[n].reserved = 0;
		memcpy(entries[n].program, d.program, sizeof(entries[n].program));
		n++;
	}
	*actual = n;
	*next = i;
	return LO_OK;
}
