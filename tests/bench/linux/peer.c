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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <signal.h>
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

static int ping[2], pong[2], ev_ping, ev_pong, epfd, ready_fd, oneshot_epfd, fd_link[2];

static void null_syscall(void) { syscall(SYS_getppid); }

static void dup_close(void) { close(dup(0)); }

static int motd_fd;

/* What a handle's info tells, for an open file: the fstat system call
 * itself (glibc's fstat is newfstatat with an empty path, which copies and
 * looks up that path first). */
static void fd_info(void)
{
	struct stat st;
	syscall(SYS_fstat, motd_fd, &st);
}

static void eventfd_create_close(void) { close(eventfd(0, 0)); }

/* A one-shot registration armed again for each wait (EPOLLONESHOT). */
static void epoll_oneshot_ready(void)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLONESHOT };
	epoll_ctl(oneshot_epfd, EPOLL_CTL_MOD, ready_fd, &e);
	epoll_wait(oneshot_epfd, &e, 1, -1);
}

static void round_trip(void)
{
	char c = 'x';
	if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
		abort();
}

/* One byte and one descriptor (SCM_RIGHTS) out and back over a socket
 * pair; the copy that comes back is closed, so the table stays the same
 * size, as a moved handle leaves it. */
static int send_fd(int sock, int fd)
{
	char c = 'x';
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c;
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int fd = -1;
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static void round_trip_fd(void)
{
	if (send_fd(fd_link[0], ev_ping) < 0)
		abort();
	int fd = recv_fd(fd_link[0]);
	if (fd < 0)
		abort();
	close(fd);
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

/* Background load: a process bouncing bytes through a pipe of its own. */
static pid_t spinner(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int p[2];
		char c = 's';
		if (pipe(p))
			_exit(1);
		for (;;)
			if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
				_exit(1);
	}
	return pid;
}

/* Descriptors up to `fill` in the table, as the LightOS scale cases fill
 * their handle table. */
static void fill_table(int fill)
{
	struct rlimit r = { 70000, 70000 };
	setrlimit(RLIMIT_NOFILE, &r);
	int fd;
	do
		fd = dup(0);
	while (fd >= 0 && fd < fill - 1);
}

int main(void)
{
	mkdir("/etc", 0755);
	int fd = open("/etc/motd", O_CREAT | O_WRONLY, 0644);
	if (fd >= 0) {
		(void)!write(fd, "motd\n", 5);
		close(fd);
	}
	motd_fd = open("/etc/motd", O_RDONLY);
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
	measure("object_info", 2000, fd_info);
	measure("event_create_close", 2000, eventfd_create_close);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd_link))
		return 1;
	if (fork() == 0) {
		/* The descriptor echo: back out as it came in. */
		int fd;
		while ((fd = recv_fd(fd_link[1])) >= 0) {
			(void)send_fd(fd_link[1], fd);
			close(fd);
		}
		_exit(0);
	}
	measure("channel_round_trip_handle", 1000, round_trip_fd);
	static const int busy[3] = { 1, 3, 7 };
	pid_t spinners[7];
	int running = 0;
	for (int k = 0; k < 3; k++) {
		while (running < busy[k])
			spinners[running++] = spinner();
		char name[64];
		snprintf(name, sizeof(name), "channel_round_trip_%d_busy", busy[k]);
		measure(name, 1000, round_trip);
	}
	for (int i = 0; i < running; i++) {
		kill(spinners[i], SIGKILL);
		waitpid(spinners[i], NULL, 0);
	}
	epfd = epoll_create1(0);
	ready_fd = eventfd(1, 0);
	struct epoll_event e = { .events = EPOLLIN };
	epoll_ctl(epfd, EPOLL_CTL_ADD, ready_fd, &e);
	measure("port_wait_ready", 1000, epoll_ready);
	oneshot_epfd = epoll_create1(0);
	e.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(oneshot_epfd, EPOLL_CTL_ADD, ready_fd, &e);
	measure("port_bind_wait_ready", 1000, epoll_oneshot_ready);
	measure("vmo_create_map_touch_unmap_close", 1000, mmap_cycle);
	measure("spawn_exit_wait", 50, fork_exit_wait);
	measure("registry_open_local", 500, open_close);
	static const int fills[3] = { 16, 1000, 65534 };
	for (int k = 0; k < 3; k++) {
		char name[64];
		fill_table(fills[k]);
		snprintf(name, sizeof(name), "object_info_%d_handles", fills[k]);
		measure(name, 2000, fd_info);
		snprintf(name, sizeof(name), "handle_dup_close_%d_handles", fills[k]);
		measure(name, 2000, dup_close);
	}
	printf("BENCH end\n");
	fflush(stdout);
	if (ioperm(0xf4, 4, 1) == 0)
		outl(0x10, 0xf4);
	return 0;
}
