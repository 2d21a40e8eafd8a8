/* child: the program the user-space suite spawns to play the other side.
 * Its argument says what to do:
 *   exit N   exit with code N
 *   crash    write to address 0 (page fault)
 *   divide   divide by zero
 *   ud2      execute an invalid opcode
 *   cli      execute a privileged instruction
 *   echo     send every message on the startup channel back, handles too,
 *            until the other end closes; then exit 0
 *   hold     say "ready" on the startup channel, then block forever
 *   hog      fill VMOs until the kernel says NO_MEMORY; exit 0 if it did
 *   handles  send the list of its handles (struct lo_handle_entry) back
 *   unmap_loop  map a 1 GiB VMO, touch a page, unmap it, over and over; says
 *            "ready" after the first round (the parent kills it meanwhile) */
#include "lightos/runtime.h"
#include "lightos/startup.h"

static int parse_int(const char *s)
{
	int v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static int echo(lo_channel_t ch)
{
	static char buf[65536];
	lo_handle_t handles[64];
	for (;;) {
		uint32_t observed;
		status_t st = lo_handle_wait_one(lo_channel_handle(ch),
						 LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED,
						 UINT64_MAX, &observed);
		if (st != LO_OK)
			return 1;
		struct lo_channel_read_result got;
		st = lo_channel_read(ch, buf, sizeof(buf), handles, 64, &got);
		if (st == LO_ERR_PEER_CLOSED)
			return 0;
		if (st == LO_ERR_SHOULD_WAIT)
			continue;
		if (st != LO_OK)
			return 2;
		if (lo_channel_write(ch, buf, got.bytes, handles, got.handles) != LO_OK)
			return 3;
	}
}

int main(void)
{
	const char *args = lo_startup_args();
	lo_channel_t ch = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	if (lo_strncmp(args, "exit ", 5) == 0)
		return parse_int(args + 5);
	if (lo_strcmp(args, "crash") == 0)
		*(volatile int *)0 = 1;
	if (lo_strcmp(args, "divide") == 0) {
		volatile int zero = 0;
		return 10 / zero;
	}
	if (lo_strcmp(args, "ud2") == 0)
		__asm__ volatile("ud2");
	if (lo_strcmp(args, "cli") == 0)
		__asm__ volatile("cli");
	if (lo_strcmp(args, "echo") == 0)
		return echo(ch);
	if (lo_strcmp(args, "hold") == 0) {
		lo_event_t never;
		uint32_t observed;
		lo_channel_write(ch, "ready", 5, NULL, 0);
		lo_event_create(&never);
		lo_handle_wait_one(lo_event_handle(never), LO_SIG_EVENT_SIGNALED, UINT64_MAX, &observed);
		return 4;
	}
	if (lo_strcmp(args, "handles") == 0) {
		struct lo_handle_entry e[16];
		uint32_t actual = 0, next = 0;
		lo_process_t self = lo_process_from(lo_startup_handle(LO_STARTUP_PROCESS_SELF));
		if (lo_process_list_handles(self, e, 16, 0, &actual, &next) != LO_OK)
			return 8;
		return lo_channel_write(ch, e, actual * (uint32_t)sizeof(e[0]), NULL, 0) == LO_OK ? 0 : 9;
	}
	if (lo_strcmp(args, "hog") == 0) {
		/* 1 GiB VMOs, one byte per page, until memory runs out. */
		for (int i = 0; i < 64; i++) {
			lo_vmo_t v;
			if (lo_vmo_create(1ull << 30, &v) != LO_OK)
				return 5;
			for (uint64_t off = 0; off < (1ull << 30); off += 4096) {
				status_t st = lo_vmo_write(v, "x", off, 1);
				if (st == LO_ERR_NO_MEMORY)
					return 0;
				if (st != LO_OK)
					return 6;
			}
		}
		return 7;
	}
	if (lo_strcmp(args, "unmap_loop") == 0) {
		lo_vmo_t v;
		if (lo_vmo_create(1ull << 30, &v) != LO_OK)
			return 10;
		for (int round = 0;; round++) {
			struct lo_map_request req = { 0, 0, 1ull << 30, LO_MAP_WRITE, 0 };
			uint64_t addr = 0;
			if (lo_process_map(lo_self, v, &req, &addr) != LO_OK)
				return 11;
			*(volatile char *)(uintptr_t)(addr + (uint64_t)(round % 512) * 2097152) = 1;
			if (lo_process_unmap(lo_self, addr, 1ull << 30) != LO_OK)
				return 12;
			if (round == 0)
				lo_channel_write(ch, "ready", 5, NULL, 0);
		}
	}
	lo_printf("child: unknown mode '%s'\n", args);
	return 99;
}
