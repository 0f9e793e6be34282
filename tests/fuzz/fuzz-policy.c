// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: the policy and bridge.conf loaders, then decisions. */

/*
 * Theory of operation
 *
 * The first input byte picks what is loaded: a tapbroker policy, a qemu
 * bridge.conf, or a policy together with a fixed bridge.conf.  The rest of
 * the input is written to "in" in a private directory (mode 0600, as the
 * loader wants) and read through the public, file-based tb_policy_load().
 * A policy that loads is summarised, asked about the bridges, macvtap
 * lower devices, uids and gids its own rules name, and freed.
 *
 * Includes in the input may name any path.  The fuzzer is linked with
 * -Wl,--wrap=open,--wrap=glob, so the loader's open() and glob() go through
 * fz_inside() first: only paths inside the private directory are opened or
 * listed.  Otherwise an input could open a device whose open() acts (a
 * watchdog, a tape) or glob the whole file system.  The directory holds
 * fixtures the loader must refuse without blocking (a FIFO, a link to
 * /dev/zero, a group-writable file, a file over 1 MiB, a file with a NUL)
 * and include chains one step deeper than the loader allows.
 *
 * libconfuse 3.3 leaks the arguments of a function call that a syntax
 * error cuts short, e.g. include("x" = 1): the error path of its
 * cfg_parse_internal() never frees them.  That is the library's leak, so
 * LeakSanitizer is told to ignore leaks allocated by libconfuse itself.
 * Only two frames are kept per allocation, so the suppression sees the
 * allocating function and nothing below it: memory the loader allocates in
 * a libconfuse callback is still checked.  What the suppression would hide,
 * a cfg_t never freed, is checked by counting cfg_init() and cfg_free().
 *
 * Each policy input gets one more rule appended, allow "fz-sentinel"; a
 * policy that loads must then hold it, or the input swallowed the rest of
 * its file without an error (as an unterminated block comment or string
 * once did).  TB_FUZZ_SENTINEL=0 in the environment turns this off.
 */
#include "fuzz.h"
#include "policy_int.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_glob(const char *pattern, int flags,
		int (*errfunc)(const char *, int), glob_t *g);
int __wrap_glob(const char *pattern, int flags,
		int (*errfunc)(const char *, int), glob_t *g);
struct cfg_t; /* libconfuse's, opaque here: <confuse.h> stays in conf.c */
struct cfg_opt_t;
struct cfg_t *__real_cfg_init(struct cfg_opt_t *opts, int flags);
struct cfg_t *__wrap_cfg_init(struct cfg_opt_t *opts, int flags);
int __real_cfg_free(struct cfg_t *cfg);
int __wrap_cfg_free(struct cfg_t *cfg);
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

static char fz_dir[PATH_MAX];
static size_t fz_dirlen;
static unsigned long fz_opens; /* proves the --wrap is in the link */
static long fz_cfgs; /* cfg_init() calls minus cfg_free() calls */
static struct tb_diag fz_diag;
static int fz_sentinel; /* TB_FUZZ_SENTINEL: see the top of the file */

#define FZ_SENTINEL                                       \
	"\nallow \"fz-sentinel\" { users = { \"4242\" } " \
	"bridges = { \"fz0\" } }\n"

/* Is @path in the private directory, with no way up ("/.", "/\.")? */
static int fz_inside(const char *path)
{
	const char *rest = path + fz_dirlen;

	if (!fz_dirlen || strncmp(path, fz_dir, fz_dirlen) || *rest != '/')
		return 0;
	return !strstr(rest, "/.") && !strstr(rest, "/\\");
}

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	fz_opens++;
	if (!fz_inside(path)) {
		errno = EACCES;
		return -1;
	}
	return __real_open(path, flags, mode);
}

int __wrap_glob(const char *pattern, int flags,
		int (*errfunc)(const char *, int), glob_t *g)
{
	if (!fz_inside(pattern)) {
		memset(g, 0, sizeof(*g));
		return GLOB_NOMATCH;
	}
	return __real_glob(pattern, flags, errfunc, g);
}

struct cfg_t *__wrap_cfg_init(struct cfg_opt_t *opts, int flags)
{
	struct cfg_t *cfg = __real_cfg_init(opts, flags);

	fz_cfgs += !!cfg;
	return cfg;
}

