/* Host tests of the FAT32 library (libos/fs/fat) against images made and
 * checked by Debian's own tools: mkfs.fat makes them, mcopy/mmd put files
 * there for our code to read, mtype/mdir read back what our code wrote and
 * fsck.fat -n must find every image clean afterwards. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "lightos/fat.h"

static char dir[512];      /* scratch folder, from FAT_TEST_DIR */
static char img[600];
static int fd = -1;
static long device_writes;
static struct fat_fs fs;

static status_t dev_read(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	(void)ctx;
	ssize_t n = pread(fd, buf, (size_t)count * 512, (off_t)sector * 512);
	return n == (ssize_t)count * 512 ? LO_OK : LO_ERR_IO;
}

static status_t dev_write(void *ctx, uint64_t sector, uint32_t count, const void *buf)
{
	(void)ctx;
	device_writes++;
	ssize_t n = pwrite(fd, buf, (size_t)count * 512, (off_t)sector * 512);
	return n == (ssize_t)count * 512 ? LO_OK : LO_ERR_IO;
}

static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A fresh image of `kib` KiB: mkfs.fat -F 32 with extra options. */
static void make_image(int kib, const char *opts)
{
	snprintf(img, sizeof(img), "%s/test.img", dir);
	unlink(img);
	assert_int_equal(sh("mkfs.fat -F 32 %s -C %s %d >/dev/null 2>&1", opts, img, kib), 0);
}

static void mount_image(void)
{
	fd = open(img, O_RDWR);
	assert_true(fd >= 0);
	struct stat st;
	fstat(fd, &st);
	struct fat_blockdev dev = {NULL, dev_read, dev_write, NULL, (uint64_t)st.st_size / 512};
	device_writes = 0;
	assert_int_equal(fat_mount(&fs, &dev), LO_OK);
}

static void unmount_image(void)
{
	assert_int_equal(fat_sync(&fs), LO_OK);
	close(fd);
	fd = -1;
}

static void assert_fsck_clean(void)
{
	assert_int_equal(sh("fsck.fat -n %s >%s/fsck.log 2>&1", img, dir), 0);
	/* fsck.fat -n exits 0 even for some findings it would fix: none allowed. */
	assert_int_equal(sh("grep -qiE 'free cluster|differ|orphan|lost|bad|invalid|wrong' %s/fsck.log", dir), 256);
}

static uint8_t *pattern(size_t n, unsigned seed)
{
	uint8_t *p = malloc(n);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
	return p;
}

static void write_host_file(const char *name, const void *data, size_t n)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

/* The contents of `name` on the image as mtype prints them. */
static uint8_t *mtype(const char *name, size_t *len)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "mtype -i %s '::%s'", img, name);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, p)) > 0) {
		n += got;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	assert_int_equal(pclose(p), 0);
	*len = n;
	return buf;
}

static void read_all(const char *path, uint8_t *buf, size_t len)
{
	struct fat_node n;
	struct fat_stat st;
	assert_int_equal(fat_open(&fs, path, &n), LO_OK);
	assert_int_equal(fat_stat(&fs, &n, &st), LO_OK);
	assert_int_equal(st.size, len);
	/* Odd-sized pieces cross sector and cluster edges. */
	size_t off = 0;
	while (off < len) {
		size_t piece = len - off < 3001 ? len - off : 3001;
		assert_int_equal(fat_read(&fs, &n, off, buf + off, piece), (int64_t)piece);
		off += piece;
	}
	assert_int_equal(fat_read(&fs, &n, len, buf, 10), 0);
}

