#include "lightos/spawn.h"
#include "elf.h"
#include "lightos/tar.h"
#include "lightos/runtime.h"
#include "lightos/startup.h"
#include "lightos/policy.h"
#include "lightos/sha256.h"
#include "lightos/audit.h"

static void close_given(const struct lo_give *give, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		lo_handle_close(give[i].handle);
}

/* The image a binary comes from, when its pages may be mapped: the VMO,
 * our handle's rights, and where the file starts in it. */
struct image_src {
	lo_vmo_t vmo;
	uint32_t rights;
	uint64_t offset;
	lo_vmo_t no_exec;   /* a duplicate without EXECUTE, made on first need */
};

/* Whether a read-only segment can be the image's own pages: page-aligned
 * in the image, its bytes filling its whole mapping, and a handle that
 * maps (and executes, for text) but can never write the image. */
static int mappable(const struct image_src *src, const struct elf_segment *seg)
{
	uint32_t need = LO_RIGHT_MAP | (seg->executable ? LO_RIGHT_EXECUTE : 0);
	return src && !seg->writable && seg->copy_to == 0 &&
	       (src->offset + seg->file_offset) % 4096 == 0 &&
	       (seg->file_size + 4095) / 4096 == seg->mem_size / 4096 &&
	       (src->rights & need) == need && !(src->rights & LO_RIGHT_WRITE);
}

/* Map a read-only segment from the image. Rodata goes through a handle
 * without EXECUTE, so the child can never make shared data executable
 * (a mapping's rights are bounded by its handle's). */
static status_t map_from_image(lo_process_t child, struct image_src *src,
			       const struct elf_segment *seg)
{
	lo_vmo_t vmo = src->vmo;
	if (!seg->executable && (src->rights & LO_RIGHT_EXECUTE)) {
		if (!src->no_exec.value) {
			uint32_t h;
			status_t st = lo_handle_duplicate(lo_vmo_handle(src->vmo),
							  src->rights & ~LO_RIGHT_EXECUTE, &h);
			if (st != LO_OK)
				return st;
			src->no_exec = lo_vmo_from((lo_handle_t){ h });
		}
		vmo = src->no_exec;
	}
	uint32_t flags = seg->executable ? LO_MAP_EXEC : 0;
	struct lo_map_request req = { seg->vaddr, src->offset + seg->file_offset, seg->mem_size,
				      flags, 0 };
	uint64_t addr;
	return lo_process_map(child, vmo, &req, &addr);
}

/* One segment: the image's pages where they can be shared, else a fresh
 * VMO with the file bytes, mapped into the child. */
static status_t load_segment(lo_job_t job, lo_process_t child, const uint8_t *elf,
			     const struct elf_segment *seg, struct image_src *src)
{
	if (mappable(src, seg))
		return map_from_image(child, src, seg);
	lo_vmo_t vmo;
	status_t st = lo_vmo_create(job, seg->mem_size, &vmo);
	if (st != LO_OK)
		return st;
	st = lo_vmo_write_all(vmo, elf + seg->file_offset, seg->copy_to, seg->file_size);
	if (st == LO_OK) {
		uint32_t flags = (seg->writable ? LO_MAP_WRITE : 0) | (seg->executable ? LO_MAP_EXEC : 0);
		struct lo_map_request req = { seg->vaddr, 0, seg->mem_size, flags, 0 };
		uint64_t addr;
		st = lo_process_map(child, vmo, &req, &addr);
	}
	lo_handle_close(lo_vmo_handle(vmo));   /* the mapping keeps it */
	return st;
}

static status_t map_stack(lo_job_t job, lo_process_t child, uint64_t *top)
{
	lo_vmo_t vmo;
	status_t st = lo_vmo_create(job, LO_SPAWN_STACK, &vmo);
	if (st != LO_OK)
		return st;
	struct lo_map_request req = { 0, 0, LO_SPAWN_STACK, LO_MAP_WRITE, 0 };
	uint64_t addr = 0;
	st = lo_process_map(child, vmo, &req, &addr);
	lo_handle_close(lo_vmo_handle(vmo));
	*top = addr + LO_SPAWN_STACK;
	return st;
}

