/* The mounts a process keeps: the connections its root referred it to.
 *
 * A name under a mount ("files:/etc/motd", files/etc a mount of the file
 * server) costs two round trips through the root: the client to init,
 * init to the mounted server. The first such open asks the root to refer
 * it instead (resolve_keep) and keeps that connection, keyed by the path
 * up to the mount; later opens under it go to the mounted server directly,
 * one round trip, as a Fuchsia process's namespace holds a channel per
 * mount. The connection has exactly the rights the referral carries, so
 * keeping it grants nothing a program could not keep itself.
 *
 * It goes stale three ways, each seen on the next open: the root host
 * revokes it (an entry on its path went, so the path may name something
 * else now; the connection it was asked on closed), the
 * mounted server ends (PEER_CLOSED), or the root handle itself is revoked
 * or closed (each open asks the kernel about it first). Any failure of
 * the kept connection drops it and the open goes through the root. */
#include "lightos/registry.h"
#include "lightos/registry_server.h"
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/thread.h"
#include "registry_lock.h"
#include "registry_mounts.h"

/* Opens that may use one kept connection at once; more go the root's way. */
#define KEPT_USERS 4

struct kept_mount {
	uint32_t len;                  /* of path; 0: the slot is free */
	char path[LO_REGISTRY_PATH_MAX + 1];
	lo_channel_t conn;
	/* The opens using conn now, each by an address on its thread's stack
	 * (0: none), so that one a killed thread left can be told apart and
	 * given up (lo_thread_stack_dead, lo_mounts_stack_gone). */
	uint64_t user[KEPT_USERS];
	bool stale;                    /* closed once no open uses it */
};

static struct kept_mount kept[LO_MOUNTS_KEPT];

static void lock(lo_channel_t root)
{
	lo_registry_lock(LO_REGISTRY_LOCK_MOUNTS, root);
}

static void unlock(void)
{
	lo_registry_unlock(LO_REGISTRY_LOCK_MOUNTS);
}

/* Whether an open still uses k; a user whose thread was killed is none. */
static bool in_use(struct kept_mount *k)
{
	bool used = false;
	for (int i = 0; i < KEPT_USERS; i++) {
		uint64_t sp = __atomic_load_n(&k->user[i], __ATOMIC_SEQ_CST);
		if (sp && lo_thread_stack_dead(sp))
			__atomic_compare_exchange_n(&k->user[i], &sp, 0, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		else if (sp)
			used = true;
	}
	return used;
}

/* Under the lock: conn closes once no open uses it. An open that ends
 * after this sees `stale` and closes it (done). */
static void drop(struct kept_mount *k)
{
	__atomic_store_n(&k->stale, true, __ATOMIC_SEQ_CST);
	if (in_use(k))
		return;
	lo_channel_t conn = k->conn;
	k->len = 0;   /* free first: a kill here leaks the handle, never closes it twice */
	lo_handle_close(lo_channel_handle(conn));
}

/* Under the lock: register the calling open as a user of k (NULL: no room). */
static uint64_t *enter(struct kept_mount *k, uint64_t me)
{
	for (int i = 0; i < KEPT_USERS; i++) {
		if (!k->user[i]) {
			__atomic_store_n(&k->user[i], me, __ATOMIC_SEQ_CST);
			return &k->user[i];
		}
	}
	return NULL;
}

/* The open is done with k: no lock unless k went stale meanwhile (the
 * store and the load are ordered against drop's, so one of the two sees
 * the other and the connection is closed exactly once). */
static void done(lo_channel_t root, struct kept_mount *k, uint64_t *me)
{
	__atomic_store_n(me, 0, __ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&k->stale, __ATOMIC_SEQ_CST))
		return;
	lock(root);
	if (k->len && k->stale)
		drop(k);
	unlock();
}

/* A joined thread's stack is about to be reused: its marks go. */
void lo_mounts_stack_gone(uint64_t stack, uint64_t size)
{
	for (int i = 0; i < LO_MOUNTS_KEPT; i++) {
		for (int j = 0; j < KEPT_USERS; j++) {
			uint64_t sp = __atomic_load_n(&kept[i].user[j], __ATOMIC_SEQ_CST);
			if (sp && sp - stack < size)
				__atomic_compare_exchange_n(&kept[i].user[j], &sp, 0, 0, __ATOMIC_SEQ_CST,
							    __ATOMIC_SEQ_CST);
		}
	}
}

/* Under the lock. A stale slot whose last open was killed before it could
 * close it is closed here, on the way. */
static struct kept_mount *find(const char *path, uint32_t len)
{
	for (int i = 0; i < LO_MOUNTS_KEPT; i++) {
		struct kept_mount *k = &kept[i];
		if (k->len && k->stale)
			drop(k);
		else if (k->len && k->len + 1 < len && path[k->len] == '/' &&
			 !lo_memcmp(k->path, path, k->len))
			return k;
	}
	return NULL;
}

/* The root handle still names the root: revoked or closed, the kept
 * mounts must not outlive it. One system call. */
static bool root_alive(lo_channel_t root)
{
	struct lo_object_info info;
	return lo_handle_info(lo_channel_handle(root), &info) == LO_OK &&
	       !(info.signals & LO_SIG_CHANNEL_PEER_CLOSED);
}

