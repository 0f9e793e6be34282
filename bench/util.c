// SPDX-License-Identifier: GPL-2.0-or-later
/* Benchmark plumbing: clocks, child processes, fd receipt, percentiles. */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t bn_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One line of progress on stderr, with the seconds since the first one. */
void bn_progress(const char *fmt, ...)
{
	static uint64_t start;
	va_list ap;

	if (!start)
		start = bn_now_ns();
	fprintf(stderr, "bench: [%5.1f s] ",
		(double)(bn_now_ns() - start) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void bn_die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/**
 * bn_spawn() - fork and exec @path, as QEMU runs its bridge helper
 * @keep_fd:	an fd the child keeps across exec (QEMU's --fd=N), or -1
 *
 * fork() rather than posix_spawn(), because that is what QEMU does; the
 * child dies with the bench (PR_SET_PDEATHSIG), so nothing outlives a run.
 * Return: the child's pid; dies if fork fails.
 */
pid_t bn_spawn(const char *path, char *const argv[], int keep_fd)
{
	pid_t pid = fork();

	if (pid < 0)
		bn_die("fork: %s", strerror(errno));
	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (keep_fd >= 0 && fcntl(keep_fd, F_SETFD, 0) < 0)
		_exit(126);
	execv(path, argv);
	_exit(127);
}

/* Waits for @pid; returns its exit status, or 128 + the killing signal. */
int bn_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Runs @path to completion with stdout and stderr as ours; its status. */
int bn_run(const char *path, char *const argv[])
{
	return bn_wait(bn_spawn(path, argv, -1));
}

/**
 * bn_recv_fd() - receive the one fd a bridge helper sends over @sock
 *
 * qemu-bridge-helper and tapbroker-helper both send one byte carrying one
 * fd with SCM_RIGHTS; this is QEMU's recv_fd().
 * Return: the fd, or -errno (-EBADMSG if the message carried no fd).
 */
int bn_recv_fd(int sock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf.buf,
			     .msg_controllen = sizeof(cbuf.buf)};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (n != 1 || !c || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int bn_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile @pct of @n sorted samples. */
double bn_pct(const double *sorted, unsigned int n, unsigned int pct)
{
	unsigned int rank;

	if (!n)
		return 0;
	rank = (n * pct + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}
