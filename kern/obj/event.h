/* Events: an object with nothing but signals, for processes to signal one
 * another (through the generic signal call). */
#ifndef KERN_OBJ_EVENT_H
#define KERN_OBJ_EVENT_H

#include "status.h"
#include "obj/kobject.h"

struct event {
	struct kobject obj;
};

status_t event_create(struct event **out);

#endif
