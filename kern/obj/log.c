#include "obj/log.h"
#include "obj/kernel_types.h"
#include "arch/x86_64/serial.h"
#include "mm/heap.h"
#include "k_objects.h"   /* generated: the prototypes this file implements */
#include "sched/spinlock.h"

/* Positions count every byte ever written. The ring holds the last
 * LOG_RING_SIZE of them; `shown` is how far the console has shown (the
 * kernel's own UART output before init, then the logger's reports). */
static char ring[LOG_RING_SIZE];
static uint64_t written;
static uint64_t shown;
static uint64_t lost;                 /* overwritten before shown */
static struct spinlock ring_lock = SPINLOCK_INIT("log");
static struct log *the_log;
static int kernel_owns_uart = 1;      /* until init starts, or again on panic */
static int emergency;
static unsigned long uart_at_handover;

static void log_destroy(struct cap_object *obj)
{
	/* Never reached: the kernel keeps the_log's first reference. */
	(void)obj;
}

static const struct cap_object_ops log_ops = {
	.destroy = log_destroy,
	.on_zero_handles = NULL,
};

static uint64_t oldest(void)
{
	return written > LOG_RING_SIZE ? written - LOG_RING_SIZE : 0;
}

/* READABLE while the console is behind, DRAINED once it caught up.
 * Called with ring_lock held, so the two never disagree with the counts. */
static void update_signals(void)
{
	if (!the_log)
		return;
	if (shown < written)
		kobject_signal(&the_log->obj, LO_SIG_LOG_DRAINED, LO_SIG_LOG_READABLE);
	else
		kobject_signal(&the_log->obj, LO_SIG_LOG_READABLE, LO_SIG_LOG_DRAINED);
}

status_t log_get(struct log **out)
{
	if (!the_log) {
		struct log *l = kmalloc(sizeof(*l));
		if (!l)
			return LO_ERR_NO_MEMORY;
		kobject_init(&l->obj, LO_TYPE_LOG, &log_ops);
		spin_lock(&ring_lock);
		the_log = l;
		update_signals();
		spin_unlock(&ring_lock);
	}
	cap_ref(&the_log->obj.cap);
	*out = the_log;
	return LO_OK;
}

/* Append with ring_lock held. Bytes the console had not shown yet and
 * that fall out of the ring are counted as lost. */
static void append(const char *bytes, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		ring[(written + i) % LOG_RING_SIZE] = bytes[i];
	written += len;
	if (shown < oldest()) {
		lost += oldest() - shown;
		shown = oldest();
	}
}

status_t log_append(const char *bytes, uint32_t len)
{
	if (len > LO_LOG_MAX_WRITE)
		return LO_ERR_OUT_OF_RANGE;
	spin_lock(&ring_lock);
	append(bytes, len);
	if (kernel_owns_uart) {
		/* Before init (never, for programs) or while dying: no logger. */
		serial_write(bytes, len);
		shown = written;
	}
	update_signals();
	spin_unlock(&ring_lock);
	return LO_OK;
}

void log_kernel_write(const char *bytes, uint32_t len)
{
	if (emergency) {
		/* Panicking: the lock may be what broke. */
		serial_write(bytes, len);
		return;
	}
	while (len > 0) {
		uint32_t n = len < LO_LOG_MAX_WRITE ? len : LO_LOG_MAX_WRITE;
		log_append(bytes, n);
		bytes += n;
		len -= n;
	}
}

void log_handover(void)
{
	spin_lock(&ring_lock);
	kernel_owns_uart = 0;
	uart_at_handover = serial_bytes_written();
	spin_unlock(&ring_lock);
}

void log_emergency(void)
{
	if (emergency)
		return;
	emergency = 1;
	kernel_owns_uart = 1;
	uint64_t from = shown < oldest() ? oldest() : shown;
	if (from < written) {
		static const char head[] = "\n--- kernel log not yet on the console ---\n";
		serial_write(head, sizeof(head) - 1);
		for (uint64_t p = from; p < written; p++)
			serial_write(&ring[p % LOG_RING_SIZE], 1);
		static const char tail[] = "\n--- end of kernel log ---\n";
		serial_write(tail, sizeof(tail) - 1);
	}
	shown = written;
}

uint32_t log_read_at(uint64_t *cursor, char *out, uint32_t max)
{
	spin_lock(&ring_lock);
	if (*cursor < oldest())
		*cursor = oldest();
	uint32_t n = 0;
	while (n < max && *cursor < written) {
		out[n++] = ring[*cursor % LOG_RING_SIZE];
		(*cursor)++;
	}
	spin_unlock(&ring_lock);
	return n;
}

/* --- System calls (idl/log.idl) --- */

status_t log_write(struct log *log, const void *text, uint32_t len)
{
	(void)log;
	return log_append(text, len);
}

status_t log_read(struct log *log, void *text, uint32_t max, uint64_t cursor,
		    uint32_t *actual, uint64_t *next)
{
	(void)log;
	*actual = log_read_at(&cursor, text, max);
	*next = cursor;
	return LO_OK;
}

status_t log_info(struct log *log, struct lo_log_info *info)
{
	(void)log;
	spin_lock(&ring_lock);
	info->written = written;
	info->oldest = oldest();
	info->shown = shown;
	info->lost = lost;
	info->ring_size = LOG_RING_SIZE;
	info->kernel_uart_bytes = kernel_owns_uart ? 0 : serial_bytes_written() - uart_at_handover;
	spin_unlock(&ring_lock);
	return LO_OK;
}

status_t log_shown(struct log *log, uint64_t position)
{
	(void)log;
	spin_lock(&ring_lock);
	status_t st = LO_OK;
	if (position > written)
		st = LO_ERR_OUT_OF_RANGE;
	else if (position > shown)
		shown = position;
	update_signals();
	spin_unlock(&ring_lock);
	return st;
}
