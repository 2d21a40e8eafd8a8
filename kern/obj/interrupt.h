/* Interrupt objects: a user-space driver's view of one IRQ line. When the
 * line fires, the kernel masks it and raises SIGNALED; the driver waits,
 * services the device, and acks, which clears SIGNALED and unmasks. One
 * object per line at a time. */
#ifndef KERN_OBJ_INTERRUPT_H
#define KERN_OBJ_INTERRUPT_H

#include <stdint.h>
#include "status.h"
#include "obj/kobject.h"
#include "obj/resource.h"

struct interrupt {
	struct kobject obj;
	uint32_t line;
	uint64_t count;          /* times it fired */
};

/* Bind `line`, which `irq_resource` must cover. LO_ERR_ALREADY_EXISTS if bound. */
status_t interrupt_create(struct resource *irq_resource, uint32_t line, struct interrupt **out);
status_t interrupt_ack(struct interrupt *i);

#endif
