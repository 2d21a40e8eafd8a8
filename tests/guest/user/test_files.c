/* The file server (init/programs/files) serving files:/bin, files:/etc
 * and files:/tmp: the boot image's files read-only, tmp writable through
 * the connection that grants it; it is a process named files, and it is
 * protected: procd names it without DESTROY, so nobody can kill it. */
#include "lightos/registry.h"
#include "lightos/spawn.h"
#include "lightos/protocols.h"
#include "utest.h"

struct server {
	lo_process_t process;
	lo_handle_t reg[3];   /* connections to the registries it serves */
};

/* Start `path` in `job` as init does: a channel whose first message holds
 * connections to its three registries; the image too when image != 0. */
static status_t start_server(const char *path, lo_job_t job, uint32_t job_rights, int image,
			     struct server *s)
{
	lo_memset(s, 0, sizeof(*s));
	lo_channel_t mine, theirs;
	status_t st = lo_channel_create(lo_job_self(), &mine, &theirs);
	if (st != LO_OK)
		return st;
	struct lo_give give[4] = {
		{ LO_STARTUP_JOB, utest_dup(lo_job_handle(job), job_rights) },
		{ LO_STARTUP_CHANNEL, lo_channel_handle(theirs) },
		{ LO_STARTUP_LOG, utest_dup(lo_log_handle(lo_log), LO_RIGHT_WRITE | LO_RIGHT_INSPECT |
					    LO_RIGHT_TRANSFER) },
		{ LO_STARTUP_IMAGE, utest_dup(lo_vmo_handle(utest_image), LO_RIGHT_READ | LO_RIGHT_MAP |
					      LO_RIGHT_INSPECT | LO_RIGHT_TRANSFER | LO_RIGHT_DUPLICATE) },
	};
	const char *why = NULL;
	st = lo_spawn_from_image(utest_image, path, "", give, image ? 4 : 3, &s->process, &why);
	if (!image)
		lo_handle_close(give[3].handle);
	uint32_t observed = 0;
	if (st == LO_OK)
		st = lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE |
					LO_SIG_CHANNEL_PEER_CLOSED, lo_deadline_after_ms(5000), &observed);
	struct lo_channel_read_result got = { 0, 0 };
	char msg[8];
	if (st == LO_OK)
		st = lo_channel_read(mine, msg, sizeof(msg), s->reg, 3, &got);
	if (st == LO_OK && got.handles != 3)
		st = LO_ERR_BAD_FORMAT;
	lo_handle_close(lo_channel_handle(mine));
	return st;
}

static void stop_server(struct server *s)
{
	for (int i = 0; i < 3; i++) {
		if (s->reg[i].value)
			lo_handle_close(s->reg[i]);
	}
	if (s->process.value) {
		lo_process_kill(s->process);
		struct lo_process_info info;
		CHECK(utest_wait_process(s->process, &info));
		lo_handle_close(lo_process_handle(s->process));
	}
}

/* Spawn cuts what it is given to the policy's grants (a copy: DUPLICATE). */
#define FILES_JOB LO_DEFAULT_RIGHTS_JOB

/* The image's files under bin and etc, read-only whatever is asked; tmp
 * takes a new file and gives it back writable; the server is "files". */
