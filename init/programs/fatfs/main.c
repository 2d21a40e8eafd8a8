/* fatfs: the FAT32 file-system server. It mounts the FAT32 volume on a
 * block device (USER+0: a channel speaking idl/block.idl, e.g. dev:/disk0)
 * with libos/fs/fat and serves it as a registry (idl/registry.idl) on its
 * startup channel, so that init can mount it at files:/disk:
 *   open a directory   -> a new connection rooted there (kind registry)
 *   open a file        -> a session: a channel speaking the file protocol
 *                         (idl/file.idl) with a position of its own
 *   list               -> the directory's entries (names cut at 63 bytes)
 *   bind path <- VMO   -> the file path now holds the VMO's bytes
 *   unbind             -> remove a file or an empty directory
 *   make_registry      -> make a directory
 *   rename             -> move an entry, in one step
 * A session's rights are what its open asked for: READ, and WRITE only
 * through a WRITABLE connection; the generated server checks them on every
 * request. Registry changes are synced (fat_sync: the cache written back,
 * the device flushed) before they are answered; a session's writes are
 * synced by its sync, its close or its client's end. An answered sync
 * survives a crash. */
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/protocols.h"
#include "lightos/registry.h"
#include "lightos/fat.h"

#define MAX_CONNS     32
#define MAX_SESSIONS  64
#define SESSION_KEY   0x10000u   /* port keys: a connection's slot, or this + a session's */
/* A session's channel: what talking over it takes. */
#define SESSION_HANDLE_RIGHTS (LO_RIGHT_READ | LO_RIGHT_WRITE | LO_RIGHT_WAIT | LO_RIGHT_INSPECT)
#define LISTED_RIGHTS (LO_RIGHT_READ | LO_RIGHT_WRITE)

