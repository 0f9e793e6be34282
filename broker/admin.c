// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Admin commands over the broker's socket: `tapbroker status [--json]`
 * lists the leases, `tapbroker release IFNAME` ends one.  Only root and
 * members of the policy's admin_groups may use them; identity comes from
 * the kernel, as for every request.
 */
#include "broker.h"
#include "pool.h"
#include "prefix.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---- broker side ------------------------------------------------------ */

/*
 * Sends one reply frame.  Admin output can span many frames, and the
 * connection is non-blocking: wait up to a second for room (an admin is
 * trusted not to stall the broker on purpose).
 */
static int tb_admin_send(int conn, const struct tb_reply *rep)
{
	char buf[TB_MSG_MAX];
	ssize_t n = tb_reply_encode(rep, buf, sizeof(buf));
	struct pollfd p = {.fd = conn, .events = POLLOUT};
	int err;

	if (n < 0)
		return (int)n;
	err = tb_send_fd(conn, buf, (size_t)n, -1);
	if (err == -EAGAIN && poll(&p, 1, 1000) == 1)
		err = tb_send_fd(conn, buf, (size_t)n, -1);
	return err < 0 ? err : 0;
}

/* A routed lease's " routes=A,B tables=T,U metric=M proxy=P", else "". */
static void tb_lease_routes(const struct tb_lease *l, char *buf, size_t len)
{
	char a[TB_PREFIX_STR_MAX];
	size_t used;

	buf[0] = '\0';
	if (l->kind != TB_LEASE_ROUTED)
		return;
	snprintf(buf, len, " routes=");
	for (size_t i = 0; i < l->naddrs; i++) {
		tb_prefix_format(&l->addrs[i], a, sizeof(a));
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%s", i ? "," : "", a);
	}
	used = strlen(buf);
	snprintf(buf + used, len - used, " tables=");
	for (size_t t = 0; t < l->ntables; t++) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s%u", t ? "," : "",
			 l->tables[t]);
	}
	used = strlen(buf);
	snprintf(buf + used, len - used, " metric=%u proxy=%s", l->metric,
		 l->proxy[0] ? l->proxy : "-");
}

static void tb_lease_line(const struct tb_lease *l, uint64_t now, char *buf,
			  size_t len)
{
	char routes[TB_ADDRS * TB_PREFIX_STR_MAX + 160];
	static const char *const kinds[] = {[TB_LEASE_TAP] = "tap",
					    [TB_LEASE_MACVTAP] = "macvtap",
					    [TB_LEASE_ROUTED] = "routed",
					    [TB_LEASE_ADOPTED] = "adopted"};
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if (getpwuid_r(l->uid, &pw, pwbuf, sizeof(pwbuf), &res) || !res)
		res = NULL;
	tb_lease_routes(l, routes, sizeof(routes));
	snprintf(
		buf, len,
		"ifname=%s kind=%s bridge=%s mtu=%u uid=%u user=%s vm=%d label=%s age=%llu%s\n",
		l->ifname, kinds[l->kind], l->dev, l->mtu, (unsigned int)l->uid,
		res ? res->pw_name : "-", (int)l->vm,
		l->label[0] ? l->label : "-",
		(unsigned long long)(now - l->since), routes);
}

/* Adds @line to @rep->text, sending @rep first if it is full. */
static int tb_admin_pack(int conn, struct tb_reply *rep, size_t *used,
			 const char *line)
{
	size_t n = strlen(line);

	if (*used + n >= sizeof(rep->text)) {
		if (tb_admin_send(conn, rep))
			return -EIO;
		*used = 0;
	}
	if (n >= sizeof(rep->text))
		return 0;
	memcpy(rep->text + *used, line, n + 1);
	*used += n;
	return 0;
}

/* STATUS: one line per warm pool (pool.c), then one per lease, packed
 * into frames of whole lines. */
static void tb_admin_status(struct tb_broker *b, int conn)
{
	struct tb_reply rep = {.flags = TB_R_MORE};
	struct timespec ts;
	size_t used = 0;
	char line[TB_ADDRS * TB_PREFIX_STR_MAX + 512];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (size_t i = 0; tb_pool_line(i, line, sizeof(line)); i++)
		if (tb_admin_pack(conn, &rep, &used, line))
			return;
	for (size_t i = 0; i < b->nleases; i++) {
		tb_lease_line(&b->leases[i], (uint64_t)ts.tv_sec, line,
			      sizeof(line));
		if (tb_admin_pack(conn, &rep, &used, line))
			return;
	}
	rep.flags = 0;
	snprintf(rep.message, sizeof(rep.message), "%zu lease%s", b->nleases,
		 b->nleases == 1 ? "" : "s");
	tb_admin_send(conn, &rep);
}

static void tb_admin_release(struct tb_broker *b, int conn,
			     const struct tb_who *who, const char *ifname)
{
	struct tb_reply rep = {0};
	char shown[64];
	int err;

	tb_escape(ifname, strlen(ifname), shown, sizeof(shown));
	err = tb_lease_release(b, ifname, who->uid);
	rep.status = err;
	if (!err)
		snprintf(rep.message, sizeof(rep.message), "released %s",
			 shown);
	else if (err == -ENOENT)
		snprintf(
			rep.message, sizeof(rep.message),
			"%s is not a lease of this broker (see tapbroker status)",
			shown);
	else
		snprintf(rep.message, sizeof(rep.message),
			 "cannot delete %s: %s", shown, strerror(-err));
	tb_admin_send(conn, &rep);
}

