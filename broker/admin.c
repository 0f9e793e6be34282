// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Admin requests, the daemon's side: STATUS lists the leases, RELEASE ends
 * one.  Only root and members of the policy's admin_groups may ask;
 * identity comes from the kernel, as for every request.  The client side
 * (`tapbroker status`, `tapbroker release`) is admin-cli.c.
 *
 * A STATUS line is "key=value" pairs split by single spaces.  Values are
 * escaped so that they split cleanly whatever the names hold: every byte
 * outside '!'..'~', and '\\', is written \xNN; an absent value is "-" (a
 * value that really is "-" is written \x2d).
 */
#include "broker.h"
#include "admin.h"
#include "log.h"
#include "pool.h"
#include "prefix.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* Appends " @key=@value" to @buf (@value escaped, see the top). */
static void tb_status_put(char *buf, size_t len, const char *key,
			  const char *value)
{
	size_t used = strlen(buf);
	unsigned char c;

	snprintf(buf + used, len - used, " %s=", key);
	used = strlen(buf);
	if (!value[0] || !strcmp(value, "-")) {
		snprintf(buf + used, len - used, "%s",
			 value[0] ? "\\x2d" : "-");
		return;
	}
	for (; *value && used + 5 < len; value++) {
		c = (unsigned char)*value;
		if (c > 0x20 && c < 0x7f && c != '\\')
			buf[used++] = (char)c;
		else
			used += (size_t)snprintf(buf + used, 5, "\\x%02x", c);
	}
	buf[used] = '\0';
}

/* Appends " @key=N", or " @key=-" when @n is 0 (not known). */
static void tb_status_num(char *buf, size_t len, const char *key,
			  unsigned long long n)
{
	size_t used = strlen(buf);

	if (n)
		snprintf(buf + used, len - used, " %s=%llu", key, n);
	else
		snprintf(buf + used, len - used, " %s=-", key);
}

/* A routed lease's " routes=A,B tables=T,U metric=M proxy=P", else "". */
static void tb_lease_routes(const struct tb_lease *l, char *buf, size_t len)
{
	char a[TB_PREFIX_STR_MAX], list[TB_ADDRS * TB_PREFIX_STR_MAX + 8];
	size_t used = 0;

	if (l->kind != TB_LEASE_ROUTED)
		return;
	list[0] = '\0';
	for (size_t i = 0; i < l->naddrs; i++) {
		tb_prefix_format(&l->addrs[i], a, sizeof(a));
		snprintf(list + used, sizeof(list) - used, "%s%s", i ? "," : "",
			 a);
		used = strlen(list);
	}
	tb_status_put(buf, len, "routes", list);
	used = 0;
	list[0] = '\0';
	for (size_t t = 0; t < l->ntables; t++) {
		snprintf(list + used, sizeof(list) - used, "%s%u", t ? "," : "",
			 l->tables[t]);
		used = strlen(list);
	}
	tb_status_put(buf, len, "tables", list);
	used = strlen(buf);
	snprintf(buf + used, len - used, " metric=%u", l->metric);
	tb_status_put(buf, len, "proxy", l->proxy);
}

static void tb_lease_line(const struct tb_lease *l, uint64_t now, char *buf,
			  size_t len)
{
	static const char *const kinds[] = {[TB_LEASE_TAP] = "tap",
					    [TB_LEASE_MACVTAP] = "macvtap",
					    [TB_LEASE_ROUTED] = "routed",
					    [TB_LEASE_ADOPTED] = "adopted"};
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	size_t used;

	if (getpwuid_r(l->uid, &pw, pwbuf, sizeof(pwbuf), &res) || !res)
		res = NULL;
	buf[0] = '\0';
	tb_status_put(buf, len, "ifname", l->ifname);
	memmove(buf, buf + 1, strlen(buf)); /* no space before the first */
	tb_status_put(buf, len, "kind", kinds[l->kind]);
	/* a routed lease has no bridge (its record says "-") */
	tb_status_put(buf, len, "bridge",
		      l->kind == TB_LEASE_ROUTED ? "" : l->dev);
	tb_status_num(buf, len, "mtu", l->mtu);
	used = strlen(buf);
	snprintf(buf + used, len - used, " uid=%u", (unsigned int)l->uid);
	tb_status_put(buf, len, "user", res ? res->pw_name : "");
	tb_status_num(buf, len, "vm", (unsigned long long)l->vm);
	tb_status_put(buf, len, "label", l->label);
	used = strlen(buf);
	snprintf(buf + used, len - used, " age=%llu",
		 (unsigned long long)(now - l->since));
	tb_lease_routes(l, buf, len);
	used = strlen(buf);
	snprintf(buf + used, len - used, "\n");
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
	char line[TB_ADDRS * TB_PREFIX_STR_MAX + 1024];

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
