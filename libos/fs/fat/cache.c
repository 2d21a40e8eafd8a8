/* The block cache: FAT_CACHE_BLOCKS blocks of FAT_BLOCK_SECTORS sectors,
 * least recently used replaced, write-back. A dirty sector reaches the disk
 * when its block is replaced or at fat_sync. Sectors of the first FAT are
 * written to every other FAT copy too, so the copies stay identical. */
#include "fat_internal.h"

static status_t write_sectors(struct fat_fs *fs, uint64_t sector, uint32_t count, const uint8_t *data)
{
	status_t st = fs->dev.write(fs->dev.ctx, sector, count, data);
	if (st != LO_OK)
		return st;
	/* Mirror the part that lies in the first FAT. */
	for (uint32_t i = 0; i < count; i++) {
		uint64_t s = sector + i;
		if (s < fs->fat_start || s >= (uint64_t)fs->fat_start + fs->fat_sectors)
			continue;
		for (uint32_t k = 1; k < fs->nfats; k++) {
			st = fs->dev.write(fs->dev.ctx, s + (uint64_t)k * fs->fat_sectors, 1,
					   data + (size_t)i * FAT_SECTOR_SIZE);
			if (st != LO_OK)
				return st;
		}
	}
	return LO_OK;
}

/* Write the dirty sectors of a block, in runs. */
static status_t flush_block(struct fat_fs *fs, struct fat_cache_block *b)
{
	uint64_t base = b->block * FAT_BLOCK_SECTORS;
	uint32_t i = 0;
	while (i < FAT_BLOCK_SECTORS) {
		if (!(b->dirty & (1u << i))) {
			i++;
			continue;
		}
		uint32_t j = i;
		while (j < FAT_BLOCK_SECTORS && (b->dirty & (1u << j)))
			j++;
		status_t st = write_sectors(fs, base + i, j - i, b->data + (size_t)i * FAT_SECTOR_SIZE);
		if (st != LO_OK)
			return st;
		i = j;
	}
	b->dirty = 0;
	return LO_OK;
}

static status_t get_block(struct fat_fs *fs, uint64_t sector, struct fat_cache_block **out)
{
	if (sector >= fs->dev.sectors)
		return LO_ERR_OUT_OF_RANGE;
	uint64_t block = sector / FAT_BLOCK_SECTORS;
	struct fat_cache_block *victim = &fs->cache[0];
	for (int i = 0; i < FAT_CACHE_BLOCKS; i++) {
		struct fat_cache_block *b = &fs->cache[i];
		if (b->valid && b->block == block) {
			b->last_use = ++fs->tick;
			*out = b;
			return LO_OK;
		}
		if (!b->valid || (victim->valid && b->last_use < victim->last_use))
			victim = b;
	}
	if (victim->valid && victim->dirty) {
		status_t st = flush_block(fs, victim);
		if (st != LO_OK)
			return st;
	}
	victim->valid = 0;
	uint64_t first = block * FAT_BLOCK_SECTORS;
	uint64_t count = fs->dev.sectors - first;
	if (count > FAT_BLOCK_SECTORS)
		count = FAT_BLOCK_SECTORS;
	else
		memset(victim->data, 0, sizeof(victim->data));
	status_t st = fs->dev.read(fs->dev.ctx, first, (uint32_t)count, victim->data);
	if (st != LO_OK)
		return st;
	victim->block = block;
	victim->valid = 1;
	victim->dirty = 0;
	victim->last_use = ++fs->tick;
	*out = victim;
	return LO_OK;
}

/* Where bytes off..off+len of `sector` lie in the cache (the block read
 * in if need be); INVALID_ARGS if they would cross the sector's end. */
static status_t sector_bytes(struct fat_fs *fs, uint64_t sector, uint32_t off, uint32_t len,
			     struct fat_cache_block **b, uint8_t **at)
{
	if (off + len > FAT_SECTOR_SIZE)
		return LO_ERR_INVALID_ARGS;
	status_t st = get_block(fs, sector, b);
	if (st == LO_OK)
		*at = (*b)->data + (sector % FAT_BLOCK_SECTORS) * FAT_SECTOR_SIZE + off;
	return st;
}

status_t fat_cache_read(struct fat_fs *fs, uint64_t sector, uint32_t off, void *buf, uint32_t len)
{
	struct fat_cache_block *b;
	uint8_t *at;
	status_t st = sector_bytes(fs, sector, off, len, &b, &at);
	if (st == LO_OK)
		memcpy(buf, at, len);
	return st;
}

status_t fat_cache_write(struct fat_fs *fs, uint64_t sector, uint32_t off, const void *buf, uint32_t len)
{
	struct fat_cache_block *b;
	uint8_t *at;
	status_t st = sector_bytes(fs, sector, off, len, &b, &at);
	if (st != LO_OK)
		return st;
	memcpy(at, buf, len);
	b->dirty |= (uint8_t)(1u << (sector % FAT_BLOCK_SECTORS));
	return LO_OK;
}

status_t fat_cache_flush(struct fat_fs *fs)
{
	status_t first_error = LO_OK;
	for (int i = 0; i < FAT_CACHE_BLOCKS; i++) {
		struct fat_cache_block *b = &fs->cache[i];
		if (b->valid && b->dirty) {
			status_t st = flush_block(fs, b);
			if (st != LO_OK && first_error == LO_OK)
				first_error = st;
		}
	}
	return first_error;
}
