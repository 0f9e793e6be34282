// SPDX-License-Identifier: GPL-2.0-or-later
/* The tapbroker policy format: grants, precedence, includes, every error. */
#include "fixture.h"
#include "prefix.h"
#include "tap.h"
#include "vlan.h"

#define NOBODY 65534
#define NOGROUP 65534

static struct tb_diag diag;

/* Loads @conf; on failure prints why (as TAP diagnostics). */
static struct tb_policy *load(const char *conf)
{
	struct tb_policy *pol = fx_load(conf, NULL, &diag);

	if (!pol)
		printf("# %s", diag.text);
	return pol;
}

static void test_allow_and_default_deny(void)
{
	struct tb_policy *pol;
	const char *r;
	int allow;

	fx_write("basic.conf",
		 "# lab machines\n"
		 "allow \"lab\" {\n"
		 "\tusers = { \"nobody\", \"4242\" }\n"
		 "\tbridges = { \"br0\", \"br9k\" }\n"
		 "}\n",
		 0644);
	pol = load("basic.conf");
	ok(pol != NULL, "a simple policy loads");
	if (!pol)
		return;
	r = fx_decide(pol, NOBODY, NOGROUP, NULL, 0, "nobody", "br0", &allow);
	is_int(allow, 1, "nobody may use br0");
	is_str(r,
	       fx_fmt("bridge br0 allowed for user nobody by %s:2 (allow \"lab\")",
		      fx_path("basic.conf")),
	       "the grant names the rule by file:line and title");
	fx_decide(pol, 4242, 4242, NULL, 0, NULL, "br9k", &allow);
	is_int(allow, 1, "a numeric uid matches");
	r = fx_decide(pol, NOBODY, NOGROUP, NULL, 0, "nobody", "br1", &allow);
	is_int(allow, 0, "br1 is not granted");
	is_str(r,
	       fx_fmt("bridge br1 is not allowed for user nobody by %s (allowed: br0, br9k); add it to an allow rule to grant it",
		      fx_path("basic.conf")),
	       "default deny lists what the user may have");
	r = fx_decide(pol, 0, 0, NULL, 0, "root", "br0", &allow);
	is_int(allow, 0, "root is not special");
	is_str(r,
	       fx_fmt("bridge br0 is not allowed for user root by %s (no rule grants user root any bridge)",
		      fx_path("basic.conf")),
	       "default deny when nothing is granted says so");
	r = fx_decide(pol, 777, 777, NULL, 0, NULL, "br0", &allow);
	like(r, "for user uid 777 by",
	     "a user without a name is shown as uid N");
	tb_policy_free(pol);
}

static void test_groups(void)
{
	static const gid_t supp[] = {5, 100};
	struct tb_policy *pol;
	int allow;

	fx_write(
		"groups.conf",
		"allow \"by-name\" { groups = { \"users\" } bridges = { \"br0\" } }\n"
		"allow \"by-gid\" { groups = { \"4000\" } bridges = { \"br1\" } }\n",
		0644);
	pol = load("groups.conf");
	ok(pol != NULL, "a policy with groups loads");
	if (!pol)
		return;
	fx_decide(pol, 1000, 1000, supp, 2, "alice", "br0", &allow);
	is_int(allow, 1, "a supplementary group (users, 100) grants br0");
	fx_decide(pol, 1000, 100, NULL, 0, "alice", "br0", &allow);
	is_int(allow, 1, "the primary group grants br0");
	fx_decide(pol, 1000, 1000, supp, 2, "alice", "br1", &allow);
	is_int(allow, 0, "... but not br1 (gid 4000)");
	fx_decide(pol, 1000, 4000, NULL, 0, "alice", "br1", &allow);
	is_int(allow, 1, "a numeric gid matches");
	fx_decide(pol, 1000, 1000, NULL, 0, "alice", "br0", &allow);
	is_int(allow, 0, "no group, no grant");
	tb_policy_free(pol);
}

static void test_precedence(void)
{
	struct tb_policy *pol;
	const char *r;
	int allow;

	fx_write(
		"prec.conf",
		"deny \"mgmt\" { users = { \"nobody\" } bridges = { \"br-mgmt\" } }\n"
		"allow \"everything\" { users = { \"nobody\" } bridges = { \"all\" } }\n"
		"allow \"again\" { users = { \"nobody\" } bridges = { \"br0\" } }\n"
		"deny \"late\" { groups = { \"nogroup\" } bridges = { \"br2\" } }\n",
		0644);
	pol = load("prec.conf");
	ok(pol != NULL, "a policy with deny rules loads");
	if (!pol)
		return;
	r = fx_decide(pol, NOBODY, NOGROUP, NULL, 0, "nobody", "br-mgmt",
		      &allow);
	is_int(allow, 0, "deny before allow all: denied");
	is_str(r,
	       fx_fmt("bridge br-mgmt is denied to user nobody by %s:1 (deny \"mgmt\")",
		      fx_path("prec.conf")),
	       "the denial names the deny rule");
	fx_decide(pol, NOBODY, NOGROUP, NULL, 0, "nobody", "br2", &allow);
	is_int(allow, 0, "a deny after the allow still wins");
	r = fx_decide(pol, NOBODY, NOGROUP, NULL, 0, "nobody", "br0", &allow);
	is_int(allow, 1, "allow all grants br0");
	like(r, ":2 (allow \"everything\")",
	     "the first matching allow rule is named");
	fx_decide(pol, NOBODY, 1, NULL, 0, "nobody", "br2", &allow);
	is_int(allow, 0,
	       "a deny on a group holds when the process dropped it: the group database still lists the user (issue 11 item 4)");
	tb_policy_free(pol);
}

