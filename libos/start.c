/* lo_start: the C entry of every program. Reads the startup message, sets
 * up the heap and the console, runs main(), exits with its result. */
#include "lightos/startup.h"
#include "lightos/heap.h"
#include "lightos/runtime.h"
#include "lightos/policy.h"

int main(void);

static struct lo_startup startup;
lo_process_t lo_self;
lo_log_t lo_log;
lo_job_t lo_job;
lo_clock_t lo_clock;
lo_thread_t lo_main_thread;

lo_job_t lo_job_self(void)
{
	return lo_job;
}

lo_handle_t lo_startup_handle(uint32_t kind)
{
	for (uint32_t i = 0; i < startup.count && i < LO_STARTUP_MAX_ENTRIES; i++) {
		if (startup.entries[i].kind == kind) {
			lo_handle_t h = { startup.entries[i].handle };
			return h;
		}
	}
	return LO_HANDLE_INVALID;
}

const char *lo_startup_args(void)
{
	return startup.args;
}

/* From the parent: one message on the startup channel. */
static status_t read_startup_channel(lo_channel_t ch)
{
	lo_handle_t handles[LO_STARTUP_MAX_ENTRIES];
	struct lo_channel_read_result got;
	status_t st = lo_channel_read(ch, &startup, sizeof(startup), handles, LO_STARTUP_MAX_ENTRIES, &got);
	if (st != LO_OK)
		return st;
	if (got.bytes != sizeof(startup) || startup.magic != LO_STARTUP_MAGIC ||
	    startup.count != got.handles)
		return LO_ERR_BAD_FORMAT;
	/* The values the parent listed are its own; ours are the installed ones,
	 * settled to what our policy grants. */
	char name[LO_IDENTITY_PATH_MAX] = "default";
	for (uint32_t i = 0; i < got.handles; i++) {
		/* Our program is what our identity says we run, not our name. */
		if (startup.entries[i].kind == LO_STARTUP_PROCESS_SELF)
			lo_program_of(lo_process_from(handles[i]), name, sizeof(name));
	}
	for (uint32_t i = 0; i < got.handles; i++) {
		if (startup.entries[i].kind > LO_STARTUP_THREAD_SELF)
			lo_policy_settle(name, startup.entries[i].kind, &handles[i]);
		startup.entries[i].handle = handles[i].value;
	}
	startup.args[LO_STARTUP_MAX_ARGS - 1] = '\0';
	return LO_OK;
}

void lo_start(uint64_t arg0, uint64_t from_parent)
{
	status_t st = LO_OK;
	if (from_parent) {
		lo_channel_t ch = { (uint32_t)arg0 };
		st = read_startup_channel(ch);
		lo_handle_close(lo_channel_handle(ch));
	} else {
		const struct lo_startup *block = (const struct lo_startup *)arg0;
		if (block->magic == LO_STARTUP_MAGIC)
			startup = *block;
		else
			st = LO_ERR_BAD_FORMAT;
	}
	lo_self = lo_process_from(lo_startup_handle(LO_STARTUP_PROCESS_SELF));
	lo_log = lo_log_from(lo_startup_handle(LO_STARTUP_LOG));
	lo_job = lo_job_from(lo_startup_handle(LO_STARTUP_JOB));
	lo_clock = lo_clock_from(lo_startup_handle(LO_STARTUP_CLOCK));
	lo_main_thread = lo_thread_from(lo_startup_handle(LO_STARTUP_THREAD_SELF));
	lo_heap_init(lo_heap_grow_vmo);
	if (st != LO_OK) {
		lo_printf("startup: cannot read the startup message: %s\n", lo_status_name(st));
		lo_exit(127);
	}
	lo_exit(main());
}
