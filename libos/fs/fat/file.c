/* File contents: read, write, truncate over cluster chains. */
#include "fat_internal.h"

/* The file's cluster number `index` (counting from 0 at `first`), resuming
 * from the node's hint when it is still valid. */
static status_t file_cluster(struct fat_fs *fs, struct fat_node *node, uint32_t first, uint32_t index,
			     uint32_t *out)
{
	uint32_t c = first, at = 0;
	struct fat_chain_guard guard;
	fat_guard_init(&guard, first);
	if (node->hint_generation == fs->generation && node->hint_first == first &&
	    node->hint_index <= index && node->hint_cluster) {
		/* Resume the walk, loop detection included: reading a looping
		 * file piece by piece is one long walk, not many short ones. */
		c = node->hint_cluster;
		at = node->hint_index;
		guard.mark = node->hint_mark;
		guard.power = node->hint_power;
		guard.steps = node->hint_steps;
	}
	if (!fat_valid_cluster(fs, c))
		return LO_ERR_BAD_FORMAT;
	for (; at < index; at++) {
		status_t st = fat_next(fs, c, &c);
		if (st != LO_OK)
			return st;
		if (!c)
			return LO_ERR_BAD_FORMAT;   /* the chain is shorter than the size says */
		if ((st = fat_guard_step(&guard, c)) != LO_OK)
			return st;
	}
	node->hint_generation = fs->generation;
	node->hint_first = first;
	node->hint_index = index;
	node->hint_cluster = c;
	node->hint_mark = guard.mark;
	node->hint_power = guard.power;
	node->hint_steps = guard.steps;
	*out = c;
	return LO_OK;
}

static status_t file_entry(struct fat_fs *fs, struct fat_node *node, struct fat_entry *e)
{
	status_t st = fat_node_entry(fs, node, e);
	if (st != LO_OK)
		return st;
	return (e->raw[11] & ATTR_DIR) ? LO_ERR_NOT_SUPPORTED : LO_OK;
}

/* Copy between buf and the file's bytes [offset, offset+len), which lie
 * inside its clusters. */
static status_t transfer(struct fat_fs *fs, struct fat_node *node, uint32_t first, uint64_t offset,
			 uint8_t *buf, size_t len, int writing)
{
	while (len > 0) {
		uint32_t c;
		status_t st = file_cluster(fs, node, first, (uint32_t)(offset / fs->cluster_bytes), &c);
		if (st != LO_OK)
			return st;
		uint32_t in_cluster = (uint32_t)(offset % fs->cluster_bytes);
		uint64_t sector = fat_cluster_sector(fs, c) + in_cluster / FAT_SECTOR_SIZE;
		uint32_t in_sector = in_cluster % FAT_SECTOR_SIZE;
		uint32_t n = FAT_SECTOR_SIZE - in_sector;
		if (n > len)
			n = (uint32_t)len;
		st = writing ? fat_cache_write(fs, sector, in_sector, buf, n)
			     : fat_cache_read(fs, sector, in_sector, buf, n);
		if (st != LO_OK)
			return st;
		buf += n;
		offset += n;
		len -= n;
	}
	return LO_OK;
}

static uint32_t clusters_for(const struct fat_fs *fs, uint64_t size)
{
	return (uint32_t)((size + fs->cluster_bytes - 1) / fs->cluster_bytes);
}

/* A read that reaches the end of the file checks that the chain ends
 * there too: a chain that goes on (into another file, or back into
 * itself) means the size or the table is wrong, and the bytes read may
 * not be the file's. */
static status_t check_chain_end(struct fat_fs *fs, struct fat_node *node, uint32_t first, uint64_t size)
{
	uint32_t last, next;
	if (size == 0)
		return first ? LO_ERR_BAD_FORMAT : LO_OK;
	status_t st = file_cluster(fs, node, first, clusters_for(fs, size) - 1, &last);
	if (st == LO_OK)
		st = fat_next(fs, last, &next);
	if (st == LO_OK && next)
		st = LO_ERR_BAD_FORMAT;
	return st;
}

int64_t fat_read(struct fat_fs *fs, struct fat_node *node, uint64_t offset, void *buf, size_t len)
{
	struct fat_entry e;
	status_t st = file_entry(fs, node, &e);
	if (st != LO_OK)
		return st;
	uint64_t size = get32(e.raw + 28);
	if (offset >= size)
		return 0;
	if (len > size - offset)
		len = (size_t)(size - offset);
	st = transfer(fs, node, fat_entry_cluster(&e), offset, buf, len, 0);
	if (st == LO_OK && offset + len == size)
		st = check_chain_end(fs, node, fat_entry_cluster(&e), size);
	return st != LO_OK ? st : (int64_t)len;
}

/* Cut the chain back to end at old_last (0: the file had no cluster)
 * and free `added`, the clusters a failed grow linked after it. */
static void undo_grow(struct fat_fs *fs, struct fat_node *node, struct fat_entry *e, uint32_t old_last,
		      uint32_t added)
{
	if (old_last) {
		fat_set(fs, old_last, FAT_EOC);
	} else {
		fat_entry_set_cluster(e, 0);
		fat_node_put_entry(fs, node, e);
	}
	fat_free_chain(fs, added);
}

