#include "obj/resource.h"
#include "obj/kernel_types.h"
#include "arch/x86_64/multiboot.h"
#include "arch/x86_64/cpu.h"
#include "mm/heap.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "mm/layout.h"
#include "obj/denials.h"

/* IRQ lines the kernel keeps: the timer tick and the PIC cascade. */
#define IRQ_LINES     16
#define KERNEL_IRQS   ((1u << 0) | (1u << 2))

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

/* MMIO must never reach RAM the kernel hands out. */
static bool overlaps_ram(uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < boot_info.region_count; i++) {
		const struct mem_region *m = &boot_info.regions[i];
		if (m->type == MEM_USABLE && base < m->base + m->length && m->base < base + size)
			return true;
	}
	return false;
}

static status_t check_range(uint32_t kind, uint64_t base, uint64_t size)
{
	if (size == 0 || base + size < base)
		return LO_ERR_INVALID_ARGS;
	switch (kind) {
	case LO_RESOURCE_IOPORT:
		return base + size <= 0x10000 ? LO_OK : LO_ERR_OUT_OF_RANGE;
	case LO_RESOURCE_IRQ:
		if (base + size > IRQ_LINES)
			return LO_ERR_OUT_OF_RANGE;
		for (uint64_t l = base; l < base + size; l++) {
			if (KERNEL_IRQS & (1u << l))
				return LO_ERR_ACCESS_DENIED;
		}
		return LO_OK;
	case LO_RESOURCE_MMIO:
		if ((base | size) & (PAGE_SIZE - 1))
			return LO_ERR_INVALID_ARGS;
		return overlaps_ram(base, size) ? LO_ERR_ACCESS_DENIED : LO_OK;
	default:
		return LO_ERR_INVALID_ARGS;
	}
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

status_t resource_port_in(struct resource *r, uint16_t port, uint32_t width, uint32_t *value)
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

status_t resource_port_out(struct resource *r, uint16_t port, uint32_t width, uint32_t value)
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

status_t k_resource_carve(struct resource *parent, uint32_t kind, uint64_t base, uint64_t size,
			  struct resource **child)
{
	return resource_carve(parent, kind, base, size, child);
}

status_t k_resource_info(struct resource *resource, struct lo_resource_info *info)
{
	info->kind = resource->kind;
	info->reserved = 0;
	info->base = resource->base;
	info->size = resource->size;
	return LO_OK;
}

status_t k_resource_port_in(struct resource *resource, uint32_t port, uint32_t width,
			    uint32_t *value)
{
	if (port > 0xffff)
		return LO_ERR_INVALID_ARGS;
	return resource_port_in(resource, (uint16_t)port, width, value);
}

status_t k_resource_port_out(struct resource *resource, uint32_t port, uint32_t width,
			     uint32_t value)
{
	if (port > 0xffff)
		return LO_ERR_INVALID_ARGS;
	return resource_port_out(resource, (uint16_t)port, width, value);
}

status_t k_resource_object_counts(struct resource *resource, uint64_t *counts, uint32_t n)
{
	if (resource->kind != LO_RESOURCE_ROOT)
		return LO_ERR_ACCESS_DENIED;
	for (uint32_t i = 0; i < n; i++)
		counts[i] = kobject_live_count(i);
	return LO_OK;
}

status_t k_resource_denials(struct resource *resource, struct lo_denial *entries, uint32_t max,
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
		n++;
	}
	*actual = n;
	*next = i;
	return LO_OK;
}