int lo_mounts_open(lo_channel_t root, const char *path, uint32_t len, uint32_t rights,
		   lo_handle_t *out, status_t *st, int *keep)
{
	*keep = 1;
	uint64_t *me = NULL;
	lock(root);
	struct kept_mount *k = find(path, len);
	if (k)
		me = enter(k, (uint64_t)(uintptr_t)&me);
	unlock();
	if (!me)
		return 0;
	if (!root_alive(root)) {
		done(root, k, me);
		return 0;
	}
	const char *rest = path + k->len + 1;
	uint32_t rest_len = len - k->len - 1;
	int32_t status = LO_OK;
	uint32_t kind = 0, consumed = 0, granted = 0, exact = 0, kept_flag = 0;
	lo_handle_t obj = LO_HANDLE_INVALID;
	int answered = 0;
	status_t s = LO_ERR_NAME_TOO_LONG;
	/* Without a clock there is no time to bound the wait by. */
	uint64_t deadline = lo_clock.value ? lo_now() + LO_REGISTRY_MOUNT_WAIT : UINT64_MAX;
	if (rest_len <= LO_REGISTRY_RESOLVE_PATH_MAX)
		s = lo_registry_resolve_until(k->conn, deadline, rights, LO_REGISTRY_RIGHTS_ALL, 0, rest,
					      rest_len, &status, &kind, &consumed, &granted, &exact,
					      &kept_flag, &obj);
	if (s == LO_ERR_TIMED_OUT) {
		/* No answer within the wait init gives a mounted server: the
		 * answer the root's way would give too, a second wait later.
		 * The connection goes: an answer that comes later would stay
		 * queued on it (a call takes only its own), with its handle. */
		*st = s;
		answered = 1;
		lock(root);
		drop(k);
		unlock();
	} else if (s != LO_OK) {
		/* Revoked, the server gone, the handle closed under us: drop it.
		 * (Too long for resolve: the root's way, which takes open.) */
		if (s != LO_ERR_NAME_TOO_LONG) {
			lock(root);
			drop(k);
			unlock();
		}
	} else if (status != LO_OK) {
		/* NOT_SUPPORTED: no resolve there; the root's way asks open. */
		answered = status != LO_ERR_NOT_SUPPORTED;
		*keep = 0;
		*st = status;
	} else if (consumed == rest_len &&
		   (kind == LO_ENTRY_OBJECT || kind == LO_ENTRY_REGISTRY)) {
		/* What the walk keeps of an answer (registry_client.c). */
		*st = LO_OK;
		if (kind == LO_ENTRY_OBJECT && !exact && !(granted & LO_RIGHT_TRANSFER)) {
			uint32_t dropped = 0;
			*st = lo_handle_replace(obj, granted, &dropped);
			if (*st != LO_OK)
				lo_handle_close(obj);
			obj.value = dropped;
		}
		if (*st == LO_OK)
			*out = obj;
		answered = 1;
	} else {
		/* A link, a mount or a device further on, or a bad answer:
		 * the root's way walks those, without asking to keep again. */
		if (obj.value)
			lo_handle_close(obj);
		*keep = 0;
	}
	done(root, k, me);
	return answered;
}

void lo_mounts_keep(lo_channel_t root, const char *path, uint32_t consumed, lo_handle_t conn)
{
	if (consumed == 0 || consumed > LO_REGISTRY_PATH_MAX)
		return;
	/* The path up to the mount, without a trailing '/'. */
	uint32_t len = consumed;
	while (len && path[len - 1] == '/')
		len--;
	if (!len)
		return;
	struct lo_object_info info;
	uint32_t copy = 0;
	if (lo_handle_info(conn, &info) != LO_OK || lo_handle_duplicate(conn, info.rights, &copy) != LO_OK)
		return;
	lock(root);
	struct kept_mount *free_slot = NULL;
	for (int i = 0; i < LO_MOUNTS_KEPT; i++) {
		struct kept_mount *k = &kept[i];
		/* A stale slot closed on the way (see find); one for the same
		 * path (a thread that raced us to it) gives way to the new. */
		if (k->len && (k->stale || (k->len == len && !lo_memcmp(k->path, path, len))))
			drop(k);
		if (!k->len && !free_slot)
			free_slot = k;
	}
	if (free_slot) {
		lo_memcpy(free_slot->path, path, len);
		free_slot->path[len] = '\0';
		free_slot->conn.value = copy;
		for (int j = 0; j < KEPT_USERS; j++)
			free_slot->user[j] = 0;
		free_slot->stale = false;
		free_slot->len = len;   /* last: the slot is in use from here */
		copy = 0;
	}
	unlock();
	if (copy)
		lo_handle_close((lo_handle_t){ copy });
}

int lo_mounts_room(void)
{
	for (int i = 0; i < LO_MOUNTS_KEPT; i++) {
		if (!__atomic_load_n(&kept[i].len, __ATOMIC_RELAXED) ||
		    __atomic_load_n(&kept[i].stale, __ATOMIC_RELAXED))
			return 1;
	}
	return 0;
}

uint32_t lo_registry_kept_mounts(void)
{
	uint32_t n = 0;
	for (int i = 0; i < LO_MOUNTS_KEPT; i++)
		n += __atomic_load_n(&kept[i].len, __ATOMIC_RELAXED) && !kept[i].stale;
	return n;
}