/* Files put there by mcopy/mmd, long names included, read by our code. */
static void test_reads_mtools_files(void **state)
{
	(void)state;
	make_image(65536, "");
	size_t big_len = 1536 * 1024 + 77;
	uint8_t *big = pattern(big_len, 1);
	write_host_file("big.bin", big, big_len);
	write_host_file("hello.txt", "hello, disk\n", 12);
	assert_int_equal(sh("cd %s && mcopy -i %s big.bin hello.txt :: && mmd -i %s ::/Sub.Dir && "
			    "mcopy -i %s hello.txt '::/Sub.Dir/A rather long file name.text'",
			    dir, img, img, img), 0);
	mount_image();
	uint8_t *back = malloc(big_len);
	read_all("/big.bin", back, big_len);
	assert_memory_equal(back, big, big_len);
	read_all("HELLO.TXT", back, 12);
	assert_memory_equal(back, "hello, disk\n", 12);
	read_all("sub.dir/a rather long file name.text", back, 12);
	assert_memory_equal(back, "hello, disk\n", 12);

	struct fat_node root, sub;
	struct fat_dirent d;
	uint32_t cursor = 0;
	int seen = 0;
	assert_int_equal(fat_open(&fs, "/", &root), LO_OK);
	while (fat_readdir(&fs, &root, &cursor, &d) == LO_OK) {
		if (!strcmp(d.name, "big.bin"))
			seen |= 1, assert_int_equal(d.size, big_len);
		if (!strcmp(d.name, "hello.txt"))
			seen |= 2;
		if (!strcmp(d.name, "Sub.Dir"))
			seen |= 4, assert_true(d.is_dir);
	}
	assert_int_equal(seen, 7);
	assert_int_equal(fat_open(&fs, "Sub.Dir", &sub), LO_OK);
	cursor = 0;
	assert_int_equal(fat_readdir(&fs, &sub, &cursor, &d), LO_OK);
	assert_string_equal(d.name, "A rather long file name.text");
	assert_int_equal(fat_readdir(&fs, &sub, &cursor, &d), LO_ERR_NOT_FOUND);
	assert_int_equal(fat_open(&fs, "nothere", &sub), LO_ERR_NOT_FOUND);
	assert_int_equal(fat_open(&fs, "hello.txt/x", &sub), LO_ERR_NOT_FOUND);
	unmount_image();
	free(back);
	free(big);
}

/* What our code writes, mtools reads back, and fsck finds clean. */
static void test_writes_read_by_mtools(void **state)
{
	(void)state;
	make_image(65536, "");
	mount_image();
	struct fat_node n;
	assert_int_equal(fat_create(&fs, "docs", 1, NULL), LO_OK);
	assert_int_equal(fat_create(&fs, "docs/Mixed Case Long Name.txt", 0, &n), LO_OK);
	assert_int_equal(fat_write(&fs, &n, 0, "long\n", 5), 5);
	assert_int_equal(fat_create(&fs, "docs/notes.md", 0, &n), LO_OK);
	assert_int_equal(fat_write(&fs, &n, 0, "short\n", 6), 6);
	assert_int_equal(fat_create(&fs, "docs/notes.md", 0, &n), LO_ERR_ALREADY_EXISTS);
	assert_int_equal(fat_create(&fs, "bad:name", 0, &n), LO_ERR_INVALID_ARGS);
	assert_int_equal(fat_create(&fs, "nodir/x", 0, &n), LO_ERR_NOT_FOUND);
	/* Write-back: nothing reached the device before the sync. */
	assert_int_equal(device_writes, 0);
	assert_int_equal(fat_sync(&fs), LO_OK);
	assert_true(device_writes > 0);

	/* More than the cache holds: written back as blocks are replaced. */
	size_t big_len = 1300 * 1024 + 5;
	uint8_t *big = pattern(big_len, 2);
	assert_int_equal(fat_create(&fs, "/big.bin", 0, &n), LO_OK);
	for (size_t off = 0; off < big_len; off += 4099) {
		size_t piece = big_len - off < 4099 ? big_len - off : 4099;
		assert_int_equal(fat_write(&fs, &n, off, big + off, piece), (int64_t)piece);
	}
	unmount_image();

	size_t len;
	uint8_t *got = mtype("/big.bin", &len);
	assert_int_equal(len, big_len);
	assert_memory_equal(got, big, big_len);
	free(got);
	got = mtype("/docs/Mixed Case Long Name.txt", &len);
	assert_int_equal(len, 5);
	assert_memory_equal(got, "long\n", 5);
	free(got);
	got = mtype("/docs/notes.md", &len);
	assert_int_equal(len, 6);
	free(got);
	/* mdir shows the names as written: the short one in lower case. */
	assert_int_equal(sh("mdir -i %s ::/docs | grep -q 'notes.*md'", img), 0);
	assert_int_equal(sh("mdir -i %s ::/docs | grep -q 'Mixed Case Long Name.txt'", img), 0);
	assert_fsck_clean();
	free(big);
}

