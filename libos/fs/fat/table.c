/* Mounting, the allocation table and cluster chains, sync. */
#include "fat_internal.h"

#define FSINFO_LEAD   0x41615252u
#define FSINFO_STRUCT 0x61417272u

static int power_of_two(uint32_t v) { return v && !(v & (v - 1)); }

/* A mount refused: say why (fs->refused), for the log. */
static status_t refuse(struct fat_fs *fs, const char *why)
{
	fs->refused = why;
	return LO_ERR_BAD_FORMAT;
}

/* Check the boot sector (BPB) and derive the layout; every field is bounded
 * against the device so later arithmetic cannot overflow or run off it. */
static status_t parse_bpb(struct fat_fs *fs, const uint8_t *b)
{
	uint32_t bytes_per_sector = get16(b + 11);
	uint32_t spc = b[13];
	uint32_t reserved = get16(b + 14);
	uint32_t nfats = b[16];
	uint32_t root_entries = get16(b + 17);
	uint32_t total16 = get16(b + 19);
	uint32_t fat16 = get16(b + 22);
	uint32_t total32 = get32(b + 32);
	uint32_t fat32 = get32(b + 36);
	uint32_t root = get32(b + 44);
	uint32_t fsinfo = get16(b + 48);

	if (b[510] != 0x55 || b[511] != 0xAA)
		return refuse(fs, "no boot sector signature (55 AA)");
	if (bytes_per_sector != FAT_SECTOR_SIZE)
		return refuse(fs, "bytes per sector is not 512");
	if (!power_of_two(spc) || spc > 128)
		return refuse(fs, "sectors per cluster is not a power of two from 1 to 128");
	if (reserved == 0)
		return refuse(fs, "no reserved sectors");
	if (nfats == 0 || nfats > 4)
		return refuse(fs, "number of FATs is not 1 to 4");
	/* FAT32: no fixed root directory, the 32-bit FAT size. */
	if (root_entries != 0 || fat16 != 0 || fat32 == 0)
		return refuse(fs, "not FAT32 (a fixed root directory or a 16-bit FAT size)");
	uint64_t total = total16 ? total16 : total32;
	if (total == 0 || total > fs->dev.sectors)
		return refuse(fs, "total sectors is 0 or more than the device holds");
	uint64_t data_start = reserved + (uint64_t)nfats * fat32;
	if (data_start >= total)
		return refuse(fs, "the FATs fill the whole volume");
	uint64_t clusters = (total - data_start) / spc;
	if (clusters > (uint64_t)fat32 * (FAT_SECTOR_SIZE / 4) - 2)
		clusters = (uint64_t)fat32 * (FAT_SECTOR_SIZE / 4) - 2;
	if (clusters > 0x0FFFFFF5u - 2)
		clusters = 0x0FFFFFF5u - 2;
	if (clusters == 0)
		return refuse(fs, "no data clusters");

	fs->sectors_per_cluster = spc;
	fs->cluster_bytes = spc * FAT_SECTOR_SIZE;
	fs->fat_start = reserved;
	fs->fat_sectors = fat32;
	fs->nfats = nfats;
	fs->data_start = data_start;
	fs->clusters = (uint32_t)clusters;
	fs->root_cluster = root;
	if (!fat_valid_cluster(fs, root))
		return refuse(fs, "the root directory's cluster is outside the volume");
	fs->fsinfo_sector = (fsinfo && fsinfo < reserved) ? fsinfo : 0;
	return LO_OK;
}

/* Count the free clusters: the FSInfo hint may be stale, the table is not. */
static status_t count_free(struct fat_fs *fs)
{
	fs->free_count = 0;
	fs->next_free = 0;
	for (uint32_t c = 2; c < fs->clusters + 2; c++) {
		uint32_t v;
		status_t st = fat_get(fs, c, &v);
		if (st != LO_OK)
			return st;
		if (v == 0) {
			fs->free_count++;
			if (!fs->next_free)
				fs->next_free = c;
		}
	}
	if (!fs->next_free)
		fs->next_free = 2;
	return LO_OK;
}

status_t fat_mount(struct fat_fs *fs, const struct fat_blockdev *dev)
{
	static uint8_t boot[FAT_SECTOR_SIZE];   /* only during mount */
	memset(fs, 0, sizeof(*fs));
	fs->dev = *dev;
	if (dev->sectors < 1)
		return refuse(fs, "the device is empty");
	status_t st = dev->read(dev->ctx, 0, 1, boot);
	if (st != LO_OK)
		return st;
	st = parse_bpb(fs, boot);
	if (st != LO_OK)
		return st;
	return count_free(fs);
}

