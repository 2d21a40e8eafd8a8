/*
 * The inside of a handle table (handle_table.c), for the table's own code
 * and the system-call fast paths that run one check under its lock
 * (cap_sys_lookup_hold in handle_table.h). Nothing else reads slots.
 *
 * A handle value is mix(generation << 16 | slot index). mix() is a
 * bijection on 32-bit values built from steps that each map 0 to 0
 * (multiply by an odd number, x ^= x >> 16), keyed by the table's secret,
 * so no valid handle (index >= 1) encodes to 0 and decoding is exact.
 */
#ifndef CAP_HANDLE_SLOT_H
#define CAP_HANDLE_SLOT_H

#define CAP_INDEX_BITS 16
#define CAP_INDEX_MASK 0xffffu

struct cap_slot {
	struct cap_object *obj;   /* NULL when free */
	rights_t rights;          /* when free: index of the next free slot */
	uint16_t generation;      /* bumped each time the slot is freed */
	uint16_t reserved;
	struct cap_revoke_node *node;   /* counted; NULL: not revocable (revoke.h) */
};

static inline cap_handle_t cap_slot_encode(const struct cap_table *t, uint32_t index, uint16_t gen)
{
	uint32_t v = ((uint32_t)gen << CAP_INDEX_BITS) | index;
	v *= t->mix[0];
	v ^= v >> 16;
	v *= t->mix[1];
	return v;
}

static inline uint32_t cap_slot_decode(const struct cap_table *t, cap_handle_t h)
{
	uint32_t v = h;
	v *= t->mix[3];
	v ^= v >> 16;   /* its own inverse on 32 bits */
	v *= t->mix[2];
	return v;
}

/* The live slot a handle names, or NULL. Lock held. */
static inline __attribute__((always_inline)) struct cap_slot *
cap_slot_resolve(struct cap_table *t, cap_handle_t h, uint32_t *index_out)
{
	if (h == CAP_HANDLE_INVALID)
		return NULL;
	uint32_t raw = cap_slot_decode(t, h);
	uint32_t index = raw & CAP_INDEX_MASK;
	if (index == 0 || index >= t->capacity)
		return NULL;
	struct cap_slot *s = &t->slots[index];
	if (!s->obj || s->generation != (uint16_t)(raw >> CAP_INDEX_BITS))
		return NULL;
	if (index_out)
		*index_out = index;
	return s;
}

/* A lookup's checks, in their order (handle_table.h, cap_lookup): the
 * slot, or NULL with *st the error. Lock held. */
static inline __attribute__((always_inline)) struct cap_slot *
cap_slot_check(struct cap_table *t, cap_handle_t h, uint32_t type, rights_t required,
	       rights_t *out_rights, status_t *st)
{
	struct cap_slot *s = cap_slot_resolve(t, h, NULL);
	if (!s) {
		*st = LO_ERR_BAD_HANDLE;
		return NULL;
	}
	if (s->node && cap_revoked(s->node)) {
		*st = LO_ERR_REVOKED;
		return NULL;
	}
	if (type != CAP_TYPE_ANY && s->obj->type != type) {
		*st = LO_ERR_WRONG_TYPE;
		return NULL;
	}
	if (out_rights)
		*out_rights = s->rights;
	if (!rights_has(s->rights, required)) {
		*st = LO_ERR_ACCESS_DENIED;
		return NULL;
	}
	*st = LO_OK;
	return s;
}

#endif
