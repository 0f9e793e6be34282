#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The packaged /etc/tapbroker/policy.conf denies all; its examples pass check once uncommented.
#
# The shipped file is debian/policy.conf and the broker this build's, or,
# with TB_INSTALLED=1 (debian/tests), /etc/tapbroker/policy.conf and the
# tapbroker found in $PATH.  An example line is a "#" followed at once by
# a letter, a tab or "}"; prose comments have a space after the "#".
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

shipped="$top_srcdir/debian/policy.conf"
if [ -n "${TB_INSTALLED:-}" ]; then
	shipped=/etc/tapbroker/policy.conf
	TB_BROKER=$(command -v tapbroker)
	is "$TB_BROKER" /usr/sbin/tapbroker "tapbroker in \$PATH is the package's"
	is "$(stat -c '%U %a' "$shipped" 2>&1)" "root 644" "$shipped: root's, 0644"
else
	[ -x "$TB_BROKER" ] || skip_all "$TB_BROKER is not built"
fi
TB_TMP=$(mktemp -d /tmp/tbdeb.XXXXXX)
trap 'rm -rf "$TB_TMP"' EXIT

# run ARGS...: sets OUT (stdout+stderr) and RC.
run() {
	OUT=$("$TB_BROKER" "$@" 2>&1)
	RC=$?
}

run check --config "$shipped"
is "$RC" 0 "check accepts the shipped policy"
like "$OUT" "^policy ok: 0 allow and 0 deny rules" "... which has no rule"
run explain --config "$shipped" --user root --group users --bridge br0
is "$RC" 1 "default deny: explain denies root in group users bridge br0"

P="$TB_TMP/policy.conf"
sed 's/^#\([[:alpha:]	}]\)/\1/' "$shipped" | tb_policy "$P"
n=$(diff "$shipped" "$P" | grep -c '^>')
ok $((n == 0)) "$n example lines uncommented"
left=$(grep -nE '^#[[:space:]]*((allow|deny)[[:space:]]+"|[a-z_]+[[:space:]]*=[[:space:]]*[^ ]|})' "$P")
is "$left" "" "no example is left commented with another prefix"
run check --config "$P"
is "$RC" 0 "check accepts every example uncommented"
like "$OUT" "^policy ok: [1-9][0-9]* allow and [1-9][0-9]* deny rules?," \
	"... allow and deny rules both"
[ "$RC" -eq 0 ] || diag "$OUT"
run explain --config "$P" --user root --group users --bridge br0
is "$RC" 0 "an example allows group users bridge br0"
run explain --config "$P" --user root --group users --bridge br-mgmt
is "$RC" 1 "an example denies bridge br-mgmt"
done_testing
