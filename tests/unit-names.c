// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: interface names, escaping of untrusted text, VLAN lists. */
#include "proto.h"
#include "tap.h"
#include "vlan.h"

static void vlan_list(const char *in, const char *want)
{
	struct tb_vlan_set set = {0};
	char why[96] = "", out[128];
	int err = tb_vlan_parse(in, &set, why, sizeof(why));

	if (err) {
		like(why, want, "VLAN list refused with the reason");
		return;
	}
	tb_vlan_format(&set, out, sizeof(out));
	is_str(out, want, "VLAN list parsed and printed");
}

static void test_vlans(void)
{
	struct tb_vlan_set a = {0}, b = {0};
	unsigned int first = 0;
	char why[96];

	vlan_list("10", "10");
	vlan_list("20-22,10,1,4094", "1, 10, 20-22, 4094");
	vlan_list("0", "'0' is not a VLAN id");
	vlan_list("4095", "'4095' is not a VLAN id");
	vlan_list("30-20", "'30-20' is not a VLAN id");
	vlan_list("10,,20", "'' is not a VLAN id");
	vlan_list("10,", "ends with ','");
	vlan_list("-5", "'-5' is not");
	vlan_list("1 0", "'1 0' is not");
	vlan_list("", "must be 1-255 characters");
	tb_vlan_parse("10,20-29", &b, why, sizeof(why));
	tb_vlan_parse("20,21", &a, why, sizeof(why));
	ok(tb_vlan_subset(&a, &b, &first), "20,21 is within 10,20-29");
	tb_vlan_parse("40", &a, why, sizeof(why));
	ok(!tb_vlan_subset(&a, &b, &first) && first == 40,
	   "20,21,40 is not, and 40 is named");
}

static void name_ok(const char *name)
{
	char why[64] = "";

	ok(tb_ifname_check(name, why, sizeof(why)) == 0, "'%s' accepted", name);
}

static void name_bad(const char *name, const char *shown, const char *want)
{
	char why[64] = "";

	ok(tb_ifname_check(name, why, sizeof(why)) != 0, "%s refused", shown);
	like(why, want, "... saying why");
}

int main(void)
{
	char out[32];

	test_vlans();
	name_ok("br0");
	name_ok("a");
	name_ok("br-lan.10_x@y");
	name_ok("fifteen-chars-x");
	name_bad("", "empty name", "empty");
	name_bad("sixteen-chars-xx", "16-byte name", "longer than 15");
	name_bad("a/b", "name with /", "'/'");
	name_bad("..", "..", ". or ..");
	name_bad(".", ".", ". or ..");
	name_bad("br 0", "name with a space", "space");
	name_bad("br\t0", "name with a tab", "space");
	name_bad("br:0", "name with ':'", "':'");
	name_bad("br\x01", "name with a control byte", "control");
	name_bad("br\n0", "name with a newline", "control");
	name_bad("br\xc3\xa9", "non-ASCII name", "non-ASCII");
	name_bad("br\\0", "name with a backslash", "control");

	tb_escape("a\nb\x1b", 4, out, sizeof(out));
	is_str(out, "a\\x0ab\\x1b", "control bytes escaped");
	tb_escape("abcdefghijklmnopqrstuvwxyz0123456789", 36, out, 16);
	is_str(out, "abcdefghijkl...", "long text cut with ...");
	tb_escape("\x01\x02\x03\x04", 4, out, 12);
	is_str(out, "\\x01\\x02...", "escapes are not cut in half");
	tb_escape("ab", 2, out, 4);
	is_str(out, "", "tiny buffer gives an empty string");
	return done_testing();
}
