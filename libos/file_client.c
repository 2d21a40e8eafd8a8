/* Files by name: see lightos/file.h. */
#include "lightos/runtime.h"
#include "lightos/registry.h"
#include "lightos/startup.h"
#include "lightos/file.h"

#define ENTRY_RIGHTS (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_MAP | LO_RIGHT_INSPECT | \
		      LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER | LO_RIGHT_VMO_RESIZE)

/* A call's result: the transport's status, else the server's. The server's
 * is read through a pointer, after the call has filled it in. */
static status_t answer(status_t st, const int32_t *status) { return st != LO_OK ? st : *status; }

/* An empty file at `name`: bind an empty VMO there. A file server makes a
 * file of its bytes; a plain registry keeps the VMO. */
static status_t create_empty(const char *name)
{
	lo_channel_t reg;
	const char *last;
	lo_vmo_t v;
	status_t st = lo_vmo_create(lo_job_self(), 0, &v);
	if (st != LO_OK)
		return st;
	st = lo_resolve_parent(name, &reg, &last);
	if (st != LO_OK) {
		lo_handle_close(lo_vmo_handle(v));
		return st;
	}
	int32_t status = LO_OK;
	st = lo_registry_bind(reg, last, (uint32_t)lo_strlen(last), ENTRY_RIGHTS, lo_vmo_handle(v), &status);
	lo_handle_close(lo_channel_handle(reg));
	return answer(st, &status);   /* the VMO went with the request */
}

status_t lo_fopen(const char *name, uint32_t flags, struct lo_file *f)
{
	lo_memset(f, 0, sizeof(*f));
	/* A VMO entry written in place needs READ (its size) and RESIZE too. */
	int writing = (flags & (LO_FOPEN_WRITE | LO_FOPEN_TRUNCATE)) != 0;
	uint32_t rights = LO_RIGHT_WAIT | LO_RIGHT_INSPECT | ((flags & LO_FOPEN_READ) ? LO_RIGHT_READ : 0) |
			  (writing ? LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_VMO_RESIZE : 0);
	lo_handle_t h;
	status_t st = lo_resolve_name(name, rights, &h);
	if (st == LO_ERR_NOT_FOUND && (flags & LO_FOPEN_CREATE)) {
		st = create_empty(name);
		if (st == LO_OK || st == LO_ERR_ALREADY_EXISTS)
			st = lo_resolve_name(name, rights, &h);
	}
	if (st != LO_OK)
		return st;
	struct lo_object_info info;
	st = lo_handle_info(h, &info);
	if (st == LO_OK && info.type == LO_TYPE_CHANNEL) {
		f->session = lo_channel_from(h);
	} else if (st == LO_OK && info.type == LO_TYPE_VMO) {
		f->vmo = lo_vmo_from(h);
	} else {
		st = st != LO_OK ? st : LO_ERR_WRONG_TYPE;
	}
	if (st == LO_OK && (flags & LO_FOPEN_TRUNCATE))
		st = lo_ftruncate(f, 0);
	if (st != LO_OK) {
		lo_handle_close(h);
		lo_memset(f, 0, sizeof(*f));
	}
	return st;
}

int64_t lo_fread(struct lo_file *f, void *buf, uint32_t len)
{
	if (f->session.value) {
		int32_t status = LO_OK;
		uint32_t got = 0;
		if (len > LO_FILE_DATA_MAX)
			len = LO_FILE_DATA_MAX;
		status_t st = answer(lo_file_read(f->session, len, &status, buf, len, &got), &status);
		return st != LO_OK ? st : (int64_t)got;
	}
	uint64_t size;
	status_t st = lo_vmo_get_size(f->vmo, &size);
	if (st != LO_OK)
		return st;
	if (f->pos >= size)
		return 0;
	if (len > size - f->pos)
		len = (uint32_t)(size - f->pos);
	if ((st = lo_vmo_read(f->vmo, buf, f->pos, len)) != LO_OK)
		return st;
	f->pos += len;
	return len;
}

