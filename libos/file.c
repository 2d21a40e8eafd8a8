/* The file client (lightos/file.h): sessions over the file protocol, and
 * VMOs read and written in place. */
#include "lightos/file.h"
#include "lightos/registry.h"
#include "lightos/protocols.h"
#include "lightos/runtime.h"

status_t lo_fopen(const char *name, uint32_t rights, struct lo_file *f)
{
	lo_memset(f, 0, sizeof(*f));
	lo_handle_t h;
	/* WAIT and INSPECT: to wait for answers and tell what came back; a
	 * VMO written in place may grow. */
	uint32_t want = (rights & (LO_RIGHT_READ | LO_RIGHT_WRITE)) | LO_RIGHT_WAIT | LO_RIGHT_INSPECT;
	if (rights & LO_RIGHT_WRITE)
		want |= LO_RIGHT_VMO_RESIZE;
	status_t st = lo_resolve_name(name, want, &h);
	if (st != LO_OK)
		return st;
	struct lo_object_info info;
	st = lo_handle_info(h, &info);
	if (st == LO_OK && info.type == LO_TYPE_CHANNEL)
		f->session = lo_channel_from(h);
	else if (st == LO_OK && info.type == LO_TYPE_VMO)
		f->vmo = lo_vmo_from(h);
	else
		st = LO_ERR_WRONG_TYPE;
	if (st != LO_OK)
		lo_handle_close(h);
	return st;
}

/* A call's transport status, or else the server's answer. */
static status_t answer(status_t st, int32_t status)
{
	return st != LO_OK ? st : status;
}

status_t lo_fread(struct lo_file *f, void *buf, uint32_t max, uint32_t *got)
{
	*got = 0;
	if (f->session.value) {
		int32_t status = 0;
		uint32_t n = max < LO_FILE_DATA_MAX ? max : LO_FILE_DATA_MAX;
		status_t call = lo_file_read(f->session, n, &status, buf, n, got);
		return answer(call, status);
	}
	uint64_t size;
	status_t st = lo_vmo_get_size(f->vmo, &size);
	if (st != LO_OK || f->position >= size)
		return st;
	uint64_t left = size - f->position;
	uint32_t n = left < max ? (uint32_t)left : max;
	n = n < LO_VMO_MAX_IO ? n : LO_VMO_MAX_IO;
	st = lo_vmo_read(f->vmo, buf, f->position, n);
	if (st == LO_OK) {
		f->position += n;
		*got = n;
	}
	return st;
}

status_t lo_fwrite(struct lo_file *f, const void *buf, uint32_t len)
{
	const char *p = buf;
	while (len) {
		uint32_t n = len < LO_FILE_DATA_MAX ? len : LO_FILE_DATA_MAX, written = 0;
		status_t st;
		if (f->session.value) {
			int32_t status = 0;
			status_t call = lo_file_write(f->session, p, n, &status, &written);
			st = answer(call, status);
			if (st == LO_OK && written == 0)
				st = LO_ERR_IO;
		} else {
			uint64_t size;
			st = lo_vmo_get_size(f->vmo, &size);
			if (st == LO_OK && f->position + n > size)
				st = lo_vmo_set_size(f->vmo, f->position + n);
			if (st == LO_OK)
				st = lo_vmo_write(f->vmo, p, f->position, n);
			f->position += st == LO_OK ? n : 0;
			written = n;
		}
		if (st != LO_OK)
			return st;
		p += written;
		len -= written;
	}
	return LO_OK;
}

status_t lo_fseek(struct lo_file *f, int64_t offset, uint32_t whence, uint64_t *position)
{
	if (f->session.value) {
		int32_t status = 0;
		status_t call = lo_file_seek(f->session, offset, whence, &status, position);
		return answer(call, status);
	}
	uint64_t size, base = 0;
	status_t st = lo_vmo_get_size(f->vmo, &size);
	if (st != LO_OK)
		return st;
	if (whence == 1)
		base = f->position;
	else if (whence == 2)
		base = size;
	else if (whence != 0)
		return LO_ERR_INVALID_ARGS;
	if ((offset < 0 && (uint64_t)-offset > base))
		return LO_ERR_INVALID_ARGS;
	f->position = base + (uint64_t)offset;
	*position = f->position;
	return LO_OK;
}

status_t lo_fstat(struct lo_file *f, uint64_t *size, uint32_t *kind)
{
	if (f->session.value) {
		int32_t status = 0;
		status_t call = lo_file_stat(f->session, &status, size, kind);
		return answer(call, status);
	}
	*kind = 1;
	return lo_vmo_get_size(f->vmo, size);
}

status_t lo_ftruncate(struct lo_file *f, uint64_t size)
{
	if (f->session.value) {
		int32_t status = 0;
		status_t call = lo_file_truncate(f->session, size, &status);
		return answer(call, status);
	}
	return lo_vmo_set_size(f->vmo, size);
}

status_t lo_fclose(struct lo_file *f)
{
	status_t st = LO_OK;
	if (f->session.value) {
		int32_t status = 0;
		status_t call = lo_file_close(f->session, &status);
		st = answer(call, status);
		if (st == LO_ERR_NOT_SUPPORTED)
			st = LO_OK;   /* a server that keeps no state per session */
		lo_handle_close(lo_channel_handle(f->session));
	} else if (f->vmo.value) {
		lo_handle_close(lo_vmo_handle(f->vmo));
	}
	lo_memset(f, 0, sizeof(*f));
	return st;
}
