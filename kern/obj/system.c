/* Calls that name no object. */
#include "obj/kernel_types.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "sched/clock.h"

status_t system_null(void)
{
	return LO_OK;
}

status_t system_clock_get(uint64_t *now)
{
	*now = clock_ns();
	return LO_OK;
}
