/* Calls that name no object. */
#include "obj/kernel_types.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */

status_t system_null(void)
{
	return LO_OK;
}
