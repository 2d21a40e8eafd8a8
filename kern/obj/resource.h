/* Resources: authority over hardware. The root resource (given to init at
 * boot) can carve device resources: a range of I/O ports, an IRQ line, or
 * an MMIO range. A device resource can carve only sub-ranges of itself.
 * I/O ports are reached through system calls on an I/O-port resource; an
 * MMIO resource yields a physical VMO; an IRQ resource binds an interrupt. */
#ifndef KERN_OBJ_RESOURCE_H
#define KERN_OBJ_RESOURCE_H

#include <stdint.h>
#include <stdbool.h>
#include "status.h"
#include "lightos/abi.h"
#include "obj/kobject.h"
#include "k_objects.h"   /* generated: the system calls this object implements */

struct resource {
	struct kobject obj;
	uint32_t kind;                 /* LO_RESOURCE_* (idl/resource.idl) */
	uint64_t base, size;
};

status_t resource_create_root(struct resource **out);
/* resource_carve(): prototype in the generated k_objects.h */
/* True when [base, base+size) of `kind` lies inside r. */
bool resource_covers(const struct resource *r, uint32_t kind, uint64_t base, uint64_t size);

/* Port I/O on behalf of a driver: width 1, 2 or 4 bytes. */
status_t resource_io_in(struct resource *r, uint16_t port, uint32_t width, uint32_t *value);
status_t resource_io_out(struct resource *r, uint16_t port, uint32_t width, uint32_t value);

#endif