static void test_serves_image_and_tmp(void)
{
	struct server f;
	lo_job_t job;
	if (!CHECK_ST(lo_job_create_share(lo_job_self(), 20, &job), LO_OK))
		return;
	if (!CHECK_ST(start_server("bin/files", job, FILES_JOB, 1, &f), LO_OK)) {
		stop_server(&f);
		lo_handle_close(lo_job_handle(job));
		return;
	}
	lo_channel_t bin = lo_channel_from(f.reg[0]), etc = lo_channel_from(f.reg[1]),
		     tmp = lo_channel_from(f.reg[2]);
	struct lo_process_info pi;
	CHECK_ST(lo_process_info(f.process, &pi), LO_OK);
	CHECK(!lo_strcmp(pi.name, "files"));
	lo_handle_t h;
	struct lo_object_info info;
	if (CHECK_ST(lo_resolve_path(etc, "motd", LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_INSPECT, &h), LO_OK)) {
		char text[19] = { 0 };
		CHECK_ST(lo_vmo_read(lo_vmo_from(h), text, 0, 18), LO_OK);
		CHECK(!lo_strcmp(text, "Welcome to LightOS"));
		CHECK_ST(lo_handle_info(h, &info), LO_OK);
		CHECK(!(info.rights & LO_RIGHT_WRITE));
		lo_handle_close(h);
	}
	if (CHECK_ST(lo_resolve_path(bin, "files", LO_RIGHT_READ, &h), LO_OK))
		lo_handle_close(h);
	/* bin and etc cannot be edited; tmp can. */
	int32_t status = 0;
	lo_vmo_t v;
	CHECK_ST(lo_vmo_create(lo_job_self(), 4096, &v), LO_OK);
	lo_handle_t copy = utest_dup(lo_vmo_handle(v), LO_DEFAULT_RIGHTS_VMO);
	CHECK_ST(lo_registry_bind(etc, "x", 1, LO_DEFAULT_RIGHTS_VMO, copy, &status), LO_OK);
	CHECK_ST(status, LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_registry_unbind(bin, "files", 5, &status), LO_OK);
	CHECK_ST(status, LO_ERR_ACCESS_DENIED);
	CHECK_ST(lo_registry_bind(tmp, "x", 1, LO_DEFAULT_RIGHTS_VMO, lo_vmo_handle(v), &status), LO_OK);
	CHECK_ST(status, LO_OK);
	if (CHECK_ST(lo_resolve_path(tmp, "x", LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_INSPECT, &h), LO_OK)) {
		CHECK_ST(lo_handle_info(h, &info), LO_OK);
		CHECK(info.rights & LO_RIGHT_WRITE);
		CHECK_ST(lo_vmo_write(lo_vmo_from(h), "x", 0, 1), LO_OK);
		lo_handle_close(h);
	}
	CHECK_ST(lo_registry_unbind(tmp, "x", 1, &status), LO_OK);
	CHECK_ST(status, LO_OK);
	stop_server(&f);
	lo_handle_close(lo_job_handle(job));
}

/* Started in procd's job, the file server is named in proc: without
 * DESTROY (the policy marks it protected): killing it is refused. */
static void test_protected(void)
{
	lo_job_t job;
	if (!CHECK_ST(lo_job_create_share(lo_job_self(), 20, &job), LO_OK))
		return;
	struct server procd, f;
	CHECK_ST(start_server("bin/procd", job, LO_DEFAULT_RIGHTS_JOB, 0, &procd), LO_OK);
	CHECK_ST(start_server("bin/files", job, FILES_JOB, 1, &f), LO_OK);
	char pid[24];
	lo_snprintf(pid, sizeof(pid), "%lu", utest_object_id(lo_process_handle(f.process)));
	lo_handle_t h;
	if (procd.reg[0].value &&
	    CHECK_ST(lo_resolve_path(lo_channel_from(procd.reg[0]), pid, LO_RIGHT_INSPECT | LO_RIGHT_DESTROY, &h),
		     LO_OK)) {
		struct lo_object_info info;
		CHECK_ST(lo_handle_info(h, &info), LO_OK);
		CHECK(!(info.rights & LO_RIGHT_DESTROY));
		CHECK_ST(lo_process_kill(lo_process_from(h)), LO_ERR_ACCESS_DENIED);
		lo_handle_close(h);
	}
	stop_server(&f);
	stop_server(&procd);
	lo_job_kill(job);
	lo_handle_close(lo_job_handle(job));
}

static const struct utest files_tests[] = {
	{ "user.files.serves_image_and_tmp", test_serves_image_and_tmp },
	{ "user.files.protected", test_protected },
	{ 0, 0 },
};

UTEST_SUITE(files_tests);
