#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `tapbroker check` and `tapbroker explain`: exit codes and exact lines.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

[ -x "$TB_BROKER" ] || skip_all "$TB_BROKER is not built"
TB_TMP=$(mktemp -d /tmp/tbcli.XXXXXX)
trap 'rm -rf "$TB_TMP"' EXIT
P="$TB_TMP/policy.conf"
tb_policy "$P" <<'EOF'
# who gets what
allow "lab" {
	users = { "nobody" }
	bridges = { "br0", "br1" }
}
allow "staff" { groups = { "users" } bridges = { "br5" } }
deny "no-br1" { users = { "nobody" } bridges = { "br1" } }
allow "primary" { groups = { "nogroup" } bridges = { "br6" } }
EOF

# run ARGS...: sets OUT (stdout+stderr) and RC.
run() {
	OUT=$("$TB_BROKER" "$@" 2>&1)
	RC=$?
}

run check --config "$P"
is "$RC" 0 "check: a good policy exits 0"
is "$OUT" "policy ok: 3 allow and 1 deny rule, 0 qemu ACL lines, 1 file
tapbroker: warning: bridge br5 is shared by group users ($P:6) without guard = yes: their VMs can spoof each other; add guard = yes
tapbroker: warning: bridge br6 is shared by group nogroup ($P:8) without guard = yes: their VMs can spoof each other; add guard = yes" \
	"check: one summary line, then a warning for each bridge a group shares unguarded"

# issue 13: one bridge, several users, no guard = yes: a warning, exit 0
tb_policy "$TB_TMP/shared.conf" <<'EOF'
allow "a" { users = { "nobody" } bridges = { "br0" } }
allow "b" { users = { "root" } bridges = { "br0", "br1" } }
allow "c" { users = { "nobody", "root" } bridges = { "br2" } guard = yes }
EOF
run check --config "$TB_TMP/shared.conf"
is "$RC" 0 "check: a bridge shared without a guard still exits 0"
is "$(grep -c warning <<<"$OUT")" 1 "... with one warning (br1 has one user, br2 a guard)"
like "$OUT" "^tapbroker: warning: bridge br0 is shared by users nobody, root \\($TB_TMP/shared.conf:1, $TB_TMP/shared.conf:2\\) without guard = yes: their VMs can spoof each other; add guard = yes$" \
	"... naming the bridge, its users, the rules and the fix"
sed -i 's/bridges = { "br0" } }/bridges = { "br0" } guard = yes }/; s/"br0", "br1" } }/"br0", "br1" } guard = yes }/' \
	"$TB_TMP/shared.conf"
run check --config "$TB_TMP/shared.conf"
is "$OUT" "policy ok: 3 allow and 0 deny rules, 0 qemu ACL lines, 1 file" \
	"check: guard = yes in each sharing rule: no warning"

tb_policy "$TB_TMP/bad.conf" <<'EOF'
allow "a" {
	users = { "no-such-user-x" }
	bridges = { "bad/name" }
}
EOF
run check --config "$TB_TMP/bad.conf"
is "$RC" 1 "check: a bad policy exits 1"
like "$OUT" "^$TB_TMP/bad.conf:2: unknown user 'no-such-user-x'" \
	"check: the user error with file:line"
like "$OUT" "^$TB_TMP/bad.conf:3: bridge name 'bad/name' in allow \"a\" contains '/'" \
	"check: the bridge error with file:line"
like "$OUT" "policy refused \\(2 errors\\)" "check: counts the errors"

