/* Console, errors, exit, time and the VMO-backed heap. printf and the
 * string functions are the kernel's own (kern/lib), compiled in here too. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "status.h"

int lo_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int lo_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int lo_vprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	uint32_t len = n < (int)sizeof(buf) ? (uint32_t)n : sizeof(buf) - 1;
	lo_log_write(lo_log, buf, len);
	return n;
}

int lo_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = lo_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void lo_exit(int code)
{
	lo_process_exit(lo_self, code);
	/* process_exit does not return; if the call itself failed, stop here. */
	for (;;)
		lo_thread_exit(lo_main_thread);
}

void *lo_heap_grow_vmo(size_t size)
{
	lo_vmo_t vmo;
	if (lo_vmo_create(lo_job_self(), size, &vmo) != LO_OK)
		return NULL;
	struct lo_map_request req = { 0, 0, size, LO_MAP_WRITE, 0 };
	uint64_t addr = 0;
	status_t st = lo_process_map(lo_self, vmo, &req, &addr);
	lo_handle_close(lo_vmo_handle(vmo));   /* the mapping keeps the VMO */
	return st == LO_OK ? (void *)addr : NULL;
}

status_t lo_vmo_write_all(lo_vmo_t vmo, const void *src, uint64_t offset, uint64_t len)
{
	const uint8_t *p = src;
	for (uint64_t done = 0; done < len;) {
		uint32_t n = len - done > LO_VMO_MAX_IO ? LO_VMO_MAX_IO : (uint32_t)(len - done);
		status_t st = lo_vmo_write(vmo, p + done, offset + done, n);
		if (st != LO_OK)
			return st;
		done += n;
	}
	return LO_OK;
}

uint64_t lo_deadline_after_ms(uint64_t ms)
{
	return lo_now() + ms * 1000000ull;
}

size_t lo_strlen(const char *s) { return strlen(s); }
int lo_strcmp(const char *a, const char *b) { return strcmp(a, b); }
int lo_strncmp(const char *a, const char *b, size_t n) { return strncmp(a, b, n); }
void *lo_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *lo_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }
int lo_memcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }
