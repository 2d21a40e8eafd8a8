/* fatfs: the FAT32 file-system server. It mounts the FAT32 volume on a
 * block device (USER+0: a channel speaking idl/block.idl, e.g. dev:/disk0)
 * with libos/fs/fat and serves it as a registry (idl/registry.idl) on its
 * startup channel, so that init can mount it at files:/disk:
 *   open a directory   -> a new connection rooted there (kind registry)
 *   open a file        -> a VMO holding a copy of its contents
 *   list               -> the directory's entries (names cut at 63 bytes)
 *   bind path <- VMO   -> the file path now holds the VMO's bytes
 *   unbind             -> remove a file or an empty directory
 *   make_registry      -> make a directory
 * Every change is synced (fat_sync: cache written back, device flushed)
 * before it is answered: an answered change survives a crash. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/protocols.h"
#include "lightos/registry.h"
#include "lightos/fat.h"

#define MAX_CONNS     16
#define MAX_SNAPSHOT  (64u << 20)   /* the largest file open hands out */
#define FILE_RIGHTS   (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_MAP | LO_RIGHT_INSPECT | \
		       LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER)

static lo_channel_t disk;
static struct fat_fs fs;
static struct conn {
	lo_channel_t channel;         /* 0: slot free */
	char base[FAT_PATH_MAX + 1];  /* the directory it is rooted at */
	uint32_t rights;              /* connection rights (LO_REGISTRY_RIGHT_*) */
} conns[MAX_CONNS];
static uint8_t buf[4096];

/* --- the block device, over the block protocol --- */

static status_t disk_read(void *ctx, uint64_t sector, uint32_t count, void *out)
{
	(void)ctx;
	for (uint32_t done = 0; done < count;) {
		uint32_t n = count - done > 8 ? 8 : count - done, len = 0;
		int32_t status;
		status_t st = lo_block_read(disk, sector + done, n, &status, (char *)out + done * 512, n * 512, &len);
		if (st == LO_OK)
			st = status;
		if (st != LO_OK)
			return st;
		if (len != n * 512)
			return LO_ERR_IO;
		done += n;
	}
	return LO_OK;
}

static status_t disk_write(void *ctx, uint64_t sector, uint32_t count, const void *in)
{
	(void)ctx;
	for (uint32_t done = 0; done < count;) {
		uint32_t n = count - done > 8 ? 8 : count - done;
		int32_t status;
		status_t st = lo_block_write(disk, sector + done, (const char *)in + done * 512, n * 512, &status);
		if (st == LO_OK)
			st = status;
		if (st != LO_OK)
			return st;
		done += n;
	}
	return LO_OK;
}

static status_t disk_flush(void *ctx)
{
	(void)ctx;
	int32_t status;
	status_t st = lo_block_flush(disk, 0, &status);
	return st == LO_OK ? status : st;
}

/* --- paths --- */

/* base + "/" + the request's path, NUL-terminated. */
static status_t full_path(const struct conn *c, const char *path, uint32_t len, char *out)
{
	size_t b = lo_strlen(c->base);
	if (len > 255 || b + 1 + len > FAT_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	lo_memcpy(out, c->base, b);
	out[b] = '/';
	lo_memcpy(out + b + 1, path, len);
	out[b + 1 + len] = '\0';
	for (uint32_t i = 0; i < len; i++)
		if (path[i] == '\0')
			return LO_ERR_INVALID_ARGS;
	return LO_OK;
}

/* A connection rooted at base; it never has more rights than the
 * connection it was opened through. */
static status_t add_conn(const char *base, uint32_t rights, lo_channel_t *client)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		if (conns[i].channel.value)
			continue;
		status_t st = lo_channel_create(lo_job_self(), &conns[i].channel, client);
		if (st != LO_OK) {
			conns[i].channel.value = 0;
			return st;
		}
		size_t n = lo_strlen(base);
		lo_memcpy(conns[i].base, base, n + 1);
		conns[i].rights = rights;
		return LO_OK;
	}
	return LO_ERR_NO_RESOURCES;
}

/* --- the registry protocol --- */

