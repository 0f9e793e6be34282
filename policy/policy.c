// SPDX-License-Identifier: GPL-2.0-or-later
/* Loading a policy: files read safely, rules built, limits kept. */
#include "policy_int.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"

void tb_diag_add(struct tb_diag *diag, const char *file, int line,
		 const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	diag->count++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		n = snprintf(diag->text + diag->len,
			     sizeof(diag->text) - diag->len, "%s:%d: %s\n",
			     file, line, msg);
	else
		n = snprintf(diag->text + diag->len,
			     sizeof(diag->text) - diag->len, "%s: %s\n", file,
			     msg);
	if (n < 0 || (size_t)n >= sizeof(diag->text) - diag->len) {
		/* Full: end with a marker rather than a cut line. */
		diag->text[diag->len] = '\0';
		if (diag->len + 20 < sizeof(diag->text))
			diag->len += (size_t)snprintf(diag->text + diag->len,
						      20, "(more errors)\n");
		return;
	}
	diag->len += (size_t)n;
}

/* Resolves @path against the directory of the file that names it. */
int tb_policy_path(const char *path, const char *from, char *out, size_t outlen)
{
	char dir[PATH_MAX];
	int n;

	if (path[0] == '/' || !from || !strchr(from, '/'))
		n = snprintf(out, outlen, "%s", path);
	else {
		snprintf(dir, sizeof(dir), "%s", from);
		n = snprintf(out, outlen, "%s/%s", dirname(dir), path);
	}
	return n < 0 || (size_t)n >= outlen ? -ENAMETOOLONG : 0;
}

/*
 * Only root (or whoever runs us) may be able to change who gets what: a file
 * another user can write is refused, as sshd's StrictModes does.
 */
static const char *tb_file_unsafe(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return "is not a regular file";
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "is not owned by root (chown root FILE)";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others (chmod go-w FILE)";
	if (st->st_size > TB_POLICY_FILE_MAX)
		return "is larger than 1 MiB";
	return NULL;
}

static int tb_read_all(int fd, size_t size, char **text)
{
	char *buf = malloc(size + 1);
	size_t got = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (memchr(buf, '\0', got)) {
		free(buf);
		return -EBADMSG;
	}
	*text = buf;
	return 0;
}

static int tb_policy_seen(const struct tb_policy *pol, const struct stat *st,
			  const char **first)
{
	for (size_t i = 0; i < pol->nfiles; i++)
		if (pol->files[i].dev == st->st_dev &&
		    pol->files[i].ino == st->st_ino) {
			*first = pol->files[i].name;
			return 1;
		}
	return 0;
}