int __wrap_cfg_free(struct cfg_t *cfg)
{
	fz_cfgs -= !!cfg;
	return __real_cfg_free(cfg);
}

const char *__asan_default_options(void)
{
	return "malloc_context_size=2";
}

const char *__lsan_default_suppressions(void)
{
	return "leak:libconfuse.so\n";
}

/* ---- the private directory ------------------------------------------- */

static const char *fz_path(const char *name)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", fz_dir, name);
	return buf;
}

static void fz_write(const char *name, const void *text, size_t len,
		     mode_t mode)
{
	const char *path = fz_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) ||
	    chmod(path, mode)) {
		perror(path);
		exit(1);
	}
}

/* Writes the input to "in", and the sentinel rule after it if asked. */
static void fz_write_input(const uint8_t *data, size_t size, int sentinel)
{
	const char *path = fz_path("in");
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t more = sentinel ? strlen(FZ_SENTINEL) : 0;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size ||
	    write(fd, FZ_SENTINEL, more) != (ssize_t)more || close(fd)) {
		perror(path);
		exit(1);
	}
}

static void fz_puts(const char *name, const char *text, mode_t mode)
{
	fz_write(name, text, strlen(text), mode);
}

static void fz_chain(const char *fmt, const char *body, const char *last)
{
	char name[32], next[32], text[64];

	for (int i = 1; i <= TB_POLICY_DEPTH_MAX + 1; i++) {
		snprintf(name, sizeof(name), fmt, i);
		snprintf(next, sizeof(next), fmt, i + 1);
		snprintf(text, sizeof(text), body, next);
		if (i > TB_POLICY_DEPTH_MAX)
			snprintf(text, sizeof(text), "%s", last);
		fz_puts(name, text, 0644);
	}
}

static void fz_fixtures(void)
{
	static const char rule[] =
		"allow \"inc\" { users = { \"0\" } bridges = { \"br1\" } }\n";
	int fd;

	fz_puts("ok.conf", rule, 0644);
	fz_puts("ok.acl", "allow br2\ndeny br3\n", 0644);
	fz_puts("gw.conf", rule, 0664);
	fz_write("nul.conf", "allow\0", 6, 0644);
	fz_puts("in", "", 0600);
	if (mkdir(fz_path("d"), 0755) || mkfifo(fz_path("fifo"), 0644) ||
	    symlink("/dev/zero", fz_path("zero"))) {
		perror(fz_dir);
		exit(1);
	}
	fz_puts("d/a.conf",
		"deny \"d\" { groups = { \"0\" } bridges = { \"all\" } }\n",
		0644);
	fz_puts("d/b.acl", "allow all\n", 0644);
	fz_puts("big.conf", "", 0644);
	fd = open(fz_path("big.conf"), O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, TB_POLICY_FILE_MAX + 1) || close(fd))
		exit(1);
	fz_chain("n%d.conf", "include(\"%s\")\n", rule);
	fz_chain("a%d.acl", "include %s\n", "allow br4\n");
}

/* The fixtures are refused, and not only because the wrap refused them. */
static void fz_selftest(void)
{
	static const char *const want[] = {
		"fifo: refused: the file is not a regular file",
		"zero: refused: the file is not a regular file",
		"gw.conf: refused: the file is writable by group",
		"big.conf: refused: the file is larger than 1 MiB",
		"nul.conf: contains a NUL byte",
		"includes nested deeper than",
		"/etc/passwd: cannot open: Permission denied",
	};
	static const char text[] =
		"include(\"fifo\")\ninclude(\"zero\")\ninclude(\"gw.conf\")\n"
		"include(\"big.conf\")\ninclude(\"nul.conf\")\n"
		"include(\"n1.conf\")\ninclude(\"/etc/passwd\")\n";
	struct tb_policy *pol;
	char in[PATH_MAX];

	fz_write("in", text, strlen(text), 0600);
	snprintf(in, sizeof(in), "%s", fz_path("in"));
	fz_assert(tb_policy_load(in, NULL, &pol, &fz_diag) == -EINVAL);
	if (!fz_opens) {
		fprintf(stderr, "fuzz-policy: linked without --wrap=open\n");
		abort();
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(fz_diag.text, want[i])) {
			fprintf(stderr, "fuzz-policy: no '%s' in:\n%s", want[i],
				fz_diag.text);
			abort();
		}
}