/* A VMO holding a copy of the file. */
static status_t snapshot(struct fat_node *n, uint64_t size, lo_vmo_t *out)
{
	if (size > MAX_SNAPSHOT)
		return LO_ERR_NO_RESOURCES;
	status_t st = lo_vmo_create(lo_job_self(), size, out);
	for (uint64_t off = 0; st == LO_OK && off < size;) {
		int64_t got = fat_read(&fs, n, off, buf, sizeof(buf));
		if (got <= 0) {
			st = got < 0 ? (status_t)got : LO_ERR_IO;
			break;
		}
		st = lo_vmo_write(*out, buf, off, (uint32_t)got);
		off += (uint64_t)got;
	}
	if (st != LO_OK && out->value)
		lo_handle_close(lo_vmo_handle(*out));
	return st;
}

static status_t on_open(void *ctx, const struct lo_registry_open_request *req,
			struct lo_registry_open_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	static char path[FAT_PATH_MAX + 1];
	struct fat_node n;
	struct fat_stat st;
	status_t s = full_path(ctx, req->path, req->path_len, path);
	if (s == LO_OK)
		s = fat_open(&fs, path, &n);
	if (s == LO_OK)
		s = fat_stat(&fs, &n, &st);
	if (s != LO_OK)
		return s;
	resp->consumed = req->path_len;
	if (st.is_dir) {
		lo_channel_t client;
		if ((s = add_conn(path, ((const struct conn *)ctx)->rights & req->conn_rights, &client)) != LO_OK)
			return s;
		resp->kind = LO_ENTRY_REGISTRY;
		rh[0] = lo_channel_handle(client);
		*nrh = 1;
		return LO_OK;
	}
	lo_vmo_t v;
	if ((s = snapshot(&n, st.size, &v)) != LO_OK)
		return s;
	resp->kind = LO_ENTRY_OBJECT;
	resp->granted = req->rights & FILE_RIGHTS;
	rh[0] = lo_vmo_handle(v);
	*nrh = 1;
	return LO_OK;
}

static status_t on_list(void *ctx, const struct lo_registry_list_request *req,
			struct lo_registry_list_response *resp)
{
	static char path[FAT_PATH_MAX + 1];
	static struct fat_dirent d;
	struct fat_node dir;
	uint32_t cursor = 0;
	status_t s = full_path(ctx, req->path, req->path_len, path);
	if (s == LO_OK)
		s = fat_open(&fs, path, &dir);
	for (uint32_t i = 0; s == LO_OK && i <= req->index; i++)
		s = fat_readdir(&fs, &dir, &cursor, &d);
	if (s != LO_OK)
		return s == LO_ERR_NOT_SUPPORTED ? LO_ERR_NOT_A_REGISTRY : s;
	resp->kind = d.is_dir ? LO_ENTRY_REGISTRY : LO_ENTRY_OBJECT;
	resp->rights = d.is_dir ? 0 : FILE_RIGHTS;
	resp->name_len = (uint32_t)lo_strlen(d.name);
	if (resp->name_len > sizeof(resp->name))
		resp->name_len = sizeof(resp->name);
	lo_memcpy(resp->name, d.name, resp->name_len);
	return LO_OK;
}

/* The file at path now holds the VMO's bytes. */
static status_t store(const char *path, lo_vmo_t v)
{
	uint64_t size = 0;
	struct fat_node n;
	status_t s = lo_vmo_get_size(v, &size);
	if (s != LO_OK)
		return s;
	s = fat_create(&fs, path, 0, &n);
	if (s == LO_ERR_ALREADY_EXISTS && (s = fat_open(&fs, path, &n)) == LO_OK)
		s = fat_truncate(&fs, &n, 0);
	for (uint64_t off = 0; s == LO_OK && off < size;) {
		uint32_t chunk = size - off > sizeof(buf) ? sizeof(buf) : (uint32_t)(size - off);
		s = lo_vmo_read(v, buf, off, chunk);
		int64_t put = s == LO_OK ? fat_write(&fs, &n, off, buf, chunk) : 0;
		if (put < 0)
			s = (status_t)put;
		off += chunk;
	}
	status_t synced = fat_sync(&fs);
	return s != LO_OK ? s : synced;
}

