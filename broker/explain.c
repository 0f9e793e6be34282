// SPDX-License-Identifier: GPL-2.0-or-later
/* `tapbroker explain`: which rule decides a request, by the broker's code. */
#include "broker.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TB_EXPLAIN_GROUPS_MAX 256

struct tb_explain {
	const char *config, *qemu_acl, *user, *bridge;
	unsigned long mtu;
	const char *groups[TB_EXPLAIN_GROUPS_MAX];
	size_t ngroups;
};

static const char tb_explain_usage[] =
	"Usage: tapbroker explain [--config FILE] [--qemu-acl FILE] --user NAME|UID\n"
	"                         [--group NAME|GID ...] --bridge BRIDGE [--mtu N]\n"
	"\n"
	"Prints allow or deny, the reason the broker would give, and the\n"
	"deciding rule.  Without --group, the user's groups come from the\n"
	"system, as SO_PEERGROUPS would report them.\n"
	"Exit: 0 allow, 1 deny, 2 usage or policy error.\n";

static void __attribute__((noreturn, format(printf, 1, 2)))
tb_usage_exit(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tapbroker explain: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", tb_explain_usage);
	exit(2);
}

/* A name or a number; numbers need not exist in the database. */
static int tb_parse_id(const char *s, unsigned long *id)
{
	char *end;

	if (!*s || strlen(s) > 10 || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	*id = strtoul(s, &end, 10);
	return *end || errno || *id >= 0xffffffffUL ? -EINVAL : 0;
}

static void tb_explain_args(int argc, char **argv, struct tb_explain *e)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"qemu-acl", required_argument, NULL, 'q'},
		{"user", required_argument, NULL, 'u'},
		{"group", required_argument, NULL, 'g'},
		{"bridge", required_argument, NULL, 'b'},
		{"mtu", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:q:u:g:b:m:h", opts, NULL)) !=
	       -1) {
		if (c == 'c')
			e->config = optarg;
		else if (c == 'q')
			e->qemu_acl = optarg;
		else if (c == 'u')
			e->user = optarg;
		else if (c == 'b')
			e->bridge = optarg;
		else if (c == 'm') {
			if (tb_parse_id(optarg, &e->mtu))
				tb_usage_exit("--mtu %s is not a number",
					      optarg);
		} else if (c == 'g' && e->ngroups < TB_EXPLAIN_GROUPS_MAX)
			e->groups[e->ngroups++] = optarg;
		else if (c == 'g')
			tb_usage_exit("more than %d groups",
				      TB_EXPLAIN_GROUPS_MAX);
		else if (c == 'h') {
			fputs(tb_explain_usage, stdout);
			exit(0);
		} else
			tb_usage_exit("%s", "bad option");
	}
	if (optind < argc)
		tb_usage_exit("unexpected argument '%s'", argv[optind]);
	if (!e->user || !e->bridge)
		tb_usage_exit("%s", "--user and --bridge are required");
	if (!e->config && !e->qemu_acl)
		tb_usage_exit("%s",
			      "give --config FILE and/or --qemu-acl FILE");
}

static void tb_explain_user(const char *arg, struct tb_who *who, char *name,
			    size_t len)
{
	struct passwd *pw;
	unsigned long id;

	if (!tb_parse_id(arg, &id))
		pw = getpwuid((uid_t)id);
	else if (!(pw = getpwnam(arg)))
		tb_usage_exit("no user '%s' in the passwd database", arg);
	who->uid = pw ? pw->pw_uid : (uid_t)id;
	who->gid = pw ? pw->pw_gid : (gid_t)id;
	snprintf(name, len, "%s", pw ? pw->pw_name : "");
	who->user = pw ? name : NULL;
}

static void tb_explain_groups(const struct tb_explain *e, struct tb_who *who,
			      gid_t *gids, int max)
{
	struct group *gr;
	unsigned long id;
	int n = max;

	if (!e->ngroups) {
		if (who->user &&
		    getgrouplist(who->user, who->gid, gids, &n) < 0)
			n = max; /* more than we keep: the first max */
		who->groups = gids;
		who->ngroups = who->user ? (size_t)n : 0;
		return;
	}
	for (size_t i = 0; i < e->ngroups; i++) {
		if (!tb_parse_id(e->groups[i], &id))
			gids[i] = (gid_t)id;
		else if ((gr = getgrnam(e->groups[i])))
			gids[i] = gr->gr_gid;
		else
			tb_usage_exit("no group '%s' in the group database",
				      e->groups[i]);
	}
	who->groups = gids;
	who->ngroups = e->ngroups;
}

/**
 * tb_explain_main() - `tapbroker explain ...`
 *
 * Return: the exit status: 0 allow, 1 deny, 2 usage or policy error.
 */
int tb_explain_main(int argc, char **argv)
{
	struct tb_explain e = {0};
	struct tb_who who = {0};
	struct tb_diag diag = {0};
	struct tb_decision d;
	struct tb_policy *pol;
	gid_t gids[TB_EXPLAIN_GROUPS_MAX];
	char name[256], why[128];

	tb_explain_args(argc, argv, &e);
	tb_explain_user(e.user, &who, name, sizeof(name));
	tb_explain_groups(&e, &who, gids, TB_EXPLAIN_GROUPS_MAX);
	if (tb_ifname_check(e.bridge, why, sizeof(why))) {
		fprintf(stderr, "tapbroker explain: bridge name '%s' %s\n",
			e.bridge, why);
		return 2;
	}
	if (tb_policy_load(e.config, e.qemu_acl, &pol, &diag)) {
		fputs(diag.text, stderr);
		fprintf(stderr,
			"tapbroker explain: policy refused (%u error%s)\n",
			diag.count, diag.count == 1 ? "" : "s");
		return 2;
	}
	tb_policy_decide_bridge(pol, &who, e.bridge, &d);
	if (d.allow && e.mtu)
		tb_policy_decide_mtu(pol, &who, e.bridge, (unsigned int)e.mtu,
				     &d);
	printf("%s\nreason: %s\nrule: %s\n", d.allow ? "allow" : "deny",
	       d.reason, d.rule[0] ? d.rule : "(none: default deny)");
	tb_policy_free(pol);
	return d.allow ? 0 : 1;
}