/* Every load error, with its exact FILE:LINE text. */
struct bad_case {
	const char *name, *text, *want;
};

static const struct bad_case bad_cases[] = {
	{"unknown user",
	 "# comment\n// comment\n/* block\n comment */\n"
	 "allow \"a\" {\n\tusers = { \"nobody\",\n\t\"no-such-user-x\" }\n"
	 "\tbridges = { \"br0\" }\n}\n",
	 "bad.conf:7: unknown user 'no-such-user-x' in allow \"a\" (no such user in the passwd database; give a user name or a numeric uid)\n"},
	{"unknown group",
	 "allow \"a\" { groups = { \"no-such-group-x\" } bridges = { \"br0\" } }\n",
	 "bad.conf:1: unknown group 'no-such-group-x' in allow \"a\""},
	{"bad bridge name",
	 "\n\ndeny \"a\" {\n users = { \"0\" }\n bridges = { \"a/b\" }\n}\n",
	 "bad.conf:5: bridge name 'a/b' in deny \"a\" contains '/'"},
	{"16-byte bridge name",
	 "allow \"a\" { users = { \"0\" } bridges = { \"sixteen-chars-xx\" } }\n",
	 "longer than 15 bytes"},
	{"no users or groups",
	 "\n# x\nallow \"lonely\" {\n bridges = { \"br0\" }\n}\n",
	 "bad.conf:3: allow \"lonely\" names no users or groups: add users = { ... } or groups = { ... }\n"},
	{"no bridges", "allow \"a\" { users = { \"root\" } }\n",
	 "bad.conf:1: allow \"a\" names no bridges: add bridges = { ... } (or { \"all\" }), macvtap = { ... } or addresses = { ... }\n"},
	{"unknown key",
	 "# c\nallow \"a\" {\n users = { \"root\" }\n frobnicate = 1\n}\n",
	 "bad.conf:4: no such option 'frobnicate'"},
	{"unknown section", "alow \"a\" { users = { \"root\" } }\n",
	 "bad.conf:1: no such option 'alow'"},
	{"syntax error",
	 "allow \"a\" {\n users = { \"root\"\n bridges = { \"br0\" }\n}\n",
	 "bad.conf:3: unexpected token 'bridges'"},
	{"key set twice",
	 "allow \"a\" {\n users = { \"root\" }\n bridges = { \"br0\" }\n users = { \"nobody\" }\n}\n",
	 "bad.conf:4: users is set twice (first at line 2); use one list, or += to add to it\n"},
	{"same title twice",
	 "allow \"a\" { users = { \"root\" } bridges = { \"br0\" } }\n"
	 "allow \"a\" { users = { \"nobody\" } bridges = { \"br1\" } }\n",
	 "bad.conf:2: found duplicate title 'a'"},
	{"title with a quote",
	 "allow \"a\\\"b\" { users = { \"root\" } bridges = { \"br0\" } }\n",
	 "bad.conf:1: allow needs a title of 1-63 printable characters"},
	{"missing qemu acl", "\nqemu_acl = \"nope.conf\"\n",
	 "bad.conf:2: " /* then the directory */},
	{"unterminated comment (would hide a deny)",
	 "allow \"a\" { users = { \"0\" } bridges = { \"all\" } }\n/*\n"
	 "deny \"b\" { users = { \"0\" } bridges = { \"br-mgmt\" } }\n",
	 "bad.conf:2: unterminated /* comment: it would run to the end of the file"},
	{"comment glued to a word",
	 "allow \"a\" { users = { \"0\" } bridges = { \"all\" } }\nx/*\n"
	 "deny \"b\" { users = { \"0\" } bridges = { \"br-mgmt\" } }\n",
	 "bad.conf:2: unterminated /* comment"},
	{"unclosed section",
	 "allow \"a\" {\n users = { \"0\" }\n bridges = { \"br0\" }\n",
	 "bad.conf:1: unterminated { ... } section"},
	{"unterminated string (would hide a deny)",
	 "allow \"a\" { users = { \"0\" } bridges = { \"all\" } }\n\"\n"
	 "deny b { users = { 0 } bridges = { br-mgmt } }\n",
	 "bad.conf:2: unterminated string: it would run to the end of the file"},
	{"include missing", "include(\"nope.conf\")\n",
	 "nope.conf: cannot open: No such file or directory"},
};

