/* Success paths and documented errors of the object calls. */
#include "lightos/startup.h"
#include "utest.h"

static void test_handle_duplicate_replace_close(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t h = lo_event_handle(e);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(h, &info), LO_OK);
	CHECK(info.type == LO_TYPE_EVENT);
	CHECK(info.rights == LO_DEFAULT_RIGHTS_EVENT);
	CHECK(info.handle_count == 1 && info.refcount == 1);
	uint32_t dup = 0;
	CHECK_ST(lo_handle_duplicate(h, LO_RIGHT_WAIT | LO_RIGHT_INSPECT, &dup), LO_OK);
	CHECK_ST(lo_handle_info(h, &info), LO_OK);
	CHECK(info.handle_count == 2 && info.refcount == 2);
	/* Rights never grow: not through duplicate, not through replace. */
	uint32_t x = 0;
	CHECK_ST(lo_handle_duplicate((lo_handle_t){ dup }, LO_RIGHT_WAIT, &x), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_handle_duplicate(h, LO_RIGHT_MAP, &x), LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_handle_replace((lo_handle_t){ dup }, LO_RIGHT_WAIT | LO_RIGHT_SIGNAL, &x),
		 LO_ERR_INVALID_ARGS);
	uint32_t replaced = 0;
	CHECK_ST(lo_handle_replace((lo_handle_t){ dup }, LO_RIGHT_WAIT, &replaced), LO_OK);
	CHECK_ST(lo_handle_info((lo_handle_t){ dup }, &info), LO_ERR_BAD_HANDLE);
	/* The replacement lacks INSPECT now. */
	CHECK_ST(lo_handle_info((lo_handle_t){ replaced }, &info), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_handle_close((lo_handle_t){ replaced }), LO_OK);
	CHECK_ST(lo_handle_close((lo_handle_t){ replaced }), LO_ERR_BAD_HANDLE);
	CHECK_ST(lo_handle_close(LO_HANDLE_INVALID), LO_ERR_BAD_HANDLE);
	CHECK_ST(lo_handle_close((lo_handle_t){ 0x12345678 }), LO_ERR_BAD_HANDLE);
	CHECK_ST(lo_handle_close(h), LO_OK);
}

static void test_signal_user_bits_only(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	lo_handle_t h = lo_event_handle(e);
	CHECK_ST(lo_handle_signal(h, 0, LO_SIG_EVENT_SIGNALED), LO_OK);
	struct lo_object_info info;
	CHECK_ST(lo_handle_info(h, &info), LO_OK);
	CHECK(info.signals == LO_SIG_EVENT_SIGNALED);
	CHECK_ST(lo_handle_signal(h, 0, 1u), LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_handle_signal(h, LO_SIG_EVENT_SIGNALED, 0), LO_OK);
	CHECK_ST(lo_handle_info(h, &info), LO_OK);
	CHECK(info.signals == 0);
	lo_handle_close(h);
}

static void test_vmo(void)
{
	lo_vmo_t v;
	CHECK_ST(lo_vmo_create(lo_job_self(), 10000, &v), LO_OK);
	uint64_t size = 0;
	CHECK_ST(lo_vmo_get_size(v, &size), LO_OK);
	CHECK(size == 10000);   /* exact; mappings cover whole pages */
	char buf[64];
	lo_memset(buf, 0x55, sizeof(buf));
	CHECK_ST(lo_vmo_read(v, buf, 100, sizeof(buf)), LO_OK);   /* unbacked reads zero */
	CHECK(buf[0] == 0 && buf[63] == 0);
	CHECK_ST(lo_vmo_write(v, "capability", 4090, 10), LO_OK);   /* across a page */
	CHECK_ST(lo_vmo_read(v, buf, 4090, 10), LO_OK);
	CHECK(lo_memcmp(buf, "capability", 10) == 0);
	CHECK_ST(lo_vmo_read(v, buf, 9990, 16), LO_ERR_OUT_OF_RANGE);
	CHECK_ST(lo_vmo_read(v, buf, 0, 65537), LO_ERR_OUT_OF_RANGE);
	CHECK_ST(lo_vmo_read(v, (void *)0x10, 0, 8), LO_ERR_FAULT);
	CHECK_ST(lo_vmo_read(v, (void *)0xffff800000000000ull, 0, 8), LO_ERR_FAULT);
	CHECK_ST(lo_vmo_write(v, (void *)0x10, 0, 8), LO_ERR_FAULT);
	CHECK_ST(lo_vmo_set_size(v, 4096), LO_OK);
	CHECK_ST(lo_vmo_read(v, buf, 4090, 10), LO_ERR_OUT_OF_RANGE);
	CHECK_ST(lo_vmo_create(lo_job_self(), (1ull << 30) + 1, &v), LO_ERR_OUT_OF_RANGE);
	lo_handle_close(lo_vmo_handle(v));
}

