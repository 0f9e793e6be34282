// SPDX-License-Identifier: GPL-2.0-or-later
/* The listening socket: who is calling, what they ask, what they get. */
#include "config.h"
#include "broker.h"
#include "usercache.h"

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

static gid_t tb_peer_groups[TB_MAX_GROUPS];

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

static void tb_reply(int conn, const struct tb_reply *rep, const int *fds,
		     size_t nfds, const struct ucred *cred)
{
	char buf[TB_MSG_MAX];
	ssize_t n = tb_reply_encode(rep, buf, sizeof(buf));

	if (n > 0 && tb_send_fds(conn, buf, (size_t)n, fds, nfds) < 0 && nfds)
		tb_log(LOG_NOTICE,
		       "uid %u pid %d left before receiving %s; removed",
		       cred->uid, cred->pid, rep->ifname);
	for (size_t i = 0; i < nfds; i++) /* the client's copies keep it */
		tb_closer_close(fds[i]);
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
		snprintf(err, sizeof(err), "%s", strerror((int)-n));
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

/**
 * tb_server_serve() - read one request from @conn and answer it
 *
 * @conn is non-blocking.  Never aborts on client input: a malformed
 * request (cut, oversized, carrying fds, undecodable) gets a reply saying
 * what is wrong.
 *
 * Return: -EAGAIN if nothing has arrived yet (keep waiting), else 0 (done:
 * close the connection).
 */
int tb_server_serve(struct tb_broker *b, int conn)
{
	char buf[TB_MSG_MAX];
	ssize_t n;

	n = tb_recv_fd(conn, buf, sizeof(buf), NULL);
	if (n == -EAGAIN)
		return -EAGAIN;
	if (n != 0)
		tb_answer(b, conn, buf, n);
	return 0;
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
