// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `tapbroker doctor`: finds what silently breaks VM networking on this host
 * (or network namespace) and says the command that fixes each finding.
 *
 * It only reads: four rtnetlink dumps (netlink_dump.c), sysctls under
 * /proc/sys, a bridge's addr_assign_type in /sys, the nftables ruleset
 * (doctor_nft.c) and the policy.  The checks live in doctor_links.c and
 * doctor_routes.c; this file gathers the facts, keeps the findings and
 * prints them, one line each or as one JSON array (RFC 8259).
 * Exit: 0 nothing at warning or above, 1 something, 2 could not run.
 */
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prefix.h"

#define TB_DOC_POLICY "/etc/tapbroker/policy.conf" /* as the unit runs it */

static const char *const tb_sev_names[] = {
	[TB_SEV_INFO] = "info",
	[TB_SEV_WARNING] = "warning",
	[TB_SEV_ERROR] = "error",
};

static const char tb_doc_usage[] =
	"Usage: tapbroker doctor [--config FILE] [--qemu-acl FILE] [--json]\n"
	"\n"
	"Reads links, routes, sysctls, the nftables ruleset and the policy;\n"
	"prints one line per finding (severity, check, object, what is wrong,\n"
	"fix: the command that fixes it) and the counts.  Changes nothing.\n"
	"Exit 0: nothing at warning or above; 1: something; 2: could not run.\n";

void tb_doc_add(struct tb_doctor *d, enum tb_sev sev, const char *check,
		const char *object, const char *fix, const char *fmt, ...)
{
	struct tb_finding *f;
	va_list ap;

	if (d->nfindings == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;

		f = reallocarray(d->findings, cap, sizeof(*f));
		if (!f) {
			d->oom = 1; /* tb_doctor_main() exits 2 */
			return;
		}
		d->findings = f;
		d->cap = cap;
	}
	f = &d->findings[d->nfindings++];
	f->sev = sev;
	snprintf(f->check, sizeof(f->check), "%s", check);
	snprintf(f->object, sizeof(f->object), "%s", object);
	snprintf(f->fix, sizeof(f->fix), "%s", fix);
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/* A check that cannot run here: an info finding saying why. */
void tb_doc_skip(struct tb_doctor *d, const char *check, const char *why)
{
	tb_doc_add(d, TB_SEV_INFO, check, "-",
		   d->root ? "-" : "run tapbroker doctor as root",
		   "skipped: %s", why);
}

/**
 * tb_doc_sysctl() - read the integer at /proc/sys/@path
 * Return: 0, or -errno (-ENOENT: no such sysctl here).
 */
int tb_doc_sysctl(const char *path, int *val)
{
	char full[256], buf[32];
	ssize_t n;
	int fd;

	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*val = atoi(buf);
	return 0;
}

/* net.@proto.conf.@ifname.@key, e.g. ("ipv4", "tb0", "rp_filter"). */
int tb_doc_if_sysctl(const char *proto, const char *ifname, const char *key,
		     int *val)
{
	char path[128];

	snprintf(path, sizeof(path), "net/%s/conf/%s/%s", proto, ifname, key);
	return tb_doc_sysctl(path, val);
}

/* The " KEY=VALUE" word of @alias into @out ("" if absent). */
static void tb_doc_word(const char *alias, const char *key, char *out,
			size_t len)
{
	char pat[24];
	const char *s;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", key);
	s = strstr(alias, pat);
	out[0] = '\0';
	if (!s)
		return;
	s += strlen(pat);
	n = strcspn(s, " ");
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), s);
}

/**
 * tb_doc_lease() - parse a lease's ifalias, as lease.c and routed.c write it
 * Return: 0 if @alias is a lease's, -1 if not.
 */
int tb_doc_lease(const char *alias, struct tb_doc_lease *l)
{
	char start[24], was[32];

	memset(l, 0, sizeof(*l));
	if (sscanf(alias, "tapbroker uid=%u vm=%d", &l->uid, &l->vm) != 2)
		return -1;
	tb_doc_word(alias, "start", start, sizeof(start));
	l->has_start = sscanf(start, "%llu", &l->start) == 1;
	tb_doc_word(alias, "proxy", l->proxy, sizeof(l->proxy));
	tb_doc_word(alias, "was", was, sizeof(was));
	tb_doc_word(alias, "macvtap", l->bridge, sizeof(l->bridge));
	if (l->bridge[0]) {
		l->kind = TB_DOC_MACVTAP;
		return 0;
	}
	tb_doc_word(alias, "br", l->bridge, sizeof(l->bridge));
	if (!l->bridge[0])
		return -1;
	l->kind = !strcmp(l->bridge, "-") ? TB_DOC_ROUTED
		  : was[0]		  ? TB_DOC_ADOPTED
					  : TB_DOC_TAP;
	return 0;
}

