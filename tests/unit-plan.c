// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the plan (policy/plan.c), its order, its printer, its keys. */

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fields.h"
#include "fixture.h"
#include "policy.h"
#include "tap.h"

#define NOBODY 65534

static const struct tb_who nobody = {NOBODY, NOBODY, NULL, 0, "nobody"};

static struct tb_policy *load_text(const char *text)
{
	struct tb_diag diag;

	fx_write("p.conf", text, 0644);
	return fx_load("p.conf", NULL, &diag);
}

static void plan_of(const struct tb_policy *pol, const struct tb_request *req,
		    struct tb_plan *p)
{
	tb_policy_plan(pol, &nobody, req, p);
}

/* Every list key: "KEY = { }" is refused at load, with FILE:LINE. */
static void test_empty_lists(void)
{
	static const char *const keys[] = {
		"users",	 "groups", "bridges", "macvtap",
		"macvtap_modes", "vlans",  "routed",  "addresses",
		"gateways",	 "adopt",  "tables",  "proxy",
	};
	struct tb_policy *pol;
	struct tb_diag diag;
	char text[512];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(
			text, sizeof(text),
			"allow \"a\" {\n users = { \"nobody\" }\n bridges = { \"br0\" }\n %s = { }\n}\n",
			keys[i]);
		if (!strcmp(keys[i], "users") || !strcmp(keys[i], "bridges"))
			snprintf(
				text, sizeof(text),
				"allow \"a\" {\n groups = { \"nogroup\" }\n macvtap = { \"eth0\" }\n %s = { }\n}\n",
				keys[i]);
		fx_write("e.conf", text, 0644);
		ok(!fx_load("e.conf", NULL, &diag), "%s = { } is refused",
		   keys[i]);
		like(diag.text,
		     fx_fmt("e.conf:4: %s = { } grants nothing; remove the key for its default, or list what it grants",
			    keys[i]),
		     "... with FILE:LINE and the fix");
	}
	fx_write("e.conf", "admin_groups = { }\n", 0644);
	ok(!fx_load("e.conf", NULL, &diag), "admin_groups = { } is refused");
	fx_write(
		"e.conf",
		"allow \"a\" { users = { \"nobody\" } bridges = { \"br0\" } }\n",
		0644);
	pol = fx_load("e.conf", NULL, &diag);
	ok(pol != NULL, "... while a section's own { } braces are fine");
	tb_policy_free(pol);
}

/* One parser per field: the table rule is the same everywhere. */
static void test_fields(void)
{
	uint32_t t, tables[TB_TABLES];
	size_t n;
	char why[160];
	uint8_t mac[6];

	ok(tb_table_parse("0", &t, why, sizeof(why)), "table 0 refused");
	ok(tb_table_parse("253", &t, why, sizeof(why)), "table 253 refused");
	ok(tb_table_parse("255", &t, why, sizeof(why)), "table 255 refused");
	ok(!tb_table_parse("main", &t, why, sizeof(why)) && t == 254,
	   "main is 254");
	ok(tb_tables_parse("1,2,3,4,5,6,7,8,9", tables, &n, why, sizeof(why)),
	   "more than TB_TABLES refused");
	like(why, "more than 8 tables", "... saying so");
	ok(tb_tables_parse("100,100", tables, &n, why, sizeof(why)),
	   "a table twice refused");
	ok(!tb_mac_parse("52:54:00:12:34:56", mac, why, sizeof(why)),
	   "a unicast MAC parses");
	ok(tb_mac_parse("ff:ff:ff:ff:ff:ff", mac, why, sizeof(why)),
	   "broadcast refused");
	ok(tb_mac_parse("52:54:00:12:34:5g", mac, why, sizeof(why)),
	   "a non-hex digit refused");
}

/* The case: one fixed order, so adopt is named before the MTU. */
static void test_order(void)
{
	struct tb_policy *pol = load_text(
		"allow \"lab\" { users = { \"nobody\" } bridges = { \"br0\" } mtu = \"1500\" }\n");
	struct tb_request req = {.mtu = 9000};
	struct tb_plan p;

	snprintf(req.bridge, sizeof(req.bridge), "br0");
	snprintf(req.adopt, sizeof(req.adopt), "tapY");
	plan_of(pol, &req, &p);
	ok(!p.d.allow, "mtu 9000 and an adopt not granted: refused");
	like(p.d.reason, "adopting tapY is not allowed",
	     "... by adopt, the step before the MTU");
	req.adopt[0] = '\0';
	plan_of(pol, &req, &p);
	like(p.d.reason, "MTU 9000 on bridge br0 is above the ceiling of 1500",
	     "without adopt: the MTU ceiling");
	tb_policy_free(pol);
}

