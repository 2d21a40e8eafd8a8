/* kprintf: format into a stack buffer, write to the serial console.
 * A spinlock keeps lines from different CPUs or interrupts whole. */
#include "lib/printf.h"
#include "arch/x86_64/serial.h"
#include "sched/spinlock.h"

static struct spinlock console_lock = SPINLOCK_INIT("console");

int vkprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	spin_lock(&console_lock);
	serial_write(buf, len);
	spin_unlock(&console_lock);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}