run explain --config "$P" --user nobody --bridge br0
is "$RC" 0 "explain: allow exits 0"
is "$(printf '%s\n' "$OUT" | head -5)" "allow
reason: bridge br0 allowed for user nobody by $P:2 (allow \"lab\")
rule: $P:2
quota: 64 taps at once, set by the default
queues: at most 8 per tap (launcher mode), set by the default" \
	"explain: allow, reason, rule, and the user's quota and queues ceiling"

run explain --config "$P" --user nobody --bridge br1
is "$RC" 1 "explain: deny exits 1"
like "$OUT" "^reason: bridge br1 is denied to user nobody by $P:7 \\(deny \"no-br1\"\\)" \
	"explain: the deny rule wins and is named"
like "$OUT" "^rule: $P:7$" "explain: the deciding rule's file:line"

run explain --config "$P" --user nobody --bridge br6
is "$RC" 0 "explain: the user's primary group (from passwd) matches"
run explain --config "$P" --user nobody --bridge br5
is "$RC" 1 "explain: without --group, only the user's own groups count"
like "$OUT" "^rule: \\(none: default deny\\)$" "explain: default deny has no rule"
like "$OUT" "\\(allowed: br0, br6\\)" "explain: default deny lists what is allowed"
run explain --config "$P" --user nobody --group users --bridge br5
is "$RC" 0 "explain: --group gives the supplementary groups to test"

run explain --config "$P" --user 4242 --bridge br0
is "$RC" 1 "explain: a numeric uid without a passwd entry works"
like "$OUT" "for user uid 4242 by" "explain: ... and is shown as uid N"

run explain --config "$P" --user no-such-user-x --bridge br0
is "$RC" 2 "explain: unknown user exits 2"
like "$OUT" "^tapbroker explain: no user 'no-such-user-x' in the passwd database" \
	"explain: says which user"
run explain --config "$P" --user nobody --bridge "a/b"
is "$RC" 2 "explain: a bad bridge name exits 2"
run explain --config "$P" --user nobody
is "$RC" 2 "explain: --bridge is required"
run explain --config "$TB_TMP/bad.conf" --user nobody --bridge br0
is "$RC" 2 "explain: a bad policy exits 2"
like "$OUT" "bad.conf:2: unknown user" "explain: ... listing the errors"
# Every grant dimension, through the same decisions the broker makes.
tb_policy "$TB_TMP/dims.conf" <<'EOF'
allow "dims" {
	users = { "nobody" }
	bridges = { "br0" }
	vlans = { "10", "20-29" }
	macvtap = { "eth0" }
	routed = { "10.0.0.0/24" }
	tables = { "100" }
	adopt = { "vm1" }
	mtu = 9000
	proxy = { "eth0" }
	quota = 3
	queues = 2
}
EOF
D="$TB_TMP/dims.conf"
run explain --config "$D" --user nobody --bridge br0
like "$OUT" "^quota: 3 taps at once, set by $D:1 \\(allow \"dims\"\\)$" \
	"explain: the quota a rule sets, naming it"
like "$OUT" "^queues: at most 2 per tap \\(launcher mode\\), set by $D:1 \\(allow \"dims\"\\)$" \
	"explain: the queues ceiling a rule sets, naming it"
run explain --config "$D" --user nobody --bridge br0 --vlan 25 --mtu 9000
is "$RC" 0 "explain --vlan --mtu: allowed within the grants"
run explain --config "$D" --user nobody --bridge br0 --trunk 10,20
is "$RC" 1 "explain --trunk: denied without trunk = yes"
like "$OUT" "no matching rule sets trunk = yes" "... saying so"
run explain --config "$D" --user nobody --bridge br0 --mtu 9001
like "$OUT" "above the ceiling of 9000 set by $D:1" "explain --mtu above the ceiling"
run explain --config "$D" --user nobody --macvtap eth0 --mode passthru
like "$OUT" "macvtap mode passthru on eth0 is not allowed" "explain --macvtap --mode"
run explain --config "$D" --user nobody --address 10.0.0.5 --table 100
is "$RC" 0 "explain --address --table: allowed"
run explain --config "$D" --user nobody --address 10.0.0.5
like "$OUT" "in table 254 with metric 1024 is not allowed" \
	"explain --address without --table: main is not granted"
run explain --config "$D" --user nobody --address 10.0.0.5 --table 100 --proxy eth0
like "$OUT" "^reason: addresses allowed for user nobody by $D:1" \
	"explain --address --proxy: allowed"
like "$OUT" "^proxy: eth0$" "explain: the plan names the proxy uplink it grants"
run explain --config "$D" --user nobody --address 10.0.0.5 --table 100 --proxy eth1
is "$RC" 1 "explain --proxy on an uplink not granted: denied"
like "$OUT" "proxy ARP/NDP on eth1 for 10.0.0.5/32 is not allowed" "... saying why"
run explain --config "$D" --user nobody --bridge br0 --adopt vm2
like "$OUT" "^reason: adopting vm2 is not allowed for user nobody" "explain --adopt"
done_testing