static void test_bad(const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bad_case *c = &cases[i];
		struct tb_policy *pol;

		fx_write("bad.conf", c->text, 0644);
		pol = fx_load("bad.conf", NULL, &diag);
		ok(pol == NULL, "%s: refused", c->name);
		like(diag.text, c->want,
		     fx_fmt("%s: says where and why", c->name));
		tb_policy_free(pol);
	}
}

static void test_all_errors_at_once(void)
{
	fx_write(
		"many.conf",
		"allow \"a\" {\n users = { \"no-such-user-x\" }\n"
		" groups = { \"no-such-group-x\" }\n bridges = { \"a b\" }\n}\n"
		"deny \"b\" { }\n",
		0644);
	ok(fx_load("many.conf", NULL, &diag) == NULL,
	   "several errors: refused");
	is_int(diag.count, 5, "every error is reported, not just the first");
	like(diag.text, "many.conf:2: unknown user", "... the user (line 2)");
	like(diag.text, "many.conf:3: unknown group", "... the group (line 3)");
	like(diag.text, "many.conf:4: bridge name 'a b'",
	     "... the name (line 4)");
	like(diag.text, "many.conf:6: deny \"b\" names no users",
	     "... the empty rule (line 6)");
}

static void test_file_safety(void)
{
	fx_write("gw.conf", "", 0664);
	ok(fx_load("gw.conf", NULL, &diag) == NULL, "group-writable: refused");
	like(diag.text,
	     "gw.conf: refused: the file is writable by group or others (chmod go-w FILE)",
	     "... and says how to fix it");
	fx_write("ow.conf", "", 0646);
	ok(fx_load("ow.conf", NULL, &diag) == NULL, "world-writable: refused");
	fx_mkdir("adir");
	ok(fx_load("adir", NULL, &diag) == NULL, "a directory: refused");
	like(diag.text, "is not a regular file", "... as not a regular file");
	ok(fx_load("missing.conf", NULL, &diag) == NULL,
	   "missing file: refused");
	like(diag.text, "missing.conf: cannot open: No such file or directory",
	     "... with the errno text");
	fx_write("nul.conf", "allow", 0644);
	{
		FILE *f = fopen(fx_path("nul.conf"), "a");

		fputc('\0', f);
		fclose(f);
	}
	ok(fx_load("nul.conf", NULL, &diag) == NULL, "a NUL byte: refused");
	like(diag.text, "contains a NUL byte", "... as not a text file");
	fx_write("empty.conf", "# nothing granted yet\n", 0644);
	{
		struct tb_policy *pol = fx_load("empty.conf", NULL, &diag);

		ok(pol != NULL,
		   "an empty policy loads (and denies everything)");
		tb_policy_free(pol);
	}
}

static void test_includes(void)
{
	struct tb_policy *pol;
	const char *r;
	int allow;

	fx_mkdir("policy.d");
	fx_mkdir("empty.d");
	fx_write(
		"policy.d/10-a.conf",
		"allow \"a\" { users = { \"nobody\" } bridges = { \"br0\" } }\n",
		0644);
	fx_write(
		"policy.d/20-b.conf",
		"\n\ndeny \"b\" { users = { \"nobody\" } bridges = { \"br0\" } }\n",
		0644);
	fx_write("policy.d/README", "not a policy\n", 0644);
	fx_write("main.conf",
		 "include(\"policy.d/*.conf\")\ninclude(\"empty.d/*.conf\")\n",
		 0644);
	pol = load("main.conf");
	ok(pol != NULL, "a drop-in directory loads, an empty one is fine");
	if (pol) {
		r = fx_decide(pol, NOBODY, NOGROUP, NULL, 0, "nobody", "br0",
			      &allow);
		is_int(allow, 0,
		       "a deny in one drop-in beats an allow in another");
		like(r,
		     fx_fmt("by %s:3 (deny \"b\")",
			    fx_path("policy.d/20-b.conf")),
		     "the deny is named in its own file");
		tb_policy_free(pol);
	}
	fx_write("loop-a.conf", "include(\"loop-b.conf\")\n", 0644);
	fx_write("loop-b.conf", "\ninclude(\"loop-a.conf\")\n", 0644);
	ok(fx_load("loop-a.conf", NULL, &diag) == NULL,
	   "an include loop: refused");
	like(diag.text, "loop-b.conf:2: ", "... at the include that closes it");
	like(diag.text, "include loop", "... called a loop");
	for (int i = 0; i < 10; i++)
		fx_write(fx_fmt("deep%d.conf", i),
			 fx_fmt("include(\"deep%d.conf\")\n", i + 1), 0644);
	fx_write("deep10.conf", "", 0644);
	ok(fx_load("deep0.conf", NULL, &diag) == NULL,
	   "deep includes: refused");
	like(diag.text, "nested deeper than 8", "... with the limit");
}

