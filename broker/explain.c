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

#include "prefix.h"
#include "vlan.h"

#define TB_EXPLAIN_GROUPS_MAX 256

struct tb_explain {
	const char *config, *qemu_acl, *user, *bridge;
	const char *lower, *mode, *trunk, *adopt;
	unsigned long mtu, vlan, metric;
	int has_metric;
	struct tb_prefix addrs[TB_ADDRS];
	size_t naddrs;
	uint32_t tables[8];
	size_t ntables;
	const char *groups[TB_EXPLAIN_GROUPS_MAX];
	size_t ngroups;
	const char *proxy;
};

static const char tb_explain_usage[] =
	"Usage: tapbroker explain [--config FILE] [--qemu-acl FILE] --user NAME|UID\n"
	"                         [--group NAME|GID ...] --bridge BRIDGE\n"
	"                         [--vlan N] [--trunk LIST] [--mtu N] [--adopt TAP]\n"
	"       tapbroker explain ... --user U --macvtap LOWER [--mode M] [--mtu N]\n"
	"       tapbroker explain ... --user U --address ADDR ... [--table T ...]\n"
	"                         [--metric M] [--proxy UPLINK]\n"
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

static void tb_explain_number(const char *opt, const char *v,
			      unsigned long *out)
{
	if (tb_parse_id(v, out))
		tb_usage_exit("--%s %s is not a number", opt, v);
}

static void tb_explain_address(struct tb_explain *e, const char *v)
{
	char why[128];

	if (e->naddrs == TB_ADDRS)
		tb_usage_exit("more than %d --address", TB_ADDRS);
	if (tb_prefix_parse(v, 0, &e->addrs[e->naddrs++], why, sizeof(why)))
		tb_usage_exit("--address: %s", why);
}

static void tb_explain_table(struct tb_explain *e, const char *v)
{
	unsigned long t = 254;

	if (e->ntables == 8 || (strcmp(v, "main") && tb_parse_id(v, &t)))
		tb_usage_exit("--table %s: main or a number, at most 8", v);
	e->tables[e->ntables++] = (uint32_t)t;
}

