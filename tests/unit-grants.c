// SPDX-License-Identifier: GPL-2.0-or-later
/* tb_policy_grants(): every allow rule's bridges, lowers, prefixes, tables. */
#include <sys/socket.h>

#include "fixture.h"
#include "prefix.h"
#include "tap.h"

/* Each grant as one line: "KIND NAME-or-VALUE FILE-LINE". */
static void collect(void *arg, const struct tb_grant *g)
{
	static const char *const kinds[] = {"bridge", "lower", "prefix",
					    "table", "proxy"};
	char *out = arg, val[TB_PREFIX_STR_MAX];
	size_t n = strlen(out);

	if (g->kind == TB_GRANT_PREFIX)
		tb_prefix_format(g->prefix, val, sizeof(val));
	else if (g->kind == TB_GRANT_TABLE)
		snprintf(val, sizeof(val), "%u", g->table);
	else if (g->kind == TB_GRANT_LOWER)
		snprintf(val, sizeof(val), "%s/%#x", g->name, g->modes);
	else
		snprintf(val, sizeof(val), "%s", g->name);
	snprintf(out + n, 2048 - n, "%s %s :%d\n", kinds[g->kind], val,
		 g->line);
}

static void test_grants(void)
{
	struct tb_policy *pol;
	struct tb_diag diag;
	char out[2048] = "";
	int allow;

	fx_write(
		"g.conf",
		"allow \"lab\" {\n"
		"\tusers = { \"nobody\" }\n"
		"\tbridges = { \"br0\", \"br1\" }\n"
		"\tmacvtap = { \"eth1\" }\n"
		"\tmacvtap_modes = { \"bridge\" }\n"
		"}\n"
		"deny \"no\" { users = { \"nobody\" } bridges = { \"br9\" } }\n"
		"allow \"r\" { users = { \"nobody\" }\n"
		"\trouted = { \"10.50.0.0/24\", \"2001:db8::/64\" }\n"
		"\tproxy = { \"up0\" } }\n"
		"allow \"t\" { users = { \"nobody\" }\n"
		"\trouted = { \"10.60.0.0/24\" } tables = { \"100\", \"main\" } }\n",
		0644);
	pol = fx_load("g.conf", NULL, &diag);
	ok(pol != NULL, "the policy loads");
	if (!pol)
		return;
	tb_policy_grants(pol, collect, out);
	fx_decide(pol, 65534, 65534, NULL, 0, "nobody", "br9", &allow);
	is_int(allow, 0, "br9 is denied, and listed as no grant below");
	is_str(out,
	       "bridge br0 :1\nbridge br1 :1\nlower eth1/0x4 :1\n"
	       "prefix 10.50.0.0/24 :8\nprefix 2001:db8::/64 :8\n"
	       "table 254 :8\nproxy up0 :8\n"
	       "prefix 10.60.0.0/24 :11\ntable 100 :11\ntable 254 :11\n",
	       "allow rules only, in order; routed without tables: main");
	tb_policy_free(pol);
}

static void test_qemu_all(void)
{
	struct tb_policy *pol;
	struct tb_diag diag;
	char out[2048] = "";

	fx_write("bridge.conf", "allow all\nallow br5\ndeny br6\n", 0644);
	pol = fx_load(NULL, "bridge.conf", &diag);
	ok(pol != NULL, "%s", fx_fmt("a qemu ACL loads: %s", "bridge.conf"));
	if (!pol)
		return;
	tb_policy_grants(pol, collect, out);
	is_str(out, "bridge br5 :2\n",
	       "qemu ACL: allow all names nothing, deny lines are left out");
	tb_policy_free(pol);
}

/* Each warning of tb_policy_warnings() as one line. */
static void warned(void *arg, const char *line)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 4096 - n, "%s\n", line);
}

/* Loads @text as s.conf, returns its warnings (or "not loaded"). */
static const char *warnings(const char *text)
{
	static char out[4096];
	struct tb_policy *pol;
	struct tb_diag diag;

	out[0] = '\0';
	fx_write("s.conf", text, 0644);
	pol = fx_load("s.conf", NULL, &diag);
	if (!pol)
		return "not loaded";
	tb_policy_warnings(pol, warned, out);
	tb_policy_free(pol);
	return out;
}

#define TB_SPOOF \
	" without guard = yes: their VMs can spoof each other; add guard = yes\n"

static void test_shared(void)
{
	const char *at = fx_path("s.conf");

	is_str(warnings(
		       "allow \"a\" { users = { \"4242\" } bridges = { \"br0\" } }\n"
		       "allow \"b\" { users = { \"4243\", \"4242\" } bridges = { \"br0\", \"br1\" } }\n"),
	       fx_fmt("bridge br0 is shared by users uid 4242, uid 4243 (%s:1, %s:2)" TB_SPOOF
		      "bridge br1 is shared by users uid 4243, uid 4242 (%s:2)" TB_SPOOF,
		      at, at, at),
	       "two rules share br0 without guard: warned, each user once, both rules named; br1 (one rule, two users) warned too");
	is_str(warnings(
		       "allow \"a\" { users = { \"4242\" } bridges = { \"br0\" } guard = yes }\n"
		       "allow \"b\" { users = { \"4243\" } bridges = { \"br0\" } guard = yes }\n"
		       "allow \"c\" { users = { \"4244\" } bridges = { \"br1\", \"br2\" } }\n"),
	       "",
	       "every sharing rule guarded, or one user per bridge: no warning");
	is_str(warnings(
		       "allow \"a\" { users = { \"4242\" } bridges = { \"br0\" } guard = yes }\n"
		       "allow \"b\" { users = { \"4243\" } bridges = { \"br0\" } }\n"),
	       fx_fmt("bridge br0 is shared by users uid 4242, uid 4243 (%s:2)" TB_SPOOF,
		      at),
	       "a guarded user beside an unguarded one: warned, the unguarded rule named");
	is_str(warnings(
		       "allow \"g\" { groups = { \"4250\" } bridges = { \"br5\" } }\n"),
	       fx_fmt("bridge br5 is shared by group 4250 (%s:1)" TB_SPOOF, at),
	       "a group: warned");
	is_str(warnings(
		       "allow \"g\" { groups = { \"4250\" } bridges = { \"all\" } guard = yes }\n"),
	       "", "a guarded group on every bridge: no warning");
}

int main(void)
{
	fx_init();
	test_grants();
	test_qemu_all();
	test_shared();
	fx_cleanup();
	return done_testing();
}
