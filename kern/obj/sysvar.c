#include "obj/sysvar.h"
#include "obj/kernel_types.h"
#include "mm/heap.h"
#include "obj/job.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "lib/string.h"

static void sysvar_destroy(struct cap_object *obj)
{
	kobject_count_destroyed(LO_TYPE_SYSVAR);
	kobject_uncharge(kobject_of(obj));
	kfree(obj);
}

static const struct cap_object_ops sysvar_ops = {
	.destroy = sysvar_destroy,
	.on_zero_handles = NULL,
};

status_t sysvar_alloc(uint32_t kind, struct sysvar **sysvar)
{
	if (kind != LO_SYSVAR_U64 && kind != LO_SYSVAR_STRING)
		return LO_ERR_INVALID_ARGS;
	struct sysvar *v = kmalloc(sizeof(*v));
	if (!v)
		return LO_ERR_NO_MEMORY;
	kobject_init(&v->obj, LO_TYPE_SYSVAR, &sysvar_ops);
	v->kind = kind;
	*sysvar = v;
	return LO_OK;
}

status_t sysvar_set_u64(struct sysvar *sysvar, uint64_t value)
{
	if (sysvar->kind != LO_SYSVAR_U64)
		return LO_ERR_WRONG_TYPE;
	spin_lock(&sysvar->obj.lock);
	sysvar->number = value;
	kobject_signal_locked(&sysvar->obj, 0, LO_SIG_SYSVAR_CHANGED);
	spin_unlock(&sysvar->obj.lock);
	return LO_OK;
}

status_t sysvar_get_u64(struct sysvar *sysvar, uint64_t *value)
{
	if (sysvar->kind != LO_SYSVAR_U64)
		return LO_ERR_WRONG_TYPE;
	spin_lock(&sysvar->obj.lock);
	*value = sysvar->number;
	spin_unlock(&sysvar->obj.lock);
	return LO_OK;
}

status_t sysvar_set_string(struct sysvar *sysvar, const void *text, uint32_t len)
{
	if (sysvar->kind != LO_SYSVAR_STRING)
		return LO_ERR_WRONG_TYPE;
	if (len > LO_SYSVAR_STRING_MAX)
		return LO_ERR_OUT_OF_RANGE;
	spin_lock(&sysvar->obj.lock);
	memcpy(sysvar->string, text, len);
	sysvar->length = len;
	kobject_signal_locked(&sysvar->obj, 0, LO_SIG_SYSVAR_CHANGED);
	spin_unlock(&sysvar->obj.lock);
	return LO_OK;
}

status_t sysvar_get_string(struct sysvar *sysvar, void *text, uint32_t max, uint32_t *length)
{
	if (sysvar->kind != LO_SYSVAR_STRING)
		return LO_ERR_WRONG_TYPE;
	spin_lock(&sysvar->obj.lock);
	*length = sysvar->length;
	status_t st = sysvar->length > max ? LO_ERR_BUFFER_TOO_SMALL : LO_OK;
	if (st == LO_OK)
		memcpy(text, sysvar->string, sysvar->length);
	spin_unlock(&sysvar->obj.lock);
	return st;
}

/* --- System calls (idl/sysvar.idl) --- */

/* Charged to job: one object now; its memory as it grows. */
status_t sysvar_create(struct job *job, uint32_t kind, struct sysvar **sysvar)
{
	status_t st = job_charge_objects(job, 1);
	if (st != LO_OK)
		return st;
	st = sysvar_alloc(kind, sysvar);
	if (st != LO_OK) {
		job_uncharge_objects(job, 1);
		return st;
	}
	kobject_charged(&(*sysvar)->obj, job);
	return LO_OK;
}
