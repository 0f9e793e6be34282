// SPDX-License-Identifier: GPL-2.0-or-later
/* qemu's bridge.conf read with qemu's meaning, and strict about errors. */
#include "fixture.h"
#include "tap.h"

static struct tb_diag diag;

/* Decides @bridge for user nobody under the ACL file @acl. */
static int allowed(const struct tb_policy *pol, const char *bridge,
		   const char **reason)
{
	int allow;
	const char *r =
		fx_decide(pol, 65534, 65534, NULL, 0, "nobody", bridge, &allow);

	if (reason)
		*reason = r;
	return allow;
}

static void test_qemu_meaning(void)
{
	struct tb_policy *pol;
	const char *r;

	fx_write("bridge.conf",
		 "# qemu's own example\n"
		 "allow br0\n"
		 "\n"
		 "   allow\tbr1   \n"
		 "deny br1\n"
		 "include other.conf\n",
		 0644);
	fx_write("other.conf", "#\nallow br2\n", 0644);
	pol = fx_load(NULL, "bridge.conf", &diag);
	ok(pol != NULL, "a qemu bridge.conf loads");
	if (!pol) {
		printf("# %s", diag.text);
		return;
	}
	ok(allowed(pol, "br0", &r), "allow br0: any user gets br0");
	is_str(r,
	       fx_fmt("bridge br0 allowed for user nobody by %s:2 (allow br0)",
		      fx_path("bridge.conf")),
	       "the grant names the ACL line");
	ok(!allowed(pol, "br1", &r), "deny br1 wins over allow br1");
	is_str(r,
	       fx_fmt("bridge br1 is denied by %s:5 (deny br1)",
		      fx_path("bridge.conf")),
	       "the denial names the deny line");
	ok(allowed(pol, "br2", &r), "an included file's allow applies");
	like(r, "other.conf:2 (allow br2)", "... named in the included file");
	ok(!allowed(pol, "br3", &r), "anything else: default deny");
	like(r, "(allowed: br0, br2)", "... listing what the ACL allows");
	tb_policy_free(pol);
}

static void test_all(void)
{
	struct tb_policy *pol;
	const char *r;

	fx_write("all.conf", "allow all\ndeny br-mgmt\n", 0644);
	pol = fx_load(NULL, "all.conf", &diag);
	ok(pol && allowed(pol, "anything", NULL),
	   "allow all grants any bridge");
	ok(pol && !allowed(pol, "br-mgmt", NULL), "... except a denied one");
	tb_policy_free(pol);
	fx_write("denyall.conf", "allow br0\ndeny all\n", 0644);
	pol = fx_load(NULL, "denyall.conf", &diag);
	ok(pol && !allowed(pol, "br0", &r), "deny all beats allow br0");
	like(pol ? r : "", ":2 (deny all)", "... and says deny all");
	tb_policy_free(pol);
}

static void test_with_policy(void)
{
	struct tb_policy *pol;
	const char *r;
	int allow;

	fx_write("acl.conf", "deny br9\nallow br5\n", 0644);
	fx_write(
		"pol.conf",
		"allow \"vm\" { users = { \"nobody\" } bridges = { \"br9\", \"br0\" } }\n",
		0644);
	pol = fx_load("pol.conf", "acl.conf", &diag);
	ok(pol != NULL, "policy and qemu ACL load together");
	if (!pol)
		return;
	r = fx_decide(pol, 65534, 65534, NULL, 0, "nobody", "br9", &allow);
	is_int(allow, 0, "the ACL's deny beats the policy's allow");
	is_str(r,
	       fx_fmt("bridge br9 is denied by %s:1 (deny br9)",
		      fx_path("acl.conf")),
	       "... naming the ACL line");
	fx_decide(pol, 0, 0, NULL, 0, "root", "br5", &allow);
	is_int(allow, 1, "the ACL's allow applies to every user");
	tb_policy_free(pol);
}

struct bad_case {
	const char *name, *text, *want;
};

static const struct bad_case bad_cases[] = {
	{"unknown command", "# x\nallow br0\npermit br1\n",
	 "bad.acl:3: unknown command 'permit' (a qemu bridge.conf line is allow, deny or include)\n"},
	{"allow without a bridge", "allow\n",
	 "bad.acl:1: 'allow' needs a bridge: allow BRIDGE, or allow all\n"},
	{"two words", "deny br0 br1\n",
	 "bad.acl:1: bridge name 'br0 br1' contains a space\n"},
	{"long name", "allow sixteen-chars-xx\n",
	 "bad.acl:1: bridge name 'sixteen-chars-xx' is longer than 15 bytes"},
	{"control byte", "allow b\033r\n", "bad.acl:1: bridge name 'b\\x1br'"},
	{"include loop", "\ninclude bad.acl\n",
	 "bad.acl:2: " /* the file itself */},
	{"missing include", "include /nonexistent/x.conf\n",
	 "bad.acl:1: /nonexistent/x.conf: cannot open: No such file or directory\n"},
	{"include without file", "include\n",
	 "bad.acl:1: 'include' needs a file"},
};

static void test_errors(void)
{
	struct tb_policy *pol;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];

		fx_write("bad.acl", c->text, 0644);
		pol = fx_load(NULL, "bad.acl", &diag);
		ok(pol == NULL, "%s: refused", c->name);
		like(diag.text, c->want,
		     fx_fmt("%s: says where and why", c->name));
		tb_policy_free(pol);
	}
	fx_write("bad.acl", "foo\nallow\ndeny a/b\n", 0644);
	ok(fx_load(NULL, "bad.acl", &diag) == NULL && diag.count == 3,
	   "three bad lines: three errors");
	fx_write("ok.acl", "# only comments\n\n   \n", 0644);
	pol = fx_load(NULL, "ok.acl", &diag);
	ok(pol != NULL, "comments and blank lines only: loads");
	tb_policy_free(pol);
}

int main(void)
{
	fx_init();
	test_qemu_meaning();
	test_all();
	test_with_policy();
	test_errors();
	fx_cleanup();
	return done_testing();
}