static void test_vmo_map(void)
{
	lo_vmo_t v;
	CHECK_ST(lo_vmo_create(lo_job_self(), 8192, &v), LO_OK);
	struct lo_map_request req = { 0, 0, 8192, LO_MAP_WRITE, 0 };
	uint64_t addr = 0;
	CHECK_ST(lo_process_map(lo_self, v, &req, &addr), LO_OK);
	volatile uint32_t *p = (volatile uint32_t *)addr;
	p[0] = 0xfeedface;         /* faulted in lazily */
	p[1024] = 0xdeadbeef;      /* the second page */
	uint32_t got = 0;
	CHECK_ST(lo_vmo_read(v, &got, 0, 4), LO_OK);
	CHECK(got == 0xfeedface);
	/* W^X, exact unmap, overlap. */
	struct lo_map_request wx = { 0, 0, 4096, LO_MAP_WRITE | LO_MAP_EXEC, 0 };
	CHECK_ST(lo_process_map(lo_self, v, &wx, &addr), LO_ERR_INVALID_ARGS);
	struct lo_map_request over = { addr, 0, 4096, 0, 0 };
	uint64_t a2;
	CHECK_ST(lo_process_map(lo_self, v, &over, &a2), LO_ERR_ALREADY_EXISTS);
	CHECK_ST(lo_process_unmap(lo_self, addr, 4096), LO_ERR_INVALID_ARGS);
	CHECK_ST(lo_process_protect(lo_self, addr, 8192, 0), LO_OK);
	CHECK_ST(lo_process_unmap(lo_self, addr, 8192), LO_OK);
	CHECK_ST(lo_process_unmap(lo_self, addr, 8192), LO_ERR_NOT_FOUND);
	/* A read-only handle cannot be mapped writable, nor protected to it. */
	lo_vmo_t ro = lo_vmo_from(utest_dup(lo_vmo_handle(v), LO_RIGHT_READ | LO_RIGHT_MAP));
	CHECK_ST(lo_process_map(lo_self, ro, &req, &addr), LO_ERR_ACCESS_DENIED);
	struct lo_map_request rreq = { 0, 0, 4096, 0, 0 };
	CHECK_ST(lo_process_map(lo_self, ro, &rreq, &addr), LO_OK);
	CHECK_ST(lo_process_protect(lo_self, addr, 4096, LO_MAP_WRITE), LO_ERR_ACCESS_DENIED);
	CHECK(*(volatile uint32_t *)addr == 0xfeedface);
	CHECK_ST(lo_process_unmap(lo_self, addr, 4096), LO_OK);
	lo_handle_close(lo_vmo_handle(ro));
	lo_handle_close(lo_vmo_handle(v));
}

static void test_sysvar(void)
{
	lo_sysvar_t n, s;
	CHECK_ST(lo_sysvar_create(lo_job_self(), LO_SYSVAR_U64, &n), LO_OK);
	CHECK_ST(lo_sysvar_create(lo_job_self(), LO_SYSVAR_STRING, &s), LO_OK);
	CHECK_ST(lo_sysvar_create(lo_job_self(), 7, &s), LO_ERR_INVALID_ARGS);
	uint64_t v = 9;
	CHECK_ST(lo_sysvar_set_u64(n, 1234), LO_OK);
	CHECK_ST(lo_sysvar_get_u64(n, &v), LO_OK);
	CHECK(v == 1234);
	CHECK_ST(lo_sysvar_set_string(s, "hello", 5), LO_OK);
	char buf[16];
	uint32_t len = 0;
	CHECK_ST(lo_sysvar_get_string(s, buf, 2, &len), LO_ERR_BUFFER_TOO_SMALL);
	CHECK(len == 5);
	CHECK_ST(lo_sysvar_get_string(s, buf, sizeof(buf), &len), LO_OK);
	CHECK(len == 5 && lo_memcmp(buf, "hello", 5) == 0);
	CHECK_ST(lo_sysvar_get_u64(s, &v), LO_ERR_WRONG_TYPE);
	/* READ without WRITE. */
	lo_sysvar_t ro = lo_sysvar_from(utest_dup(lo_sysvar_handle(n), LO_RIGHT_READ));
	CHECK_ST(lo_sysvar_get_u64(ro, &v), LO_OK);
	CHECK_ST(lo_sysvar_set_u64(ro, 1), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_sysvar_handle(ro));
	lo_handle_close(lo_sysvar_handle(n));
	lo_handle_close(lo_sysvar_handle(s));
}

