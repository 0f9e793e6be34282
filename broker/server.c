// SPDX-License-Identifier: GPL-2.0-or-later
/* The listening socket: who is calling, what they ask, what they get. */
#include "broker.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define TB_CONN_TIMEOUT_S 2 /* a silent client is dropped after this */
#define TB_MAX_GROUPS 65536 /* the kernel's NGROUPS_MAX */

static volatile sig_atomic_t tb_stop_signal;
static volatile sig_atomic_t tb_reload_signal;
static gid_t tb_peer_groups[TB_MAX_GROUPS];

void tb_server_stop(int sig)
{
	if (sig == SIGHUP)
		tb_reload_signal = 1;
	else
		tb_stop_signal = sig;
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
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		tb_die("socket: %s", strerror(errno));
	tb_clear_stale(path, &sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		tb_die("cannot bind %s: %s", path, strerror(errno));
	if (chmod(path, 0666) < 0 || listen(fd, SOMAXCONN) < 0)
		tb_die("cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

/* The caller, from the kernel: SO_PEERCRED and SO_PEERGROUPS. */
static int tb_peer(int conn, struct ucred *cred, struct tb_who *who, char *name,
		   size_t namelen)
{
	socklen_t len = sizeof(*cred);
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

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
	if (!getpwuid_r(cred->uid, &pw, pwbuf, sizeof(pwbuf), &res) && res) {
		snprintf(name, namelen, "%s", res->pw_name);
		who->user = name;
	}
	return 0;
}

static void tb_log_result(const struct ucred *cred, const struct tb_who *who,
			  const struct tb_request *req,
			  const struct tb_reply *rep)
{
	if (!rep->status)
		tb_log(LOG_INFO, "grant %s on %s to uid %u (%s) pid %d%s",
		       rep->ifname, req->bridge, cred->uid,
		       who->user ? who->user : "?", cred->pid,
		       req->flags & TB_F_VNET_HDR ? " vnet_hdr" : "");
	else
		tb_log(LOG_NOTICE, "deny uid %u (%s) pid %d: %s", cred->uid,
		       who->user ? who->user : "?", cred->pid, rep->message);
}

/* Reads one request and answers it.  Never aborts on client input. */
static void tb_serve(struct tb_broker *b, int conn)
{
	struct tb_request req;
	struct tb_reply rep = {0};
	struct ucred cred;
	struct tb_who who;
	char buf[TB_MSG_MAX], err[TB_ERR_MAX], name[64];
	ssize_t n;
	int fd = -1;

	if (tb_peer(conn, &cred, &who, name, sizeof(name)) < 0)
		return;
	n = tb_recv_fd(conn, buf, sizeof(buf), NULL);
	if (n <= 0) {
		if (n < 0)
			tb_log(LOG_NOTICE,
			       "uid %u pid %d: unreadable request: %s",
			       cred.uid, cred.pid, strerror((int)-n));
		if (n == 0 || n == -EAGAIN)
			return;
		snprintf(rep.message, sizeof(rep.message),
			 "malformed request: %s", strerror((int)-n));
		rep.status = -EBADMSG;
	} else if (tb_request_decode(buf, (size_t)n, &req, err, sizeof(err))) {
		snprintf(rep.message, sizeof(rep.message),
			 "malformed request: %s", err);
		rep.status = -EBADMSG;
		tb_log(LOG_NOTICE, "uid %u pid %d: %s", cred.uid, cred.pid,
		       rep.message);
	} else {
		tb_do_tap(b, &who, &req, &rep, &fd);
		tb_log_result(&cred, &who, &req, &rep);
	}
	n = tb_reply_encode(&rep, buf, sizeof(buf));
	if (n > 0 && tb_send_fd(conn, buf, (size_t)n, fd) < 0 && fd >= 0)
		tb_log(LOG_NOTICE,
		       "uid %u pid %d left before receiving %s; removed",
		       cred.uid, cred.pid, rep.ifname);
	if (fd >= 0)
		close(fd);
}

static void tb_reload(struct tb_broker *b)
{
	struct tb_policy *pol;
	struct tb_diag diag = {0};
	char sum[128];

	tb_reload_signal = 0;
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

/**
 * tb_server_run() - answer connections one at a time until SIGTERM/SIGINT
 *
 * Each connection gets TB_CONN_TIMEOUT_S to send its request and read its
 * reply, so a stuck client delays others by at most that much.
 */
void tb_server_run(struct tb_broker *b)
{
	struct timeval tv = {.tv_sec = TB_CONN_TIMEOUT_S};
	int conn;

	while (!tb_stop_signal) {
		if (tb_reload_signal)
			tb_reload(b);
		conn = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				tb_log(LOG_ERR, "accept: %s", strerror(errno));
			continue;
		}
		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		tb_serve(b, conn);
		close(conn);
	}
	tb_log(LOG_INFO, "stopping on signal %d", (int)tb_stop_signal);
}