/* Truncate, unlink, rmdir, rename; fsck clean and mtools agrees. */
static void test_modify(void **state)
{
	(void)state;
	make_image(147456, "-s 2");   /* mtools needs >= 65525 clusters */
	write_host_file("keep.txt", "0123456789", 10);
	assert_int_equal(sh("cd %s && mcopy -i %s keep.txt ::/keep.txt && mmd -i %s ::/d1 ::/d2", dir, img, img), 0);
	mount_image();
	struct fat_node n;
	struct fat_stat st;
	uint8_t buf[4096];
	assert_int_equal(fat_open(&fs, "keep.txt", &n), LO_OK);
	assert_int_equal(fat_truncate(&fs, &n, 4), LO_OK);
	assert_int_equal(fat_truncate(&fs, &n, 3000), LO_OK);   /* grows with zeros */
	assert_int_equal(fat_read(&fs, &n, 0, buf, sizeof(buf)), 3000);
	assert_memory_equal(buf, "0123", 4);
	for (int i = 4; i < 3000; i++)
		assert_int_equal(buf[i], 0);
	/* Writing past the end leaves zeros in the gap. */
	assert_int_equal(fat_write(&fs, &n, 5000, "X", 1), 1);
	assert_int_equal(fat_read(&fs, &n, 2990, buf, sizeof(buf)), 2011);
	for (int i = 0; i < 2010; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[2010], 'X');

	assert_int_equal(fat_create(&fs, "d1/inner", 1, NULL), LO_OK);
	assert_int_equal(fat_create(&fs, "d1/inner/f", 0, &n), LO_OK);
	assert_int_equal(fat_write(&fs, &n, 0, "abc", 3), 3);
	assert_int_equal(fat_rmdir(&fs, "d1/inner"), LO_ERR_BAD_STATE);
	assert_int_equal(fat_unlink(&fs, "d1/inner"), LO_ERR_NOT_SUPPORTED);
	assert_int_equal(fat_rename(&fs, "d1", "d1/inner/x"), LO_ERR_INVALID_ARGS);
	assert_int_equal(fat_rename(&fs, "d1/inner", "d2/Moved Inner Dir"), LO_OK);
	assert_int_equal(fat_open(&fs, "d2/moved inner dir/f", &n), LO_OK);
	assert_int_equal(fat_read(&fs, &n, 0, buf, 10), 3);
	assert_int_equal(fat_rename(&fs, "d2/moved inner dir/f", "renamed.txt"), LO_OK);
	assert_int_equal(fat_read(&fs, &n, 0, buf, 10), LO_ERR_NOT_FOUND);   /* the old node went stale */
	assert_int_equal(fat_rmdir(&fs, "d2/Moved Inner Dir"), LO_OK);
	assert_int_equal(fat_rmdir(&fs, "d1"), LO_OK);
	assert_int_equal(fat_open(&fs, "d1", &n), LO_ERR_NOT_FOUND);
	/* Many files force the directory to grow past one cluster. */
	for (int i = 0; i < 100; i++) {
		char name[64];
		snprintf(name, sizeof(name), "d2/file number %03d", i);
		assert_int_equal(fat_create(&fs, name, 0, &n), LO_OK);
		assert_int_equal(fat_write(&fs, &n, 0, name, strlen(name)), (int64_t)strlen(name));
	}
	for (int i = 0; i < 100; i += 2) {
		char name[64];
		snprintf(name, sizeof(name), "d2/file number %03d", i);
		assert_int_equal(fat_unlink(&fs, name), LO_OK);
	}
	assert_int_equal(fat_open(&fs, "d2/file number 051", &n), LO_OK);
	assert_int_equal(fat_stat(&fs, &n, &st), LO_OK);
	assert_int_equal(st.size, 18);
	unmount_image();

	size_t len;
	uint8_t *got = mtype("/renamed.txt", &len);
	assert_int_equal(len, 3);
	assert_memory_equal(got, "abc", 3);
	free(got);
	got = mtype("/d2/file number 099", &len);
	assert_int_equal(len, 18);
	assert_memory_equal(got, "d2/file number 099", 18);
	free(got);
	assert_int_equal(sh("mdir -i %s ::/d2 | grep -q 'file number 098'", img), 256);
	assert_int_equal(sh("mdir -i %s ::/d1 >/dev/null 2>&1", img) == 0, 0);
	assert_fsck_clean();
}

