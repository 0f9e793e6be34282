// SPDX-License-Identifier: GPL-2.0-or-later
/* The event loop: accepts, reads with a deadline, signals, nothing blocks. */
#include "broker.h"
#include "pool.h"
#include "port.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * One epoll set holds the listening socket, a signalfd and every client
 * connection.  A connection has TB_CONN_DEADLINE_MS from accept() to send
 * its request; past that it is closed, so a client that connects and says
 * nothing delays nobody.  At most TB_MAX_CONNS are open at once; beyond
 * that the listening socket is left in the kernel's backlog until a slot
 * frees.  Requests are served as they arrive: each takes a few netlink
 * round trips and never waits on a client (replies are sent non-blocking).
 */

#define TB_MAX_CONNS 256
#define TB_CONN_DEADLINE_MS 2000
#define TB_CONN_SLACK_MS 100
#define TB_EV_LISTEN UINT32_MAX
#define TB_EV_SIGNAL (UINT32_MAX - 1)
#define TB_EV_LINKS (UINT32_MAX - 2)
#define TB_EV_GUARDS (UINT32_MAX - 3) /* nftables events (guard.c) */
#define TB_EV_PIDFD 0x40000000u /* | the pidfd of a watched VM */

struct tb_conn {
	int fd; /* -1: free slot */
	uint64_t deadline; /* ms, CLOCK_MONOTONIC */
};

struct tb_loop {
	int epfd;
	int sigfd;
	int listening; /* listen fd is armed in epfd */
	unsigned int nconns;
	struct tb_conn conns[TB_MAX_CONNS];
	int stop;
};

static uint64_t tb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int tb_loop_add(struct tb_loop *l, int fd, uint32_t id)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = id};

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Arms or disarms the listening socket (full connection table). */
static void tb_loop_listen(struct tb_broker *b, int on)
{
	struct epoll_event ev = {.events = on ? EPOLLIN : 0,
				 .data.u32 = TB_EV_LISTEN};
	struct tb_loop *l = b->loop;

	if (l->listening == on)
		return;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, b->listen_fd, &ev) == 0)
		l->listening = on;
}

/**
 * tb_loop_init() - create the epoll set and the signalfd
 *
 * Called before seccomp; SIGTERM, SIGINT and SIGHUP are blocked and read
 * from the signalfd instead, SIGPIPE is ignored.
 * Return: 0, or -errno.
 */
int tb_loop_init(struct tb_broker *b)
{
	struct tb_loop *l = calloc(1, sizeof(*l));
	sigset_t set;
	unsigned int i;

	if (!l)
		return -ENOMEM;
	b->loop = l;
	for (i = 0; i < TB_MAX_CONNS; i++)
		l->conns[i].fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	l->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->sigfd < 0 || l->epfd < 0)
		return -errno;
	l->listening = 1;
	if (tb_loop_add(l, l->sigfd, TB_EV_SIGNAL) ||
	    tb_loop_add(l, b->events_fd, TB_EV_LINKS))
		return -errno;
	return tb_loop_add(l, b->listen_fd, TB_EV_LISTEN);
}

static void tb_conn_close(struct tb_broker *b, struct tb_conn *c)
{
	close(c->fd); /* also removes it from the epoll set */
	c->fd = -1;
	b->loop->nconns--;
	tb_loop_listen(b, 1);
}

static void tb_loop_accept(struct tb_broker *b)
{
	struct tb_loop *l = b->loop;
	unsigned int i = 0;
	int fd;

	while (l->nconns < TB_MAX_CONNS) {
		fd = accept4(b->listen_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED &&
			    errno != EINTR)
				tb_log(LOG_ERR, "accept: %s", strerror(errno));
			return;
		}
		while (l->conns[i].fd >= 0)
			i++;
		if (tb_loop_add(l, fd, i)) {
			close(fd);
			continue;
		}
		l->conns[i] =
			(struct tb_conn){fd, tb_now_ms() + TB_CONN_DEADLINE_MS};
		l->nconns++;
	}
	tb_loop_listen(b, 0);
}