/* Is @bridge granted by the policy, or the bridge of a lease's tap? */
int tb_doc_in_use(const struct tb_doctor *d, const char *bridge)
{
	struct tb_doc_lease l;

	for (size_t i = 0; i < d->grants.nbridges; i++)
		if (!strcmp(d->grants.bridges[i].name, bridge))
			return 1;
	for (size_t i = 0; i < d->dump.nlinks; i++)
		if (!tb_doc_lease(d->dump.links[i].alias, &l) &&
		    l.kind != TB_DOC_MACVTAP && !strcmp(l.bridge, bridge))
			return 1;
	return 0;
}

/* Adds @name to @v (merging the modes of a name already there). */
static int tb_doc_name_add(struct tb_doc_name **v, size_t *n,
			   const struct tb_grant *g)
{
	struct tb_doc_name *e;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, g->name)) {
			(*v)[i].modes |= g->modes;
			return 0;
		}
	e = reallocarray(*v, *n + 1, sizeof(**v));
	if (!e)
		return -ENOMEM;
	*v = e;
	e = &e[(*n)++];
	snprintf(e->name, sizeof(e->name), "%s", g->name);
	e->modes = g->modes;
	snprintf(e->rule, sizeof(e->rule), "%s:%d", g->file, g->line);
	return 0;
}

static void tb_doc_grant(void *arg, const struct tb_grant *g)
{
	struct tb_doc_grants *gr = arg;
	struct tb_prefix *p;
	int err = 0;

	if (g->kind == TB_GRANT_BRIDGE)
		err = tb_doc_name_add(&gr->bridges, &gr->nbridges, g);
	else if (g->kind == TB_GRANT_LOWER)
		err = tb_doc_name_add(&gr->lowers, &gr->nlowers, g);
	else if (g->kind == TB_GRANT_PROXY)
		err = tb_doc_name_add(&gr->proxies, &gr->nproxies, g);
	if (g->kind == TB_GRANT_PREFIX) {
		p = reallocarray(gr->prefixes, gr->nprefixes + 1, sizeof(*p));
		if (p) {
			gr->prefixes = p;
			p[gr->nprefixes++] = *g->prefix;
		}
		err = p ? 0 : -ENOMEM;
		gr->routed4 |= g->prefix->family == AF_INET;
		gr->routed6 |= g->prefix->family == AF_INET6;
	}
	if (err)
		gr->error = err;
}

static void tb_doc_grants_free(struct tb_doc_grants *g)
{
	free(g->bridges);
	free(g->lowers);
	free(g->proxies);
	free(g->prefixes);
}

/* One "FILE:LINE: message" of the loader: object FILE:LINE. */
static void tb_doc_policy_line(struct tb_doctor *d, const char *line,
			       const char *config, const char *qemu_acl)
{
	const char *sep = strstr(line, ": ");
	char obj[80], fix[TB_DOC_TEXT_MAX];
	size_t n = sep ? (size_t)(sep - line) : strlen(line);

	snprintf(obj, sizeof(obj), "%.*s", (int)(n < 79 ? n : 79), line);
	snprintf(fix, sizeof(fix), "edit %s, then tapbroker check%s%s%s%s", obj,
		 config ? " --config " : "", config ? config : "",
		 qemu_acl ? " --qemu-acl " : "", qemu_acl ? qemu_acl : "");
	tb_doc_add(d, TB_SEV_ERROR, "policy", obj, fix, "%s",
		   sep ? sep + 2 : line);
}

/* Loads the policy; its errors are `policy` findings (as `check` says). */
static void tb_doc_policy(struct tb_doctor *d, const char *config,
			  const char *qemu_acl)
{
	struct tb_diag diag = {0};
	char why[512], *line, *save = NULL;
	int err;

	if (!config && !qemu_acl) {
		if (access(TB_DOC_POLICY, F_OK)) {
			tb_doc_skip(
				d, "policy",
				"no --config or --qemu-acl, and no " TB_DOC_POLICY
				": the checks of what the policy grants are skipped");
			return;
		}
		config = TB_DOC_POLICY;
	}
	err = tb_policy_load(config, qemu_acl, &d->pol, &diag);
	if (err && err != -EINVAL) {
		diag.text[strcspn(diag.text, "\n")] = '\0';
		snprintf(
			why, sizeof(why),
			"cannot read the policy (%.300s): the checks of what it grants are skipped",
			diag.count ? diag.text : strerror(-err));
		tb_doc_skip(d, "policy", why);
	}
	for (line = strtok_r(diag.text, "\n", &save); err == -EINVAL && line;
	     line = strtok_r(NULL, "\n", &save))
		tb_doc_policy_line(d, line, config, qemu_acl);
	if (d->pol)
		tb_policy_grants(d->pol, tb_doc_grant, &d->grants);
}

