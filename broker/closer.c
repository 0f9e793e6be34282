// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The closer: a thread that closes the broker's copy of each handed-out fd.
 *
 * Whoever closes a tap's fd last detaches it from the device, which costs
 * an RCU grace period under the RTNL lock (~5-20 ms).  A client that closes
 * its copy at once makes the broker's close() the last one: done in the
 * event loop, that would let any user slow every allocation down.  So the
 * loop passes the fd over a pipe and this thread closes it.  It is started
 * after capabilities are dropped and before seccomp (installed with TSYNC
 * on both threads); it only ever calls read() and close().
 */
#include "broker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

static int tb_closer_pipe[2] = {-1, -1};
static pthread_t tb_closer_thread;
static pthread_barrier_t tb_closer_up;

static void *tb_closer_run(void *arg)
{
	int fd;

	(void)arg;
	/* glibc's own thread start-up (rseq, set_robust_list) is over: let
	 * the main thread install seccomp, which would forbid those calls */
	pthread_barrier_wait(&tb_closer_up);
	while (read(tb_closer_pipe[0], &fd, sizeof(fd)) == sizeof(fd))
		close(fd);
	return NULL;
}

/**
 * tb_closer_start() - start the closer thread
 * Return: 0, or -errno (then fds are closed in place).
 */
int tb_closer_start(void)
{
	int err;

	if (pipe2(tb_closer_pipe, O_CLOEXEC) < 0)
		return -errno;
	fcntl(tb_closer_pipe[1], F_SETFL, O_NONBLOCK);
	pthread_barrier_init(&tb_closer_up, NULL, 2);
	err = pthread_create(&tb_closer_thread, NULL, tb_closer_run, NULL);
	if (!err) {
		pthread_barrier_wait(&tb_closer_up);
		return 0;
	}
	close(tb_closer_pipe[0]);
	close(tb_closer_pipe[1]);
	tb_closer_pipe[0] = tb_closer_pipe[1] = -1;
	return -err;
}

/* At exit: the thread closes what is queued, sees the pipe end, returns. */
void tb_closer_stop(void)
{
	if (tb_closer_pipe[1] < 0)
		return;
	close(tb_closer_pipe[1]);
	tb_closer_pipe[1] = -1;
	pthread_join(tb_closer_thread, NULL);
	close(tb_closer_pipe[0]);
}

/* Closes @fd off the event loop (in place if the pipe is full or absent). */
void tb_closer_close(int fd)
{
	if (tb_closer_pipe[1] < 0 ||
	    write(tb_closer_pipe[1], &fd, sizeof(fd)) != sizeof(fd))
		close(fd);
}
