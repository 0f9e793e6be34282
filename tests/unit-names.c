// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: interface name validation and escaping of untrusted text. */
#include "proto.h"
#include "tap.h"

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