static void fz_cleanup(void)
{
	static const char *const names[] = {
		"ok.conf", "ok.acl", "gw.conf",	 "nul.conf", "in",
		"fifo",	   "zero",   "d/a.conf", "d/b.acl",  "big.conf",
	};
	char name[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(fz_path(names[i]));
	for (int i = 1; i <= TB_POLICY_DEPTH_MAX + 1; i++) {
		snprintf(name, sizeof(name), "n%d.conf", i);
		unlink(fz_path(name));
		snprintf(name, sizeof(name), "a%d.acl", i);
		unlink(fz_path(name));
	}
	rmdir(fz_path("d"));
	rmdir(fz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/tbfuzz.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir) || !realpath(dir, fz_dir)) {
		perror(dir);
		exit(1);
	}
	fz_dirlen = strlen(fz_dir);
	fz_sentinel = !getenv("TB_FUZZ_SENTINEL") ||
		      strcmp(getenv("TB_FUZZ_SENTINEL"), "0");
	atexit(fz_cleanup);
	fz_fixtures();
	fz_selftest();
	return 0;
}

/* ---- one input ------------------------------------------------------- */

/* A decision is one line that fits its buffer. */
static void fz_check_decision(const struct tb_decision *d)
{
	fz_assert(d->allow == 0 || d->allow == 1);
	fz_assert(strnlen(d->reason, sizeof(d->reason)) < sizeof(d->reason));
	fz_assert(strnlen(d->rule, sizeof(d->rule)) < sizeof(d->rule));
	fz_assert(d->reason[0] && !strchr(d->reason, '\n'));
}

/*
 * Asks for @bridge as @who, whom rule @r matches.  A deny rule that
 * matches must deny; an allow rule that matches must allow, unless a deny
 * rule (named in the decision) wins.  The MTU ceiling must be allowed and,
 * if a rule sets it, one more refused.
 */
static void fz_ask_bridge(const struct tb_policy *pol, const struct tb_rule *r,
			  const struct tb_who *who, const char *bridge)
{
	struct tb_mtu_ceiling m;
	struct tb_decision d;

	memset(&d, 0x55, sizeof(d));
	tb_policy_decide_bridge(pol, who, bridge, &d);
	fz_check_decision(&d);
	fz_assert(!d.allow || d.rule[0]);
	fz_assert(r->deny ? !d.allow : d.allow || d.rule[0]);
	memset(&m, 0x55, sizeof(m));
	tb_policy_mtu(pol, who, bridge, &m);
	fz_assert(m.limit >= TB_MTU_MIN && m.limit <= TB_MTU_MAX);
	fz_assert(strnlen(m.source, sizeof(m.source)) < sizeof(m.source));
	tb_policy_decide_mtu(pol, who, bridge, m.limit, &d);
	fz_check_decision(&d);
	fz_assert(d.allow);
	tb_policy_decide_mtu(pol, who, bridge, m.limit + 1, &d);
	fz_check_decision(&d);
	fz_assert(d.allow == !m.source[0]); /* no rule: no ceiling */
}

/* The same for a macvtap on @lower, in every mode. */
static void fz_ask_lower(const struct tb_policy *pol, const struct tb_rule *r,
			 const struct tb_who *who, const char *lower)
{
	struct tb_decision d;

	for (int mode = 1; mode < TB_MODE_MAX; mode++) {
		memset(&d, 0x55, sizeof(d));
		tb_policy_decide_macvtap(pol, who, lower, mode, &d);
		fz_check_decision(&d);
		fz_assert(!d.allow || d.rule[0]);
		if (r->deny)
			fz_assert(!d.allow);
		else if (r->modes & (1u << mode))
			fz_assert(d.allow || d.rule[0]);
	}
}

/* What no rule names (usually): the default deny lists what is allowed. */
static void fz_ask_unnamed(const struct tb_policy *pol,
			   const struct tb_who *who)
{
	struct tb_decision d;

	memset(&d, 0x55, sizeof(d));
	tb_policy_decide_bridge(pol, who, "br-unnamed", &d);
	fz_check_decision(&d);
	memset(&d, 0x55, sizeof(d));
	tb_policy_decide_macvtap(pol, who, "eth-unnamed", TB_MODE_VEPA, &d);
	fz_check_decision(&d);
}

