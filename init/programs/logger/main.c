/* logger: the kernel log's way to the console. The kernel writes only to
 * its log ring once init runs (docs/bootstrap.md); this program reads the
 * ring and writes it through the console driver's logger channel, then
 * tells the kernel how far the console has shown (log_shown), which is
 * what init waits for before it ends a test run and what a panic dump
 * starts from. Startup handles, as init/system.policy grants them:
 * LO_STARTUP_LOG (READ, WAIT, INSPECT, CONSOLE) and LO_STARTUP_CHANNEL
 * (the file protocol to the console driver). */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/protocols.h"

static lo_channel_t console;

static int console_write(const char *s, uint32_t n)
{
	int32_t status;
	uint32_t written = 0;
	return lo_file_write(console, s, n, &status, &written) == LO_OK && status == LO_OK;
}

/* Say so when the ring overwrote bytes before we could show them. */
static void report_lost(uint64_t count)
{
	char buf[64];
	int n = lo_snprintf(buf, sizeof(buf), "\n[log: %lu bytes lost]\n", (unsigned long)count);
	console_write(buf, (uint32_t)n);
}

int main(void)
{
	console = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	struct lo_log_info info;
	if (lo_log_info(lo_log, &info) != LO_OK)
		return 1;
	uint64_t cursor = info.shown;   /* the kernel showed the boot messages itself */
	for (;;) {
		char buf[1024];
		uint32_t got = 0;
		uint64_t next = cursor;
		if (lo_log_read(lo_log, buf, sizeof(buf), cursor, &got, &next) != LO_OK)
			return 2;
		if (got == 0) {
			uint32_t observed;
			if (lo_handle_wait_one(lo_log_handle(lo_log), LO_SIG_LOG_READABLE, UINT64_MAX,
					       &observed) != LO_OK)
				return 3;
			continue;
		}
		if (next - got > cursor)
			report_lost(next - got - cursor);
		if (!console_write(buf, got))
			return 4;   /* the console driver is gone: nothing to show on */
		cursor = next;
		lo_log_shown(lo_log, cursor);
	}
}
