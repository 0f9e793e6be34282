// SPDX-License-Identifier: GPL-2.0-or-later
/* The listening socket: who is calling, what they ask, what they get. */
#include "config.h"
#include "broker.h"
#include "usercache.h"
#include "server.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define TB_CONN_TIMEOUT_S 2 /* a silent client is dropped after this */
#define TB_MAX_GROUPS 65536 /* the kernel's NGROUPS_MAX */

#ifndef SO_PASSRIGHTS
#if defined(__sparc__)
#define SO_PASSRIGHTS 0x005c
#elif defined(__hppa__)
#define SO_PASSRIGHTS 0x4051
#else
#define SO_PASSRIGHTS 83 /* asm-generic, x86, arm, alpha, mips (6.16) */
#endif
#endif

/*
 * Fds a client sends
 *
 * The broker takes no fd from a client, and must not even let one reach
 * a close() of its own: close() is close_fd() -> filp_close() (fs/open.c),
 * which calls the file's ->flush (filp_flush()) before fput(), and
 * fuse_flush() waits, uninterruptibly, for the FUSE server's answer.  Any
 * user can mount FUSE in its own user namespace (/dev/fuse is 0666) and
 * never answer: one close() would stop the event loop for good, SIGTERM
 * included.
 *
 * On Linux 6.16 and later, SO_PASSRIGHTS=0 on the listening socket (each
 * connection inherits it when it is made, in unix_stream_connect(), so
 * there is no window before accept()) has the kernel refuse SCM_RIGHTS at
 * the client's sendmsg() with EPERM: no file ever travels to us.
 *
 * Before 6.16 (setsockopt() answers ENOPROTOOPT), and on a socket that
 * systemd made (connections may have been queued before we could set the
 * option), the files travel inside the message, an skb holding a
 * reference to each.  We receive with no room for control data: scm_recv()
 * (net/core/scm.c) then sets MSG_CTRUNC and scm_destroy() drops those
 * references with fput(), installing no fd; fput() and __fput()
 * (fs/file_table.c) call ->release, never ->flush, which only
 * filp_close() calls.  MSG_CTRUNC refuses the request.  The last fput()
 * still runs ->release on the thread that drops it, and a ->release may
 * wait too (tcp_close() of a socket with SO_LINGER whose peer never
 * acknowledges), so a message is peeked at first (MSG_PEEK: unix_peek_fds()
 * takes references of its own, the queued skb keeps its: ours are never
 * the last) and a connection with files queued is freed by the quarantine
 * closer thread (closer.c).  Every other connection is shut down for
 * reading before it is closed (no frame can be queued after that:
 * unix_dgram_sendmsg() answers EPIPE) and closed here only if nothing is
 * left on it.
 */
static int tb_careful; /* files may be queued on a connection: see above */

static gid_t tb_peer_groups[TB_MAX_GROUPS];

/* Refuses fds at the sender (SO_PASSRIGHTS=0) where the kernel can. */
static void tb_server_no_rights(int fd)
{
	int off = 0;
	const char *test = getenv("TAPBROKER_TEST_PASSRIGHTS");

	if (test && !strcmp(test, "off")) { /* tests: the pre-6.16 path */
		tb_careful = 1;
		return;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &off, sizeof(off)) < 0) {
		/* ENOPROTOOPT: a kernel before 6.16; the fallback applies */
		tb_careful = 1;
	}
}

static void tb_unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		tb_die("socket path %s is longer than %zu bytes", path,
		       sizeof(sa->sun_path) - 1);
	memcpy(sa->sun_path, path, strlen(path) + 1);
}

/* A socket file left by a broker that died is removed; a live one is not. */
static void tb_clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int probe;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISSOCK(st.st_mode))
		tb_die("%s exists and is not a socket; remove it or choose another --socket",
		       path);
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (probe >= 0 &&
	    !connect(probe, (const struct sockaddr *)sa, sizeof(*sa)))
		tb_die("another tapbroker is already listening on %s", path);
	if (probe >= 0)
		close(probe);
	if (unlink(path) < 0)
		tb_die("cannot remove stale socket %s: %s", path,
		       strerror(errno));
}