static void test_example_and_summary(void)
{
	struct tb_policy *pol;
	char sum[256];

	pol = fx_load(NULL, NULL, &diag);
	ok(pol == NULL, "no policy at all: refused");
	like(diag.text, "no policy given", "... and says so");
	fx_write(
		"sum.conf",
		"allow \"a\" { users = { \"nobody\" } bridges = { \"br0\" } }\n"
		"deny \"b\" { users = { \"nobody\" } bridges = { \"br1\" } }\n"
		"qemu_acl = \"sum.acl\"\n",
		0644);
	fx_write("sum.acl", "allow br5\ndeny br6\n", 0644);
	pol = load("sum.conf");
	ok(pol != NULL, "a policy naming a qemu ACL loads");
	if (pol) {
		tb_policy_summary(pol, sum, sizeof(sum));
		is_str(sum,
		       "1 allow and 1 deny rule, 2 qemu ACL lines, 2 files",
		       "the summary counts rules, ACL lines and files");
		tb_policy_free(pol);
	}
	pol = fx_load("sum.conf", "sum.acl", &diag);
	ok(pol != NULL, "the same ACL on the command line too is read once");
	tb_policy_free(pol);
	if (access(TOP_SRCDIR "/examples/policy.conf", R_OK) == 0) {
		memset(&diag, 0, sizeof(diag));
		ok(!tb_policy_load(TOP_SRCDIR "/examples/policy.conf", NULL,
				   &pol, &diag),
		   "examples/policy.conf loads");
		printf("%s", diag.text[0] ? "# " : "");
		printf("%s", diag.text);
		tb_policy_free(pol);
	}
}

static void test_long_allowed_list(void)
{
	char text[8192];
	size_t n = 0;
	struct tb_policy *pol;
	const char *r;
	int allow;

	n += (size_t)snprintf(
		text + n, sizeof(text) - n,
		"allow \"many\" { users = { \"nobody\" } bridges = {");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "%s\"bridge%03d\"", i ? ", " : " ", i);
	snprintf(text + n, sizeof(text) - n, " } }\n");
	fx_write("many-bridges.conf", text, 0644);
	pol = load("many-bridges.conf");
	ok(pol != NULL, "100 bridges in one rule load");
	if (!pol)
		return;
	r = fx_decide(pol, NOBODY, NOGROUP, NULL, 0, "nobody", "br0", &allow);
	ok(strlen(r) < TB_REASON_MAX - 1, "a long allowed list is cut to fit");
	like(r, "bridge000, bridge001", "... beginning with the first ones");
	like(r, "...); add it", "... and marks the cut");
	tb_policy_free(pol);
}

static void test_quota(void)
{
	struct tb_who nobody = {NOBODY, NOGROUP, NULL, 0, "nobody"};
	struct tb_who root = {0, 0, NULL, 0, "root"};
	struct tb_policy *pol;
	struct tb_quota q;

	fx_write(
		"quota.conf",
		"allow \"few\" { users = { \"nobody\" } bridges = { \"br0\" }\n"
		"\tquota = 3 }\n"
		"allow \"more\" { groups = { \"nogroup\" } bridges = { \"br1\" }\n"
		"\tquota = 5 }\n"
		"allow \"root\" { users = { \"root\" } bridges = { \"br0\" } }\n",
		0644);
	pol = load("quota.conf");
	ok(pol != NULL, "a policy with quotas loads");
	if (!pol)
		return;
	tb_policy_quota(pol, &nobody, &q);
	is_int(q.limit, 5, "the largest quota of the matching rules counts");
	is_str(q.source, fx_fmt("%s:3 (allow \"more\")", fx_path("quota.conf")),
	       "... and its rule is named");
	tb_policy_quota(pol, &root, &q);
	is_int(q.limit, TB_QUOTA_DEFAULT, "no quota set: the default");
	is_str(q.source, "the default", "... named as such");
	tb_policy_free(pol);
}

static void test_queues(void)
{
	struct tb_who nobody = {NOBODY, NOGROUP, NULL, 0, "nobody"};
	struct tb_who root = {0, 0, NULL, 0, "root"};
	struct tb_policy *pol;
	struct tb_queues q;

	fx_write(
		"queues.conf",
		"allow \"two\" { users = { \"nobody\" } bridges = { \"br0\" }\n"
		"\tqueues = 2 }\n"
		"allow \"four\" { groups = { \"nogroup\" } bridges = { \"br1\" }\n"
		"\tqueues = 4 }\n"
		"allow \"root\" { users = { \"root\" } bridges = { \"br0\" } }\n",
		0644);
	pol = load("queues.conf");
	ok(pol != NULL, "a policy with queues loads");
	if (!pol)
		return;
	tb_policy_queues(pol, &nobody, &q);
	is_int(q.limit, 4, "the largest queues of the matching rules counts");
	is_str(q.source,
	       fx_fmt("%s:3 (allow \"four\")", fx_path("queues.conf")),
	       "... and its rule is named");
	tb_policy_queues(pol, &root, &q);
	is_int(q.limit, TB_QUEUES_DEFAULT, "no queues set: the default (8)");
	tb_policy_free(pol);
	for (int i = 0; i < 3; i++) {
		static const char *const bad[] = {"0", "17", "many"};

		fx_write(
			"queues.conf",
			fx_fmt("allow \"x\" { users = { \"nobody\" } bridges = { \"br0\" } queues = %s }\n",
			       bad[i]),
			0644);
		ok(fx_load("queues.conf", NULL, &diag) == NULL,
		   "queues = %s: refused", bad[i]);
		like(diag.text,
		     fx_fmt("queues.conf:1: queues '%s' in allow \"x\" is not a number from 1 to 16",
			    bad[i]),
		     "... with file:line and the range");
	}
	fx_write("queues.conf",
		 "deny \"x\" { users = { \"nobody\" } queues = 2 }\n", 0644);
	ok(fx_load("queues.conf", NULL, &diag) == NULL,
	   "queues in a deny rule: refused");
	like(diag.text, "queues in deny \"x\" means nothing",
	     "... saying it belongs in an allow rule");
}