/* Length of the valid UTF-8 sequence at @s (1-4), or 0 if invalid. */
static size_t tb_doc_utf8(const unsigned char *s)
{
	size_t n = s[0] >= 0xf0 && s[0] <= 0xf4	  ? 4
		   : s[0] >= 0xe0		  ? 3
		   : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
						  : 0;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* @s as a JSON string (RFC 8259): quotes, backslash, control characters
 * escaped; a byte that is not UTF-8 becomes U+FFFD. */
static void tb_doc_json_str(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	putchar('"');
	while (*p) {
		if (*p == '"' || *p == '\\') {
			printf("\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			printf("\\u%04x", *p++);
		} else if (*p < 0x80) {
			putchar(*p++);
		} else if ((n = tb_doc_utf8(p))) {
			fwrite(p, 1, n, stdout);
			p += n;
		} else {
			fputs("\\ufffd", stdout);
			p++;
		}
	}
	putchar('"');
}

static void tb_doc_print_json(const struct tb_finding *f, int first)
{
	fputs(first ? "\n {\"check\": " : ",\n {\"check\": ", stdout);
	tb_doc_json_str(f->check);
	fputs(", \"severity\": ", stdout);
	tb_doc_json_str(tb_sev_names[f->sev]);
	fputs(", \"object\": ", stdout);
	tb_doc_json_str(f->object);
	fputs(", \"message\": ", stdout);
	tb_doc_json_str(f->message);
	fputs(", \"fix\": ", stdout);
	tb_doc_json_str(f->fix);
	putchar('}');
}

/* One line (or JSON object) each, errors first; then the counts.
 * Return: the exit code. */
static int tb_doc_print(const struct tb_doctor *d, int json)
{
	unsigned int count[3] = {0}, n = 0;

	if (json)
		putchar('[');
	for (int sev = TB_SEV_ERROR; sev >= TB_SEV_INFO; sev--)
		for (size_t i = 0; i < d->nfindings; i++) {
			const struct tb_finding *f = &d->findings[i];

			if (f->sev != (enum tb_sev)sev)
				continue;
			count[sev]++;
			if (json)
				tb_doc_print_json(f, !n++);
			else
				printf("%s %s %s: %s; fix: %s\n",
				       tb_sev_names[sev], f->check, f->object,
				       f->message, f->fix);
		}
	if (json)
		puts(n ? "\n]" : "]");
	else
		printf("doctor: %u error%s, %u warning%s, %u info\n",
		       count[TB_SEV_ERROR], count[TB_SEV_ERROR] == 1 ? "" : "s",
		       count[TB_SEV_WARNING],
		       count[TB_SEV_WARNING] == 1 ? "" : "s",
		       count[TB_SEV_INFO]);
	fflush(stdout);
	return count[TB_SEV_ERROR] || count[TB_SEV_WARNING] ? 1 : 0;
}

struct tb_doc_args {
	const char *config, *qemu_acl;
	int json;
};

static void tb_doc_args(int argc, char **argv, struct tb_doc_args *a)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"qemu-acl", required_argument, NULL, 'q'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:q:jh", opts, NULL)) != -1) {
		if (c == 'c') {
			a->config = optarg;
		} else if (c == 'q') {
			a->qemu_acl = optarg;
		} else if (c == 'j') {
			a->json = 1;
		} else {
			fputs(tb_doc_usage, c == 'h' ? stdout : stderr);
			exit(c == 'h' ? 0 : 2);
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"tapbroker doctor: unexpected argument '%s'\n%s",
			argv[optind], tb_doc_usage);
		exit(2);
	}
}

/**
 * tb_doctor_main() - `tapbroker doctor`: check, print, exit 0, 1 or 2
 */
int tb_doctor_main(int argc, char **argv)
{
	struct tb_doctor d = {.root = geteuid() == 0};
	struct tb_doc_args a = {0};
	int err, rc;

	tb_doc_args(argc, argv, &a);
	err = tb_dump_read(&d.dump);
	if (err) {
		fprintf(stderr,
			"tapbroker doctor: cannot dump links and routes over rtnetlink: %s\n",
			strerror(-err));
		return 2;
	}
	tb_doc_policy(&d, a.config, a.qemu_acl);
	d.oom |= d.grants.error != 0;
	if (!d.oom) {
		tb_doc_links(&d);
		tb_doc_routes(&d);
		tb_doc_nft(&d);
	}
	rc = d.oom ? 2 : tb_doc_print(&d, a.json);
	if (d.oom)
		fputs("tapbroker doctor: out of memory\n", stderr);
	tb_dump_free(&d.dump);
	tb_doc_grants_free(&d.grants);
	tb_policy_free(d.pol);
	free(d.findings);
	return rc;
}
