// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tapbroker check`'s warnings: a bridge that allow rules grant to several
 * users (two users, a group, or any user, across one rule or several)
 * while one of them lacks guard = yes.  Its VMs can then send as each
 * other (MAC, IP, ARP, DHCP, RA): a warning, not an error, since a lab
 * bridge among trusting users may want exactly that.
 */
#include "policy_int.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#define TB_SHARE_MAX 512 /* one list in a warning; longer ones end "..." */

/* Appends ", @s" (or @s, first) to @buf unless it is there already;
 * "..." once it is full. */
static void tb_share_add(char *buf, const char *s)
{
	size_t n = strlen(buf), l = strlen(s);

	for (const char *p = buf; (p = strstr(p, s)); p += l)
		if ((p == buf || p[-1] == ' ') && (!p[l] || p[l] == ','))
			return;
	if (n + l + 8 >= TB_SHARE_MAX) {
		if (n < 3 || strcmp(buf + n - 3, "..."))
			snprintf(buf + n, TB_SHARE_MAX - n, ", ...");
		return;
	}
	snprintf(buf + n, TB_SHARE_MAX - n, "%s%s", n ? ", " : "", s);
}

/* Did an allow rule before @upto that names @bridge list @uid already? */
static int tb_share_seen(const struct tb_policy *pol, size_t upto,
			 const char *bridge, uid_t uid)
{
	for (size_t i = 0; i < upto; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (r->deny || !tb_rule_names(r, bridge))
			continue;
		for (size_t k = 0; k < r->nuids; k++)
			if (r->uids[k] == uid)
				return 1;
	}
	return 0;
}

/* Adds rule @i's principals to @users/@others; returns how many users
 * they may be (a group or any user: 2, enough to share). */
static unsigned int tb_share_rule(const struct tb_policy *pol, size_t i,
				  const char *bridge, char *users, char *others)
{
	const struct tb_rule *r = &pol->rules[i];
	struct passwd pw, *pr;
	struct group gr, *gp;
	char name[80], buf[1024];
	unsigned int n = 0;

	for (size_t k = 0; k < r->nuids; k++) {
		if (tb_share_seen(pol, i, bridge, r->uids[k]))
			continue;
		pr = NULL;
		if (getpwuid_r(r->uids[k], &pw, buf, sizeof(buf), &pr) || !pr)
			snprintf(name, sizeof(name), "uid %u", r->uids[k]);
		else
			snprintf(name, sizeof(name), "%s", pr->pw_name);
		tb_share_add(users, name);
		n++;
	}
	for (size_t k = 0; k < r->ngids; k++, n += 2) {
		gp = NULL;
		if (getgrgid_r(r->gids[k], &gr, buf, sizeof(buf), &gp) || !gp)
			snprintf(name, sizeof(name), "group %u", r->gids[k]);
		else
			snprintf(name, sizeof(name), "group %s", gp->gr_name);
		tb_share_add(others, name);
	}
	if (r->any_user) {
		tb_share_add(others, "any user");
		n += 2;
	}
	return n;
}

/* One bridge (or "all": the rules with bridges = { "all" }), warned about
 * through @fn if it is shared with an unguarded rule among its grants. */
static void tb_share_bridge(const struct tb_policy *pol, const char *bridge,
			    void (*fn)(void *arg, const char *line), void *arg)
{
	char users[TB_SHARE_MAX] = "", others[TB_SHARE_MAX] = "";
	char where[TB_SHARE_MAX] = "", at[300], line[4 * TB_SHARE_MAX];
	unsigned int n = 0, unguarded = 0;

	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		if (r->deny || !tb_rule_names(r, bridge))
			continue;
		n += tb_share_rule(pol, i, bridge, users, others);
		if (r->guard)
			continue;
		unguarded++;
		snprintf(at, sizeof(at), "%s:%d", r->file, r->line);
		tb_share_add(where, at);
	}
	if (n < 2 || !unguarded)
		return;
	snprintf(
		line, sizeof(line),
		"%s%s is shared by %s%s%s%s (%s) without guard = yes: their VMs can spoof each other; add guard = yes",
		strcmp(bridge, "all") ? "bridge " : "every bridge (bridges = ",
		strcmp(bridge, "all") ? bridge : "{ \"all\" })",
		users[0] ? (strchr(users, ',') ? "users " : "user ") : "",
		users, users[0] && others[0] ? ", " : "", others, where);
	fn(arg, line);
}

/* Is rule @i's bridge @k the first mention of its name by an allow rule? */
static int tb_share_first(const struct tb_policy *pol, size_t i, size_t k)
{
	const char *name = pol->rules[i].bridges[k];

	for (size_t j = 0; j <= i; j++) {
		const struct tb_rule *r = &pol->rules[j];
		size_t end = j == i ? k : r->nbridges;

		for (size_t m = 0; !r->deny && m < end; m++)
			if (!strcmp(r->bridges[m], name))
				return 0;
	}
	return 1;
}

/**
 * tb_policy_warnings() - what `tapbroker check` warns about: each bridge
 * granted to several users by allow rules one of which has no guard
 * @fn:		called with each warning, one line (no newline)
 *
 * A rule with bridges = { "all" } counts for every bridge named anywhere,
 * and is looked at alone as "every bridge".
 */
void tb_policy_warnings(const struct tb_policy *pol,
			void (*fn)(void *arg, const char *line), void *arg)
{
	int all = 0;

	for (size_t i = 0; i < pol->nrules; i++) {
		const struct tb_rule *r = &pol->rules[i];

		all |= !r->deny && r->all_bridges;
		for (size_t k = 0; !r->deny && k < r->nbridges; k++)
			if (tb_share_first(pol, i, k))
				tb_share_bridge(pol, r->bridges[k], fn, arg);
	}
	if (all)
		tb_share_bridge(pol, "all", fn, arg);
}