static void test_admins(void)
{
	static const gid_t users[] = {100};
	struct tb_who root = {0, 0, NULL, 0, "root"};
	struct tb_who nobody = {NOBODY, NOGROUP, NULL, 0, "nobody"};
	struct tb_who member = {1000, 1000, users, 1, "alice"};
	struct tb_policy *pol;

	fx_write("admins.conf", "admin_groups = { \"users\" }\n", 0644);
	pol = load("admins.conf");
	ok(pol != NULL, "admin_groups loads");
	if (!pol)
		return;
	ok(tb_policy_is_admin(pol, &root), "root is an admin");
	ok(tb_policy_is_admin(pol, &member), "a member of admin_groups is");
	ok(!tb_policy_is_admin(pol, &nobody), "anyone else is not");
	tb_policy_free(pol);
	fx_write("admins.conf", "\nadmin_groups = { \"no-such-group-x\" }\n",
		 0644);
	ok(fx_load("admins.conf", NULL, &diag) == NULL,
	   "an unknown admin group: refused");
	like(diag.text,
	     "admins.conf:2: unknown group 'no-such-group-x' in admin_groups",
	     "... with file:line");
}

/* pool = N: the warm pool's size, and the bridges that get one. */
static void test_pool(void)
{
	char br[TB_POOL_BRIDGES_MAX][IFNAMSIZ];
	struct tb_policy *pol;
	size_t n;

	fx_write(
		"pool.conf",
		"pool = 2\n"
		"allow \"a\" { users = { \"nobody\" } bridges = { \"br0\", \"br1\" } }\n"
		"allow \"b\" { users = { \"root\" } bridges = { \"br1\", \"br2\" } }\n"
		"deny \"c\" { users = { \"root\" } bridges = { \"br3\" } }\n"
		"allow \"d\" { users = { \"root\" } bridges = { \"all\" } }\n",
		0644);
	pol = load("pool.conf");
	ok(pol != NULL, "pool = 2 loads");
	if (!pol)
		return;
	is_int(tb_policy_pool(pol, br, TB_POOL_BRIDGES_MAX, &n), 2,
	       "the pool's size is the policy's");
	is_int(n, 3, "... for each bridge an allow rule names (br0, br1, br2)");
	ok(n == 3 && !strcmp(br[0], "br0") && !strcmp(br[1], "br1") &&
		   !strcmp(br[2], "br2"),
	   "... once each, in order; not a deny's, not \"all\"");
	tb_policy_free(pol);
	fx_write(
		"pool.conf",
		"allow \"a\" { users = { \"nobody\" } bridges = { \"br0\" } }\n",
		0644);
	pol = load("pool.conf");
	is_int(pol ? tb_policy_pool(pol, br, 1, &n) : 0, TB_POOL_DEFAULT,
	       "no pool key: the default size (4)");
	tb_policy_free(pol);
	fx_write("pool.conf", "pool = 65\n", 0644);
	ok(fx_load("pool.conf", NULL, &diag) == NULL, "pool = 65: refused");
	like(diag.text, "pool.conf:1: pool '65' is not a number from 0 to 64",
	     "... with file:line and the range");
	fx_write("pool.conf", "pool = 0\npool = 1\n", 0644);
	ok(fx_load("pool.conf", NULL, &diag) == NULL,
	   "pool set twice: refused");
}

