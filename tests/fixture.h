/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy test fixtures: files written into a private directory, loaded. */
#ifndef TB_FIXTURE_H
#define TB_FIXTURE_H

#include <fcntl.h>
#include <stdarg.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

static char fx_dir[64];

/* Makes the private directory; every path below is relative to it. */
static void fx_init(void)
{
	snprintf(fx_dir, sizeof(fx_dir), "/tmp/tbpolicy.XXXXXX");
	if (!mkdtemp(fx_dir)) {
		perror("mkdtemp");
		exit(99);
	}
}

static const char *fx_path(const char *name)
{
	static char bufs[4][256];
	static int i;
	char *p = bufs[i++ % 4];

	snprintf(p, 256, "%s/%s", fx_dir, name);
	return p;
}

/* Writes @text to @name with @mode (mode is set after umask). */
static const char *fx_write(const char *name, const char *text, mode_t mode)
{
	const char *path = fx_path(name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) || chmod(path, mode)) {
		perror(path);
		exit(99);
	}
	return path;
}

/* printf into one of a few rotating buffers, for expected strings. */
static const char *__attribute__((format(printf, 1, 2)))
fx_fmt(const char *fmt, ...)
{
	static char bufs[4][1024];
	static int i;
	char *p = bufs[i++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, 1024, fmt, ap);
	va_end(ap);
	return p;
}

static void __attribute__((unused)) fx_mkdir(const char *name)
{
	if (mkdir(fx_path(name), 0755)) {
		perror(name);
		exit(99);
	}
}

/*
 * Loads @conf and/or @acl (names inside the fixture dir, or NULL); returns
 * the policy or NULL with the errors in @diag.
 */
static struct tb_policy *fx_load(const char *conf, const char *acl,
				 struct tb_diag *diag)
{
	struct tb_policy *pol = NULL;
	char c[256], a[256];

	memset(diag, 0, sizeof(*diag));
	if (conf)
		snprintf(c, sizeof(c), "%s", fx_path(conf));
	if (acl)
		snprintf(a, sizeof(a), "%s", fx_path(acl));
	if (tb_policy_load(conf ? c : NULL, acl ? a : NULL, &pol, diag)) {
		if (pol)
			printf("# error but a policy was returned\n");
		return NULL;
	}
	return pol;
}

/* Decides @bridge for a caller; returns the decision's reason. */
static __attribute__((unused)) const char *
fx_decide(const struct tb_policy *pol, uid_t uid, gid_t gid,
	  const gid_t *groups, size_t ngroups, const char *user,
	  const char *bridge, int *allow)
{
	static struct tb_decision d;
	struct tb_who who = {uid, gid, groups, ngroups, user};

	tb_policy_decide_bridge(pol, &who, bridge, &d);
	*allow = d.allow;
	return d.reason;
}

static int fx_rm(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes the fixture directory and everything in it. */
static void fx_cleanup(void)
{
	nftw(fx_dir, fx_rm, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
