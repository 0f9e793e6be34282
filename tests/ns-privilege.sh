#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The running broker keeps CAP_NET_ADMIN alone under seccomp; no setuid files.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 && tb_bridge br1 || skip_all "cannot create bridges in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "test" { users = { "nobody" } bridges = { "br0" } }
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"

status=$(cat /proc/"$TB_BROKER_PID"/status)
field() { printf '%s\n' "$status" | awk -v f="$1:" '$1 == f {print $2}'; }
is "$(field CapEff)" 0000000000001000 "effective capabilities: CAP_NET_ADMIN only"
is "$(field CapPrm)" 0000000000001000 "permitted capabilities: CAP_NET_ADMIN only"
is "$(field CapInh)" 0000000000000000 "no inheritable capabilities"
is "$(field CapBnd)" 0000000000000000 "bounding set cleared"
is "$(field CapAmb)" 0000000000000000 "no ambient capabilities"
is "$(field NoNewPrivs)" 1 "no_new_privs set"
case "$TB_BROKER_EXTRA" in
*--seccomp=off*) skip "seccomp filter mode" "seccomp is off in this lane" ;;
*) is "$(field Seccomp)" 2 "seccomp filter mode" ;;
esac
is "$(awk '$1 == "Uid:" {print $3}' /proc/"$TB_BROKER_PID"/status)" 0 \
	"uid stays 0 (for root-owned /dev/tapN and policy files)"

# Under the filter (default action: kill) every path still works.
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^ifname=tb" "grant works under seccomp"
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br1 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "not allowed for user nobody" "deny works under seccomp"
# A caller in no user database makes NSS walk all its modules (loaded
# before seccomp, or the broker would die here).
setpriv --reuid=4242 --regid=4242 --clear-groups -- \
	"$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "not allowed for user uid 4242" \
	"a uid without a passwd entry is denied by number"

# SIGHUP: a good policy replaces the old one, a bad one is refused.
mkdir "$TB_TMP/policy.d"
tb_policy "$TB_TMP/policy.d/10-groups.conf" <<EOF
allow "groups" { groups = { "users", "nogroup" } bridges = { "br1" } }
EOF
tb_policy "$TB_TMP/policy.conf" <<EOF
include("policy.d/*.conf")
allow "test" { users = { "nobody", "4242" } bridges = { "br1" } }
EOF
kill -HUP "$TB_BROKER_PID"
sleep 0.3
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br1 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^ifname=tb" "reloaded policy grants br1"
printf 'allow "x" { frobnicate = 1 }\n' | tb_policy "$TB_TMP/policy.conf"
kill -HUP "$TB_BROKER_PID"
sleep 0.3
like "$(cat "$TB_TMP/broker.log")" "reload refused, the old policy stays in force" \
	"bad reload is refused and logged"
like "$(cat "$TB_TMP/broker.log")" "policy.conf:1: " "... with file:line"
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br1 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^ifname=tb" "old policy still in force"
kill -0 "$TB_BROKER_PID" 2>/dev/null
ok $? "broker alive after reloads (seccomp allowed every call)"
tb_broker_stop
ok $([ ! -e "$TB_SOCK" ]; echo $?) "socket removed at exit"

# Installed tree: nothing setuid/setgid, no file capabilities.
if make -s -C "$top_builddir" install DESTDIR="$TB_TMP/inst" >"$TB_TMP/inst.log" 2>&1; then
	is "$(find "$TB_TMP/inst" -type f -perm /6000)" "" "no setuid/setgid file installed"
	like "$(cd "$TB_TMP/inst" && find . -type f | sort)" \
		"/sbin/tapbroker\$" "tapbroker installed in sbin"
	like "$(cd "$TB_TMP/inst" && find . -type f | sort)" \
		"/libexec/tapbroker-helper\$" "tapbroker-helper installed in libexec"
	if command -v getcap >/dev/null; then
		is "$(getcap -r "$TB_TMP/inst" 2>/dev/null)" "" "no file capabilities"
	else
		ok 1 "getcap (libcap2-bin) is missing: cannot check file capabilities"
	fi
else
	ok 1 "make install DESTDIR=... failed: $(tail -1 "$TB_TMP/inst.log")"
fi
done_testing
