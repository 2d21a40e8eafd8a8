/* The clock object: time since boot, read through a handle (idl/clock.idl). */
#ifndef KERN_OBJ_CLOCK_H
#define KERN_OBJ_CLOCK_H

#include "obj/kobject.h"

struct clock;
/* The one clock, made on first use; the kernel holds a reference for good. */
struct clock *clock_object(void);

#endif
