/* Private to libos/fs/fat: the cache, the table and on-disk layouts. */
#ifndef FAT_INTERNAL_H
#define FAT_INTERNAL_H

#include "lightos/fat.h"

/* The C library's names: the kernel's copies in liblightos, libc on the host. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#define FAT_EOC        0x0FFFFFFFu   /* end of chain, as written */
#define FAT_EOC_MIN    0x0FFFFFF8u   /* any value from here on ends a chain */
#define FAT_MASK       0x0FFFFFFFu
#define DIR_ENTRY_SIZE 32
#define DIR_MAX_ENTRIES 65536        /* the FAT limit on directory size */

#define ATTR_READ_ONLY 0x01
#define ATTR_HIDDEN    0x02
#define ATTR_SYSTEM    0x04
#define ATTR_VOLUME    0x08
#define ATTR_DIR       0x10
#define ATTR_ARCHIVE   0x20
#define ATTR_LFN       0x0F

#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT  0x10

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* cache.c: byte ranges inside one sector. */
status_t fat_cache_read(struct fat_fs *fs, uint64_t sector, uint32_t off, void *buf, uint32_t len);
status_t fat_cache_write(struct fat_fs *fs, uint64_t sector, uint32_t off, const void *buf, uint32_t len);
status_t fat_cache_flush(struct fat_fs *fs);

/* table.c: the allocation table and cluster chains. */
static inline int fat_valid_cluster(const struct fat_fs *fs, uint32_t c)
{
	return c >= 2 && c < fs->clusters + 2;
}
static inline uint64_t fat_cluster_sector(const struct fat_fs *fs, uint32_t c)
{
	return fs->data_start + (uint64_t)(c - 2) * fs->sectors_per_cluster;
}
status_t fat_get(struct fat_fs *fs, uint32_t c, uint32_t *next);
status_t fat_set(struct fat_fs *fs, uint32_t c, uint32_t value);
/* The cluster after c in a chain: 0 at the end, BAD_FORMAT if corrupt. */
status_t fat_next(struct fat_fs *fs, uint32_t c, uint32_t *next);
/* A zeroed free cluster, marked end of chain and linked after `prev` (0: none). */
status_t fat_alloc(struct fat_fs *fs, uint32_t prev, uint32_t *out);
status_t fat_free_chain(struct fat_fs *fs, uint32_t first);

/* Loop detection for a walk along a chain (Brent's method): a corrupt
 * table may link a chain back into itself, and a walk must then end with
 * LO_ERR_BAD_FORMAT after a few laps, not run until some outer bound. The
 * tortoise waits at `mark` while the walk moves; every power-of-two steps
 * it jumps to where the walk is. Inside a loop the walk meets it within
 * about twice the loop's length. */
struct fat_chain_guard {
	uint32_t mark, power, steps;
};
static inline void fat_guard_init(struct fat_chain_guard *g, uint32_t start)
{
	g->mark = start;
	g->power = 1;
	g->steps = 0;
}
/* The walk arrived at cluster c (not 0). */
static inline status_t fat_guard_step(struct fat_chain_guard *g, uint32_t c)
{
	if (c == g->mark)
		return LO_ERR_BAD_FORMAT;
	if (++g->steps == g->power) {
		g->mark = c;
		g->power <<= 1;
		g->steps = 0;
	}
	return LO_OK;
}

/* dir.c, used by file.c. */
struct fat_entry {
	uint8_t raw[DIR_ENTRY_SIZE];
};
status_t fat_node_entry(struct fat_fs *fs, struct fat_node *node, struct fat_entry *e);
status_t fat_node_put_entry(struct fat_fs *fs, struct fat_node *node, const struct fat_entry *e);
uint32_t fat_entry_cluster(const struct fat_entry *e);
void fat_entry_set_cluster(struct fat_entry *e, uint32_t c);

#endif