static int tb_policy_add_file(struct tb_policy *pol, const char *path,
			      const struct stat *st)
{
	struct tb_policy_file *f;

	f = reallocarray(pol->files, pol->nfiles + 1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	pol->files = f;
	f = &pol->files[pol->nfiles];
	f->name = strdup(path);
	if (!f->name)
		return -ENOMEM;
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	pol->nfiles++;
	return 0;
}

/* Reports a file problem at the line that named it, or on the file. */
static void __attribute__((format(printf, 5, 6)))
tb_file_err(struct tb_diag *diag, const char *from, int line, const char *path,
	    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (from)
		tb_diag_add(diag, from, line, "%s: %s", path, msg);
	else
		tb_diag_add(diag, path, 0, "%s", msg);
}

/**
 * tb_policy_read_file() - open, vet and read one policy or ACL file
 * @pol:	the policy being built; the file joins its list
 * @path:	resolved with tb_policy_path() when @from includes it
 * @from:	the file that includes it, or NULL for a top-level file
 * @from_line:	the line of the include
 * @text:	the contents, NUL-terminated, to free()
 * @name:	the resolved name, owned by @pol
 * @diag:	where problems go
 *
 * Return: 0, or -errno after adding the reason to @diag.
 */
/*
 * Opens @full for reading if it is a safe regular file (tb_file_unsafe())
 * not read before; fills @st.  Return: the fd, or -errno with @diag told.
 */
static int tb_policy_open(struct tb_policy *pol, const char *full,
			  const char *from, int from_line, struct stat *st,
			  struct tb_diag *diag)
{
	const char *why, *first;
	int fd, err;

	/* Not even opened unless it is a regular file: opening a device named
	 * in a policy could have effects.  fstat() below re-checks the file
	 * opened, so a swap in between changes nothing. */
	if (stat(full, st) == 0 && !S_ISREG(st->st_mode)) {
		tb_file_err(diag, from, from_line, full,
			    "refused: the file is not a regular file");
		return -EPERM;
	}
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	err = fd < 0 ? -errno : fstat(fd, st) < 0 ? -errno : 0;
	if (err) {
		tb_file_err(diag, from, from_line, full, "cannot %s: %s",
			    fd < 0 ? "open" : "stat", strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	if ((why = tb_file_unsafe(st))) {
		close(fd);
		tb_file_err(diag, from, from_line, full, "refused: the file %s",
			    why);
		return -EPERM;
	}
	if (tb_policy_seen(pol, st, &first)) {
		close(fd);
		tb_file_err(diag, from, from_line, full,
			    "already read (as %s): include loop or repeat",
			    first);
		return -ELOOP;
	}
	return fd;
}

int tb_policy_read_file(struct tb_policy *pol, const char *path,
			const char *from, int from_line, char **text,
			const char **name, struct tb_diag *diag)
{
	char full[PATH_MAX];
	struct stat st;
	int fd, err;

	if (snprintf(full, sizeof(full), "%s", path) >= (int)sizeof(full)) {
		tb_file_err(diag, from, from_line, path, "path is too long");
		return -ENAMETOOLONG;
	}
	if (pol->nfiles >= TB_POLICY_FILES_MAX) {
		tb_file_err(diag, from, from_line, full,
			    "more than %d files in one policy",
			    TB_POLICY_FILES_MAX);
		return -E2BIG;
	}
	fd = tb_policy_open(pol, full, from, from_line, &st, diag);
	if (fd < 0)
		return fd;
	err = tb_read_all(fd, (size_t)st.st_size, text);
	close(fd);
	if (err == -EBADMSG)
		tb_file_err(diag, from, from_line, full,
			    "contains a NUL byte: not a text file");
	if (err)
		return err;
	err = tb_policy_add_file(pol, full, &st);
	if (err) {
		free(*text);
		return err;
	}
	*name = pol->files[pol->nfiles - 1].name;
	return 0;
}

struct tb_rule *tb_policy_new_rule(struct tb_policy *pol, const char *file,
				   int line, struct tb_diag *diag)
{
	struct tb_rule *r;

	if (pol->nrules >= TB_POLICY_RULES_MAX) {
		tb_diag_add(diag, file, line,
			    "more than %d rules in one policy",
			    TB_POLICY_RULES_MAX);
		return NULL;
	}
	r = reallocarray(pol->rules, pol->nrules + 1, sizeof(*r));
	if (!r)
		return NULL;
	pol->rules = r;
	r = &pol->rules[pol->nrules++];
	*r = (struct tb_rule){.file = file,
			      .line = line,
			      .quota = -1,
			      .mtu = -1,
			      .queues = -1};
	return r;
}

/* Adds an interface name to a list, once; on a bad name says why. */
int tb_rule_add_name(char (**names)[IFNAMSIZ], size_t *n, const char *name,
		     char *why, size_t whylen)
{
	char(*v)[IFNAMSIZ];

	if (tb_ifname_check(name, why, whylen))
		return -EINVAL;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*names)[i], name))
			return 0;
	if (*n >= TB_POLICY_LIST_MAX) {
		snprintf(why, whylen,
			 "is one more than the %d names a list may hold",
			 TB_POLICY_LIST_MAX);
		return -E2BIG;
	}
	v = reallocarray(*names, *n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*names = v;
	snprintf(v[(*n)++], IFNAMSIZ, "%s", name);
	return 0;
}

/* Adds a bridge name (or "all") to @r; on a bad name says why. */
int tb_rule_add_bridge(struct tb_rule *r, const char *name, char *why,
		       size_t whylen)
{
	if (!strcmp(name, "all")) {
		r->all_bridges = 1;
		return 0;
	}
	return tb_rule_add_name(&r->bridges, &r->nbridges, name, why, whylen);
}

void tb_policy_free(struct tb_policy *pol)
{
	if (!pol)
		return;
	for (size_t i = 0; i < pol->nrules; i++) {
		free(pol->rules[i].uids);
		free(pol->rules[i].gids);
		free(pol->rules[i].bridges);
		free(pol->rules[i].lowers);
		free(pol->rules[i].adopts);
		free(pol->rules[i].vlans);
		free(pol->rules[i].prefixes);
		free(pol->rules[i].tables);
		free(pol->rules[i].proxies);
		free(pol->rules[i].members);
		free(pol->rules[i].gateways);
	}
	free(pol->rules);
	free(pol->admin_gids);
	for (size_t i = 0; i < pol->nfiles; i++)
		free(pol->files[i].name);
	free(pol->files);
	free(pol);
}

/* Do @a and @b name exactly the same users and groups? */
static int tb_same_principals(const struct tb_rule *a, const struct tb_rule *b)
{
	if (a->nuids != b->nuids || a->ngids != b->ngids)
		return 0;
	for (size_t i = 0; i < a->nuids; i++) {
		size_t j = 0;

		while (j < b->nuids && b->uids[j] != a->uids[i])
			j++;
		if (j == b->nuids)
			return 0;
	}
	for (size_t i = 0; i < a->ngids; i++) {
		size_t j = 0;

		while (j < b->ngids && b->gids[j] != a->gids[i])
			j++;
		if (j == b->ngids)
			return 0;
	}
	return 1;
}

/*
 * Routed prefixes granted to different users must not overlap: two tenants
 * could otherwise claim the same address.  Rules naming the very same users
 * and groups may overlap (one tenant, several rules).
 */
static void tb_policy_check_prefixes(const struct tb_policy *pol,
				     struct tb_diag *diag)
{
	char pa[TB_PREFIX_STR_MAX], pb[TB_PREFIX_STR_MAX];

	for (size_t i = 0; i < pol->nrules; i++)
		for (size_t j = i + 1; j < pol->nrules; j++) {
			const struct tb_rule *a = &pol->rules[i];
			const struct tb_rule *b = &pol->rules[j];

			if (a->deny || b->deny || tb_same_principals(a, b))
				continue;
			for (size_t x = 0; x < a->nprefixes; x++)
				for (size_t y = 0; y < b->nprefixes; y++) {
					if (!tb_prefix_overlap(&a->prefixes[x],
							       &b->prefixes[y]))
						continue;
					tb_prefix_format(&a->prefixes[x], pa,
							 sizeof(pa));
					tb_prefix_format(&b->prefixes[y], pb,
							 sizeof(pb));
					tb_diag_add(
						diag, b->file, b->line,
						"routed prefix %s in allow \"%s\" overlaps %s in allow \"%s\" (%s:%d), which grants it to other users",
						pb, b->title, pa, a->title,
						a->file, a->line);
				}
		}
}

/* Was @path read already (e.g. --qemu-acl and the policy's qemu_acl)? */
static int tb_policy_has(const struct tb_policy *pol, const char *path)
{
	const char *first;
	struct stat st;

	return !stat(path, &st) && tb_policy_seen(pol, &st, &first);
}

int tb_policy_load(const char *config, const char *qemu_acl,
		   struct tb_policy **out, struct tb_diag *diag)
{
	struct tb_policy *pol;
	int err = 0;

	*out = NULL;
	if (!config && !qemu_acl) {
		tb_diag_add(
			diag, "tapbroker", 0,
			"no policy given (--config FILE and/or --qemu-acl FILE)");
		return -EINVAL;
	}
	pol = calloc(1, sizeof(*pol));
	if (!pol)
		return -ENOMEM;
	pol->pool = -1;
	if (config)
		err = tb_conf_load(pol, config, NULL, 0, 0, diag);
	if (qemu_acl && !tb_policy_has(pol, qemu_acl)) { /* also on error */
		int e = tb_qemu_acl_load(pol, qemu_acl, NULL, 0, 0, diag);

		err = err ? err : e;
	}
	if (!err)
		tb_policy_check_prefixes(pol, diag);
	if (!err && diag->count)
		err = -EINVAL;
	if (err) {
		if (!diag->count)
			tb_diag_add(diag, config ? config : qemu_acl, 0,
				    "cannot load the policy: %s",
				    strerror(-err));
		tb_policy_free(pol);
		return err;
	}
	*out = pol;
	return 0;
}

void tb_policy_summary(const struct tb_policy *pol, char *buf, size_t len)
{
	size_t allow = 0, deny = 0;

	for (size_t i = 0; i < pol->nrules; i++) {
		if (pol->rules[i].origin != TB_ORIGIN_CONF)
			continue;
		if (pol->rules[i].deny)
			deny++;
		else
			allow++;
	}
	snprintf(
		buf, len,
		"%zu allow and %zu deny rule%s, %u qemu ACL line%s, %zu file%s",
		allow, deny, deny == 1 ? "" : "s", pol->qemu_lines,
		pol->qemu_lines == 1 ? "" : "s", pol->nfiles,
		pol->nfiles == 1 ? "" : "s");
}

static int tb_member_add(struct tb_rule *r, uid_t uid)
{
	uid_t *v;

	for (size_t i = 0; i < r->nmembers; i++)
		if (r->members[i] == uid)
			return 0;
	v = reallocarray(r->members, r->nmembers + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->members = v;
	v[r->nmembers++] = uid;
	return 0;
}

static int tb_rule_has_gid_db(const struct tb_rule *r, gid_t gid)
{
	for (size_t i = 0; i < r->ngids; i++)
		if (r->gids[i] == gid)
			return 1;
	return 0;
}

/**
 * tb_rule_members() - the users the group database puts in a deny rule's
 * groups: each group's member list, and every user whose primary group it
 * is.  Read when the policy is loaded (or reloaded), before seccomp and
 * never per request; a change of membership needs a reload.
 *
 * Return: 0, or -ENOMEM.
 */
int tb_rule_members(struct tb_rule *r)
{
	struct passwd *pw;
	struct group *gr;
	int err = 0;

	if (!r->deny || !r->ngids)
		return 0;
	for (size_t i = 0; i < r->ngids && !err; i++) {
		gr = getgrgid(r->gids[i]);
		for (char **m = gr ? gr->gr_mem : NULL; m && *m && !err; m++)
			if ((pw = getpwnam(*m)))
				err = tb_member_add(r, pw->pw_uid);
	}
	setpwent();
	while (!err && (pw = getpwent()))
		if (tb_rule_has_gid_db(r, pw->pw_gid))
			err = tb_member_add(r, pw->pw_uid);
	endpwent();
	return err;
}
