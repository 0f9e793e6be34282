// SPDX-License-Identifier: GPL-2.0-or-later
/* `tapbroker explain`: the options into a request, its plan printed. */
#include "broker.h"

#include <errno.h>
#include <stddef.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

#define TB_EXPLAIN_GROUPS_MAX 256

struct tb_explain {
	const char *config, *qemu_acl, *user;
	struct tb_request req; /* what the helper would send */
	const char *groups[TB_EXPLAIN_GROUPS_MAX];
	size_t ngroups;
};

static const char tb_explain_usage[] =
	"Usage: tapbroker explain [--config FILE] [--qemu-acl FILE] --user NAME|UID\n"
	"                         [--group NAME|GID ...] --bridge BRIDGE\n"
	"                         [--vlan N] [--trunk LIST] [--mtu N] [--adopt TAP]\n"
	"       tapbroker explain ... --user U --macvtap LOWER [--mode M] [--mtu N]\n"
	"       tapbroker explain ... --user U --address ADDR ... [--table T ...]\n"
	"                         [--metric M] [--gateway ADDR[/LEN]] [--proxy UPLINK]\n"
	"       any of them: [--mac MAC] [--vm NAME] [--queues N]; a bridge or\n"
	"       macvtap with --address names the guest's addresses (the guard)\n"
	"\n"
	"Prints the policy's plan for the request, the one the broker carries\n"
	"out: allow or deny, the reason the broker gives, the deciding rule,\n"
	"then every grant and the rule that set it.  Without --group, the\n"
	"user's groups come from the system, as SO_PEERGROUPS would report them.\n"
	"Exit: 0 allow, 1 deny, 2 usage or policy error, or a malformed request.\n";

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
	return tb_number_parse(s, 0xfffffffeUL, id) ? -EINVAL : 0;
}

static unsigned int tb_explain_number(const char *opt, const char *v)
{
	unsigned long n;

	if (tb_number_parse(v, 0xffffffffUL, &n))
		tb_usage_exit("--%s %s is not a number", opt, v);
	return (unsigned int)n;
}

/* Copies @v into @out (@len bytes) as the helper would, or refuses. */
static void tb_explain_str(const char *opt, const char *v, char *out,
			   size_t len)
{
	if (strlen(v) >= len)
		tb_usage_exit("--%s %.20s... is too long", opt, v);
	snprintf(out, len, "%s", v);
}

/* --address and --table repeat: joined by commas, as the helper does. */
static void tb_explain_append(const char *opt, const char *v, char *list,
			      size_t len)
{
	size_t used = strlen(list);

	if (used + strlen(v) + 2 > len)
		tb_usage_exit("--%s: too many values", opt);
	snprintf(list + used, len - used, "%s%s", used ? "," : "", v);
}

/* The request's string fields each option fills, as the helper does. */
static char *tb_explain_field(struct tb_request *r, int c, size_t *len)
{
	static const struct {
		int c;
		size_t off, len;
	} f[] = {
#define TB_F(ch, field)                          \
	{ch, offsetof(struct tb_request, field), \
	 sizeof(((struct tb_request *)0)->field)}
		TB_F('b', bridge),  TB_F('L', lower), TB_F('M', mode),
		TB_F('T', trunk),   TB_F('A', adopt), TB_F('P', proxy),
		TB_F('G', gateway), TB_F('C', mac),   TB_F('N', label),
#undef TB_F
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].c == c) {
			*len = f[i].len;
			return (char *)r + f[i].off;
		}
	return NULL;
}

