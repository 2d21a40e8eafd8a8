/* A FAT32 file system over a block device: mount, files, directories,
 * long names, a write-back block cache and an explicit sync.
 *
 * Freestanding C: the same files build into liblightos (the file-system
 * server) and into host unit tests and a fuzzer. The code never trusts the
 * image: every cluster number, chain and directory is checked and bounded,
 * so a corrupt image gives LO_ERR_BAD_FORMAT, never a crash or a hang.
 * Sectors are 512 bytes. See docs/storage.md. */
#ifndef LIGHTOS_FAT_H
#define LIGHTOS_FAT_H

#include <stdint.h>
#include <stddef.h>
#include "status.h"

#define FAT_SECTOR_SIZE   512
#define FAT_NAME_MAX      255    /* bytes of a name (ASCII when written) */
#define FAT_PATH_MAX      1024
#define FAT_CACHE_BLOCKS  64     /* cache blocks of FAT_BLOCK_SECTORS sectors */
#define FAT_BLOCK_SECTORS 8
#define FAT_FILE_MAX      0xFFFFFFFFull

/* The device below: whole sectors, numbered from 0. */
struct fat_blockdev {
	void *ctx;
	status_t (*read)(void *ctx, uint64_t sector, uint32_t count, void *buf);
	status_t (*write)(void *ctx, uint64_t sector, uint32_t count, const void *buf);
	status_t (*flush)(void *ctx);   /* may be NULL */
	uint64_t sectors;
};

struct fat_cache_block {
	uint64_t block;       /* first sector / FAT_BLOCK_SECTORS */
	uint64_t last_use;
	uint8_t valid;
	uint8_t dirty;        /* one bit per sector */
	uint8_t data[FAT_BLOCK_SECTORS * FAT_SECTOR_SIZE];
};

struct fat_fs {
	struct fat_blockdev dev;
	uint32_t sectors_per_cluster;
	uint32_t cluster_bytes;
	uint32_t fat_start;        /* first sector of the first FAT */
	uint32_t fat_sectors;      /* sectors per FAT */
	uint32_t nfats;
	uint64_t data_start;       /* sector of cluster 2 */
	uint32_t clusters;         /* valid cluster numbers: 2 .. clusters+1 */
	uint32_t root_cluster;
	uint32_t fsinfo_sector;    /* 0: none */
	uint32_t free_count;
	uint32_t next_free;
	uint32_t generation;       /* bumped when clusters are freed */
	uint64_t tick;
	const char *refused;       /* why fat_mount said LO_ERR_BAD_FORMAT, or NULL */
	struct fat_cache_block cache[FAT_CACHE_BLOCKS];
};

/* An open file or directory: where its directory entry lives. The entry is
 * re-read on every operation, so several nodes on one file agree; a node
 * whose entry was unlinked or renamed away gets LO_ERR_NOT_FOUND. */
struct fat_node {
	int is_root;
	uint64_t entry_sector;
	uint32_t entry_offset;
	uint8_t short_name[11];
	/* A walk hint: cluster number `hint_cluster` is the file's cluster
	 * `hint_index`; valid while generation and first cluster match. */
	uint32_t hint_generation, hint_first, hint_index, hint_cluster;
	uint32_t hint_mark, hint_power, hint_steps;   /* the walk's loop check */
};

struct fat_stat {
	uint64_t size;
	int is_dir;
	uint32_t first_cluster;
};

struct fat_dirent {
	char name[FAT_NAME_MAX + 1];
	uint64_t size;
	int is_dir;
};

/* Check the boot sector and count free clusters. A volume refused for its
 * layout gives LO_ERR_BAD_FORMAT with the reason in fs->refused. */
status_t fat_mount(struct fat_fs *fs, const struct fat_blockdev *dev);
/* Write every dirty cache block and FSInfo, then flush the device. */
status_t fat_sync(struct fat_fs *fs);

/* Paths are '/'-separated from the root; a leading '/' is optional; names
 * compare without regard to ASCII case. */
status_t fat_open(struct fat_fs *fs, const char *path, struct fat_node *out);
/* A new empty file or directory; LO_ERR_ALREADY_EXISTS if the name is taken.
 * `out` may be NULL. */
status_t fat_create(struct fat_fs *fs, const char *path, int is_dir, struct fat_node *out);
status_t fat_stat(struct fat_fs *fs, struct fat_node *node, struct fat_stat *st);
/* Bytes read or written (short only at the end of file), or a status < 0. */
int64_t fat_read(struct fat_fs *fs, struct fat_node *node, uint64_t offset, void *buf, size_t len);
int64_t fat_write(struct fat_fs *fs, struct fat_node *node, uint64_t offset, const void *buf, size_t len);
status_t fat_truncate(struct fat_fs *fs, struct fat_node *node, uint64_t size);
/* The entry at *cursor (start with 0) of a directory, skipping "." and "..";
 * advances the cursor. LO_ERR_NOT_FOUND at the end. */
status_t fat_readdir(struct fat_fs *fs, struct fat_node *dir, uint32_t *cursor, struct fat_dirent *out);
/* Remove a file (LO_ERR_NOT_SUPPORTED for a directory). */
status_t fat_unlink(struct fat_fs *fs, const char *path);
/* Remove an empty directory (LO_ERR_BAD_STATE if not empty). */
status_t fat_rmdir(struct fat_fs *fs, const char *path);
/* Move an entry; the new name must not exist. */
status_t fat_rename(struct fat_fs *fs, const char *from, const char *to);

#endif