/* The startup message, sent on a fresh channel; the child gets the other end. */
static status_t send_startup(lo_process_t child, lo_thread_t thread, const char *args,
			     const struct lo_give *give, uint32_t ngive, lo_channel_t *child_end)
{
	struct lo_startup msg;
	lo_handle_t handles[2 + LO_SPAWN_MAX_GIVE + 2];
	lo_memset(&msg, 0, sizeof(msg));
	msg.magic = LO_STARTUP_MAGIC;
	uint32_t self_rights = LO_DEFAULT_RIGHTS_PROCESS & ~LO_RIGHT_DESTROY;
	uint32_t p = 0, t = 0;
	status_t st = lo_handle_duplicate(lo_process_handle(child), self_rights, &p);
	if (st == LO_OK)
		st = lo_handle_duplicate(lo_thread_handle(thread), LO_DEFAULT_RIGHTS_THREAD, &t);
	if (st != LO_OK) {
		if (p)
			lo_handle_close((lo_handle_t){ p });
		close_given(give, ngive);
		return st;
	}
	msg.entries[0].kind = LO_STARTUP_PROCESS_SELF;
	handles[0].value = msg.entries[0].handle = p;
	msg.entries[1].kind = LO_STARTUP_THREAD_SELF;
	handles[1].value = msg.entries[1].handle = t;
	for (uint32_t i = 0; i < ngive; i++) {
		msg.entries[2 + i].kind = give[i].kind;
		msg.entries[2 + i].handle = give[i].handle.value;
		handles[2 + i] = give[i].handle;
	}
	msg.count = 2 + ngive;
	uint32_t len = 0;
	while (args && args[len] && len < sizeof(msg.args) - 1) {
		msg.args[len] = args[len];
		len++;
	}
	lo_channel_t mine;
	st = lo_channel_create(lo_job_self(), &mine, child_end);
	if (st != LO_OK) {
		for (uint32_t i = 0; i < msg.count; i++)
			lo_handle_close(handles[i]);
		return st;
	}
	/* The write moves every handle into the message, also when it fails,
	 * except when refused with BAD_STATE (a given channel end has ends
	 * queued): then they are still ours, and spawn consumes them anyway. */
	st = lo_channel_write(mine, &msg, sizeof(msg), handles, msg.count);
	if (st == LO_ERR_BAD_STATE) {
		for (uint32_t i = 0; i < msg.count; i++)
			lo_handle_close(handles[i]);
	}
	lo_handle_close(lo_channel_handle(mine));   /* the message stays queued */
	if (st != LO_OK)
		lo_handle_close(lo_channel_handle(*child_end));
	return st;
}

/* A second handle with the same rights. */
static status_t dup_same(lo_handle_t h, uint32_t *out)
{
	struct lo_object_info info;
	status_t st = lo_handle_info(h, &info);
	return st == LO_OK ? lo_handle_duplicate(h, info.rights, out) : st;
}

/* The policy's pinned digest, if any, against the binary's. */
static int digest_allowed(const char *program, const uint8_t digest[LO_SHA256_BYTES])
{
	const struct lo_policy_program *p = lo_policy_for(program);
	if (!p || !p->digest || !p->digest[0])
		return 1;
	char hex[2 * LO_SHA256_BYTES + 1];
	lo_sha256_hex(digest, hex);
	return !lo_strcmp(hex, p->digest);
}

/* Start the binary `elf`, whose identity is `path` (in the boot image; ""
 * for bytes from no file) and `digest`: the policy applied is that of the
 * program the path names, and the kernel records the identity, attested
 * by us, before the child runs. */
