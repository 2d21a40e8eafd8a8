/* The Linux side of `make bench-compare`: the closest equivalents of the
 * LightOS benchmarks, measured the same way (rdtscp, fenced; warm-up; the
 * median and minimum of many runs), printed in the same BENCH format. It is
 * /init of a tiny initramfs; it leaves QEMU through isa-debug-exit. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../measure.h"

#define MAX_ITERS 2000

static uint64_t samples[MAX_ITERS];

static void measure(const char *name, int n, void (*op)(void))
{
	for (int i = 0; i < n / 10 + 1; i++)
		op();
	for (int i = 0; i < n; i++) {
		uint64_t t0 = tsc();
		op();
		samples[i] = tsc() - t0;
	}
	sort_samples(samples, n);
	printf(BENCH_LINE, name, (unsigned long)samples[n / 2], (unsigned long)samples[0], n);
	fflush(stdout);
}

static int ping[2], pong[2], ev_ping, ev_pong, epfd, ready_fd;

static void null_syscall(void) { syscall(SYS_getppid); }

static void dup_close(void) { close(dup(0)); }

static void round_trip(void)
{
	char c = 'x';
	if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
		abort();
}

static void event_wake(void)
{
	uint64_t v = 1;
	if (write(ev_ping, &v, 8) != 8 || read(ev_pong, &v, 8) != 8)
		abort();
}

static void epoll_ready(void)
{
	struct epoll_event e;
	epoll_wait(epfd, &e, 1, -1);
}

static void mmap_cycle(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*(volatile char *)p = 1;
	munmap(p, 4096);
}

static void fork_exit_wait(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
}

static void open_close(void) { close(open("/etc/motd", O_RDONLY)); }

int main(void)
{
	mkdir("/etc", 0755);
	int fd = open("/etc/motd", O_CREAT | O_WRONLY, 0644);
	if (fd >= 0) {
		(void)!write(fd, "motd\n", 5);
		close(fd);
	}
	printf("BENCH begin\n");
	measure("null_syscall", 2000, null_syscall);
	measure("handle_dup_close", 2000, dup_close);
	if (pipe(ping) || pipe(pong))
		return 1;
	ev_ping = eventfd(0, 0);
	ev_pong = eventfd(0, 0);
	if (fork() == 0) {
		/* The peer: echo bytes, answer events. */
		if (fork() == 0) {
			uint64_t v;
			while (read(ev_ping, &v, 8) == 8)
				(void)!write(ev_pong, &v, 8);
			_exit(0);
		}
		char c;
		while (read(ping[0], &c, 1) == 1)
			(void)!write(pong[1], &c, 1);
		_exit(0);
	}
	measure("channel_round_trip", 1000, round_trip);
	measure("event_wake_other_process", 1000, event_wake);
	epfd = epoll_create1(0);
	ready_fd = eventfd(1, 0);
	struct epoll_event e = { .events = EPOLLIN };
	epoll_ctl(epfd, EPOLL_CTL_ADD, ready_fd, &e);
	measure("port_wait_ready", 1000, epoll_ready);
	measure("vmo_create_map_touch_unmap_close", 1000, mmap_cycle);
	measure("spawn_exit_wait", 50, fork_exit_wait);
	measure("registry_open_local", 500, open_close);
	printf("BENCH end\n");
	fflush(stdout);
	if (ioperm(0xf4, 4, 1) == 0)
		outl(0x10, 0xf4);
	return 0;
}