/* Asks what rule @r grants or refuses, as a caller @r matches. */
static void fz_ask(const struct tb_policy *pol, const struct tb_rule *r,
		   const char *user)
{
	struct tb_who who = {
		.uid = r->nuids ? r->uids[0] : 4242,
		.gid = r->ngids ? r->gids[0] : 4242,
		.groups = r->gids,
		.ngroups = r->ngids,
		.user = user,
	};
	struct tb_quota q;

	if (r->all_bridges)
		fz_ask_bridge(pol, r, &who, "br0");
	for (size_t j = 0; j < r->nbridges && j < 4; j++)
		fz_ask_bridge(pol, r, &who, r->bridges[j]);
	for (size_t j = 0; j < r->nlowers && j < 2; j++)
		fz_ask_lower(pol, r, &who, r->lowers[j]);
	fz_ask_unnamed(pol, &who);
	memset(&q, 0x55, sizeof(q));
	tb_policy_quota(pol, &who, &q);
	fz_assert(q.limit <= TB_QUOTA_MAX);
	fz_assert(strnlen(q.source, sizeof(q.source)) < sizeof(q.source));
	fz_assert(tb_policy_is_admin(pol, &who) == 0 ||
		  tb_policy_is_admin(pol, &who) == 1);
}

static void fz_decide(const struct tb_policy *pol)
{
	struct tb_who root = {.user = "root"};

	for (size_t i = 0; i < pol->nrules && i < 64; i++) {
		const struct tb_rule *r = &pol->rules[i];

		fz_assert(r->any_user || r->nuids || r->ngids);
		fz_assert(r->all_bridges || r->nbridges || r->nlowers);
		fz_ask(pol, r, i & 1 ? "fuzz" : NULL);
	}
	fz_assert(tb_policy_is_admin(pol, &root));
	for (size_t i = 0; i < pol->nadmin && i < 4; i++) {
		struct tb_who who = {.uid = 4242, .gid = pol->admin_gids[i]};

		fz_assert(tb_policy_is_admin(pol, &who));
	}
}

/* Does @pol hold the rule FZ_SENTINEL adds? */
static int fz_has_sentinel(const struct tb_policy *pol)
{
	for (size_t i = 0; i < pol->nrules; i++)
		if (pol->rules[i].origin == TB_ORIGIN_CONF &&
		    !pol->rules[i].deny &&
		    !strcmp(pol->rules[i].title, "fz-sentinel"))
			return 1;
	return 0;
}

static void fz_check_loaded(const struct tb_policy *pol)
{
	char sum[256], tiny[8];

	tb_policy_summary(pol, sum, sizeof(sum));
	fz_assert(strlen(sum) < sizeof(sum) && strstr(sum, " file"));
	tb_policy_summary(pol, tiny, sizeof(tiny));
	fz_assert(strlen(tiny) < sizeof(tiny));
	fz_assert(pol->nfiles > 0 && pol->nfiles <= TB_POLICY_FILES_MAX);
	fz_decide(pol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[PATH_MAX], acl[PATH_MAX];
	struct tb_policy *pol = NULL;
	int mode, ret;

	if (!size)
		return 0;
	mode = data[0] % 3;
	fz_write_input(data + 1, size - 1, fz_sentinel && mode != 1);
	snprintf(in, sizeof(in), "%s", fz_path("in"));
	snprintf(acl, sizeof(acl), "%s", fz_path("ok.acl"));
	memset(&fz_diag, 0, sizeof(fz_diag));
	if (mode == 0)
		ret = tb_policy_load(in, NULL, &pol, &fz_diag);
	else if (mode == 1)
		ret = tb_policy_load(NULL, in, &pol, &fz_diag);
	else
		ret = tb_policy_load(in, acl, &pol, &fz_diag);
	fz_assert(strlen(fz_diag.text) == fz_diag.len);
	fz_assert(fz_diag.len < sizeof(fz_diag.text));
	fz_assert(!ret == !!pol);
	fz_assert(!ret == !fz_diag.count);
	fz_assert(fz_cfgs == 0);
	if (pol)
		fz_check_loaded(pol);
	if (pol && fz_sentinel && mode != 1)
		fz_assert(fz_has_sentinel(pol));
	tb_policy_free(pol);
	return 0;
}