static status_t spawn(const uint8_t *elf, size_t size, const char *name, const char *path,
		      const uint8_t digest[LO_SHA256_BYTES], const char *args,
		      const struct lo_give *give, uint32_t ngive, lo_process_t *process,
		      const char **why, lo_revoker_t *revokers, uint32_t *nrevokers,
		      struct image_src *src)
{
	struct elf_image image;
	char program[LO_IDENTITY_PATH_MAX];
	lo_program_of_path(path, program, sizeof(program));
	if (!digest_allowed(program, digest)) {
		close_given(give, ngive);
		if (why)
			*why = "the binary does not match the digest its policy pins";
		return LO_ERR_ACCESS_DENIED;
	}
	if (ngive > LO_SPAWN_MAX_GIVE) {
		close_given(give, ngive);
		return LO_ERR_OUT_OF_RANGE;
	}
	status_t st = elf_parse(elf, size, &image, why);
	if (st != LO_OK) {
		close_given(give, ngive);
		return st;
	}
	/* The child runs in the job the caller gives it (kind LO_STARTUP_JOB),
	 * else in ours; its process and memory are made there, through the
	 * caller's handle, before the policy trims what the child receives. */
	struct lo_give allowed[LO_SPAWN_MAX_GIVE + 2];
	lo_job_t job = lo_job_self();
	int job_given = 0;
	for (uint32_t i = 0; i < ngive; i++) {
		allowed[i] = give[i];
		if (give[i].kind == LO_STARTUP_JOB) {
			job = lo_job_from(give[i].handle);
			job_given = 1;
		}
	}
	lo_process_t child;
	st = lo_process_create(job, name, (uint32_t)lo_strlen(name), &child);
	if (st != LO_OK) {
		close_given(give, ngive);
		return st;
	}
	struct lo_identity_claim claim;
	lo_memset(&claim, 0, sizeof(claim));
	for (size_t i = 0; path[i] && i + 1 < sizeof(claim.path); i++)
		claim.path[i] = path[i];
	lo_memcpy(claim.sha256, digest, sizeof(claim.sha256));
	st = lo_process_set_identity(child, &claim);
	for (uint32_t i = 0; i < image.segment_count && st == LO_OK; i++)
		st = load_segment(job, child, elf, &image.segments[i], src);
	if (src && src->no_exec.value)
		lo_handle_close(lo_vmo_handle(src->no_exec));
	uint64_t stack_top = 0;
	if (st == LO_OK)
		st = map_stack(job, child, &stack_top);
	/* By default the child gets our job and the clock, as far as the
	 * policy grants them to it (a program granted nothing gets neither). */
	uint32_t n = ngive, dup = 0;
	lo_handle_t own_job = lo_job_handle(lo_job_self()), clock = lo_clock_handle(lo_clock);
	if (!job_given && lo_policy_rights(program, LO_STARTUP_JOB, own_job) &&
	    dup_same(own_job, &dup) == LO_OK)
		allowed[n++] = (struct lo_give){ LO_STARTUP_JOB, { dup } };
	if (lo_policy_rights(program, LO_STARTUP_CLOCK, clock) &&
	    dup_same(clock, &dup) == LO_OK)
		allowed[n++] = (struct lo_give){ LO_STARTUP_CLOCK, { dup } };
	/* The rights policy decides what may go in, with which rights. */
	if (st == LO_OK)
		st = lo_policy_apply(program, allowed, n, why, revokers, nrevokers);
	else
		close_given(allowed, n);
	if (st != LO_OK) {
		lo_handle_close(lo_process_handle(child));   /* never started: it goes */
		return st;
	}
	give = allowed;
	ngive = n;
	lo_thread_t thread = { 0 };
	st = lo_thread_create(child, name, (uint32_t)lo_strlen(name), &thread);
	if (st != LO_OK) {
		close_given(give, ngive);
	} else {
		lo_channel_t child_end;
		st = send_startup(child, thread, args, give, ngive, &child_end);
		if (st == LO_OK) {
			lo_handle_t arg = lo_channel_handle(child_end);
			st = lo_process_start(child, thread, image.entry, stack_top, &arg, 1);
		}
	}
	if (thread.value)
		lo_handle_close(lo_thread_handle(thread));
	if (st != LO_OK) {
		if (why && !*why)
			*why = "could not build the process";
		lo_handle_close(lo_process_handle(child));   /* never started: it goes */
		for (uint32_t i = 0; nrevokers && i < *nrevokers; i++)
			lo_handle_close(lo_revoker_handle(revokers[i]));
		if (nrevokers)
			*nrevokers = 0;
		return st;
	}
	*process = child;
	return LO_OK;
}

status_t lo_spawn(const uint8_t *elf, size_t size, const char *name, const char *args,
		  const struct lo_give *give, uint32_t ngive, lo_process_t *process,
		  const char **why)
{
	uint8_t digest[LO_SHA256_BYTES];
	lo_sha256(elf, size, digest);
	return spawn(elf, size, name, "", digest, args, give, ngive, process, why, NULL, NULL, NULL);
}

/* The digests of binaries in the image this process has started, so each
 * is hashed once. A slot is claimed, filled, then published. */
#define DIGEST_CACHE 16
static struct {
	const uint8_t *data;
	size_t size;
	uint8_t digest[LO_SHA256_BYTES];
	uint32_t claimed, ready;
} digests[DIGEST_CACHE];