int64_t lo_fwrite(struct lo_file *f, const void *buf, uint32_t len)
{
	if (f->session.value) {
		int32_t status = LO_OK;
		uint32_t put = 0;
		if (len > LO_FILE_DATA_MAX)
			len = LO_FILE_DATA_MAX;
		status_t st = answer(lo_file_write(f->session, buf, len, &status, &put), &status);
		return st != LO_OK ? st : (int64_t)put;
	}
	uint64_t size;
	status_t st = lo_vmo_get_size(f->vmo, &size);
	if (st == LO_OK && f->pos + len > size)
		st = lo_vmo_set_size(f->vmo, f->pos + len);
	if (st == LO_OK)
		st = lo_vmo_write(f->vmo, buf, f->pos, len);
	if (st != LO_OK)
		return st;
	f->pos += len;
	return len;
}

status_t lo_fsize(struct lo_file *f, uint64_t *size)
{
	if (!f->session.value)
		return lo_vmo_get_size(f->vmo, size);
	int32_t status = LO_OK;
	uint32_t kind;
	return answer(lo_file_stat(f->session, &status, size, &kind), &status);
}

status_t lo_ftruncate(struct lo_file *f, uint64_t size)
{
	int32_t status = LO_OK;
	if (!f->session.value)
		return lo_vmo_set_size(f->vmo, size);
	return answer(lo_file_truncate(f->session, size, &status), &status);
}

status_t lo_fsync(struct lo_file *f)
{
	int32_t status = LO_OK;
	if (!f->session.value)
		return LO_OK;   /* memory: nothing below it */
	return answer(lo_file_sync(f->session, &status), &status);
}

status_t lo_fclose(struct lo_file *f)
{
	status_t st = LO_OK;
	if (f->session.value) {
		int32_t status = LO_OK;
		st = answer(lo_file_close(f->session, &status), &status);
		lo_handle_close(lo_channel_handle(f->session));
	} else if (f->vmo.value) {
		lo_handle_close(lo_vmo_handle(f->vmo));
	}
	lo_memset(f, 0, sizeof(*f));
	return st;
}

/* The directory both paths lie in: the length of their common prefix,
 * cut at a '/' that ends a directory name in both. */
static size_t common_dir(const char *a, const char *b)
{
	size_t cut = 0;
	for (size_t i = 0; a[i] && a[i] == b[i]; i++)
		if (a[i] == '/')
			cut = i;
	return cut;
}

status_t lo_rename(const char *from, const char *to)
{
	char reg_from[LO_REGISTRY_NAME_MAX + 1], reg_to[LO_REGISTRY_NAME_MAX + 1];
	const char *pf, *pt;
	status_t st = lo_name_split(from, reg_from, sizeof(reg_from), &pf);
	if (st == LO_OK)
		st = lo_name_split(to, reg_to, sizeof(reg_to), &pt);
	if (st != LO_OK)
		return st;
	if (lo_strcmp(reg_from, reg_to))
		return LO_ERR_NOT_SUPPORTED;
	/* Ask the server of the deepest directory holding both names: a
	 * mount's server if both lie inside it. */
	size_t n = common_dir(pf, pt);
	char dir[LO_REGISTRY_PATH_MAX + 1];
	if (n > LO_REGISTRY_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	lo_memcpy(dir, pf, n);
	dir[n] = '\0';
	lo_channel_t reg, at;
	if ((st = lo_connect_registry(reg_from, &reg)) != LO_OK)
		return st;
	at = reg;
	if (n > 0) {
		lo_handle_t h;
		st = lo_resolve_path(reg, dir, LO_DEFAULT_RIGHTS_CHANNEL, &h);
		lo_handle_close(lo_channel_handle(reg));
		if (st != LO_OK)
			return st;
		at = lo_channel_from(h);
	}
	int32_t status = LO_OK;
	st = answer(lo_registry_rename(at, pf + n, (uint32_t)lo_strlen(pf + n), pt + n,
				       (uint32_t)lo_strlen(pt + n), &status), &status);
	lo_handle_close(lo_channel_handle(at));
	return st;
}
