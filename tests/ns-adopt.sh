#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Adopting pre-made taps: granted by name, owner checked, put back after.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 && tbip tuntap add vmtap0 mode tap &&
	tbip tuntap add vmtap1 mode tap user 4242 &&
	tbip tuntap add vmtap2 mode tap user 65534 &&
	tbip tuntap add vmtap3 mode tap &&
	tbip link add notap type veth peer name notap-p ||
	skip_all "cannot create bridges, taps, veths in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "vms" {
	users = { "nobody" }
	bridges = { "br0" }
	adopt = { "vmtap0", "vmtap1", "vmtap2", "notap", "ghost" }
}
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
ask() { OUT=$($TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 "$@" 2>&1); }
state() { tbip -d link show "$1" | tr -s ' ' ; }
back() {	# back IFNAME: waits up to 1 s for it to leave the bridge
	local i
	for i in $(seq 1 20); do
		tbip link show "$1" | grep -q master || return 0
		sleep 0.05
	done
	return 1
}

hold "$TB_HELPER" br0 --adopt=vmtap0
like "$(cat "$TB_TMP/hold")" "^ifname=vmtap0 vnet_hdr=1 tap=1$" \
	"--adopt=vmtap0: QEMU gets the pre-made tap"
like "$(state vmtap0)" "vmtap0: .*UP.* master br0 " "it is in br0 and up"
like "$(state vmtap0)" "alias tapbroker uid=65534 vm=$HOLD_PID br=br0 was=0,1500,0" \
	"its ifalias records how to put it back"
ask --adopt=vmtap0
like "$OUT" "vmtap0 is already leased|something holds it already" \
	"a tap in use: refused"
kill "$HOLD_PID"; wait "$HOLD_PID" 2>/dev/null
back vmtap0
ok $? "VM exits: the tap leaves the bridge"
link=$(state vmtap0)
ok $(($(printf '%s' "$link" | grep -c 'state UP\|,UP')))  "... is down again"
ok $(($(printf '%s' "$link" | grep -c alias))) "... its alias cleared"
like "$(tbip -o link show vmtap0)" "vmtap0" "... and it still exists"

ask --adopt=vmtap1
like "$OUT" "^tapbroker-helper: vmtap1 belongs to uid 4242 \\(its tun owner\\), not to uid 65534$" \
	"another uid's tap: refused"
hold "$TB_HELPER" br0 --adopt=vmtap2
like "$(cat "$TB_TMP/hold")" "^ifname=vmtap2 " "the caller's own tap: adopted"
release_adopt() { kill "$HOLD_PID"; wait "$HOLD_PID" 2>/dev/null; back "$1"; }
release_adopt vmtap2
ask --adopt=notap
like "$OUT" "notap is not a tap \\(it is a veth device\\)" "a veth: refused"
ask --adopt=ghost
like "$OUT" "ghost does not exist \\(an admin makes it: ip tuntap add ghost mode tap user 65534\\)" \
	"a missing tap: refused, saying how to make it"
ask --adopt=vmtap3
like "$OUT" "^tapbroker-helper: adopting vmtap3 is not allowed for user nobody by $TB_TMP/policy.conf" \
	"a tap the policy does not name: refused"

# Restart with an adopted tap in use: found again, put back at the end.
hold "$TB_HELPER" br0 --adopt=vmtap0
tb_broker_stop
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
like "$(cat "$TB_TMP/broker.log")" "lease vmtap0 on br0 of uid 65534 vm $HOLD_PID found again" \
	"a restarted broker finds the adopted tap"
release_adopt vmtap0
ok $? "... and puts it back when the VM exits"
is "$(tbip -o link show | grep -c 'vmtap[0-3]')" 4 "all four pre-made taps still exist"
done_testing