void lo_image_digest(const uint8_t *data, size_t size, uint8_t out[LO_SHA256_BYTES])
{
	for (int i = 0; i < DIGEST_CACHE; i++) {
		if (__atomic_load_n(&digests[i].ready, __ATOMIC_ACQUIRE) &&
		    digests[i].data == data && digests[i].size == size) {
			lo_memcpy(out, digests[i].digest, LO_SHA256_BYTES);
			return;
		}
	}
	lo_sha256(data, size, out);
	for (int i = 0; i < DIGEST_CACHE; i++) {
		uint32_t free = 0;
		if (__atomic_compare_exchange_n(&digests[i].claimed, &free, 1, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			digests[i].data = data;
			digests[i].size = size;
			lo_memcpy(digests[i].digest, out, LO_SHA256_BYTES);
			__atomic_store_n(&digests[i].ready, 1, __ATOMIC_RELEASE);
			return;
		}
	}
}

status_t lo_map_readonly(lo_vmo_t vmo, const uint8_t **data, size_t *size)
{
	uint64_t bytes;
	status_t st = lo_vmo_get_size(vmo, &bytes);
	if (st != LO_OK)
		return st;
	/* Mappings cover whole pages; the VMO's size is exact. */
	struct lo_map_request req = { 0, 0, (bytes + 4095) & ~4095ull, 0, 0 };
	uint64_t addr = 0;
	st = lo_process_map(lo_self, vmo, &req, &addr);
	if (st == LO_OK) {
		*data = (const uint8_t *)addr;
		*size = bytes;
	}
	return st;
}

status_t lo_spawn_from_image(lo_vmo_t image, const char *path, const char *args,
			     const struct lo_give *give, uint32_t ngive,
			     lo_process_t *process, const char **why)
{
	return lo_spawn_from_image_revocable(image, path, args, give, ngive, process, why, NULL, NULL);
}

status_t lo_spawn_from_image_revocable(lo_vmo_t image, const char *path, const char *args,
				       const struct lo_give *give, uint32_t ngive,
				       lo_process_t *process, const char **why,
				       lo_revoker_t *revokers, uint32_t *nrevokers)
{
	/* The first image stays mapped (it is the boot image); another one is
	 * mapped for this call only, and its digests are not remembered (its
	 * address may later hold other bytes). */
	static const uint8_t *boot_tar;
	static size_t boot_size;
	static uint64_t boot_id;
	struct lo_object_info info;
	status_t st = lo_handle_info(lo_vmo_handle(image), &info);
	const uint8_t *tar = boot_tar;
	size_t tar_size = boot_size;
	int transient = 0;
	if (st == LO_OK && !boot_tar) {
		st = lo_map_readonly(image, &boot_tar, &boot_size);
		boot_id = info.id;
		tar = boot_tar;
		tar_size = boot_size;
	} else if (st == LO_OK && info.id != boot_id) {
		st = lo_map_readonly(image, &tar, &tar_size);
		transient = st == LO_OK;
	}
	struct lo_tar_entry entry;
	if (st == LO_OK)
		st = lo_tar_find(tar, tar_size, path, &entry);
	if (st != LO_OK) {
		close_given(give, ngive);
		if (why)
			*why = "no such file in the image";
	} else {
		const char *name = path;
		for (const char *p = path; *p; p++) {
			if (*p == '/')
				name = p + 1;
		}
		uint8_t digest[LO_SHA256_BYTES];
		if (transient)
			lo_sha256(tar + entry.offset, entry.size, digest);
		else
			lo_image_digest(tar + entry.offset, entry.size, digest);
		struct image_src src = { image, info.rights, entry.offset, { 0 } };
		st = spawn(tar + entry.offset, entry.size, name, path, digest, args, give, ngive,
			   process, why, revokers, nrevokers, &src);
	}
	if (transient)
		lo_process_unmap(lo_self, (uint64_t)(uintptr_t)tar, (tar_size + 4095) & ~4095ull);
	return st;
}

status_t lo_job_create_share(lo_job_t parent, uint32_t percent, lo_job_t *job)
{
	struct lo_job_info info;
	status_t st = lo_job_info(parent, &info);
	if (st != LO_OK)
		return st;
	struct lo_job_quota q = {
		(info.memory_pages_limit - info.memory_pages_used) * percent / 100,
		(uint32_t)((uint64_t)(info.processes_limit - info.processes_used) * percent / 100),
		(uint32_t)((uint64_t)(info.objects_limit - info.objects_used) * percent / 100),
		(uint32_t)((uint64_t)(info.handles_limit - info.handles_used) * percent / 100),
		0,
	};
	return lo_job_create(parent, &q, job);
}