/* A full disk says so and stays consistent. */
static void test_disk_full(void **state)
{
	(void)state;
	make_image(1024, "");
	mount_image();
	struct fat_node n;
	static uint8_t chunk[8192];
	memset(chunk, 0x5A, sizeof(chunk));
	assert_int_equal(fat_create(&fs, "fill", 0, &n), LO_OK);
	int64_t r;
	uint64_t off = 0;
	while ((r = fat_write(&fs, &n, off, chunk, sizeof(chunk))) > 0)
		off += (uint64_t)r;
	assert_int_equal(r, LO_ERR_NO_RESOURCES);
	assert_true(off > 512 * 1024);
	assert_int_equal(fat_truncate(&fs, &n, 1000), LO_OK);
	assert_int_equal(fat_create(&fs, "after", 0, &n), LO_OK);
	assert_int_equal(fat_write(&fs, &n, 0, chunk, 100), 100);
	unmount_image();
	assert_fsck_clean();
}

/* A fresh 64 MiB image holding `name`, `len` bytes of pattern(seed) put
 * there by mcopy, then mounted; *n and *st describe the file. Returns its
 * bytes (free them). */
static uint8_t *mounted_with_file(const char *name, size_t len, unsigned seed, struct fat_node *n,
				  struct fat_stat *st)
{
	make_image(65536, "");
	uint8_t *data = pattern(len, seed);
	write_host_file(name, data, len);
	assert_int_equal(sh("cd %s && mcopy -i %s %s ::/%s", dir, img, name, name), 0);
	mount_image();
	assert_int_equal(fat_open(&fs, name, n), LO_OK);
	assert_int_equal(fat_stat(&fs, n, st), LO_OK);
	return data;
}

/* Damage the (unmounted) image: cluster c's FAT entry becomes v, in the
 * first FAT or in every copy (then the copies still agree). */
static void set_fat_entry(uint32_t c, uint32_t v, int every_copy)
{
	uint8_t boot[512];
	int f = open(img, O_RDWR);
	assert_true(f >= 0);
	assert_int_equal(pread(f, boot, 512, 0), 512);
	uint32_t reserved = boot[14] | boot[15] << 8, nfats = boot[16];
	uint32_t fatsz = boot[36] | boot[37] << 8 | boot[38] << 16 | (uint32_t)boot[39] << 24;
	for (uint32_t copy = 0; copy < (every_copy ? nfats : 1); copy++)
		assert_int_equal(pwrite(f, &v, 4, ((off_t)reserved + (off_t)copy * fatsz) * 512 + (off_t)c * 4), 4);
	close(f);
}

