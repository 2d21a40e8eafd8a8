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
#include "k_objects.h"   /* generated: the system calls this object implements */

struct interrupt {
	struct kobject obj;
	uint32_t line;
	uint64_t count;          /* times it fired */
};

/* Bind `line`, which `irq_resource` must cover. LO_ERR_ALREADY_EXISTS if bound. */
/* interrupt_create(): prototype in the generated k_objects.h */
/* interrupt_ack(): prototype in the generated k_objects.h */

#endif
