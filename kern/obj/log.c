#include "obj/log.h"
#include "obj/kernel_types.h"
#include "arch/x86_64/serial.h"
#include "mm/heap.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "sched/spinlock.h"

static char ring[LOG_RING_SIZE];
static uint64_t written;              /* total bytes ever written */
static struct spinlock ring_lock = SPINLOCK_INIT("log");
static struct log *the_log;

static void log_destroy(struct cap_object *obj)
{
	/* Never reached: the kernel keeps the_log's first reference. */
	(void)obj;
}

static const struct cap_object_ops log_ops = {
	.destroy = log_destroy,
	.on_zero_handles = NULL,
};

status_t log_get(struct log **out)
{
	if (!the_log) {
		struct log *l = kmalloc(sizeof(*l));
		if (!l)
			return LO_ERR_NO_MEMORY;
		kobject_init(&l->obj, LO_TYPE_LOG, &log_ops);
		the_log = l;
		kobject_signal(&l->obj, 0, LO_SIG_LOG_READABLE);
	}
	cap_ref(&the_log->obj.cap);
	*out = the_log;
	return LO_OK;
}

status_t log_write(const char *bytes, uint32_t len)
{
	if (len > LO_LOG_MAX_WRITE)
		return LO_ERR_OUT_OF_RANGE;
	spin_lock(&ring_lock);
	serial_write(bytes, len);
	for (uint32_t i = 0; i < len; i++)
		ring[(written + i) % LOG_RING_SIZE] = bytes[i];
	written += len;
	spin_unlock(&ring_lock);
	return LO_OK;
}

uint32_t log_read(uint64_t *cursor, char *out, uint32_t max)
{
	spin_lock(&ring_lock);
	uint64_t oldest = written > LOG_RING_SIZE ? written - LOG_RING_SIZE : 0;
	if (*cursor < oldest)
		*cursor = oldest;
	uint32_t n = 0;
	while (n < max && *cursor < written) {
		out[n++] = ring[*cursor % LOG_RING_SIZE];
		(*cursor)++;
	}
	spin_unlock(&ring_lock);
	return n;
}

/* --- System calls (idl/log.idl) --- */

status_t k_log_write(struct log *log, const void *text, uint32_t len)
{
	(void)log;
	return log_write(text, len);
}

status_t k_log_read(struct log *log, void *text, uint32_t max, uint64_t cursor,
		    uint32_t *actual, uint64_t *next)
{
	(void)log;
	*actual = log_read(&cursor, text, max);
	*next = cursor;
	return LO_OK;
}