status_t fat_get(struct fat_fs *fs, uint32_t c, uint32_t *next)
{
	uint8_t b[4];
	if (c >= fs->clusters + 2)
		return LO_ERR_BAD_FORMAT;
	status_t st = fat_cache_read(fs, fs->fat_start + c / 128, (c % 128) * 4, b, 4);
	if (st != LO_OK)
		return st;
	*next = get32(b) & FAT_MASK;
	return LO_OK;
}

status_t fat_set(struct fat_fs *fs, uint32_t c, uint32_t value)
{
	uint8_t b[4];
	uint64_t sector = fs->fat_start + c / 128;
	if (!fat_valid_cluster(fs, c))
		return LO_ERR_BAD_FORMAT;
	status_t st = fat_cache_read(fs, sector, (c % 128) * 4, b, 4);
	if (st != LO_OK)
		return st;
	/* The top four bits are reserved: keep them. */
	put32(b, (get32(b) & ~FAT_MASK) | (value & FAT_MASK));
	return fat_cache_write(fs, sector, (c % 128) * 4, b, 4);
}

status_t fat_next(struct fat_fs *fs, uint32_t c, uint32_t *next)
{
	uint32_t v;
	status_t st = fat_get(fs, c, &v);
	if (st != LO_OK)
		return st;
	if (v >= FAT_EOC_MIN) {
		*next = 0;
		return LO_OK;
	}
	if (!fat_valid_cluster(fs, v))
		return LO_ERR_BAD_FORMAT;   /* free, bad or out of range in a chain */
	*next = v;
	return LO_OK;
}

static status_t zero_cluster(struct fat_fs *fs, uint32_t c)
{
	static const uint8_t zero[FAT_SECTOR_SIZE];
	uint64_t s = fat_cluster_sector(fs, c);
	for (uint32_t i = 0; i < fs->sectors_per_cluster; i++) {
		status_t st = fat_cache_write(fs, s + i, 0, zero, FAT_SECTOR_SIZE);
		if (st != LO_OK)
			return st;
	}
	return LO_OK;
}

status_t fat_alloc(struct fat_fs *fs, uint32_t prev, uint32_t *out)
{
	if (fs->free_count == 0)
		return LO_ERR_NO_RESOURCES;
	uint32_t c = fs->next_free;
	for (uint32_t n = 0; n < fs->clusters; n++, c++) {
		if (!fat_valid_cluster(fs, c))
			c = 2;
		uint32_t v;
		status_t st = fat_get(fs, c, &v);
		if (st != LO_OK)
			return st;
		if (v != 0)
			continue;
		if ((st = fat_set(fs, c, FAT_EOC)) != LO_OK || (st = zero_cluster(fs, c)) != LO_OK)
			return st;
		if (prev && (st = fat_set(fs, prev, c)) != LO_OK)
			return st;
		fs->free_count--;
		fs->next_free = c + 1;
		*out = c;
		return LO_OK;
	}
	fs->free_count = 0;
	return LO_ERR_NO_RESOURCES;
}

status_t fat_free_chain(struct fat_fs *fs, uint32_t c)
{
	fs->generation++;
	for (uint32_t n = 0; c && n < fs->clusters; n++) {
		uint32_t next;
		status_t st = fat_next(fs, c, &next);
		if (st != LO_OK)
			return st;
		if ((st = fat_set(fs, c, 0)) != LO_OK)
			return st;
		fs->free_count++;
		if (c < fs->next_free)
			fs->next_free = c;
		c = next;
	}
	return LO_OK;
}

/* FSInfo carries the free count as a hint for the next mounter. */
static status_t write_fsinfo(struct fat_fs *fs)
{
	uint8_t b[4];
	if (!fs->fsinfo_sector)
		return LO_OK;
	status_t st = fat_cache_read(fs, fs->fsinfo_sector, 0, b, 4);
	if (st != LO_OK || get32(b) != FSINFO_LEAD)
		return st;
	if ((st = fat_cache_read(fs, fs->fsinfo_sector, 484, b, 4)) != LO_OK || get32(b) != FSINFO_STRUCT)
		return st;
	uint8_t v[8];
	put32(v, fs->free_count);
	put32(v + 4, fs->next_free);
	return fat_cache_write(fs, fs->fsinfo_sector, 488, v, 8);
}

status_t fat_sync(struct fat_fs *fs)
{
	status_t st = write_fsinfo(fs);
	if (st != LO_OK)
		return st;
	if ((st = fat_cache_flush(fs)) != LO_OK)
		return st;
	return fs->dev.flush ? fs->dev.flush(fs->dev.ctx) : LO_OK;
}