static void routed_req(struct tb_request *req, const char *addrs,
		       const char *gw)
{
	memset(req, 0, sizeof(*req));
	req->flags = TB_F_ROUTED;
	snprintf(req->addrs, sizeof(req->addrs), "%s", addrs);
	snprintf(req->tables, sizeof(req->tables), "100");
	snprintf(req->gateway, sizeof(req->gateway), "%s", gw);
}

/* Issue 11 items 2 and 5: gateways and routed denies, by the policy. */
static void test_routed_holes(void)
{
	struct tb_policy *pol = load_text(
		"allow \"r\" { users = { \"nobody\" } addresses = { \"10.0.5.0/24\" }\n"
		" tables = { \"100\" } gateways = { \"169.254.0.0/16\" } mtu = \"1400\" }\n"
		"deny \"d\" { users = { \"nobody\" } routed = { \"10.0.5.3\" } }\n");
	struct tb_request req;
	struct tb_plan p;

	ok(pol != NULL, "addresses, gateways and a routed deny load");
	routed_req(&req, "10.0.5.0/30", "");
	plan_of(pol, &req, &p);
	ok(!p.d.allow, "a prefix wider than a denied address: refused");
	like(p.d.reason, "address 10.0.5.0/30 is denied to user nobody by",
	     "... naming the deny");
	routed_req(&req, "10.0.5.3", "");
	plan_of(pol, &req, &p);
	ok(!p.d.allow, "the denied address itself: refused");
	routed_req(&req, "10.0.5.4/30", "");
	plan_of(pol, &req, &p);
	ok(p.d.allow, "a prefix beside the denied one: allowed");
	is_int(p.mtu, 1400, "routed: the MTU defaults within the ceiling");
	routed_req(&req, "10.0.5.5", "10.99.0.50/32");
	plan_of(pol, &req, &p);
	ok(!p.d.allow, "--gateway=10.99.0.50/32 (a LAN peer's): refused");
	like(p.d.reason, "gateway 10.99.0.50/32 is not within the addresses",
	     "... saying so");
	routed_req(&req, "10.0.5.5", "200.0.0.1/1");
	plan_of(pol, &req, &p);
	ok(!p.d.allow, "--gateway=200.0.0.1/1: refused (prefix length counts)");
	routed_req(&req, "10.0.5.5", "10.0.5.129/25");
	plan_of(pol, &req, &p);
	ok(p.d.allow && !p.gateway_shared,
	   "a gateway within the addresses: allowed, exclusive");
	routed_req(&req, "10.0.5.5", "169.254.0.1");
	plan_of(pol, &req, &p);
	ok(p.d.allow && p.gateway_shared,
	   "a gateway from gateways = { }: allowed, shared");
	routed_req(&req, "10.0.5.5", "");
	req.mtu = 9000;
	plan_of(pol, &req, &p);
	ok(!p.d.allow, "routed: an MTU above the ceiling is refused");
	like(p.d.reason,
	     "MTU 9000 on a routed tap is above the ceiling of 1400",
	     "... naming the rule's ceiling");
	tb_policy_free(pol);
}

