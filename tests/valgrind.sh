#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# valgrind: the unit tests, and the broker serving the namespace tests.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v valgrind >/dev/null || skip_all "valgrind is not installed"
[ -x "$top_builddir/tests/unit-proto" ] || skip_all "unit tests not built"
tb_sanitized &&
	skip_all "this is a sanitizer build (valgrind runs in the normal lane)"
vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --suppressions=$top_srcdir/tests/valgrind.supp"

for t in unit-proto unit-names unit-helper-args unit-qemu-acl unit-policy; do
	[ -x "$top_builddir/tests/$t" ] || continue
	out=$(cd "$top_builddir" && $vg "./tests/$t" 2>&1 >/dev/null)
	ok $? "$t: no invalid access and no leak under valgrind"
	[ -z "$out" ] || diag "$(printf '%s\n' "$out" | head -20)"
done

# The broker under valgrind (seccomp off: valgrind makes its own calls),
# serving namespace tests that cover most of its paths; $TB_VALGRIND_TESTS
# (words) replaces the list.  Not ns-macvtap or ns-launcher: a macvtap's
# lease takes a pidfd, and Debian 12's valgrind (3.19) cannot run
# pidfd_open (syscall 434).
for t in ${TB_VALGRIND_TESTS:-ns-broker ns-mtu ns-adopt ns-vlan ns-routed ns-lease}; do
	logdir=$(mktemp -d /tmp/tbvg.XXXXXX)
	TB_BROKER_WRAP="$vg --log-file=$logdir/broker.%p" \
		TB_BROKER_EXTRA="--seccomp=off" bash "$top_srcdir/tests/$t.sh" \
		>"$logdir/tap" 2>&1
	if grep -q '^1\.\.0 # SKIP' "$logdir/tap"; then
		diag "$(cat "$logdir/tap")"
		skip "$t under valgrind" "the namespace test could not run"
	else
		ok $(grep -q '^not ok' "$logdir/tap"; echo $((!$?))) \
			"$t passes with the broker under valgrind"
		grep '^not ok' "$logdir/tap" | head -5 |
			while read -r l; do diag "$l"; done
		# "--PID--" lines are valgrind's own notes (3.19 does not know
		# pidfd_open, which the broker then does without); errors and
		# leaks are "==PID==" lines
		is "$(cat "$logdir"/broker.* 2>/dev/null | grep -v '^--[0-9]*-- ')" "" \
			"$t: valgrind reports no invalid access and no leak in the broker"
	fi
	rm -rf "$logdir"
done
done_testing