/* Grow the chain to hold `size` bytes; new clusters are zeroed. */
static status_t grow(struct fat_fs *fs, struct fat_node *node, struct fat_entry *e, uint64_t old_size,
		     uint64_t size)
{
	uint32_t have = clusters_for(fs, old_size), want = clusters_for(fs, size);
	uint32_t first = fat_entry_cluster(e), last = 0;
	if (have > 0) {
		status_t st = file_cluster(fs, node, first, have - 1, &last);
		if (st != LO_OK)
			return st;
	} else if (first) {
		return LO_ERR_BAD_FORMAT;   /* an empty file owns no cluster */
	}
	uint32_t old_last = last, added = 0;   /* added: the first new cluster */
	for (; have < want; have++) {
		status_t st = fat_alloc(fs, last, &last);
		if (st == LO_OK && !added)
			added = last;
		if (st == LO_OK && have == 0) {
			fat_entry_set_cluster(e, last);
			st = fat_node_put_entry(fs, node, e);
		}
		if (st != LO_OK) {
			/* Give back what this grow took (the disk is full, say): the
			 * chain must stay as long as the size says. */
			if (added)
				undo_grow(fs, node, e, old_last, added);
			return st;
		}
	}
	return LO_OK;
}

/* Zeros into [from, to) of the file, inside its clusters: the tail of the
 * last cluster may hold bytes of an earlier, longer life of the file. */
static status_t zero_range(struct fat_fs *fs, struct fat_node *node, uint32_t first, uint64_t from, uint64_t to)
{
	static uint8_t zero[FAT_SECTOR_SIZE];
	memset(zero, 0, sizeof(zero));
	while (from < to) {
		uint64_t n = to - from < sizeof(zero) ? to - from : sizeof(zero);
		status_t st = transfer(fs, node, first, from, zero, (size_t)n, 1);
		if (st != LO_OK)
			return st;
		from += n;
	}
	return LO_OK;
}

static status_t set_size(struct fat_fs *fs, struct fat_node *node, struct fat_entry *e, uint64_t size)
{
	put32(e->raw + 28, (uint32_t)size);
	e->raw[11] |= ATTR_ARCHIVE;
	return fat_node_put_entry(fs, node, e);
}

/* Make the file `size` bytes long with zeros after the old end. */
static status_t extend(struct fat_fs *fs, struct fat_node *node, struct fat_entry *e, uint64_t size)
{
	uint64_t old = get32(e->raw + 28);
	status_t st = grow(fs, node, e, old, size);
	if (st != LO_OK)
		return st;
	/* Only the old last cluster needs zeroing: new ones came zeroed. */
	uint64_t end = (uint64_t)clusters_for(fs, old) * fs->cluster_bytes;
	if ((st = zero_range(fs, node, fat_entry_cluster(e), old, end < size ? end : size)) != LO_OK)
		return st;
	return set_size(fs, node, e, size);
}

int64_t fat_write(struct fat_fs *fs, struct fat_node *node, uint64_t offset, const void *buf, size_t len)
{
	struct fat_entry e;
	status_t st = file_entry(fs, node, &e);
	if (st != LO_OK)
		return st;
	if (len == 0)
		return 0;
	if (offset > FAT_FILE_MAX || len > FAT_FILE_MAX - offset)
		return LO_ERR_OUT_OF_RANGE;
	uint64_t size = get32(e.raw + 28);
	if (offset + len > size && (st = extend(fs, node, &e, offset + len)) != LO_OK)
		return st;
	st = transfer(fs, node, fat_entry_cluster(&e), offset, (uint8_t *)buf, len, 1);
	return st != LO_OK ? st : (int64_t)len;
}

status_t fat_truncate(struct fat_fs *fs, struct fat_node *node, uint64_t size)
{
	struct fat_entry e;
	status_t st = file_entry(fs, node, &e);
	if (st != LO_OK)
		return st;
	if (size > FAT_FILE_MAX)
		return LO_ERR_OUT_OF_RANGE;
	uint64_t old = get32(e.raw + 28);
	if (size >= old)
		return size == old ? LO_OK : extend(fs, node, &e, size);
	uint32_t keep = clusters_for(fs, size), first = fat_entry_cluster(&e);
	if (keep == 0) {
		fat_entry_set_cluster(&e, 0);
		if ((st = set_size(fs, node, &e, 0)) != LO_OK)
			return st;
		return first ? fat_free_chain(fs, first) : LO_OK;
	}
	uint32_t last, rest;
	if ((st = file_cluster(fs, node, first, keep - 1, &last)) != LO_OK)
		return st;
	if ((st = fat_next(fs, last, &rest)) != LO_OK)
		return st;
	if ((st = fat_set(fs, last, FAT_EOC)) != LO_OK)
		return st;
	if (rest && (st = fat_free_chain(fs, rest)) != LO_OK)
		return st;
	return set_size(fs, node, &e, size);
}