static void test_mtu_ceiling(void)
{
	struct tb_who nobody = {NOBODY, NOGROUP, NULL, 0, "nobody"};
	struct tb_decision d;
	struct tb_mtu_ceiling m;
	struct tb_policy *pol;

	fx_write(
		"mtu.conf",
		"allow \"std\" { users = { \"nobody\" } bridges = { \"br0\", \"br9k\" }\n"
		"\tmtu = 1500 }\n"
		"allow \"jumbo\" { groups = { \"nogroup\" } bridges = { \"br9k\" }\n"
		"\tmtu = 9000 }\n"
		"allow \"free\" { users = { \"nobody\" } bridges = { \"br5\" } }\n",
		0644);
	pol = load("mtu.conf");
	ok(pol != NULL, "a policy with MTU ceilings loads");
	if (!pol)
		return;
	tb_policy_mtu(pol, &nobody, "br9k", &m);
	is_int(m.limit, 9000, "the largest ceiling of the rules granting br9k");
	tb_policy_mtu(pol, &nobody, "br0", &m);
	is_int(m.limit, 1500, "only rules granting the bridge count (br0)");
	tb_policy_mtu(pol, &nobody, "br5", &m);
	is_int(m.limit, TB_MTU_MAX, "no ceiling set: none applies");
	tb_policy_decide_mtu(pol, &nobody, "br0", 9000, &d);
	is_int(d.allow, 0, "9000 on br0 is above its ceiling");
	is_str(d.reason,
	       fx_fmt("MTU 9000 on bridge br0 is above the ceiling of 1500 set by %s:1 (allow \"std\"); ask for at most 1500",
		      fx_path("mtu.conf")),
	       "... and the reason names the rule and the limit");
	tb_policy_decide_mtu(pol, &nobody, "br9k", 9000, &d);
	is_int(d.allow, 1, "9000 on br9k is within its ceiling");
	tb_policy_free(pol);
}

static void test_macvtap(void)
{
	struct tb_who nobody = {NOBODY, NOGROUP, NULL, 0, "nobody"};
	struct tb_decision d;
	struct tb_policy *pol;

	fx_write(
		"mv.conf",
		"allow \"mv\" { users = { \"nobody\" } macvtap = { \"eth0\" }\n"
		"\tmacvtap_modes = { \"bridge\", \"private\" } }\n"
		"allow \"plain\" { users = { \"nobody\" } macvtap = { \"eth1\" } }\n"
		"deny \"no-eth2\" { users = { \"nobody\" } macvtap = { \"eth2\" } }\n"
		"allow \"all2\" { users = { \"nobody\" } macvtap = { \"eth2\" } }\n",
		0644);
	pol = load("mv.conf");
	ok(pol != NULL, "a policy with macvtap grants loads");
	if (!pol)
		return;
	tb_policy_decide_macvtap(pol, &nobody, "eth0", TB_MODE_BRIDGE, &d);
	is_int(d.allow, 1, "macvtap on eth0 in bridge mode: allowed");
	is_str(d.reason,
	       fx_fmt("macvtap on eth0 in bridge mode allowed for user nobody by %s:1 (allow \"mv\")",
		      fx_path("mv.conf")),
	       "... naming the rule");
	tb_policy_decide_macvtap(pol, &nobody, "eth0", TB_MODE_VEPA, &d);
	is_int(d.allow, 0, "vepa on eth0, not in macvtap_modes: denied");
	like(d.reason, "(allow \"mv\" allows: bridge, private)",
	     "... listing the modes the rule allows");
	tb_policy_decide_macvtap(pol, &nobody, "eth1", TB_MODE_VEPA, &d);
	is_int(d.allow, 1, "no macvtap_modes: vepa is allowed");
	tb_policy_decide_macvtap(pol, &nobody, "eth1", TB_MODE_PASSTHRU, &d);
	is_int(d.allow, 0, "... and only vepa");
	tb_policy_decide_macvtap(pol, &nobody, "eth2", TB_MODE_VEPA, &d);
	is_int(d.allow, 0, "a deny on the lower device wins");
	like(d.reason, ":4 (deny \"no-eth2\")", "... and is named");
	tb_policy_decide_macvtap(pol, &nobody, "eth9", TB_MODE_VEPA, &d);
	like(d.reason, "(allowed lower devices: eth0, eth1, eth2)",
	     "default deny lists the lower devices");
	is_int(tb_macvtap_mode("passthru"), TB_MODE_PASSTHRU, "mode names");
	is_int(tb_macvtap_mode("fast"), 0, "... and a wrong one");
	tb_policy_free(pol);
}

static void test_vlans(void)
{
	struct tb_who nobody = {NOBODY, NOGROUP, NULL, 0, "nobody"};
	struct tb_vlan_set tagged = {0};
	struct tb_decision d;
	struct tb_policy *pol;
	char why[64];

	fx_write(
		"vlan.conf",
		"allow \"a\" { users = { \"nobody\" } bridges = { \"br0\" }\n"
		"\tvlans = { \"10\", \"20-29\" } }\n"
		"allow \"t\" { groups = { \"nogroup\" } bridges = { \"br0\" }\n"
		"\tvlans = { \"100\" } trunk = yes }\n",
		0644);
	pol = load("vlan.conf");
	ok(pol != NULL, "a policy with VLANs loads");
	if (!pol)
		return;
	tb_policy_decide_vlan(pol, &nobody, "br0", 25, NULL, &d);
	is_int(d.allow, 1, "VLAN 25 (in 20-29) on br0: allowed");
	tb_policy_decide_vlan(pol, &nobody, "br0", 30, NULL, &d);
	is_str(d.reason,
	       fx_fmt("VLAN 30 on bridge br0 is not allowed for user nobody by %s (allowed VLANs: 10, 20-29, 100)",
		      fx_path("vlan.conf")),
	       "VLAN 30: denied, listing the union of the matching rules");
	tb_vlan_parse("10,100", &tagged, why, sizeof(why));
	tb_policy_decide_vlan(pol, &nobody, "br0", 0, &tagged, &d);
	is_int(d.allow, 1, "a trunk of 10,100: allowed (one rule sets trunk)");
	tb_policy_decide_vlan(pol, &nobody, "br1", 10, NULL, &d);
	like(d.reason, "VLANs on bridge br1 are not granted to user nobody",
	     "no VLANs granted on a bridge: denied");
	tb_policy_free(pol);
}

