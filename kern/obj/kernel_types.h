/* The kernel's view of the IDL-generated constants: type ids, rights,
 * signals, structs and system-call numbers (build/gen/include/lightos/abi.h). */
#ifndef KERN_OBJ_KERNEL_TYPES_H
#define KERN_OBJ_KERNEL_TYPES_H

#include "lightos/abi.h"

#endif
