/* kprintf: format into a stack buffer and hand it to the kernel log
 * (kern/obj/log.c), which decides where it goes: the UART while the kernel
 * owns it (boot, panic), otherwise only the ring the logger program reads.
 * The log's lock keeps lines from different CPUs or interrupts whole. */
#include "lib/printf.h"
#include "obj/log.h"

int vkprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	log_kernel_write(buf, (uint32_t)len);
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