static void test_routed(void)
{
	struct tb_who nobody = {NOBODY, NOGROUP, NULL, 0, "nobody"};
	struct tb_prefix a[2];
	struct tb_routed_ask ask = {a, 1, NULL, 0, 0, 0};
	uint32_t tables[] = {100}, metric = 0;
	struct tb_decision d;
	struct tb_policy *pol;
	char why[64];

	fx_write(
		"routed.conf",
		"allow \"r\" { users = { \"nobody\" } routed = { \"10.0.0.0/24\", \"2001:db8::/64\" }\n"
		"\ttables = { \"main\", \"100\" } metrics = \"100-200\" }\n"
		"deny \"hole\" { users = { \"nobody\" } routed = { \"10.0.0.128/25\" } }\n",
		0644);
	pol = load("routed.conf");
	ok(pol != NULL, "a policy with routed grants loads");
	if (!pol)
		return;
	tb_prefix_parse("10.0.0.5", 0, &a[0], why, sizeof(why));
	tb_policy_decide_routed(pol, &nobody, &ask, &metric, &d);
	ok(d.allow && metric == 100,
	   "10.0.0.5 in main: allowed, at the lowest metric of the range");
	ask.tables = tables;
	ask.ntables = 1;
	ask.has_metric = 1;
	ask.metric = 300;
	tb_policy_decide_routed(pol, &nobody, &ask, &metric, &d);
	like(d.reason, "in table 100 with metric 300 is not allowed",
	     "a metric above the range: denied");
	tb_prefix_parse("10.0.0.200", 0, &a[0], why, sizeof(why));
	ask.metric = 150;
	tb_policy_decide_routed(pol, &nobody, &ask, &metric, &d);
	like(d.reason, "address 10.0.0.200/32 is denied to user nobody by",
	     "an address in a deny rule's prefix: denied");
	tb_prefix_parse("2001:db8::5", 0, &a[0], why, sizeof(why));
	tb_policy_decide_routed(pol, &nobody, &ask, &metric, &d);
	is_int(d.allow, 1, "an IPv6 address in its prefix: allowed");
	tb_policy_free(pol);
	fx_write(
		"overlap.conf",
		"allow \"a\" { users = { \"nobody\" } routed = { \"10.0.0.0/24\" } }\n"
		"allow \"b\" { users = { \"root\" } routed = { \"10.0.0.64/26\" } }\n"
		"allow \"c\" { users = { \"nobody\" } routed = { \"10.0.0.0/25\" } }\n",
		0644);
	ok(fx_load("overlap.conf", NULL, &diag) == NULL,
	   "prefixes of different users that overlap: refused");
	like(diag.text,
	     fx_fmt("overlap.conf:2: routed prefix 10.0.0.64/26 in allow \"b\" overlaps 10.0.0.0/24 in allow \"a\" (%s:1), which grants it to other users",
		    fx_path("overlap.conf")),
	     "... naming both rules");
	is_int(diag.count, 2,
	       "... once per pair of different users (a, c agree)");
}

static void test_proxy(void)
{
	struct tb_who nobody = {NOBODY, NOGROUP, NULL, 0, "nobody"};
	struct tb_decision d;
	struct tb_policy *pol;
	struct tb_prefix a[2];
	char why[64];

	fx_write(
		"proxy.conf",
		"allow \"r\" { users = { \"nobody\" } routed = { \"10.0.0.0/24\" }\n"
		"\tproxy = { \"eth0\", \"eth1\" } }\n"
		"allow \"s\" { users = { \"nobody\" } routed = { \"10.1.0.0/24\" } }\n"
		"deny \"no-eth1\" { users = { \"nobody\" } proxy = { \"eth1\" } }\n",
		0644);
	pol = load("proxy.conf");
	ok(pol != NULL, "a policy with proxy uplinks loads");
	if (!pol)
		return;
	tb_prefix_parse("10.0.0.5", 0, &a[0], why, sizeof(why));
	tb_prefix_parse("10.1.0.5", 0, &a[1], why, sizeof(why));
	tb_policy_decide_proxy(pol, &nobody, "eth0", a, 1, &d);
	ok(d.allow, "proxy on a granted uplink: allowed");
	like(d.reason, "proxy ARP/NDP on eth0 allowed for user nobody by",
	     "... naming the rule");
	tb_policy_decide_proxy(pol, &nobody, "eth2", a, 1, &d);
	like(d.reason,
	     "proxy ARP/NDP on eth2 for 10.0.0.5/32 is not allowed for user nobody",
	     "an uplink no rule names: denied");
	tb_policy_decide_proxy(pol, &nobody, "eth0", a, 2, &d);
	like(d.reason, "on eth0 for 10.1.0.5/32 is not allowed",
	     "an address whose rule grants no proxy: denied");
	tb_policy_decide_proxy(pol, &nobody, "eth1", a, 1, &d);
	like(d.reason, "proxy ARP/NDP on eth1 is denied to user nobody by",
	     "a deny rule naming the uplink: denied");
	tb_policy_free(pol);
}

