/* Events: an object with nothing but signals, for processes to signal one
 * another (through the generic signal call). */
#ifndef KERN_OBJ_EVENT_H
#define KERN_OBJ_EVENT_H

#include "status.h"
#include "obj/kobject.h"
#include "k_objects.h"   /* generated: the system calls this object implements */

struct event {
	struct kobject obj;
};

/* A new event, charged to no job (the kernel's own); event_create() in k_objects.h */
status_t event_alloc(struct event **event);

#endif