static void tb_loop_signal(struct tb_broker *b)
{
	struct signalfd_siginfo si;

	while (read(b->loop->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			tb_server_reload(b);
			continue;
		}
		tb_log(LOG_INFO, "stopping on signal %u", si.ssi_signo);
		b->loop->stop = 1;
	}
}

/* Closes connections past their deadline; returns ms to the next one. */
static int tb_loop_expire(struct tb_broker *b)
{
	struct tb_loop *l = b->loop;
	uint64_t now = tb_now_ms(), next = UINT64_MAX;
	unsigned int i, dropped = 0;

	for (i = 0; i < TB_MAX_CONNS && l->nconns; i++) {
		if (l->conns[i].fd < 0)
			continue;
		if (l->conns[i].deadline <= now) {
			tb_conn_close(b, &l->conns[i]);
			dropped++;
		} else if (l->conns[i].deadline < next) {
			next = l->conns[i].deadline;
		}
	}
	if (dropped) /* one line, however many a hostile client opened */
		tb_log(LOG_NOTICE,
		       "dropped %u client%s that sent no request within %d ms",
		       dropped, dropped == 1 ? "" : "s", TB_CONN_DEADLINE_MS);
	/* wake a little late, so connections that came together go together */
	return next == UINT64_MAX ? -1 : (int)(next - now) + TB_CONN_SLACK_MS;
}

/**
 * tb_loop_run() - serve until SIGTERM or SIGINT
 */
void tb_loop_run(struct tb_broker *b)
{
	struct epoll_event evs[32];
	struct tb_loop *l = b->loop;
	int n, i, timeout;
	uint32_t id;

	while (!l->stop) {
		timeout = tb_loop_expire(b);
		n = tb_lease_tick(b);
		if (timeout < 0 || n < timeout)
			timeout = n;
		n = tb_pool_due(b);
		if (n >= 0 && (timeout < 0 || n < timeout))
			timeout = n;
		n = epoll_wait(l->epfd, evs, 32, timeout);
		if (n == 0) /* idle for the whole timeout */
			tb_pool_idle(b);
		for (i = 0; i < n; i++) {
			id = evs[i].data.u32;
			if (id == TB_EV_LISTEN) {
				tb_loop_accept(b);
			} else if (id == TB_EV_SIGNAL) {
				tb_loop_signal(b);
			} else if (id == TB_EV_LINKS) {
				tb_lease_events(b);
			} else if (id == TB_EV_GUARDS) {
				tb_port_guards_changed(b);
			} else if (id >= TB_EV_PIDFD && id < TB_EV_GUARDS) {
				tb_lease_vm_exited(b, (int)(id - TB_EV_PIDFD));
			} else if (id < TB_MAX_CONNS && l->conns[id].fd >= 0 &&
				   tb_server_serve(b, l->conns[id].fd) == 0) {
				tb_conn_close(b, &l->conns[id]);
			}
		}
	}
}

/* Watches the guards' nftables events (guard.c tb_guard_watch_open()). */
int tb_loop_watch_guards(struct tb_broker *b, int fd)
{
	return tb_loop_add(b->loop, fd, TB_EV_GUARDS);
}

/* Watches @pidfd: it turns readable when its process exits. */
int tb_loop_watch(struct tb_broker *b, int pidfd)
{
	return tb_loop_add(b->loop, pidfd, TB_EV_PIDFD | (uint32_t)pidfd);
}

/* Closes every connection and the loop's own fds. */
void tb_loop_free(struct tb_broker *b)
{
	struct tb_loop *l = b->loop;

	if (!l)
		return;
	for (unsigned int i = 0; i < TB_MAX_CONNS; i++)
		if (l->conns[i].fd >= 0)
			close(l->conns[i].fd);
	close(l->epfd);
	close(l->sigfd);
	free(l);
	b->loop = NULL;
}