static lo_channel_t disk;
static lo_port_t port;
static struct fat_fs fs;
static struct conn {
	lo_channel_t channel;         /* 0: slot free */
	char base[FAT_PATH_MAX + 1];  /* the directory it is rooted at */
	uint32_t rights;              /* connection rights (LO_REGISTRY_RIGHT_*) */
} conns[MAX_CONNS];
static struct session {
	lo_channel_t channel;         /* 0: slot free */
	struct fat_node node;
	uint64_t pos;
	uint32_t rights;              /* LO_FILE_RIGHT_* */
	int dirty;                    /* written since its last sync */
	int closing;                  /* close answered: release it */
} sessions[MAX_SESSIONS];
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
		if (st == LO_OK)
			st = lo_port_bind(port, lo_channel_handle(conns[i].channel),
					  LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, i);
		if (st != LO_OK) {
			if (conns[i].channel.value) {
				lo_handle_close(lo_channel_handle(conns[i].channel));
				lo_handle_close(lo_channel_handle(*client));
			}
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

/* A session on the file `n`: a channel pair, our end watched by the port. */
static status_t add_session(const struct fat_node *n, uint32_t rights, lo_channel_t *client)
{
	for (uint32_t i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = &sessions[i];
		if (s->channel.value)
			continue;
		status_t st = lo_channel_create(lo_job_self(), &s->channel, client);
		if (st == LO_OK)
			st = lo_port_bind(port, lo_channel_handle(s->channel),
					  LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, SESSION_KEY + i);
		if (st != LO_OK) {
			if (s->channel.value) {
				lo_handle_close(lo_channel_handle(s->channel));
				lo_handle_close(lo_channel_handle(*client));
			}
			s->channel.value = 0;
			return st;
		}
		s->node = *n;
		s->pos = 0;
		s->rights = rights;
		s->dirty = s->closing = 0;
		return LO_OK;
	}
	return LO_ERR_NO_RESOURCES;
}

static status_t on_open(void *ctx, const struct lo_registry_open_request *req,
			struct lo_registry_open_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	static char path[FAT_PATH_MAX + 1];
	const struct conn *c = ctx;
	struct fat_node n;
	struct fat_stat st;
	status_t s = full_path(c, req->path, req->path_len, path);
	if (s == LO_OK)
		s = fat_open(&fs, path, &n);
	if (s == LO_OK)
		s = fat_stat(&fs, &n, &st);
	if (s != LO_OK)
		return s;
	resp->consumed = req->path_len;
	lo_channel_t client;
	if (st.is_dir) {
		if ((s = add_conn(path, c->rights & req->conn_rights, &client)) != LO_OK)
			return s;
		resp->kind = LO_ENTRY_REGISTRY;
	} else {
		/* The session may write only if asked to and the connection
		 * is WRITABLE. */
		uint32_t rights = (req->rights & LO_RIGHT_READ) ? LO_FILE_RIGHT_READ : 0;
		if ((req->rights & LO_RIGHT_WRITE) && (c->rights & LO_REGISTRY_RIGHT_WRITABLE))
			rights |= LO_FILE_RIGHT_WRITE;
		if ((s = add_session(&n, rights, &client)) != LO_OK)
			return s;
		resp->kind = LO_ENTRY_OBJECT;
		resp->granted = SESSION_HANDLE_RIGHTS | (req->rights & (LO_RIGHT_DUPLICATE | LO_RIGHT_TRANSFER));
	}
	rh[0] = lo_channel_handle(client);
	*nrh = 1;
	return LO_OK;
}

/* open in small messages (idl/registry.idl): this server asks nobody
 * else and holds no mounts, so resolve_local and resolve_keep change
 * nothing; it holds no links. */
static status_t on_resolve(void *ctx, const struct lo_registry_resolve_request *req,
			   struct lo_registry_resolve_response *resp, lo_handle_t *rh, uint32_t *nrh)
{
	static struct lo_registry_open_request open;
	static struct lo_registry_open_response answer;
	if (req->path_len > LO_REGISTRY_RESOLVE_PATH_MAX)
		return LO_ERR_NAME_TOO_LONG;
	if (req->flags & ~(uint32_t)(LO_RESOLVE_LOCAL | LO_RESOLVE_KEEP))
		return LO_ERR_INVALID_ARGS;
	open.path_len = req->path_len;
	lo_memcpy(open.path, req->path, req->path_len);
	open.rights = req->rights;
	open.conn_rights = req->conn_rights;
	lo_memset(&answer, 0, sizeof(answer));
	status_t s = on_open(ctx, &open, &answer, rh, nrh);
	resp->kind = answer.kind;
	resp->consumed = answer.consumed;
	resp->granted = answer.granted;
	return s;
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
	resp->rights = d.is_dir ? 0 : LISTED_RIGHTS;
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

static status_t on_rename(void *ctx, const struct lo_registry_rename_request *req)
{
	static char from[FAT_PATH_MAX + 1], to[FAT_PATH_MAX + 1];
	status_t s = full_path(ctx, req->from, req->from_len, from);
	if (s == LO_OK)
		s = full_path(ctx, req->to, req->to_len, to);
	if (s == LO_OK)
		s = fat_rename(&fs, from, to);
	status_t synced = fat_sync(&fs);
	return s != LO_OK ? s : synced;
}

static const struct lo_registry_server server = {
	.open = on_open,
	.resolve = on_resolve,
	.list = on_list,
	.bind = on_bind,
	.unbind = on_unbind,
	.make_registry = on_make_registry,
	.rename = on_rename,
};

/* --- the file protocol, one session per open --- */

static status_t on_read(void *ctx, const struct lo_file_read_request *req, struct lo_file_read_response *resp)
{
	struct session *s = ctx;
	uint32_t n = req->count < sizeof(resp->data) ? req->count : (uint32_t)sizeof(resp->data);
	int64_t got = fat_read(&fs, &s->node, s->pos, resp->data, n);
	if (got < 0)
		return (status_t)got;
	s->pos += (uint64_t)got;
	resp->data_len = (uint32_t)got;
	return LO_OK;
}

static status_t on_write(void *ctx, const struct lo_file_write_request *req, struct lo_file_write_response *resp)
{
	struct session *s = ctx;
	if (req->data_len > sizeof(req->data))
		return LO_ERR_INVALID_ARGS;   /* the length is the client's word: check it */
	s->dirty = 1;
	int64_t put = fat_write(&fs, &s->node, s->pos, req->data, req->data_len);
	if (put < 0)
		return (status_t)put;
	s->pos += (uint64_t)put;
	resp->written = (uint32_t)put;
	return LO_OK;
}

static status_t on_seek(void *ctx, const struct lo_file_seek_request *req, struct lo_file_seek_response *resp)
{
	struct session *s = ctx;
	struct fat_stat st;
	int64_t base = 0;
	if (req->whence == 1) {
		base = (int64_t)s->pos;
	} else if (req->whence == 2) {
		status_t e = fat_stat(&fs, &s->node, &st);
		if (e != LO_OK)
			return e;
		base = (int64_t)st.size;
	} else if (req->whence != 0) {
		return LO_ERR_INVALID_ARGS;
	}
	if ((req->offset < 0 && req->offset < -base) || (req->offset > 0 && req->offset > INT64_MAX - base))
		return LO_ERR_INVALID_ARGS;
	s->pos = (uint64_t)(base + req->offset);
	resp->position = s->pos;
	return LO_OK;
}

static status_t on_stat(void *ctx, struct lo_file_stat_response *resp)
{
	struct session *s = ctx;
	struct fat_stat st;
	status_t e = fat_stat(&fs, &s->node, &st);
	if (e != LO_OK)
		return e;
	resp->size = st.size;
	resp->kind = st.is_dir ? 2 : 1;
	return LO_OK;
}

static status_t on_truncate(void *ctx, const struct lo_file_truncate_request *req)
{
	struct session *s = ctx;
	s->dirty = 1;
	return fat_truncate(&fs, &s->node, req->size);
}

static status_t session_sync(struct session *s)
{
	if (!s->dirty)
		return LO_OK;
	s->dirty = 0;
	return fat_sync(&fs);
}

static status_t on_sync(void *ctx) { return session_sync(ctx); }

static status_t on_close(void *ctx)
{
	struct session *s = ctx;
	s->closing = 1;
	return session_sync(s);
}

static const struct lo_file_server file_server = {
	.read = on_read,
	.write = on_write,
	.seek = on_seek,
	.stat = on_stat,
	.close = on_close,
	.truncate = on_truncate,
	.sync = on_sync,
};

static void end_session(struct session *s)
{
	session_sync(s);   /* a client that ended without closing: keep its writes */
	lo_handle_close(lo_channel_handle(s->channel));
	s->channel.value = 0;
}

/* A few requests per wake-up, so one client cannot starve the rest; then
 * watch the channel again (a port binding fires once). */
static void serve_session(struct session *s, uint32_t key, uint32_t signals)
{
	if (signals & LO_SIG_CHANNEL_READABLE) {
		for (int turn = 0; turn < 8 && !s->closing; turn++)
			if (lo_file_serve_one(s->channel, &file_server, s, s->rights) != LO_OK)
				break;
	} else if (signals & LO_SIG_CHANNEL_PEER_CLOSED) {
		s->closing = 1;
	}
	if (s->closing || lo_port_bind(port, lo_channel_handle(s->channel),
				       LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, key) != LO_OK)
		end_session(s);
}

static void serve_conn(struct conn *c, uint32_t key, uint32_t signals)
{
	int gone = 0;
	if (signals & LO_SIG_CHANNEL_READABLE) {
		for (int turn = 0; turn < 8; turn++)
			if (lo_registry_serve_one(c->channel, &server, c, c->rights) != LO_OK)
				break;
	} else if (signals & LO_SIG_CHANNEL_PEER_CLOSED) {
		gone = 1;
	}
	if (gone || lo_port_bind(port, lo_channel_handle(c->channel),
				 LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, key) != LO_OK) {
		lo_handle_close(lo_channel_handle(c->channel));
		c->channel.value = 0;
	}
}

static int anyone_left(void)
{
	for (uint32_t i = 0; i < MAX_CONNS; i++)
		if (conns[i].channel.value)
			return 1;
	for (uint32_t i = 0; i < MAX_SESSIONS; i++)
		if (sessions[i].channel.value)
			return 1;
	return 0;
}

int main(void)
{
	disk = lo_channel_from(lo_startup_handle(LO_STARTUP_USER + 0));
	conns[0].channel = lo_channel_from(lo_startup_handle(LO_STARTUP_CHANNEL));
	conns[0].rights = LO_REGISTRY_RIGHTS_ALL;   /* init's: it attenuates what it passes on */
	int32_t status;
	uint64_t sectors = 0;
	uint32_t sector_size = 0;
	status_t st = lo_port_create(lo_job_self(), &port);
	if (st == LO_OK)
		st = lo_port_bind(port, lo_channel_handle(conns[0].channel),
				  LO_SIG_CHANNEL_READABLE | LO_SIG_CHANNEL_PEER_CLOSED, 0);
	if (st == LO_OK)
		st = lo_block_info(disk, &status, &sectors, &sector_size);
	if (st == LO_OK)
		st = status;
	if (st == LO_OK && sector_size != FAT_SECTOR_SIZE)
		st = LO_ERR_NOT_SUPPORTED;
	struct fat_blockdev dev = { NULL, disk_read, disk_write, disk_flush, sectors };
	if (st == LO_OK)
		st = fat_mount(&fs, &dev);
	if (st != LO_OK) {
		lo_printf("fatfs: cannot mount: %s%s%s\n", lo_status_name(st), fs.refused ? ": " : "",
			  fs.refused ? fs.refused : "");
		return 1;
	}
	lo_printf("fatfs: FAT32 volume, %u clusters of %u bytes, %u free\n", fs.clusters, fs.cluster_bytes,
		  fs.free_count);
	while (anyone_left()) {
		struct lo_port_packet pkt;
		if (lo_port_wait(port, UINT64_MAX, &pkt) != LO_OK)
			return 2;
		if (pkt.key >= SESSION_KEY && pkt.key < SESSION_KEY + MAX_SESSIONS) {
			struct session *s = &sessions[pkt.key - SESSION_KEY];
			if (s->channel.value)
				serve_session(s, (uint32_t)pkt.key, pkt.signals);
		} else if (pkt.key < MAX_CONNS && conns[pkt.key].channel.value) {
			serve_conn(&conns[pkt.key], (uint32_t)pkt.key, pkt.signals);
		}
	}
	return 0;   /* nobody can reach us any more */
}
