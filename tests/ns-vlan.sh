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
allow "wire" { users = { "root" } bridges = { "brv" } vlans = { "10" } }
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
	for t in "access port" "trunk port" "hybrid port" "VLAN 1 removed" \
		"traffic on an access VLAN"; do
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

# ---- traffic: a VM on access VLAN 10 ---------------------------------------
# The host side: brv.10 (VLAN 10 on the bridge itself) has 10.80.0.1, the
# bridge's untagged side (its PVID, VLAN 1) 10.81.0.1.  The VM's NIC is
# tb-client --wire: it gets the tap from the broker (as root, granted by
# the "wire" rule) and relays its frames to tap gtap in namespace $G,
# which holds the guest's addresses.
G="$TB_NS-g"
trap 'kill "${WIRE:-}" 2>/dev/null; ip netns del "$G" 2>/dev/null; tb_cleanup' EXIT
# step DESCRIPTION COMMAND...: one setup step, its error in the result.
step() {
	local desc=$1 out
	shift
	out=$("$@" 2>&1)
	ok $? "$desc${out:+: $out}"
}
step "a namespace for the guest" ip netns add "$G"
# Its ports came and went: a bridge whose MAC was never set is all zeros
# now, which neither its VLAN nor brv.10 accept.
step "host side: brv gets a MAC of its own" \
	tbip link set brv address 02:54:42:00:00:10
step "host side: brv itself carries VLAN 10" \
	ip netns exec "$TB_NS" bridge vlan add dev brv vid 10 self
step "host side: brv.10, VLAN 10 on brv" \
	tbip link add link brv name brv.10 type vlan id 10
step "host side: brv.10 is up" tbip link set brv.10 up
step "host side: brv.10 has 10.80.0.1/24" tbip addr add 10.80.0.1/24 dev brv.10
step "host side: brv (untagged) has 10.81.0.1/24" \
	tbip addr add 10.81.0.1/24 dev brv
"$TB_CLIENT" --wire "$G" gtap --no-vnet "$TB_HELPER" brv --vlan=10 \
	>"$TB_TMP/wire" 2>&1 &
WIRE=$!
for i in $(seq 1 100); do
	grep -q '^wire gtap' "$TB_TMP/wire" && break
	kill -0 "$WIRE" 2>/dev/null || break
	sleep 0.05
done
ip -n "$G" link set gtap up && ip -n "$G" addr add 10.80.0.2/24 dev gtap &&
	ip -n "$G" addr add 10.81.0.2/24 dev gtap
ok $? "the VM's NIC is up on access VLAN 10: $(head -n 1 "$TB_TMP/wire")"
gping() { ip netns exec "$G" busybox ping -c "$1" -W 1 "$2" >/dev/null 2>&1; }
gping 1 10.80.0.1 || gping 3 10.80.0.1	# the first may wait for ARP
ok $? "the VM on access VLAN 10 pings the host's VLAN 10 interface"
gping 2 10.81.0.1
ok $((!$?)) "... but not the bridge's untagged side (VLAN 1)"
wtap=$(sed -n 's/^ifname=\([^ ]*\).*/\1/p' "$TB_TMP/wire")
kill "$WIRE"; wait "$WIRE" 2>/dev/null
tb_gone "$wtap" 2
ok $? "the VM's tap $wtap is gone when it exits"
done_testing
