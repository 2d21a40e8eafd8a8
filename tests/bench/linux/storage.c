/* The Linux side of the storage benchmark (make bench-storage-compare):
 * /init of an initramfs on Debian's kernel, with the virtio-blk and vfat
 * modules beside it in /m. It mounts the same kind of disk LightOS's bench
 * gets (a fresh 64 MiB mkfs.fat FAT32 image on virtio-blk-pci) with Linux's
 * own vfat and does what tests/bench/bench_storage.c does:
 *   storage_write_16mib_synced   write 16 MiB in 64 KiB pieces, fsync
 *   storage_read_16mib           read it back (page cache dropped first)
 *   storage_create_1000_synced   1,000 files of 100 bytes, each fsync'd
 * timed with rdtscp and printed in bench's BENCH format; then it leaves
 * QEMU through isa-debug-exit. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../measure.h"

#define BIG_SIZE  (16u << 20)
#define PIECE     (64u << 10)
#define SMALL_N   1000
#define SMALL_LEN 100

static char piece[PIECE];

static void result(const char *name, uint64_t cycles)
{
	printf(BENCH_LINE, name, (unsigned long)cycles, (unsigned long)cycles, 1);
	fflush(stdout);
}

static void leave(int code)
{
	fflush(stdout);
	if (ioperm(0xf4, 4, 1) == 0)
		outb((unsigned char)code, 0xf4);
	_exit(code);
}

static void fail(const char *what)
{
	perror(what);
	leave(3);
}

static void load(const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "/m/%s.ko", name);
	int fd = open(path, O_RDONLY);
	if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0)
		fail(path);
	close(fd);
}

static void write_big(void)
{
	int fd = open("/mnt/big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fail("big.bin");
	for (uint32_t done = 0; done < BIG_SIZE; done += PIECE)
		if (write(fd, piece, PIECE) != PIECE)
			fail("write big.bin");
	if (fsync(fd) != 0 || close(fd) != 0)
		fail("fsync big.bin");
}

static void read_big(void)
{
	int fd = open("/mnt/big.bin", O_RDONLY);
	if (fd < 0)
		fail("big.bin");
	for (uint32_t done = 0; done < BIG_SIZE; done += PIECE)
		if (read(fd, piece, PIECE) != PIECE)
			fail("read big.bin");
	close(fd);
}

static void create_small(void)
{
	for (int i = 0; i < SMALL_N; i++) {
		char name[64];
		snprintf(name, sizeof(name), "/mnt/small/f%04d.txt", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, piece, SMALL_LEN) != SMALL_LEN || fsync(fd) != 0 || close(fd) != 0)
			fail(name);
	}
}

static void drop_caches(void)
{
	sync();
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3", 1) != 1)
		fail("drop_caches");
	close(fd);
}

int main(void)
{
	mkdir("/dev", 0755);
	mkdir("/proc", 0755);
	mkdir("/mnt", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 || mount("proc", "/proc", "proc", 0, NULL) != 0)
		fail("mount /dev, /proc");
	static const char *const modules[] = { "virtio_ring", "virtio", "virtio_pci_modern_dev",
		"virtio_pci_legacy_dev", "virtio_pci", "virtio_blk", "fat", "vfat", "nls_cp437", "nls_ascii" };
	for (unsigned i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		load(modules[i]);
	/* The disk appears once virtio_blk has probed it. */
	for (int tries = 0; access("/dev/vda", F_OK) != 0; tries++) {
		if (tries == 500)
			fail("/dev/vda");
		usleep(10000);
	}
	if (mount("/dev/vda", "/mnt", "vfat", 0, NULL) != 0)
		fail("mount /dev/vda");
	for (uint32_t i = 0; i < PIECE; i++)
		piece[i] = (char)(i * 7);
	printf("BENCH begin\n");
	uint64_t t0 = tsc();
	write_big();
	result("storage_write_16mib_synced", tsc() - t0);
	drop_caches();
	t0 = tsc();
	read_big();
	result("storage_read_16mib", tsc() - t0);
	if (mkdir("/mnt/small", 0755) != 0)
		fail("mkdir small");
	sync();
	t0 = tsc();
	create_small();
	result("storage_create_1000_synced", tsc() - t0);
	printf("BENCH end\n");
	umount("/mnt");
	leave(0);
}
