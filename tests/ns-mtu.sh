#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# MTU and jumbo frames: asked for, bounded by the bridge and the policy.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
# br9k's MTU is set explicitly; brauto's follows its ports (a 9000 veth).
tb_bridge br0 && tb_bridge br9k 9000 && tb_bridge brauto &&
	tbip link add vauto mtu 9000 type veth peer name vauto-p mtu 9000 &&
	tbip link set vauto master brauto up ||
	skip_all "cannot create bridges/veths in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "std" { users = { "nobody" } bridges = { "br0", "br9k", "brauto" } }
allow "capped" { users = { "nobody" } bridges = { "br9k" } mtu = 4000 }
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
is "$(tbip -o link show brauto | grep -o 'mtu [0-9]*')" "mtu 9000" \
	"brauto took its port's MTU (9000)"

# ask BRIDGE [HELPER-ARGS]: one request as nobody; sets OUT.
ask() {
	OUT=$($TB_NOBODY "$TB_CLIENT" "$TB_HELPER" "$@" 2>&1)
}

hold "$TB_HELPER" br9k --mtu=3000
like "$(tbip link show "$IFNAME")" "mtu 3000 .*master br9k" \
	"--mtu=3000 on br9k: the tap gets MTU 3000"
like "$(tbip link show br9k)" "mtu 9000 " "... the bridge keeps 9000"
release

hold "$TB_HELPER" br9k
like "$(tbip link show "$IFNAME")" "mtu 4000 " \
	"no --mtu: the bridge's 9000, cut to the policy's ceiling of 4000"
release

ask br9k --mtu=9000
like "$OUT" "^tapbroker-helper: MTU 9000 on bridge br9k is above the ceiling of 4000 set by $TB_TMP/policy.conf:2 \\(allow \"capped\"\\); ask for at most 4000$" \
	"above the policy's ceiling: refused, naming the rule"
ask br0 --mtu=9000
like "$OUT" "^tapbroker-helper: MTU 9000 is above bridge br0's MTU 1500; ask for at most 1500, or raise the bridge's \\(ip link set br0 mtu 9000\\)$" \
	"above the bridge's MTU: refused with both numbers"
ask br0 --mtu=67
like "$OUT" "MTU 67 is out of range \\(68-65535\\)" "below 68: refused"
ask br0 --mtu=70000
like "$OUT" "MTU 70000 is out of range" "above 65535: refused by the broker"
ask br0 --mtu=big
like "$OUT" "^tapbroker-helper: --mtu=big is not a positive number" \
	"not a number: refused by the helper"
ask brauto --mtu=1500
like "$OUT" "^tapbroker-helper: MTU 1500 would lower bridge brauto's MTU from 9000" \
	"a tap that would lower an auto-MTU bridge: refused"
is "$(tbip -o link show brauto | grep -o 'mtu [0-9]*')" "mtu 9000" \
	"... and the bridge is back at 9000"
is "$(tb_taps)" "" "no interface left by any refusal"
hold "$TB_HELPER" brauto
like "$(tbip link show "$IFNAME")" "mtu 9000 .*master brauto" \
	"no --mtu on brauto: the tap follows the bridge (9000)"
release
done_testing