/* Corrupt tables: a cluster chain that loops, a chain that runs off the
 * disk, a directory that loops. Errors, never a hang. */
static void test_corrupt_chains(void **state)
{
	(void)state;
	struct fat_node n;
	struct fat_stat st;
	uint8_t *data = mounted_with_file("f.bin", 8192, 3, &n, &st);
	close(fd);
	/* Point the file's second cluster back at its first, in both FATs. */
	uint32_t c = st.first_cluster;
	set_fat_entry(c + 1, c, 1);
	mount_image();
	assert_int_equal(fat_open(&fs, "f.bin", &n), LO_OK);
	uint8_t buf[8192];
	/* 8 KiB spans 16 clusters of 512 bytes: the loop would repeat the first
	 * two clusters, so the bytes would be wrong. The walk sees the loop,
	 * also for a read that stops short of the end; a chain to a free or
	 * out-of-range cluster is an error too. */
	assert_int_equal(fat_read(&fs, &n, 0, buf, sizeof(buf)), LO_ERR_BAD_FORMAT);
	assert_int_equal(fat_read(&fs, &n, 0, buf, 4096), LO_ERR_BAD_FORMAT);
	assert_int_equal(fat_read(&fs, &n, 0, buf, 1024), 1024);   /* before the loop: the file's bytes */
	assert_memory_equal(buf, data, 1024);
	close(fd);
	set_fat_entry(c + 1, 0x0FFFFFF0, 0);
	mount_image();
	assert_int_equal(fat_open(&fs, "f.bin", &n), LO_OK);
	assert_int_equal(fat_read(&fs, &n, 0, buf, sizeof(buf)), LO_ERR_BAD_FORMAT);
	/* A directory of three clusters whose first cluster links to itself:
	 * its slots never end. Listing it and looking a name up in it end with
	 * BAD_FORMAT within a few laps, not after 65,536 slots. */
	assert_int_equal(fat_create(&fs, "d", 1, &n), LO_OK);
	for (int i = 0; i < 20; i++) {
		char name[40];
		snprintf(name, sizeof(name), "d/file number %02d", i);
		assert_int_equal(fat_create(&fs, name, 0, NULL), LO_OK);
	}
	assert_int_equal(fat_open(&fs, "d", &n), LO_OK);
	assert_int_equal(fat_stat(&fs, &n, &st), LO_OK);
	unmount_image();
	set_fat_entry(st.first_cluster, st.first_cluster, 0);
	mount_image();
	struct fat_dirent d;
	uint32_t cursor = 0;
	int entries = 0;
	status_t end;
	assert_int_equal(fat_open(&fs, "d", &n), LO_OK);
	while ((end = fat_readdir(&fs, &n, &cursor, &d)) == LO_OK)
		entries++;
	assert_int_equal(end, LO_ERR_BAD_FORMAT);
	assert_true(entries >= 1 && entries <= 4 * 16);
	assert_int_equal(fat_open(&fs, "d/no such name", &n), LO_ERR_BAD_FORMAT);
	assert_int_equal(fat_create(&fs, "d/new name", 0, &n), LO_ERR_BAD_FORMAT);
	close(fd);
	fd = -1;
	free(data);
}

/* A file whose chain goes on past the end its size gives: reading to the
 * end says BAD_FORMAT rather than returning bytes that may not be its. */
