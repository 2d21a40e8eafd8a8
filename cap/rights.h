/*
 * Rights: a 32-bit mask carried by every handle.
 * Bits 0..15 are generic rights, meaningful for every object type.
 * Bits 16..31 are type-specific rights, declared per type in idl/<type>.idl.
 * No operation ever adds a right to a handle: duplicate and replace take a
 * subset, transfer keeps the set unchanged.
 * gen/ reads the LO_RIGHT_* lines below (one "#define NAME (value)" per line).
 */
#ifndef CAP_RIGHTS_H
#define CAP_RIGHTS_H

#include <stdint.h>
#include <stdbool.h>

typedef uint32_t rights_t;

#define LO_RIGHT_NONE       (0u)
#define LO_RIGHT_DUPLICATE  (1u << 0)   /* may be duplicated */
#define LO_RIGHT_TRANSFER   (1u << 1)   /* may be sent in a channel message */
#define LO_RIGHT_READ       (1u << 2)   /* may read data or state */
#define LO_RIGHT_WRITE      (1u << 3)   /* may write data or state */
#define LO_RIGHT_EXECUTE    (1u << 4)   /* may be mapped executable / run */
#define LO_RIGHT_MAP        (1u << 5)   /* may be mapped into an address space */
#define LO_RIGHT_SIGNAL     (1u << 6)   /* may set or clear user signals */
#define LO_RIGHT_WAIT       (1u << 7)   /* may wait on its signals */
#define LO_RIGHT_INSPECT    (1u << 8)   /* may read object info (type, counts, id) */
#define LO_RIGHT_MANAGE     (1u << 9)   /* may change properties / configure */
#define LO_RIGHT_DESTROY    (1u << 10)  /* may kill / destroy the object for all */

#define LO_RIGHTS_GENERIC_MASK  (0x0000ffffu)
#define LO_RIGHTS_TYPE_MASK     (0xffff0000u)
#define LO_RIGHTS_ALL           (0xffffffffu)

/* True when every right in `required` is present in `held`. */
static inline bool rights_has(rights_t held, rights_t required)
{
	return (held & required) == required;
}

/* True when `sub` grants nothing outside `super`. */
static inline bool rights_is_subset(rights_t sub, rights_t super)
{
	return (sub & ~super) == 0;
}

#endif