/* The guard's keys: guard needs --mac; addresses in bridged mode. */
static void test_guard(void)
{
	struct tb_policy *pol = load_text(
		"allow \"g\" { users = { \"nobody\" } bridges = { \"br0\" }\n"
		" guard = yes router = no addresses = { \"10.9.0.0/24\" } }\n"
		"allow \"o\" { users = { \"nobody\" } bridges = { \"br1\" } router = yes }\n");
	struct tb_request req = {0};
	struct tb_plan p;

	ok(pol != NULL, "guard, router and addresses load");
	snprintf(req.bridge, sizeof(req.bridge), "br0");
	plan_of(pol, &req, &p);
	ok(!p.d.allow, "a guarded bridge without --mac: refused");
	like(p.d.reason, "add --mac=MAC, the guest NIC's MAC as given to QEMU",
	     "... saying what to add");
	snprintf(req.mac, sizeof(req.mac), "52:54:00:12:34:56");
	snprintf(req.addrs, sizeof(req.addrs), "10.9.0.7");
	plan_of(pol, &req, &p);
	ok(p.d.allow && p.guard && !p.router && p.has_mac && p.naddrs == 1,
	   "with --mac and a granted address: allowed, guarded");
	snprintf(req.addrs, sizeof(req.addrs), "10.10.0.7");
	plan_of(pol, &req, &p);
	ok(!p.d.allow, "a bridged address outside the grants: refused");
	memset(&req, 0, sizeof(req));
	snprintf(req.bridge, sizeof(req.bridge), "br1");
	plan_of(pol, &req, &p);
	ok(p.d.allow && !p.guard && p.router, "router = yes is in the plan");
	tb_policy_free(pol);
	fx_write(
		"g.conf",
		"deny \"g\" { users = { \"nobody\" } bridges = { \"br0\" } guard = yes }\n",
		0644);
	ok(!load_text(
		   "deny \"g\" { users = { \"nobody\" } bridges = { \"br0\" } guard = yes }\n"),
	   "guard in a deny rule: refused");
}

/* ---- generated (policy, request, caller) triples ---------------------- */

static unsigned int rnd_state = 12345;

static unsigned int rnd(unsigned int n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) % n;
}

static const char *pick(const char *const *v, unsigned int n)
{
	return v[rnd(n)];
}

/* A random policy from a pool of rule shapes. */
static void gen_policy(char *text, size_t len)
{
	static const char *const mtus[] = {"", " mtu = \"1500\"",
					   " mtu = \"9000\""};
	static const char *const extras[] = {
		"", " vlans = { \"10-20\" }",
		" vlans = { \"10-20\" } trunk = yes", " adopt = { \"tapA\" }"};
	size_t used = 0;

	used += (size_t)snprintf(
		text + used, len - used,
		"allow \"a\" { users = { \"nobody\" } bridges = { \"br0\", \"br1\" }%s%s }\n",
		pick(mtus, 3), pick(extras, 4));
	if (rnd(2))
		used += (size_t)snprintf(
			text + used, len - used,
			"deny \"d\" { groups = { \"nogroup\" } bridges = { \"br1\" } }\n");
	used += (size_t)snprintf(
		text + used, len - used,
		"allow \"m\" { users = { \"nobody\" } macvtap = { \"eth0\" } macvtap_modes = { \"vepa\", \"bridge\" }%s }\n",
		pick(mtus, 3));
	used += (size_t)snprintf(
		text + used, len - used,
		"allow \"r\" { users = { \"nobody\" } routed = { \"10.0.0.0/24\" } tables = { \"100\" } metrics = \"100-200\"%s }\n",
		pick(mtus, 3));
	if (rnd(2))
		snprintf(
			text + used, len - used,
			"deny \"rd\" { users = { \"nobody\" } routed = { \"10.0.0.8/29\" } }\n");
}

/* A random request, well formed or not. */
static void gen_request(struct tb_request *req)
{
	static const char *const bridges[] = {"br0", "br1", "br9", "b/x"};
	static const char *const adopts[] = {"", "", "tapA", "tapB"};
	static const char *const lowers[] = {"eth0", "eth1"};
	static const char *const modes[] = {"", "bridge", "private", "fast"};
	static const char *const addrs[] = {"10.0.0.5",		 "10.0.0.8/30",
					    "10.0.0.0/28",	 "10.1.0.1",
					    "10.0.0.5,10.0.0.6", "10.0.0.1/24"};
	static const char *const tables[] = {"", "100", "main", "0"};
	static const unsigned int mtus[] = {0, 1400, 1500, 9000, 40};
	static const unsigned int vlans[] = {0, 0, 15, 30, 5000};
	unsigned int kind = rnd(3);

	memset(req, 0, sizeof(*req));
	req->mtu = mtus[rnd(5)];
	if (kind == 0) {
		snprintf(req->bridge, sizeof(req->bridge), "%s",
			 pick(bridges, 4));
		snprintf(req->adopt, sizeof(req->adopt), "%s", pick(adopts, 4));
		req->vlan = vlans[rnd(5)];
		if (rnd(3) == 0)
			snprintf(req->trunk, sizeof(req->trunk), "12,14");
	} else if (kind == 1) {
		snprintf(req->lower, sizeof(req->lower), "%s", pick(lowers, 2));
		snprintf(req->mode, sizeof(req->mode), "%s", pick(modes, 4));
	} else {
		req->flags = TB_F_ROUTED;
		snprintf(req->addrs, sizeof(req->addrs), "%s", pick(addrs, 6));
		snprintf(req->tables, sizeof(req->tables), "%s",
			 pick(tables, 4));
		if (rnd(2)) {
			req->flags |= TB_F_METRIC;
			req->metric = rnd(2) ? 150 : 50;
		}
	}
	req->queues = rnd(4) == 0 ? 12 : 0;
}