static const struct bad_case bad_quota[] = {
	{"routed prefix with host bits",
	 "allow \"a\" { users = { \"0\" } routed = { \"10.0.0.1/24\" } }\n",
	 "bad.conf:1: routed in allow \"a\": '10.0.0.1/24' has host bits set; write 10.0.0.0/24"},
	{"local table",
	 "allow \"a\" { users = { \"0\" } routed = { \"10.0.0.0/24\" } tables = { \"255\" } }\n",
	 "table '255' in allow \"a\" is not main or a number"},
	{"proxy without routed",
	 "allow \"a\" { users = { \"0\" } bridges = { \"b\" } proxy = { \"eth0\" } }\n",
	 "bad.conf:1: allow \"a\" sets proxy but names no routed prefixes"},
	{"bad proxy uplink name",
	 "allow \"a\" { users = { \"0\" } routed = { \"10.0.0.0/24\" } proxy = { \"a/b\" } }\n",
	 "bad.conf:1: proxy uplink name 'a/b' in allow \"a\" contains '/'"},
	{"bad metrics",
	 "allow \"a\" { users = { \"0\" } routed = { \"10.0.0.0/24\" } metrics = \"200-100\" }\n",
	 "metrics '200-100' in allow \"a\" is not a metric or a range N-M"},
	{"bad VLAN range",
	 "allow \"a\" { users = { \"0\" } bridges = { \"b\" }\n vlans = { \"10\", \"5000\" } }\n",
	 "bad.conf:2: vlans in allow \"a\": '5000' is not a VLAN id (1-4094) or a range N-M"},
	{"trunk not yes or no",
	 "allow \"a\" { users = { \"0\" } bridges = { \"b\" } trunk = maybe }\n",
	 "bad.conf:1: trunk 'maybe' in allow \"a\" is not yes or no"},
	{"bad macvtap mode",
	 "allow \"a\" { users = { \"0\" } macvtap = { \"eth0\" }\n macvtap_modes = { \"fast\" } }\n",
	 "bad.conf:2: macvtap mode 'fast' in allow \"a\" is not one of vepa, bridge, private, passthru, source"},
	{"modes without a lower device",
	 "allow \"a\" { users = { \"0\" } bridges = { \"b\" } macvtap_modes = { \"vepa\" } }\n",
	 "sets macvtap_modes but names no macvtap lower device"},
	{"bad lower name",
	 "allow \"a\" { users = { \"0\" } macvtap = { \"a b\" } }\n",
	 "bad.conf:1: macvtap lower device name 'a b' in allow \"a\" contains a space"},
	{"mtu too small",
	 "allow \"a\" { users = { \"0\" } bridges = { \"b\" } mtu = 67 }\n",
	 "bad.conf:1: mtu '67' in allow \"a\" is not a number from 68 to 65535"},
	{"mtu in deny",
	 "deny \"d\" { users = { \"0\" } bridges = { \"b\" } mtu = 1500 }\n",
	 "bad.conf:1: mtu in deny \"d\" means nothing"},
	{"quota too big",
	 "allow \"a\" { users = { \"0\" } bridges = { \"b\" } quota = 5000 }\n",
	 "bad.conf:1: quota '5000' in allow \"a\" is not a number from 0 to 4096"},
	{"quota not a number",
	 "allow \"a\" {\n users = { \"0\" }\n bridges = { \"b\" }\n quota = -1\n}\n",
	 "bad.conf:4: quota '-1' in allow \"a\" is not a number"},
	{"quota in deny",
	 "deny \"d\" { users = { \"0\" } bridges = { \"b\" } quota = 1 }\n",
	 "bad.conf:1: quota in deny \"d\" means nothing: set it in an allow rule"},
	{"quota twice",
	 "allow \"a\" { users = { \"0\" } bridges = { \"b\" }\n quota = 1\n quota = 2 }\n",
	 "bad.conf:3: quota is set twice (first at line 2); keep one"},
};

int main(void)
{
	fx_init();
	test_allow_and_default_deny();
	test_groups();
	test_precedence();
	test_bad(bad_cases, sizeof(bad_cases) / sizeof(bad_cases[0]));
	test_quota();
	test_queues();
	test_admins();
	test_pool();
	test_mtu_ceiling();
	test_macvtap();
	test_vlans();
	test_routed();
	test_proxy();
	test_bad(bad_quota, sizeof(bad_quota) / sizeof(bad_quota[0]));
	test_all_errors_at_once();
	test_file_safety();
	test_includes();
	test_example_and_summary();
	test_long_allowed_list();
	fx_cleanup();
	return done_testing();
}