static status_t on_bind(void *ctx, const struct lo_registry_bind_request *req, const lo_handle_t *h)
{
	static char path[FAT_PATH_MAX + 1];
	status_t s = full_path(ctx, req->path, req->path_len, path);
	if (s == LO_OK)
		s = store(path, lo_vmo_from(h[0]));   /* a VMO: anything else fails get_size */
	if (s == LO_OK)
		lo_handle_close(h[0]);   /* on failure serve_one closes it */
	return s;
}

static status_t on_unbind(void *ctx, const struct lo_registry_unbind_request *req)
{
	static char path[FAT_PATH_MAX + 1];
	status_t s = full_path(ctx, req->path, req->path_len, path);
	if (s == LO_OK) {
		s = fat_unlink(&fs, path);
		if (s == LO_ERR_NOT_SUPPORTED)
			s = fat_rmdir(&fs, path);
	}
	status_t synced = fat_sync(&fs);
	return s != LO_OK ? s : synced;
}

static status_t on_make_registry(void *ctx, const struct lo_registry_make_registry_request *req)
{
	static char path[FAT_PATH_MAX + 1];
	status_t s = full_path(ctx, req->path, req->path_len, path);
	if (s == LO_OK)
		s = fat_create(&fs, path, 1, NULL);
	status_t synced = fat_sync(&fs);
	return s != LO_OK ? s : synced;
}

static const struct lo_registry_server server = {
	.open = on_open,
	.list = on_list,
	.bind = on_bind,
	.unbind = on_unbind,
	.make_registry = on_make_registry,
};

int main(void)
{
	disk = lo_channel_from(lo_startup_handle(LO_STARTUP_USER + 0));
	conns[0].channel = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	conns[0].rights = LO_REGISTRY_RIGHTS_ALL;   /* init's: it attenuates what it passes on */
	int32_t status;
	uint64_t sectors = 0;
	uint32_t sector_size = 0;
	status_t st = lo_block_info(disk, &status, &sectors, &sector_size);
	if (st == LO_OK)
		st = status;
	if (st == LO_OK && sector_size != FAT_SECTOR_SIZE)
		st = LO_ERR_NOT_SUPPORTED;
	struct fat_blockdev dev = { NULL, disk_read, disk_write, disk_flush, sectors };
	if (st == LO_OK)
		st = fat_mount(&fs, &dev);
	if (st != LO_OK) {
		lo_printf("fatfs: cannot mount: %s%s%s\n", lo_status_str(st), fs.refused ? ": " : "",
			  fs.refused ? fs.refused : "");
		return 1;
	}
	lo_printf("fatfs: FAT32 volume, %u clusters of %u bytes, %u free\n", fs.clusters, fs.cluster_bytes,
		  fs.free_count);
	for (;;) {
		lo_handle_t waits[MAX_CONNS];
		uint32_t masks[MAX_CONNS], observed[MAX_CONNS], n = 0, index[MAX_CONNS];
		for (uint32_t i = 0; i < MAX_CONNS; i++) {
			if (!conns[i].channel.value)
				continue;
			waits[n] = lo_channel_handle(conns[i].channel);
			masks[n] = LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED;
			observed[n] = 0;
			index[n++] = i;
		}
		if (n == 0)
			return 0;   /* nobody can reach us any more */
		if (lo_handle_wait_many(waits, masks, observed, n, UINT64_MAX) != LO_OK)
			return 2;
		for (uint32_t k = 0; k < n; k++) {
			struct conn *c = &conns[index[k]];
			if (observed[k] & LO_SIG_CHANNEL_READABLE) {
				/* A few requests per turn, so one client cannot starve the rest. */
				for (int turn = 0; turn < 8; turn++)
					if (lo_registry_serve_one(c->channel, &server, c, c->rights) != LO_OK)
						break;
			} else if (observed[k] & LO_SIG_CHANNEL_PEER_CLOSED) {
				lo_handle_close(lo_channel_handle(c->channel));
				c->channel.value = 0;
			}
		}
	}
}