/**
 * tb_server_listen() - bind and listen on @path, mode 0666
 *
 * Anyone may connect: identity comes from the kernel and the policy
 * decides.  Dies with the reason on failure (start-up only).
 */
int tb_server_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	tb_unix_addr(path, &sa);
	if (!strcmp(path, TB_DEFAULT_SOCKET) &&
	    mkdir("/run/tapbroker", 0755) < 0 && errno != EEXIST)
		tb_die("cannot create /run/tapbroker: %s", strerror(errno));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		tb_die("socket: %s", strerror(errno));
	tb_clear_stale(path, &sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		tb_die("cannot bind %s: %s", path, strerror(errno));
	tb_server_no_rights(fd); /* before listen(): no early connection */
	if (chmod(path, 0666) < 0 || listen(fd, SOMAXCONN) < 0)
		tb_die("cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

/**
 * tb_server_inherit() - take the listening socket systemd passed, if any
 * @path:	set to the socket's path, for logs
 *
 * Socket activation: LISTEN_PID is ours and LISTEN_FDS is 1, so fd 3 is a
 * listening socket.  It must be a SOCK_SEQPACKET unix socket that listens;
 * anything else is a unit file error and stops us.
 *
 * Return: the fd, or -1 when not socket-activated.
 */
int tb_server_inherit(char *path, size_t len)
{
	struct sockaddr_un sa = {0};
	socklen_t sl = sizeof(sa), ol = sizeof(int);
	int type = 0, listening = 0;
#ifdef HAVE_LIBSYSTEMD
	int n = sd_listen_fds(1); /* checks LISTEN_PID, unsets the variables */

	if (n <= 0)
		return -1;
	if (n != 1)
		tb_die("LISTEN_FDS=%d: give tapbroker exactly one socket", n);
#else
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

	if (!pid || !fds || atol(pid) != (long)getpid())
		return -1;
	if (strcmp(fds, "1"))
		tb_die("LISTEN_FDS=%s: give tapbroker exactly one socket", fds);
#endif
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &ol) < 0 ||
	    getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ol) < 0 ||
	    getsockname(3, (struct sockaddr *)&sa, &sl) < 0 ||
	    sa.sun_family != AF_UNIX || type != SOCK_SEQPACKET || !listening)
		tb_die("the inherited fd 3 is not a listening unix SOCK_SEQPACKET socket (ListenSequentialPacket= in the .socket unit)");
	if (fcntl(3, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK) < 0)
		tb_die("fcntl on the inherited socket: %s", strerror(errno));
	/* connections made before this (they started us) may carry files */
	tb_server_no_rights(3);
	tb_careful = 1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	snprintf(path, len, "%s", sa.sun_path[0] ? sa.sun_path : "(abstract)");
	return 3;
}

/**
 * tb_server_notify() - tell systemd we are ready (Type=notify)
 *
 * A datagram to $NOTIFY_SOCKET ('@' for the abstract namespace), as
 * sd_notify() sends; nothing when it is unset.
 */
void tb_server_notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	int err = sd_notify(0, state);

	if (err < 0)
		tb_log(LOG_WARNING, "cannot notify systemd at %s: %s",
		       getenv("NOTIFY_SOCKET"), strerror(-err));