static void test_resource(void)
{
	struct lo_resource_info info;
	CHECK_ST(lo_resource_info(utest_root, &info), LO_OK);
	CHECK(info.kind == LO_RESOURCE_ROOT);
	lo_resource_t ports;
	CHECK_ST(lo_resource_carve(utest_root, LO_RESOURCE_IOPORT, 0x3f8, 8, &ports), LO_OK);
	CHECK_ST(lo_resource_info(ports, &info), LO_OK);
	CHECK(info.kind == LO_RESOURCE_IOPORT && info.base == 0x3f8 && info.size == 8);
	uint32_t lsr = 0;
	CHECK_ST(lo_resource_port_in(ports, 0x3fd, 1, &lsr), LO_OK);
	CHECK(lsr & 0x20);
	CHECK_ST(lo_resource_port_in(ports, 0x60, 1, &lsr), LO_ERR_ACCESS_DENIED);
	lo_resource_t wider;
	CHECK_ST(lo_resource_carve(ports, LO_RESOURCE_IOPORT, 0x3f0, 0x20, &wider), LO_ERR_ACCESS_DENIED);
	uint64_t counts[LO_TYPE_COUNT];
	CHECK_ST(lo_resource_object_counts(ports, counts, LO_TYPE_COUNT), LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_resource_object_counts(utest_root, counts, LO_TYPE_COUNT), LO_OK);
	CHECK(counts[LO_TYPE_RESOURCE] >= 2);
	lo_vmo_t mmio;
	CHECK_ST(lo_vmo_create_physical(utest_root, 0xfee00000, 4096, &mmio), LO_ERR_ACCESS_DENIED);
	lo_handle_close(lo_resource_handle(ports));
}

static void test_log(void)
{
	const char *text = "utest: log line\n";
	CHECK_ST(lo_log_write(lo_log, text, (uint32_t)lo_strlen(text)), LO_OK);
	char big[2000];
	lo_memset(big, 'x', sizeof(big));
	CHECK_ST(lo_log_write(lo_log, big, sizeof(big)), LO_ERR_OUT_OF_RANGE);
	/* Read back what was just written, from the ring. */
	char buf[1024];
	uint32_t got = 0;
	uint64_t next = 0, cursor = 0;
	int found = 0;
	for (int i = 0; i < 64 && !found; i++) {
		CHECK_ST(lo_log_read(lo_log, buf, sizeof(buf), cursor, &got, &next), LO_OK);
		for (uint32_t k = 0; k + 15 <= got; k++)
			found |= lo_memcmp(buf + k, "utest: log line", 15) == 0;
		if (got == 0)
			break;
		cursor = next;
	}
	CHECK(found);
}

static void test_system_calls(void)
{
	CHECK_ST(lo_system_null(), LO_OK);
	uint64_t a = lo_now();
	CHECK_ST(lo_system_null(), LO_OK);
	CHECK(lo_now() >= a);
	/* An unknown call number is refused, not a crash. */
	CHECK((status_t)lo_syscall0(999) == LO_ERR_BAD_SYSCALL);
	CHECK((status_t)lo_syscall0(0xffffffffffffull) == LO_ERR_BAD_SYSCALL);
	/* A handle value with high bits is no handle. */
	CHECK((status_t)lo_syscall1(LO_SYS_HANDLE_CLOSE, 1ull << 40) == LO_ERR_BAD_HANDLE);
}

static const struct utest object_tests[] = {
	{ "user.handle_duplicate_replace_close", test_handle_duplicate_replace_close },
	{ "user.signal_user_bits_only", test_signal_user_bits_only },
	{ "user.vmo_read_write_resize", test_vmo },
	{ "user.vmo_map_protect_unmap", test_vmo_map },
	{ "user.sysvar", test_sysvar },
	{ "user.resource_carve_and_ports", test_resource },
	{ "user.log_write_read", test_log },
	{ "user.system_null_clock_bad_syscall", test_system_calls },
	{ 0, 0 },
};
UTEST_SUITE(object_tests);
