/* Helpers shared by the registry guest tests: see reg_support.h. */
#include "lightos/startup.h"
#include "utest.h"
#include "reg_support.h"

int32_t reg_bind(lo_channel_t reg, const char *path, lo_handle_t h, uint32_t rights)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_bind(reg, path, (uint32_t)lo_strlen(path), rights, h, &status);
	return st != LO_OK ? st : status;
}

int32_t reg_unbind(lo_channel_t reg, const char *path)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_unbind(reg, path, (uint32_t)lo_strlen(path), &status);
	return st != LO_OK ? st : status;
}

int32_t reg_mkreg(lo_channel_t reg, const char *path)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_make_registry(reg, path, (uint32_t)lo_strlen(path), &status);
	return st != LO_OK ? st : status;
}

int32_t reg_link(lo_channel_t reg, const char *path, const char *target)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_link(reg, path, (uint32_t)lo_strlen(path), target,
				       (uint32_t)lo_strlen(target), &status);
	return st != LO_OK ? st : status;
}

int32_t reg_mount(lo_channel_t reg, const char *path, lo_channel_t other)
{
	int32_t status = LO_ERR_INTERNAL;
	status_t st = lo_registry_mount(reg, path, (uint32_t)lo_strlen(path), lo_channel_handle(other), &status);
	return st != LO_OK ? st : status;
}

lo_handle_t reg_new_event(void)
{
	lo_event_t e;
	CHECK_ST(lo_event_create(lo_job_self(), &e), LO_OK);
	return lo_event_handle(e);
}

uint64_t reg_bind_event(lo_channel_t reg, const char *path, uint32_t rights)
{
	lo_handle_t e = reg_new_event();
	uint64_t id = utest_object_id(e);
	CHECK_ST(reg_bind(reg, path, e, rights), LO_OK);
	return id;
}

void reg_close(lo_channel_t ch)
{
	lo_handle_close(lo_channel_handle(ch));
}

uint32_t reg_rights_of(lo_handle_t h)
{
	struct lo_object_info info;
	return lo_handle_info(h, &info) == LO_OK ? info.rights : 0;
}

int reg_spawn_server(const char *mode, lo_process_t *p, lo_channel_t *conn)
{
	lo_channel_t mine, theirs;
	if (!CHECK_ST(lo_channel_create(lo_job_self(), &mine, &theirs), LO_OK))
		return 0;
	struct lo_give give = { LO_STARTUP_CHANNEL, lo_channel_handle(theirs) };
	if (!CHECK_ST(utest_spawn_child(mode, &give, 1, p), LO_OK)) {
		reg_close(mine);
		return 0;
	}
	/* The child's first message carries the connection to its root. */
	uint32_t observed;
	char buf[8];
	lo_handle_t h = LO_HANDLE_INVALID;
	struct lo_channel_read_result got;
	int ok = CHECK_ST(lo_handle_wait_one(lo_channel_handle(mine), LO_SIG_CHANNEL_READABLE,
					     lo_deadline_after_ms(5000), &observed), LO_OK) &&
		 CHECK_ST(lo_channel_read(mine, buf, sizeof(buf), &h, 1, &got), LO_OK) &&
		 CHECK(got.handles == 1);
	reg_close(mine);
	*conn = lo_channel_from(h);
	return ok;
}

int reg_ended(lo_process_t p)
{
	uint32_t observed = 0;
	status_t st = lo_handle_wait_one(lo_process_handle(p), LO_SIG_PROCESS_TERMINATED,
					 lo_deadline_after_ms(5000), &observed);
	lo_handle_close(lo_process_handle(p));
	return st == LO_OK;
}

status_t reg_answer_handle(lo_handle_t obj, uint32_t rights, lo_handle_t *handles,
			   uint32_t *nhandles)
{
	uint32_t dup = 0;
	status_t st = lo_handle_duplicate(obj, rights | LO_RIGHT_TRANSFER, &dup);
	if (st != LO_OK)
		return st;
	handles[0].value = dup;
	*nhandles = 1;
	return LO_OK;
}

void reg_serve_until(lo_channel_t end, const struct lo_registry_server *server,
		     volatile int *stop)
{
	while (!*stop) {
		uint32_t observed;
		if (lo_handle_wait_one(lo_channel_handle(end), LO_SIG_CHANNEL_READABLE,
				       lo_deadline_after_ms(20), &observed) == LO_OK)
			lo_registry_serve_one(end, server, NULL, LO_REGISTRY_RIGHTS_ALL);
	}
}