static void test_chain_longer_than_size(void **state)
{
	(void)state;
	struct fat_node n;
	struct fat_stat st;
	uint8_t *data = mounted_with_file("g.bin", 2048, 5, &n, &st);
	uint8_t buf[2048];
	assert_int_equal(fat_read(&fs, &n, 0, buf, sizeof(buf)), 2048);
	close(fd);
	/* The last of its 4 clusters links back to the first. */
	set_fat_entry(st.first_cluster + 3, st.first_cluster, 1);
	mount_image();
	assert_int_equal(fat_open(&fs, "g.bin", &n), LO_OK);
	assert_int_equal(fat_read(&fs, &n, 0, buf, 1000), 1000);
	assert_memory_equal(buf, data, 1000);
	assert_int_equal(fat_read(&fs, &n, 0, buf, sizeof(buf)), LO_ERR_BAD_FORMAT);
	assert_int_equal(fat_read(&fs, &n, 1500, buf, 548), LO_ERR_BAD_FORMAT);
	close(fd);
	fd = -1;
	free(data);
}

/* A write that cannot grow the file (the disk is full) gives back the
 * clusters it took: the free count is as before and fsck finds no chain
 * longer than its file. */
static void test_failed_grow_frees(void **state)
{
	(void)state;
	make_image(1024, "");
	mount_image();
	struct fat_node n;
	static uint8_t chunk[4 << 20];
	memset(chunk, 0x33, sizeof(chunk));
	assert_int_equal(fat_create(&fs, "small", 0, &n), LO_OK);
	assert_int_equal(fat_write(&fs, &n, 0, chunk, 700), 700);
	uint32_t before = fs.free_count;
	assert_true(before > 100);
	assert_int_equal(fat_write(&fs, &n, 700, chunk, sizeof(chunk)), LO_ERR_NO_RESOURCES);
	assert_int_equal(fs.free_count, before);
	struct fat_stat st;
	assert_int_equal(fat_stat(&fs, &n, &st), LO_OK);
	assert_int_equal(st.size, 700);
	/* An empty file that cannot get its first clusters keeps none. */
	assert_int_equal(fat_create(&fs, "empty", 0, &n), LO_OK);
	assert_int_equal(fat_write(&fs, &n, 0, chunk, sizeof(chunk)), LO_ERR_NO_RESOURCES);
	assert_int_equal(fat_stat(&fs, &n, &st), LO_OK);
	assert_int_equal(st.first_cluster, 0);
	assert_int_equal(fs.free_count, before);
	unmount_image();
	assert_fsck_clean();
}

/* A boot sector fat_mount refuses comes with the reason. */
static void test_mount_refusal_reason(void **state)
{
	(void)state;
	make_image(65536, "");
	fd = open(img, O_RDWR);
	uint8_t zero = 0;
	assert_int_equal(pwrite(fd, &zero, 1, 13), 1);   /* sectors per cluster */
	struct stat sb;
	fstat(fd, &sb);
	struct fat_blockdev dev = {NULL, dev_read, dev_write, NULL, (uint64_t)sb.st_size / 512};
	assert_int_equal(fat_mount(&fs, &dev), LO_ERR_BAD_FORMAT);
	assert_non_null(fs.refused);
	assert_non_null(strstr(fs.refused, "sectors per cluster"));
	uint8_t spc = 1;
	assert_int_equal(pwrite(fd, &spc, 1, 13), 1);
	assert_int_equal(fat_mount(&fs, &dev), LO_OK);
	assert_null(fs.refused);
	close(fd);
	fd = -1;
}

int main(void)
{
	const char *d = getenv("FAT_TEST_DIR");
	snprintf(dir, sizeof(dir), "%s", d ? d : "/tmp");
	setenv("MTOOLS_SKIP_CHECK", "1", 1);
	setenv("MTOOLS_NO_VFAT", "0", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_mtools_files),
		cmocka_unit_test(test_writes_read_by_mtools),
		cmocka_unit_test(test_modify),
		cmocka_unit_test(test_disk_full),
		cmocka_unit_test(test_corrupt_chains),
		cmocka_unit_test(test_chain_longer_than_size),
		cmocka_unit_test(test_failed_grow_frees),
		cmocka_unit_test(test_mount_refusal_reason),
	};
	return cmocka_run_group_tests_name("fat", tests, NULL, NULL);
}
