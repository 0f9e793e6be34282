// SPDX-License-Identifier: GPL-2.0-or-later
/* The event loop: accepts, reads with a deadline, signals, nothing blocks. */
#include "broker.h"
#include "server.h"
#include "pool.h"
#include "port.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * One epoll set holds the listening socket, a signalfd and every client
 * connection.  A connection has TB_CONN_DEADLINE_MS from accept() to send
 * its request; past that it is closed, so a client that connects and says
 * nothing delays nobody.  Requests are served as they arrive: each takes a
 * few netlink round trips and never waits on a client (replies are sent
 * non-blocking, connections are closed by tb_server_close()).
 *
 * Fairness: one uid (SO_PEERCRED, at accept()) has at most TB_UID_CONNS
 * connections open; the next one it makes is answered at once with why
 * and closed, so a uid that floods the socket only waits on itself.  All
 * users together have at most TB_MAX_CONNS, eight times one uid's share;
 * beyond that the listening socket is left in the kernel's backlog until
 * a slot frees.  One wake-up accepts at most TB_ACCEPT_BURST, so a flood
 * of connections cannot hold up requests that are already in.
 *
 * Nothing a client does makes a call of the loop wait: client sockets are
 * non-blocking and read with MSG_DONTWAIT; replies are sent without
 * waiting (an admin's multi-frame status waits at most 1 s, admin.c); no
 * fd a client sent is ever closed here (server.c, "Fds a client sends");
 * SO_PEERCRED and SO_PEERGROUPS are copies the kernel made at connect();
 * pidfd_open() does not wait; /proc/PID/stat and status, read for the
 * caller's VM, take no lock the caller can hold (unlike cmdline and
 * environ, which take its mmap lock); our fds of taps are closed by the
 * closer thread.  What is left depends on no client: netlink round trips
 * under RTNL, NSS look-ups of uids, the policy files on SIGHUP, syslog.
 */

#define TB_MAX_CONNS 1024
#define TB_UID_CONNS 128
#define TB_ACCEPT_BURST 256
#define TB_CONN_DEADLINE_MS 2000
#define TB_CONN_SLACK_MS 100
#define TB_EV_LISTEN UINT32_MAX
#define TB_EV_SIGNAL (UINT32_MAX - 1)
#define TB_EV_LINKS (UINT32_MAX - 2)
#define TB_EV_GUARDS (UINT32_MAX - 3) /* nftables events (guard.c) */
#define TB_EV_PIDFD 0x40000000u /* | the pidfd of a watched VM */

struct tb_conn {
	int fd; /* -1: free slot */
	int doomed; /* out of epoll, waiting for the quarantine closer */
	int hup; /* answered, to be closed when the client hangs up */
	uid_t uid;
	uint64_t deadline; /* ms, CLOCK_MONOTONIC */
};

/* One uid's share: its open connections, and those refused since the
 * last log line. */
struct tb_uid_share {
	uid_t uid;
	unsigned int conns, refused;
};

struct tb_loop {
	int epfd;
	int sigfd;
	int listening; /* listen fd is armed in epfd */
	unsigned int nconns, nuids;
	struct tb_conn conns[TB_MAX_CONNS];
	struct tb_uid_share uids[TB_MAX_CONNS];
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

/*
 * Room for TB_MAX_CONNS connections besides the broker's own fds and the
 * leases' pidfds: the soft fd limit is raised (up to the hard one).
 */
static void tb_loop_fd_limit(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur >= 4 * TB_MAX_CONNS)
		return;
	r.rlim_cur =
		r.rlim_max < 4 * TB_MAX_CONNS ? r.rlim_max : 4 * TB_MAX_CONNS;
	if (setrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur < 2 * TB_MAX_CONNS)
		tb_log(LOG_WARNING,
		       "the fd limit (%llu) is low for %d connections: raise LimitNOFILE=",
		       (unsigned long long)r.rlim_cur, TB_MAX_CONNS);
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
	tb_loop_fd_limit();
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

/* @uid's share, made if it has none yet; NULL if the table is full. */
static struct tb_uid_share *tb_uid_share(struct tb_loop *l, uid_t uid)
{
	unsigned int i;

