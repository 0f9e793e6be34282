#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# VLANs on bridge ports: access, trunk, hybrid; granted by policy.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
command -v bridge >/dev/null || skip_all "iproute2's bridge tool is missing"
tb_netns_setup
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
filtering=1
tbip link add brv type bridge vlan_filtering 1 2>/dev/null &&
	tbip link set brv up || filtering=0
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "lab" {
	users = { "nobody" }
	bridges = { "br0", "brv" }
	vlans = { "10", "20-29" }
	trunk = yes
}
allow "plain" { users = { "nobody" } bridges = { "brp" } vlans = { "10" } }
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
ask() { OUT=$($TB_NOBODY "$TB_CLIENT" "$TB_HELPER" "$@" 2>&1); }

# ---- on any kernel: what the policy and the bridge refuse ----------------
ask br0 --vlan=10
like "$OUT" "^tapbroker-helper: bridge br0 does not filter VLANs; turn it on with ip link set br0 type bridge vlan_filtering 1$" \
	"a bridge without vlan_filtering: refused, saying how to turn it on"
ask br0 --vlan=30
like "$OUT" "^tapbroker-helper: VLAN 30 on bridge br0 is not allowed for user nobody by $TB_TMP/policy.conf \\(allowed VLANs: 10, 20-29\\)$" \
	"a VLAN not granted: refused, listing the allowed ones"
ask br0 --trunk=20,40
like "$OUT" "VLAN 40 of the trunk on bridge br0 is not allowed" \
	"a trunk with one VLAN not granted: refused, naming it"
ask br0 --trunk=20-x
like "$OUT" "^tapbroker-helper: --trunk: '20-x' is not a VLAN id \\(1-4094\\) or a range N-M$" \
	"a malformed trunk list: refused by the helper"
ask br0 --vlan=4095
like "$OUT" "--vlan=4095 is not a VLAN id \\(1-4094\\)" "VLAN 4095: refused"
is "$(tb_taps)" "" "no interface left by any refusal"

# ---- with bridge VLAN filtering (the full-kernel lane has it) ----------
if [ "$filtering" = 0 ]; then
	for t in "access port" "trunk port" "hybrid port" "VLAN 1 removed"; do
		skip "$t" "this kernel has no bridge vlan_filtering (the full-kernel lane tests it)"
	done
	done_testing
	exit
fi
vlans() { bridge -n "$TB_NS" vlan show dev "$1" | sed 1d | sed "s/^$1//" | tr -s ' \t' ' ' | sed 's/^ //;s/ $//' | grep .; }
hold "$TB_HELPER" brv --vlan=10
is "$(vlans "$IFNAME")" "10 PVID Egress Untagged" \
	"--vlan=10: access port, VLAN 10 untagged PVID, default VLAN 1 removed"
release
hold "$TB_HELPER" brv --trunk=20-22
is "$(vlans "$IFNAME" | tr '\n' ';')" "20;21;22;" "--trunk=20-22: tagged 20, 21, 22 only"
release
hold "$TB_HELPER" brv --vlan=10 --trunk=20,21
is "$(vlans "$IFNAME" | tr '\n' ';')" "10 PVID Egress Untagged;20;21;" \
	"--vlan=10 --trunk=20,21: hybrid port"
like "$(tbip link show "$IFNAME")" "UP.*master brv" "... in the bridge and up"
release
ok $? "VLAN ports are removed when their VM exits"
done_testing