static void tb_explain_opt(struct tb_explain *e, int c, const char *v)
{
	switch (c) {
	case 'c':
		e->config = v;
		break;
	case 'q':
		e->qemu_acl = v;
		break;
	case 'u':
		e->user = v;
		break;
	case 'b':
		e->bridge = v;
		break;
	case 'L':
		e->lower = v;
		break;
	case 'M':
		e->mode = v;
		break;
	case 'T':
		e->trunk = v;
		break;
	case 'A':
		e->adopt = v;
		break;
	case 'm':
		tb_explain_number("mtu", v, &e->mtu);
		break;
	case 'v':
		tb_explain_number("vlan", v, &e->vlan);
		break;
	case 'r':
		tb_explain_number("metric", v, &e->metric);
		e->has_metric = 1;
		break;
	case 'a':
		tb_explain_address(e, v);
		break;
	case 't':
		tb_explain_table(e, v);
		break;
	case 'P':
		e->proxy = v;
		break;
	case 'g':
		if (e->ngroups == TB_EXPLAIN_GROUPS_MAX)
			tb_usage_exit("more than %d groups",
				      TB_EXPLAIN_GROUPS_MAX);
		e->groups[e->ngroups++] = v;
		break;
	case 'h':
		fputs(tb_explain_usage, stdout);
		exit(0);
	default:
		tb_usage_exit("%s", "bad option");
	}
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
		{"vlan", required_argument, NULL, 'v'},
		{"trunk", required_argument, NULL, 'T'},
		{"adopt", required_argument, NULL, 'A'},
		{"macvtap", required_argument, NULL, 'L'},
		{"mode", required_argument, NULL, 'M'},
		{"address", required_argument, NULL, 'a'},
		{"table", required_argument, NULL, 't'},
		{"metric", required_argument, NULL, 'r'},
		{"proxy", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:q:u:g:b:m:h", opts, NULL)) != -1)
		tb_explain_opt(e, c, optarg);
	if (optind < argc)
		tb_usage_exit("unexpected argument '%s'", argv[optind]);
	if (!e->user || (!e->bridge && !e->lower && !e->naddrs))
		tb_usage_exit(
			"%s",
			"--user and one of --bridge, --macvtap, --address are required");
	if (e->proxy && !e->naddrs)
		tb_usage_exit("%s", "--proxy is for --address (routed)");
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

/* Macvtap: lower device and mode, then the MTU ceiling. */
static void tb_explain_macvtap(const struct tb_policy *pol,
			       const struct tb_who *who,
			       const struct tb_explain *e,
			       struct tb_decision *d)
{
	int mode = e->mode ? tb_macvtap_mode(e->mode) : TB_MODE_VEPA;

	if (!mode)
		tb_usage_exit(
			"--mode %s: vepa, bridge, private, passthru or source",
			e->mode);
	tb_policy_decide_macvtap(pol, who, e->lower, mode, d);
	if (d->allow && e->mtu)
		tb_policy_decide_mtu(pol, who, e->lower, (unsigned int)e->mtu,
				     d);
}

/* Bridge, then adopt, VLANs and MTU: the broker's order, its functions. */
static void tb_explain_bridge(const struct tb_policy *pol,
			      const struct tb_who *who,
			      const struct tb_explain *e, struct tb_decision *d)
{
	struct tb_vlan_set tagged = {0};
	char why[128];

	tb_policy_decide_bridge(pol, who, e->bridge, d);
	if (d->allow && e->adopt)
		tb_policy_decide_adopt(pol, who, e->adopt, d);
	if (e->trunk && tb_vlan_parse(e->trunk, &tagged, why, sizeof(why)))
		tb_usage_exit("--trunk: %s", why);
	if (d->allow && (e->vlan || e->trunk))
		tb_policy_decide_vlan(pol, who, e->bridge,
				      (unsigned int)e->vlan,
				      e->trunk ? &tagged : NULL, d);
	if (d->allow && e->mtu)
		tb_policy_decide_mtu(pol, who, e->bridge, (unsigned int)e->mtu,
				     d);
}

static void tb_explain_decide(const struct tb_policy *pol,
			      const struct tb_who *who,
			      const struct tb_explain *e, struct tb_decision *d)
{
	struct tb_routed_ask ask = {e->addrs,	   e->naddrs,
				    e->tables,	   e->ntables,
				    e->has_metric, (uint32_t)e->metric};
	uint32_t metric;

	if (e->lower)
		tb_explain_macvtap(pol, who, e, d);
	else if (e->naddrs)
		tb_policy_decide_routed(pol, who, &ask, &metric, d);
	else
		tb_explain_bridge(pol, who, e, d);
	if (!e->lower && e->naddrs && e->proxy && d->allow)
		tb_policy_decide_proxy(pol, who, e->proxy, e->addrs, e->naddrs,
				       d);
}

/* What bounds an allowed user: how many taps, how many queues each. */
static void tb_explain_limits(const struct tb_policy *pol,
			      const struct tb_who *who)
{
	struct tb_quota q;
	struct tb_queues qs;

	tb_policy_quota(pol, who, &q);
	tb_policy_queues(pol, who, &qs);
	printf("quota: %u tap%s at once, set by %s\n", q.limit,
	       q.limit == 1 ? "" : "s", q.source);
	printf("queues: at most %u per tap (launcher mode), set by %s\n",
	       qs.limit, qs.source);
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
	if (tb_ifname_check(e.bridge  ? e.bridge
			    : e.lower ? e.lower
				      : "lo",
			    why, sizeof(why)) ||
	    (e.proxy && tb_ifname_check(e.proxy, why, sizeof(why)))) {
		fprintf(stderr, "tapbroker explain: interface name %s\n", why);
		return 2;
	}
	if (tb_policy_load(e.config, e.qemu_acl, &pol, &diag)) {
		fputs(diag.text, stderr);
		fprintf(stderr,
			"tapbroker explain: policy refused (%u error%s)\n",
			diag.count, diag.count == 1 ? "" : "s");
		return 2;
	}
	tb_explain_decide(pol, &who, &e, &d);
	printf("%s\nreason: %s\nrule: %s\n", d.allow ? "allow" : "deny",
	       d.reason, d.rule[0] ? d.rule : "(none: default deny)");
	if (d.allow)
		tb_explain_limits(pol, &who);
	tb_policy_free(pol);
	return d.allow ? 0 : 1;
}