	for (i = 0; i < l->nuids; i++)
		if (l->uids[i].uid == uid)
			return &l->uids[i];
	if (l->nuids == TB_MAX_CONNS)
		return NULL;
	l->uids[l->nuids] = (struct tb_uid_share){.uid = uid};
	return &l->uids[l->nuids++];
}

/* Forgets shares with nothing open and nothing left to log. */
static void tb_uid_prune(struct tb_loop *l)
{
	unsigned int i = 0;

	while (i < l->nuids) {
		if (l->uids[i].conns || l->uids[i].refused)
			i++;
		else
			l->uids[i] = l->uids[--l->nuids];
	}
}

static void tb_conn_free(struct tb_broker *b, struct tb_conn *c)
{
	struct tb_uid_share *u = tb_uid_share(b->loop, c->uid);

	if (u && u->conns)
		u->conns--;
	c->fd = -1;
	c->doomed = c->hup = 0;
	b->loop->nconns--;
	tb_loop_listen(b, 1);
}

/* Closes @c; one that still holds a client's files may have to wait. */
static void tb_conn_close(struct tb_broker *b, struct tb_conn *c)
{
	if (!c->doomed) /* the epoll set forgets it, whoever closes it */
		epoll_ctl(b->loop->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (tb_server_close(c->fd) == -EAGAIN) {
		c->doomed = 1; /* tried again at each expiry */
		return;
	}
	tb_conn_free(b, c);
}

/* @c is readable, or (waiting for it) hung up. */
static void tb_conn_ready(struct tb_broker *b, struct tb_conn *c)
{
	struct epoll_event hup = {.events = 0,
				  .data.u32 = (uint32_t)(c - b->loop->conns)};
	int ret;

	if (c->hup) {
		tb_conn_close(b, c);
		return;
	}
	ret = tb_server_serve(b, c->fd);
	if (ret == -EAGAIN)
		return;
	/* with no events, epoll still reports EPOLLHUP (and EPOLLERR) */
	if (ret == TB_SERVE_HUP &&
	    !epoll_ctl(b->loop->epfd, EPOLL_CTL_MOD, c->fd, &hup)) {
		c->hup = 1;
		return;
	}
	tb_conn_close(b, c);
}

/* Takes @fd of @uid into a free slot, watched unless @doomed; 0/-errno. */
static int tb_conn_add(struct tb_loop *l, int fd, uid_t uid, int doomed)
{
	unsigned int i = 0;
	int err;

	while (l->conns[i].fd >= 0)
		i++;
	err = doomed ? 0 : tb_loop_add(l, fd, i);
	if (err)
		return err;
	l->conns[i] =
		(struct tb_conn){.fd = fd,
				 .doomed = doomed,
				 .uid = uid,
				 .deadline = tb_now_ms() + TB_CONN_DEADLINE_MS};
	l->nconns++;
	return 0;
}

/* Admits @fd if its uid is under its share; else answers and closes it. */
static void tb_loop_admit(struct tb_broker *b, int fd)
{
	struct tb_loop *l = b->loop;
	struct tb_uid_share *u;
	uid_t uid = (uid_t)-1;

	tb_server_peer_uid(fd, &uid);
	u = tb_uid_share(l, uid);
	if (u && u->conns < TB_UID_CONNS && !tb_conn_add(l, fd, uid, 0)) {
		u->conns++;
		return;
	}
	if (u)
		u->refused++;
	tb_server_busy(fd, uid, TB_UID_CONNS);
	if (tb_server_close(fd) == 0)
		return;
	/* files queued and the quarantine full: it waits in a slot too,
	 * counted against its uid (a free slot exists: see the caller) */
	tb_conn_add(l, fd, uid, 1);
	if (u)
		u->conns++;
}

static void tb_loop_accept(struct tb_broker *b)
{
	struct tb_loop *l = b->loop;
	unsigned int n;
	int fd;

	for (n = 0; n < TB_ACCEPT_BURST && l->nconns < TB_MAX_CONNS; n++) {
		fd = accept4(b->listen_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED &&
			    errno != EINTR)
				tb_log(LOG_ERR, "accept: %s", strerror(errno));
			return;
		}
		tb_loop_admit(b, fd);
	}
	if (l->nconns >= TB_MAX_CONNS)
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

/* One line per uid whose connections were refused since the last one. */
static void tb_loop_log_refused(struct tb_loop *l)
{
	for (unsigned int i = 0; i < l->nuids; i++) {
		if (!l->uids[i].refused)
			continue;
		tb_log(LOG_NOTICE,
		       "refused %u connection%s of uid %u: it had %u open (the per-user limit)",
		       l->uids[i].refused, l->uids[i].refused == 1 ? "" : "s",
		       (unsigned int)l->uids[i].uid, TB_UID_CONNS);
		l->uids[i].refused = 0;
	}
	tb_uid_prune(l);
}

/* Closes connections past their deadline; returns ms to the next one. */
static int tb_loop_expire(struct tb_broker *b)
{
	struct tb_loop *l = b->loop;
	uint64_t now = tb_now_ms(), next = UINT64_MAX;
	unsigned int i, dropped = 0;
	struct tb_conn *c;

	for (i = 0; i < TB_MAX_CONNS && l->nconns; i++) {
		c = &l->conns[i];
		if (c->fd < 0)
			continue;
		if (c->doomed || c->deadline <= now) {
			dropped += !c->doomed && !c->hup;
			tb_conn_close(b, c);
		}
		if (c->fd >= 0) /* still open: waits, or is doomed */
			c->deadline = c->doomed ? now + 1000 : c->deadline;
		if (c->fd >= 0 && c->deadline < next)
			next = c->deadline;
	}
	if (dropped) /* one line, however many a hostile client opened */
		tb_log(LOG_NOTICE,
		       "dropped %u client%s that sent no request within %d ms",
		       dropped, dropped == 1 ? "" : "s", TB_CONN_DEADLINE_MS);
	tb_loop_log_refused(l);
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
				   !l->conns[id].doomed) {
				tb_conn_ready(b, &l->conns[id]);
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

/*
 * Closes every connection and the loop's own fds.  A connection that may
 * hold a client's files is left to exit(), which frees it with PF_EXITING
 * set: a lingering socket's ->release does not wait then (inet_release()).
 */
void tb_loop_free(struct tb_broker *b)
{
	struct tb_loop *l = b->loop;

	if (!l)
		return;
	for (unsigned int i = 0; i < TB_MAX_CONNS; i++)
		if (l->conns[i].fd >= 0 && !l->conns[i].doomed)
			tb_server_close(l->conns[i].fd);
	close(l->epfd);
	close(l->sigfd);
	free(l);
	b->loop = NULL;
}
