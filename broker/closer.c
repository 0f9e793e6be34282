// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The closers: threads that close, off the event loop, what could make it
 * wait.
 *
 * Whoever closes a tap's fd last detaches it from the device, which costs
 * an RCU grace period under the RTNL lock (~5-20 ms).  A client that closes
 * its copy at once makes the broker's close() the last one: done in the
 * event loop, that would let any user slow every allocation down.  So the
 * loop passes the fd over a pipe and the tap closer thread closes it.
 *
 * The quarantine closer takes client connections that may still hold fds
 * a client sent (kernels without SO_PASSRIGHTS, see server.c): freeing
 * such a connection drops the last reference to those files, and a file's
 * ->release can wait as long as its owner wants (a TCP socket lingering on
 * a peer that never acknowledges).  It has its own thread so that a
 * hostile file stalls neither the loop nor the closing of taps.
 *
 * Both start after capabilities are dropped and before seccomp (installed
 * with TSYNC on every thread); they only ever call read() and close().
 */
#include "broker.h"
#include "closer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

struct tb_closer {
	int pipe[2];
	pthread_t thread;
	atomic_uint done; /* fds closed so far */
};

static struct tb_closer tb_closers[2] = {{.pipe = {-1, -1}},
					 {.pipe = {-1, -1}}};
static pthread_barrier_t tb_closer_up;

#define TB_CLOSER_TAPS (&tb_closers[0])
#define TB_CLOSER_QUARANTINE (&tb_closers[1])

static void *tb_closer_run(void *arg)
{
	struct tb_closer *c = arg;
	int fd;

	/* glibc's own thread start-up (rseq, set_robust_list) is over: let
	 * the main thread install seccomp, which would forbid those calls */
	pthread_barrier_wait(&tb_closer_up);
	while (read(c->pipe[0], &fd, sizeof(fd)) == sizeof(fd)) {
		close(fd);
		atomic_fetch_add(&c->done, 1);
	}
	return NULL;
}

static int tb_closer_one(struct tb_closer *c)
{
	int err;

	if (pipe2(c->pipe, O_CLOEXEC) < 0)
		return -errno;
	fcntl(c->pipe[1], F_SETFL, O_NONBLOCK);
	err = pthread_create(&c->thread, NULL, tb_closer_run, c);
	if (!err) {
		pthread_barrier_wait(&tb_closer_up);
		return 0;
	}
	close(c->pipe[0]);
	close(c->pipe[1]);
	c->pipe[0] = c->pipe[1] = -1;
	return -err;
}

/**
 * tb_closer_start() - start the tap closer and the quarantine closer
 * Return: 0, or -errno (then tap fds are closed in place, and hostile
 * connections wait in the loop's table, see tb_closer_quarantine()).
 */
int tb_closer_start(void)
{
	int err;

	pthread_barrier_init(&tb_closer_up, NULL, 2);
	err = tb_closer_one(TB_CLOSER_TAPS);
	return err ? err : tb_closer_one(TB_CLOSER_QUARANTINE);
}

/* Ends @c's thread once it has closed what is queued: waits for it up to
 * @wait_s seconds (0: for ever); returns 0, or -ETIMEDOUT. */
static int tb_closer_end(struct tb_closer *c, time_t wait_s)
{
	struct timespec until;
	int err = 0;

	if (c->pipe[1] < 0)
		return 0;
	close(c->pipe[1]);
	c->pipe[1] = -1;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_s;
	if (wait_s)
		err = pthread_timedjoin_np(c->thread, NULL, &until);
	else
		pthread_join(c->thread, NULL);
	if (err)
		return -ETIMEDOUT;
	close(c->pipe[0]);
	return 0;
}

/*
 * At exit: each closer closes what is queued, sees its pipe end and
 * returns.  The quarantine closer may be stuck in a hostile ->release: it
 * is waited for one second at most (exit then ends it).
 */
void tb_closer_stop(void)
{
	tb_closer_end(TB_CLOSER_TAPS, 0);
	if (tb_closer_end(TB_CLOSER_QUARANTINE, 1))
		tb_log(LOG_NOTICE,
		       "a client's file is still being released; exiting anyway");
}

/* Closes @fd off the event loop (in place if the pipe is full or absent). */
void tb_closer_close(int fd)
{
	if (TB_CLOSER_TAPS->pipe[1] < 0 ||
	    write(TB_CLOSER_TAPS->pipe[1], &fd, sizeof(fd)) != sizeof(fd))
		close(fd);
}

/**
 * tb_closer_quarantine() - have the quarantine thread close @fd
 *
 * Never closes in place.
 * Return: 0 (handed over), or -EAGAIN (no thread, or its queue is full:
 * keep @fd and try again later).
 */
int tb_closer_quarantine(int fd)
{
	if (TB_CLOSER_QUARANTINE->pipe[1] < 0 ||
	    write(TB_CLOSER_QUARANTINE->pipe[1], &fd, sizeof(fd)) != sizeof(fd))
		return -EAGAIN;
	return 0;
}

/* How many fds the quarantine closer has closed (for the tests' log). */
unsigned int tb_closer_quarantined(void)
{
	return atomic_load(&TB_CLOSER_QUARANTINE->done);
}