static void tb_explain_opt(struct tb_explain *e, int c, const char *v,
			   const char *name)
{
	struct tb_request *r = &e->req;
	size_t len;
	char *field = tb_explain_field(r, c, &len);

	if (field) {
		tb_explain_str(name, v, field, len);
		return;
	}
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
	case 'm':
		r->mtu = tb_explain_number(name, v);
		break;
	case 'v':
		r->vlan = tb_explain_number(name, v);
		break;
	case 'Q':
		r->queues = tb_explain_number(name, v);
		break;
	case 'r':
		r->metric = tb_explain_number(name, v);
		r->flags |= TB_F_METRIC;
		break;
	case 'a':
		tb_explain_append(name, v, r->addrs, sizeof(r->addrs));
		break;
	case 't':
		tb_explain_append(name, v, r->tables, sizeof(r->tables));
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
		{"gateway", required_argument, NULL, 'G'},
		{"mac", required_argument, NULL, 'C'},
		{"vm", required_argument, NULL, 'N'},
		{"queues", required_argument, NULL, 'Q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, i = -1;

	while ((c = getopt_long(argc, argv, "c:q:u:g:b:m:h", opts, &i)) != -1) {
		for (size_t k = 0; i < 0 && opts[k].name; k++)
			i = opts[k].val == c ? (int)k : -1; /* a short option */
		tb_explain_opt(e, c, optarg, i >= 0 ? opts[i].name : "option");
		i = -1;
	}
	if (optind < argc)
		tb_usage_exit("unexpected argument '%s'", argv[optind]);
	if (!e->user ||
	    (!e->req.bridge[0] && !e->req.lower[0] && !e->req.addrs[0]))
		tb_usage_exit(
			"%s",
			"--user and one of --bridge, --macvtap, --address are required");
	if (!e->req.bridge[0] && !e->req.lower[0])
		e->req.flags |= TB_F_ROUTED; /* addresses alone: a routed tap */
	if (e->req.bridge[0] && e->req.lower[0])
		tb_usage_exit("%s", "--bridge or --macvtap, not both");
	if (!(e->req.flags & TB_F_ROUTED) &&
	    (e->req.proxy[0] || e->req.tables[0] || e->req.gateway[0] ||
	     (e->req.flags & TB_F_METRIC)))
		tb_usage_exit(
			"%s",
			"--proxy, --table, --metric and --gateway are for a routed tap (--address without --bridge or --macvtap)");
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

/*
 * What the broker would read from the kernel for an allowed bridge or
 * macvtap plan, where this process can read it (any user may): whether
 * the device exists, its MTU, and a bridge's VLAN filtering.  Lines start
 * "kernel:", after the plan; the verdict stays the policy's.
 */
static void tb_explain_kernel(const struct tb_plan *plan)
{
	struct tb_bridge_info br;
	struct tb_nl *nl;
	char why[TB_MESSAGE_MAX];
	unsigned int pvid, mtu;
	int filtering, ifindex;

	if (!plan->d.allow || plan->kind == TB_PLAN_ROUTED || !plan->dev[0] ||
	    tb_nl_open(&nl))
		return;
	if (plan->kind == TB_PLAN_MACVTAP) {
		if (tb_nl_link_get(nl, plan->dev, &ifindex, &mtu))
			printf("kernel: lower device %s does not exist here\n",
			       plan->dev);
		else
			printf("kernel: lower device %s, MTU %u\n", plan->dev,
			       mtu);
	} else if (tb_nl_bridge_get(nl, plan->dev, &br, why, sizeof(why))) {
		printf("kernel: %s\n", why);
	} else {
		printf("kernel: bridge %s, MTU %u", plan->dev, br.mtu);
		if (!tb_nl_bridge_vlans(nl, br.ifindex, &filtering, &pvid))
			printf(", VLAN filtering %s", filtering ? "on" : "off");
		putchar('\n');
	}
	tb_nl_close(nl);
}

/**
 * tb_explain_main() - `tapbroker explain ...`: the plan, printed
 *
 * The request is built as the helper builds it, and decided by the one
 * function the broker calls (tb_policy_plan()), so the two cannot
 * disagree.  Of what the broker then reads from the kernel, the device
 * (bridge or lower: exists, MTU, VLAN filtering) is shown after the plan
 * (tb_explain_kernel()); leases held and addresses in use are the
 * broker's to know.
 * Return: the exit status: 0 allow, 1 deny, 2 usage or policy error.
 */
int tb_explain_main(int argc, char **argv)
{
	struct tb_explain e = {0};
	struct tb_who who = {0};
	struct tb_diag diag = {0};
	struct tb_plan plan;
	struct tb_policy *pol;
	gid_t gids[TB_EXPLAIN_GROUPS_MAX];
	char name[256];

	tb_explain_args(argc, argv, &e);
	tb_explain_user(e.user, &who, name, sizeof(name));
	tb_explain_groups(&e, &who, gids, TB_EXPLAIN_GROUPS_MAX);
	if (tb_policy_load(e.config, e.qemu_acl, &pol, &diag)) {
		fputs(diag.text, stderr);
		fprintf(stderr,
			"tapbroker explain: policy refused (%u error%s)\n",
			diag.count, diag.count == 1 ? "" : "s");
		return 2;
	}
	tb_policy_plan(pol, &who, &e.req, &plan);
	tb_plan_print(&plan, stdout);
	tb_explain_kernel(&plan);
	tb_policy_free(pol);
	if (plan.err == -EINVAL) /* malformed: what the broker refuses too */
		return 2;
	return plan.d.allow ? 0 : 1;
}
