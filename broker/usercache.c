// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * User names for messages, looked up once per uid per policy load.
 *
 * The name of a caller is only ever shown (log lines, refusals): every
 * decision is by uid and gids (policy/decide.c), so a stale name can
 * change no verdict.  A getpwuid_r() per request read /etc/passwd each
 * time; this keeps the last TB_USERCACHE_MAX names, and forgets them all
 * when the policy is loaded again (a reload is seen as a new b->policy, as
 * pool.c sees it), so `systemctl reload` also refreshes renamed users.
 */
#include "usercache.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#define TB_USERCACHE_MAX 64
#define TB_USERNAME_MAX 64 /* longer names are not cached */

static struct {
	const struct tb_policy *seen; /* the policy the names belong to */
	unsigned int n, next; /* next: the slot to reuse when full */
	struct {
		uid_t uid;
		int known; /* 0: getpwuid_r() found none */
		char name[TB_USERNAME_MAX];
	} e[TB_USERCACHE_MAX];
} tb_users;

/* Looks @uid up in the user database; Return: 1 with its name, or 0. */
static int tb_user_lookup(uid_t uid, char *name, size_t len)
{
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) || !res)
		return 0;
	return snprintf(name, len, "%s", res->pw_name) < (int)len;
}

/**
 * tb_user_name() - @uid's user name, for messages only
 * @buf:	receives it
 *
 * Return: @buf, or NULL if the user database has no name for @uid.
 */
const char *tb_user_name(const struct tb_broker *b, uid_t uid, char *buf,
			 size_t len)
{
	unsigned int i;

	if (tb_users.seen != b->policy) {
		tb_users.seen = b->policy;
		tb_users.n = tb_users.next = 0;
	}
	for (i = 0; i < tb_users.n && tb_users.e[i].uid != uid; i++)
		;
	if (i == tb_users.n) { /* not seen yet since the policy's load */
		if (tb_users.n < TB_USERCACHE_MAX)
			i = tb_users.n++;
		else
			i = tb_users.next++ % TB_USERCACHE_MAX;
		tb_users.e[i].uid = uid;
		tb_users.e[i].known = tb_user_lookup(
			uid, tb_users.e[i].name, sizeof(tb_users.e[i].name));
	}
	if (!tb_users.e[i].known)
		return NULL;
	snprintf(buf, len, "%s", tb_users.e[i].name);
	return buf;
}
