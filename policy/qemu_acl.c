// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qemu's bridge.conf, read with qemu-bridge-helper's meaning: "allow BR",
 * "deny BR", "allow all", "deny all", "include FILE", "#" comments; a deny
 * wins over any allow; every line applies to every user.  Where qemu is
 * silent or loose, this is strict: a bad bridge name or an unknown command
 * is an error with FILE:LINE, includes are bounded in depth and may not
 * loop, and a relative include is taken from the including file's
 * directory (qemu would use its current directory, which nobody controls).
 */
#include "policy_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

struct tb_acl_line {
	const char *file;
	int line;
	char *cmd;
	char *arg; /* "" when missing */
};

static int tb_acl_rule(struct tb_policy *pol, const struct tb_acl_line *l,
		       int deny, struct tb_diag *diag)
{
	char why[128], shown[80];
	struct tb_rule *r;

	if (!l->arg[0]) {
		tb_diag_add(diag, l->file, l->line,
			    "'%s' needs a bridge: %s BRIDGE, or %s all", l->cmd,
			    l->cmd, l->cmd);
		return 0;
	}
	if (strcmp(l->arg, "all") &&
	    tb_ifname_check(l->arg, why, sizeof(why))) {
		tb_escape(l->arg, strlen(l->arg), shown, sizeof(shown));
		tb_diag_add(diag, l->file, l->line, "bridge name '%s' %s",
			    shown, why);
		return 0;
	}
	r = tb_policy_new_rule(pol, l->file, l->line, diag);
	if (!r)
		return diag->count ? 0 : -ENOMEM;
	r->origin = TB_ORIGIN_QEMU;
	r->deny = deny;
	r->any_user = 1;
	pol->qemu_lines++;
	return tb_rule_add_bridge(r, l->arg, why, sizeof(why));
}

static int tb_acl_include(struct tb_policy *pol, const struct tb_acl_line *l,
			  int depth, struct tb_diag *diag)
{
	char path[PATH_MAX];

	if (!l->arg[0]) {
		tb_diag_add(
			diag, l->file, l->line,
			"'include' needs a file: include /etc/qemu/other.conf");
		return 0;
	}
	if (depth + 1 > TB_POLICY_DEPTH_MAX) {
		tb_diag_add(diag, l->file, l->line,
			    "include %s: includes nested deeper than %d",
			    l->arg, TB_POLICY_DEPTH_MAX);
		return 0;
	}
	if (tb_policy_path(l->arg, l->file, path, sizeof(path))) {
		tb_diag_add(diag, l->file, l->line,
			    "include: path is too long");
		return 0;
	}
	return tb_qemu_acl_load(pol, path, l->file, l->line, depth + 1, diag);
}

/* Splits one line into command and argument, as qemu does. */
static int tb_acl_split(char *s, struct tb_acl_line *l)
{
	char *end = s + strlen(s);

	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	l->cmd = s;
	while (*s && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	while (isspace((unsigned char)*s))
		s++;
	l->arg = s;
	return 1;
}

static int tb_acl_line(struct tb_policy *pol, struct tb_acl_line *l, int depth,
		       struct tb_diag *diag)
{
	char shown[80];

	if (!strcmp(l->cmd, "allow"))
		return tb_acl_rule(pol, l, 0, diag);
	if (!strcmp(l->cmd, "deny"))
		return tb_acl_rule(pol, l, 1, diag);
	if (!strcmp(l->cmd, "include")) {
		int err = tb_acl_include(pol, l, depth, diag);

		return err == -ENOMEM ? err : 0;
	}
	tb_escape(l->cmd, strlen(l->cmd), shown, sizeof(shown));
	tb_diag_add(
		diag, l->file, l->line,
		"unknown command '%s' (a qemu bridge.conf line is allow, deny or include)",
		shown);
	return 0;
}

/**
 * tb_qemu_acl_load() - read one qemu bridge.conf and what it includes
 * @pol:	the policy being built; each allow/deny line becomes a rule
 * @path:	the file (already resolved against @from)
 * @from:	the file naming it (an include, or a policy's qemu_acl), or NULL
 * @from_line:	where @from names it
 * @depth:	include depth
 * @diag:	every problem, with FILE:LINE
 *
 * Return: 0 (problems go to @diag), or -errno when the file could not be
 * read or memory ran out.
 */
int tb_qemu_acl_load(struct tb_policy *pol, const char *path, const char *from,
		     int from_line, int depth, struct tb_diag *diag)
{
	struct tb_acl_line l = {0};
	char *text, *s, *next;
	int err = 0;

	err = tb_policy_read_file(pol, path, from, from_line, &text, &l.file,
				  diag);
	if (err)
		return err;
	if (!pol->qemu_acl)
		pol->qemu_acl = l.file;
	for (s = text; s && !err; s = next) {
		next = strchr(s, '\n');
		if (next)
			*next++ = '\0';
		l.line++;
		if (tb_acl_split(s, &l))
			err = tb_acl_line(pol, &l, depth, diag);
	}
	free(text);
	return err;
}