#else
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n;
	int s;

	if (!path || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	if (sendto(s, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		tb_log(LOG_WARNING, "cannot notify systemd at %s: %s", path,
		       strerror(errno));
	close(s);
#endif
}

/* The caller, from the kernel: SO_PEERCRED and SO_PEERGROUPS. */
static int tb_peer(int conn, struct ucred *cred, struct tb_who *who)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return -errno;
	len = sizeof(tb_peer_groups);
	if (getsockopt(conn, SOL_SOCKET, SO_PEERGROUPS, tb_peer_groups, &len) <
	    0)
		return -errno;
	*who = (struct tb_who){
		.uid = cred->uid,
		.gid = cred->gid,
		.groups = tb_peer_groups,
		.ngroups = len / sizeof(gid_t),
	};
	return 0;
}

static void tb_log_result(const struct ucred *cred, const struct tb_who *who,
			  const struct tb_request *req,
			  const struct tb_reply *rep)
{
	const char *user = who->user ? who->user : "?";
	char what[96], queues[24] = "";

	if (rep->status) {
		tb_log(LOG_NOTICE, "deny uid %u (%s) pid %d: %s", cred->uid,
		       user, cred->pid, rep->message);
		return;
	}
	if (req->lower[0])
		snprintf(what, sizeof(what), "(macvtap on %s, %s mode)",
			 req->lower, req->mode[0] ? req->mode : "vepa");
	else if (req->flags & TB_F_ROUTED)
		snprintf(what, sizeof(what), "(routed: %.80s)", req->addrs);
	else
		snprintf(what, sizeof(what), "on %s", req->bridge);
	if (rep->queues)
		snprintf(queues, sizeof(queues), " queues=%u", rep->queues);
	tb_log(LOG_INFO, "grant %s %s to uid %u (%s) pid %d%s%s%s%s",
	       rep->ifname, what, cred->uid, user, cred->pid,
	       req->flags & TB_F_VNET_HDR ? " vnet_hdr" : "", queues,
	       rep->flags & TB_R_VHOST ? " vhost" : "",
	       req->flags & TB_F_LAUNCHER ? " launcher" : "");
}

static void tb_reply(int conn, struct tb_reply *rep, const int *fds,
		     size_t nfds, const struct ucred *cred)
{
	char buf[TB_MSG_MAX];
	ssize_t n;

	tb_log_clean(rep->message, sizeof(rep->message)); /* client text */
	n = tb_reply_encode(rep, buf, sizeof(buf));
	if (n > 0 && tb_send_fds(conn, buf, (size_t)n, fds, nfds) < 0 && nfds)
		tb_log(LOG_NOTICE,
		       "uid %u pid %d left before receiving %s; removed",
		       cred->uid, cred->pid, rep->ifname);
	for (size_t i = 0; i < nfds; i++) /* the client's copies keep it */
		tb_closer_close(fds[i]);
}

/* What the request could not be read for, in words. */
static void tb_read_error(ssize_t n, char *err, size_t len)
{
	if (n == -ENOTUNIQ)
		snprintf(err, len,
			 "file descriptors attached (the broker takes none)");
	else
		snprintf(err, len, "%s", strerror((int)-n));
}

/* Answers one frame of @n bytes (or the receive error -errno in @n). */
static void tb_answer(struct tb_broker *b, int conn, const char *buf, ssize_t n)
{
	struct tb_request req;
	struct tb_reply rep = {0};
	struct ucred cred;
	struct tb_who who;
	char err[TB_ERR_MAX], name[64];
	int fds[TB_FDS_MAX];
	size_t nfds = 0;

	if (tb_peer(conn, &cred, &who) < 0)
		return;
	who.user = tb_user_name(b, cred.uid, name, sizeof(name));
	if (n < 0)
		tb_read_error(n, err, sizeof(err));
	if (n < 0 ||
	    tb_request_decode(buf, (size_t)n, &req, err, sizeof(err))) {
		snprintf(rep.message, sizeof(rep.message),
			 "malformed request: %s", err);
		rep.status = -EBADMSG;
		tb_log(LOG_NOTICE, "uid %u pid %d: %s", cred.uid, cred.pid,
		       rep.message);
	} else if (req.op != TB_OP_TAP) {
		tb_admin_answer(b, conn, &who, &req);
		return;
	} else {
		if (!tb_do_tap(b, &who, cred.pid, &req, &rep, &fds[0])) {
			nfds = 1;
			tb_do_queues(b, &req, &rep, fds, &nfds);
		}
		tb_log_result(&cred, &who, &req, &rep);
	}
	tb_reply(conn, &rep, fds, nfds, &cred);
}

/*
 * Reads the request on @conn with no room for fds.  Where files may be
 * queued, it peeks first: a frame carrying files stays queued (-ENOTUNIQ)
 * for the quarantine closer to free.
 */
static ssize_t tb_server_read(int conn, char *buf, size_t size)
{
	ssize_t n;

	if (tb_careful) {
		n = tb_recv_nofds(conn, buf, size, MSG_PEEK);
		if (n == -ENOTUNIQ || n == -EAGAIN)
			return n;
	}
	return tb_recv_nofds(conn, buf, size, 0);
}

/**
 * tb_server_serve() - read one request from @conn and answer it
 *
 * @conn is non-blocking.  Never aborts on client input: a malformed
 * request (cut, oversized, carrying fds, undecodable) gets a reply saying
 * what is wrong.
 *
 * Return: -EAGAIN if nothing has arrived yet (keep waiting), 0 (done:
 * close the connection with tb_server_close()), or TB_SERVE_HUP: files
 * came and are still queued; closing now would reset the connection
 * before the client reads why (ECONNRESET, from unix_release_sock()), so
 * close it when the client hangs up or its deadline comes.
 */
int tb_server_serve(struct tb_broker *b, int conn)
{
	char buf[TB_MSG_MAX];
	ssize_t n;

	n = tb_server_read(conn, buf, sizeof(buf));
	if (n == -EAGAIN)
		return -EAGAIN;
	if (n != 0)
		tb_answer(b, conn, buf, n);
	return tb_careful && n == -ENOTUNIQ ? TB_SERVE_HUP : 0;
}

/**
 * tb_server_close() - close client connection @conn without waiting
 *
 * Where files may be queued on it (see "Fds a client sends"), it is shut
 * down for reading, so nothing more can arrive, then closed here only if
 * nothing is left; otherwise the quarantine closer frees it.
 *
 * Return: 0 (closed or handed over), or -EAGAIN (the quarantine is full:
 * keep @conn and call again later).
 */
int tb_server_close(int conn)
{
	char byte;
	ssize_t n;

	if (tb_careful) {
		shutdown(conn, SHUT_RD);
		n = tb_recv_nofds(conn, &byte, 1, MSG_PEEK);
		if (n != 0 && n != -EAGAIN)
			return tb_closer_quarantine(conn);
	}
	close(conn);
	return 0;
}

/* The uid of @conn's peer, from the kernel (at connect()). */
int tb_server_peer_uid(int conn, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	*uid = cred.uid;
	return 0;
}

/**
 * tb_server_busy() - tell @conn that its uid has @limit connections open
 *
 * Sent before the request is read, without waiting; the caller then
 * closes @conn.
 */
void tb_server_busy(int conn, uid_t uid, unsigned int limit)
{
	struct tb_reply rep = {.status = -EAGAIN};
	char buf[TB_MSG_MAX];
	ssize_t n;

	snprintf(
		rep.message, sizeof(rep.message),
		"uid %u already has %u connections open to tapbroker (the per-user limit, see tapbroker(8)); try again once they are answered",
		(unsigned int)uid, limit);
	n = tb_reply_encode(&rep, buf, sizeof(buf));
	if (n > 0)
		tb_send_fd(conn, buf, (size_t)n, -1);
}

/**
 * tb_server_reload() - load the policy again; keep the old one if it fails
 */
void tb_server_reload(struct tb_broker *b)
{
	struct tb_policy *pol;
	struct tb_diag diag = {0};
	char sum[128];

	if (tb_policy_load(b->config, b->qemu_acl, &pol, &diag)) {
		tb_log(LOG_ERR,
		       "reload refused, the old policy stays in force (%u error%s):",
		       diag.count, diag.count == 1 ? "" : "s");
		tb_log_lines(LOG_ERR, diag.text);
		return;
	}
	tb_policy_free(b->policy);
	b->policy = pol;
	tb_policy_summary(pol, sum, sizeof(sum));
	tb_log(LOG_INFO, "policy reloaded: %s", sum);
}
