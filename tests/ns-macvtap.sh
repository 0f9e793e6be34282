#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# macvtap: mode and lower device by policy; removed when its VM exits.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tbip link add lowr type veth peer name lowr-p &&
	tbip link add lowr2 type veth peer name lowr2-p &&
	tbip link set lowr up && tbip link set lowr-p up ||
	skip_all "cannot create veths in a namespace"
tbip link add probe link lowr type macvtap 2>/dev/null ||
	skip_all "no macvtap in this kernel (modprobe macvtap)"
tbip link del probe
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "mv" {
	users = { "nobody" }
	macvtap = { "lowr", "ghost" }
	macvtap_modes = { "vepa", "bridge" }
}
allow "modes" {
	users = { "4242" }
	macvtap = { "lowr2" }
	macvtap_modes = { "vepa", "bridge", "private", "passthru", "source" }
}
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"

mvts() { tbip -o link show 2>/dev/null | awk -F': ' '{print $2}' |
	sed 's/@.*//' | grep -E '^tbm[0-9]+$' || true; }
ask() { OUT=$($TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 "$@" 2>&1); }

hold "$TB_HELPER" br0 --macvtap=lowr --mode=bridge
like "$(cat "$TB_TMP/hold")" "^ifname=tbm[0-9]+ vnet_hdr=1 tap=1$" \
	"--macvtap=lowr --mode=bridge: QEMU gets a macvtap fd with vnet_hdr"
link=$(tbip -d link show "$IFNAME")
like "$link" "$IFNAME@lowr: .*UP" "it is on lowr and up"
like "$link" "macvtap mode bridge " "in bridge mode"
like "$link" "link/ether fe:" "with a fe: MAC"
like "$link" "alias tapbroker uid=65534 vm=$HOLD_PID start=[0-9]+ macvtap=lowr mode=bridge" \
	"its ifalias records the VM and its start time"
kill -KILL "$HOLD_PID"; wait "$HOLD_PID" 2>/dev/null
tb_gone "$IFNAME" 1
ok $? "VM killed: the broker deletes the macvtap within 1 s"
sleep 0.1
like "$(cat "$TB_TMP/broker.log")" "release $IFNAME on lowr of uid 65534 .*: its VM exited" \
	"... and logs the release"

hold "$TB_HELPER" br0 --macvtap=lowr
like "$(tbip -d link show "$IFNAME")" "macvtap mode vepa " "no --mode: vepa"
release
ok $? "a normal exit removes it too"

# A macvtap delivers to its own MAC: with --mac it takes the guest's.
hold "$TB_HELPER" br0 --macvtap=lowr --mac=52:54:00:ab:cd:ef
like "$(tbip link show "$IFNAME")" "link/ether 52:54:00:ab:cd:ef " \
	"--mac=52:54:00:ab:cd:ef: the macvtap has the guest's MAC"
release

# QEMU runs helper="... --macvtap=..." through /bin/sh, which forks it:
# the VM to watch is then the shell's parent, not the shell.
printf '#!/bin/sh\nexec /bin/sh -c "%s $* --macvtap=lowr; true"\n' "$TB_HELPER" >"$TB_TMP/via-sh"
chmod 755 "$TB_TMP/via-sh"
hold "$TB_TMP/via-sh" br0
like "$(cat "$TB_TMP/hold")" "^ifname=tbm[0-9]+ " "helper run through /bin/sh: a macvtap"
sleep 0.5
like "$(tbip -d link show "$IFNAME" 2>&1)" "alias tapbroker uid=65534 vm=$HOLD_PID " \
	"... watched on QEMU's process (the shell's parent), so it stays"
release
ok $? "... and goes when that process exits"

# Each mode, on a veth lower device, for the user the "modes" rule grants.
for mode in vepa bridge private passthru source; do
	TB_AS="setpriv --reuid=4242 --regid=4242 --clear-groups --" \
		hold "$TB_HELPER" br0 --macvtap=lowr2 --mode=$mode
	like "$(tbip -d link show "$IFNAME" 2>&1 | tr "\n" " ")" "$IFNAME@lowr2: .* macvtap mode $mode " \
		"--mode=$mode: a macvtap on lowr2 in $mode mode"
	release
	ok $? "... removed when its VM exits"
done

ask --macvtap=lowr --mode=passthru
like "$OUT" "^tapbroker-helper: macvtap mode passthru on lowr is not allowed for user nobody by $TB_TMP/policy.conf:1 \\(allow \"mv\" allows: vepa, bridge\\)$" \
	"a mode the rule does not allow: refused, listing the modes"
ask --macvtap=lowr --mode=fast
like "$OUT" "macvtap mode 'fast' is not one of vepa, bridge, private, passthru, source" \
	"an unknown mode: refused"
ask --macvtap=lowr2
like "$OUT" "^tapbroker-helper: macvtap on lowr2 is not allowed for user nobody by $TB_TMP/policy.conf \\(allowed lower devices: lowr, ghost\\)$" \
	"a lower device not granted: refused, listing the granted ones"
ask --macvtap=ghost
like "$OUT" "macvtap lower device ghost does not exist" "a missing lower device: refused"
ask --macvtap=lowr --mtu=9000
like "$OUT" "MTU 9000 is outside 68-1500 \\(the most is lower device lowr's MTU 1500\\)" \
	"an MTU above the lower device's: refused with both numbers"
# The helper as nobody under a root parent (tb-client runs as root here).
printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$TB_NOBODY" "$TB_HELPER" >"$TB_TMP/as-nobody"
chmod 755 "$TB_TMP/as-nobody"
out=$("$TB_CLIENT" "$TB_TMP/as-nobody" br0 --macvtap=lowr 2>&1)
like "$out" "the caller's parent \\(pid [0-9]+\\) runs as uid 0, not 65534" \
	"a caller whose parent is not the caller's: refused (no VM to watch)"
is "$(mvts)" "" "no macvtap left by any refusal"

# Restart with a live VM: found again, then removed when it exits.
hold "$TB_HELPER" br0 --macvtap=lowr
tb_broker_stop
tbip link show "$IFNAME" >/dev/null 2>&1
ok $? "a macvtap outlives a stopped broker"
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
like "$(cat "$TB_TMP/broker.log")" "lease $IFNAME \\(macvtap on lowr\\) of uid 65534 vm $HOLD_PID found again" \
	"the restarted broker finds it and watches its VM"
kill -KILL "$HOLD_PID"; wait "$HOLD_PID" 2>/dev/null
tb_gone "$IFNAME" 1
ok $? "... and removes it when the VM exits"

# An orphan: the VM exits while the broker is down.
hold "$TB_HELPER" br0 --macvtap=lowr
tb_broker_stop
kill -KILL "$HOLD_PID"; wait "$HOLD_PID" 2>/dev/null
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
tb_gone "$IFNAME" 1
ok $? "an orphan of a VM that exited while the broker was away is removed at start"
like "$(cat "$TB_TMP/broker.log")" "removed orphan $IFNAME \\(macvtap on lowr\\) of uid 65534: its VM $HOLD_PID exited while the broker was away" \
	"... and logged"
is "$(mvts)" "" "nothing left"
done_testing
