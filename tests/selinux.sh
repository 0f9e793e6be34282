#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The SELinux module builds with the reference policy's devel Makefile.
#
# Needs selinux-policy-dev (the devel Makefile and headers).  With
# selinux-policy-default and semodule, the module is also linked into a
# copy of the installed policy store, which proves every type, attribute
# and interface it requires exists in the real policy.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

SE_MAKEFILE=${SE_MAKEFILE:-/usr/share/selinux/devel/Makefile}
[ -f "$SE_MAKEFILE" ] || skip_all "selinux-policy-dev is not installed"
command -v make >/dev/null || skip_all "make is not installed"

TB_TMP=$(mktemp -d /tmp/tbselinux.XXXXXX)
trap 'rm -rf "$TB_TMP"' EXIT
cp "$top_srcdir"/selinux/tapbroker.te "$top_srcdir"/selinux/tapbroker.if \
	"$top_srcdir"/selinux/tapbroker.fc "$TB_TMP"/

# Every interface, called the way other modules would call it: an
# interface that does not expand fails here even if tapbroker.te never
# uses it.
cat >"$TB_TMP/tbiftest.te" <<'EOF'
policy_module(tbiftest, 1.0.0)
type tbiftest_t;
type tbiftest_exec_t;
application_domain(tbiftest_t, tbiftest_exec_t)
role system_r types tbiftest_t;
tapbroker_stream_connect(tbiftest_t)
tapbroker_use_tap_fds(tbiftest_t)
tapbroker_domtrans_helper(tbiftest_t)
tapbroker_run_helper(tbiftest_t, system_r)
tapbroker_admin(tbiftest_t, system_r)
EOF

build() {	# build MODULE: make MODULE.pp in $TB_TMP; sets OUT, RC
	OUT=$(cd "$TB_TMP" && make -f "$SE_MAKEFILE" "$1.pp" 2>&1)
	RC=$?
}

start=$EPOCHREALTIME
build tapbroker
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
ok $RC "make -f $SE_MAKEFILE tapbroker.pp ($secs s)"
[ $RC -eq 0 ] || printf '#   %s\n' "$OUT" | tail -20
[ -s "$TB_TMP/tapbroker.pp" ]
ok $? "tapbroker.pp is produced"
# m4 takes a backquote, even in a comment, as an opening quote: what
# follows up to the next quote is swallowed, and m4 warns.
like "$(printf '%s\n' "$OUT" | grep -c '^m4:')" '^0$' \
	"m4 gives no warnings (no quote characters in comments)"

build tbiftest
ok $RC "every interface in tapbroker.if expands and compiles"
[ $RC -eq 0 ] || printf '#   %s\n' "$OUT" | tail -20

# What the package holds: the types, and the file contexts.
if command -v semodule_unpackage >/dev/null && [ -s "$TB_TMP/tapbroker.pp" ]; then
	(cd "$TB_TMP" && semodule_unpackage tapbroker.pp tb.mod tb.fc)
	ok $? "semodule_unpackage tapbroker.pp"
	for t in tapbroker_t tapbroker_exec_t tapbroker_conf_t \
		tapbroker_runtime_t tapbroker_var_run_t tapbroker_helper_t \
		tapbroker_helper_exec_t tapbroker_unit_t; do
		grep -aq "$t" "$TB_TMP/tb.mod"
		ok $? "the module declares $t"
	done
	for p in '/etc/tapbroker(/.*)?' '/run/tapbroker(/.*)?' \
		'/usr/sbin/tapbroker' '/usr/libexec/tapbroker-helper'; do
		grep -qF -- "$p" "$TB_TMP/tb.fc"
		ok $? "file context for $p"
	done
else
	skip "types and file contexts in the package" \
		"semodule_unpackage (semodule-utils) is not installed"
fi

# Link into a copy of the installed store (about 10 s).
if command -v semodule >/dev/null && [ -d /var/lib/selinux/default/active ] &&
	[ -d /etc/selinux/default ] && [ -s "$TB_TMP/tapbroker.pp" ]; then
	mkdir -p "$TB_TMP/root/etc" "$TB_TMP/root/var/lib"
	cp -a /etc/selinux "$TB_TMP/root/etc/" &&
		cp -a /var/lib/selinux "$TB_TMP/root/var/lib/"
	OUT=$(semodule -p "$TB_TMP/root" -s default -n \
		-i "$TB_TMP/tapbroker.pp" 2>&1)
	ok $? "tapbroker.pp links into the installed default policy"
	printf '%s\n' "$OUT" | grep -v 'not in password file' |
		sed '/^$/d; s/^/#   /'
	fc="$TB_TMP/root/etc/selinux/default/contexts/files/file_contexts"
	like "$(grep '^/run/tapbroker' "$fc" 2>/dev/null)" 'tapbroker_runtime_t' \
		"the linked policy labels /run/tapbroker"
else
	skip "linking into the installed policy" \
		"selinux-policy-default or semodule is not installed"
fi

done_testing