/* What `explain` prints for @p: its verdict and reason lines. */
static void printed(const struct tb_plan *p, char *verdict, char *reason)
{
	char *buf = NULL, *nl;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	tb_plan_print(p, f);
	fclose(f);
	nl = strchr(buf, '\n');
	snprintf(verdict, 16, "%.*s", (int)(nl - buf), buf);
	snprintf(reason, TB_REASON_MAX + 8, "%.*s",
		 (int)(strchr(nl + 1, '\n') - nl - 1), nl + 1);
	free(buf);
}

/*
 * The reference: the documented order, step by step, with the policy's
 * single decisions (only for well-formed requests without queues).
 */
static int reference(const struct tb_policy *pol, const struct tb_request *r,
		     struct tb_plan *ref, struct tb_decision *d)
{
	struct tb_vlan_set tagged = {0};
	char why[128];

	if (r->queues || ref->err == -EINVAL)
		return 0;
	if (r->lower[0]) {
		tb_policy_decide_macvtap(
			pol, &nobody, r->lower,
			tb_macvtap_mode(r->mode[0] ? r->mode : "vepa"), d);
		if (d->allow && r->mtu)
			tb_policy_decide_mtu_lower(pol, &nobody, r->lower,
						   r->mtu, d);
		return 1;
	}
	if (r->flags & TB_F_ROUTED)
		return 0; /* routed: compared by verdict below */
	tb_policy_decide_bridge(pol, &nobody, r->bridge, d);
	if (d->allow && r->adopt[0])
		tb_policy_decide_adopt(pol, &nobody, r->adopt, d);
	if (r->trunk[0])
		tb_vlan_parse(r->trunk, &tagged, why, sizeof(why));
	if (d->allow && (r->vlan || r->trunk[0]))
		tb_policy_decide_vlan(pol, &nobody, r->bridge, r->vlan,
				      r->trunk[0] ? &tagged : NULL, d);
	if (d->allow && r->mtu)
		tb_policy_decide_mtu(pol, &nobody, r->bridge, r->mtu, d);
	return 1;
}

static void test_generated(void)
{
	char text[2048], verdict[16], reason[TB_REASON_MAX + 8];
	unsigned int agree = 0, ref_agree = 0, refs = 0, cases = 0;
	struct tb_request req;
	struct tb_decision d;
	struct tb_plan p;

	for (int i = 0; i < 60; i++) {
		struct tb_policy *pol;

		gen_policy(text, sizeof(text));
		if (!(pol = load_text(text)))
			continue;
		for (int j = 0; j < 40; j++, cases++) {
			gen_request(&req);
			plan_of(pol, &req, &p);
			printed(&p, verdict, reason);
			agree += !strcmp(verdict,
					 p.d.allow ? "allow" : "deny") &&
				 !strncmp(reason, "reason: ", 8) &&
				 !strcmp(reason + 8, p.d.reason);
			if (!reference(pol, &req, &p, &d))
				continue;
			refs++;
			if (d.allow == p.d.allow &&
			    (d.allow || !strcmp(d.reason, p.d.reason)))
				ref_agree++;
			else
				printf("# differ: %s\n#   plan: %s\n#   ref:  %s\n",
				       text, p.d.reason, d.reason);
		}
		tb_policy_free(pol);
	}
	is_int(agree, cases,
	       "explain's printer states each plan's verdict and reason");
	is_int(ref_agree, refs,
	       "each plan agrees with the documented order of single decisions");
	ok(refs > 500, "... over %u generated cases", refs);
}

int main(void)
{
	fx_init();
	test_empty_lists();
	test_fields();
	test_order();
	test_routed_holes();
	test_guard();
	test_generated();
	fx_cleanup();
	return done_testing();
}