/**
 * tb_admin_answer() - serve STATUS or RELEASE from @who
 */
void tb_admin_answer(struct tb_broker *b, int conn, const struct tb_who *who,
		     const struct tb_request *req)
{
	struct tb_reply rep = {.status = -EPERM};

	if (!tb_policy_is_admin(b->policy, who)) {
		snprintf(
			rep.message, sizeof(rep.message),
			"status and release are for root and the policy's admin_groups; uid %u is neither",
			(unsigned int)who->uid);
		tb_log(LOG_NOTICE, "deny uid %u: %s", (unsigned int)who->uid,
		       req->op == TB_OP_STATUS ? "status" : "release");
		tb_admin_send(conn, &rep);
		return;
	}
	if (req->op == TB_OP_STATUS)
		tb_admin_status(b, conn);
	else
		tb_admin_release(b, conn, who, req->ifname);
}

/* ---- client side: `tapbroker status`, `tapbroker release` -------------- */

static int tb_admin_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 10};
	int s;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

/* Prints one "k=v k=v" line as a JSON object (values are names, numbers). */
static void tb_json_line(char *line, int first)
{
	char *save = NULL, *kv, *v;

	printf("%s  {", first ? "" : ",\n");
	for (kv = strtok_r(line, " ", &save); kv;
	     kv = strtok_r(NULL, " ", &save)) {
		v = strchr(kv, '=');
		if (!v)
			continue;
		*v++ = '\0';
		if (strspn(v, "0123456789-") == strlen(v) && *v)
			printf("%s\"%s\": %s", kv == line ? "" : ", ", kv, v);
		else
			printf("%s\"%s\": \"%s\"", kv == line ? "" : ", ", kv,
			       v);
	}
	printf("}");
}

static void tb_print_text(char *text, int json, int *first)
{
	char *save = NULL, *line;

	if (!json) {
		fputs(text, stdout);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		tb_json_line(line, *first);
		*first = 0;
	}
}

/* Sends @req, prints what comes back; returns the exit status. */
static int tb_admin_call(const char *path, const struct tb_request *req,
			 int json)
{
	char buf[TB_MSG_MAX], err[TB_ERR_MAX];
	struct tb_reply rep;
	int s = tb_admin_connect(path), first = 1;
	ssize_t n;

	if (s < 0) {
		fprintf(stderr,
			"tapbroker: cannot reach the broker at %s: %s\n", path,
			strerror(-s));
		return 1;
	}
	n = tb_request_encode(req, buf, sizeof(buf));
	if (n < 0 || tb_send_fd(s, buf, (size_t)n, -1) < 0) {
		close(s);
		return 1;
	}
	if (json && req->op == TB_OP_STATUS)
		printf("[\n");
	do {
		n = tb_recv_fd(s, buf, sizeof(buf), NULL);
		if (n <= 0 ||
		    tb_reply_decode(buf, (size_t)n, &rep, err, sizeof(err))) {
			fprintf(stderr, "tapbroker: bad answer from %s: %s\n",
				path,
				n <= 0 ? strerror(n ? (int)-n : EPIPE) : err);
			close(s);
			return 1;
		}
		tb_print_text(rep.text, json, &first);
	} while (rep.flags & TB_R_MORE);
	close(s);
	if (json && req->op == TB_OP_STATUS)
		printf("%s]\n", first ? "" : "\n");
	if (rep.status)
		fprintf(stderr, "tapbroker: %s\n", rep.message);
	else if (!json)
		printf("%s\n", rep.message);
	return rep.status ? 1 : 0;
}

/**
 * tb_admin_main() - `tapbroker status [--json]` / `tapbroker release IF`
 *
 * Return: the exit status: 0 done, 1 refused or failed, 2 usage.
 */
int tb_admin_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{0},
	};
	const char *path = getenv(TB_SOCKET_ENV);
	struct tb_request req = {.op = TB_OP_STATUS};
	int c, json = 0;

	if (!strcmp(argv[0], "release"))
		req.op = TB_OP_RELEASE;
	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c == 's')
			path = optarg;
		else if (c == 'j' && req.op == TB_OP_STATUS)
			json = 1;
		else
			goto usage;
	}
	if (req.op == TB_OP_RELEASE &&
	    (optind != argc - 1 || strlen(argv[optind]) >= IFNAMSIZ))
		goto usage;
	if (req.op == TB_OP_STATUS && optind != argc)
		goto usage;
	if (req.op == TB_OP_RELEASE)
		memcpy(req.ifname, argv[optind], strlen(argv[optind]) + 1);
	return tb_admin_call(path ? path : TB_DEFAULT_SOCKET, &req, json);
usage:
	fprintf(stderr, "Usage: tapbroker status [--json] [--socket PATH]\n"
			"       tapbroker release IFNAME [--socket PATH]\n");
	return 2;
}
