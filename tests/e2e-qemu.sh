#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# End to end: QEMU as user nobody gets its tap from tapbroker; the guest pings.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
command -v qemu-system-x86_64 >/dev/null ||
	skip_all "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
. "$top_srcdir/tests/guest/boot.sh"
tb_guest_image

tb_netns_setup
tb_bridge br0 && tbip addr add 10.77.0.1/24 dev br0 &&
	tb_bridge br9k 9000 && tbip addr add 10.78.0.1/24 dev br9k &&
	tb_bridge br1 || skip_all "cannot create bridges in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "vms" {
	users = { "nobody" }
	bridges = { "br0", "br9k" }
	routed = { "10.79.0.0/24" }
	gateways = { "169.254.0.1/32" }
}
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TB_GUEST_AS="$TB_NOBODY" TB_GUEST_NETNS="$TB_NS"
nic="virtio-net-pci,romfile=,netdev=n0,mac=52:54:00:12:34:56"

# -netdev bridge,helper=: QEMU execs the helper with --use-vnet --fd --br.
TAPBROKER_SOCKET="$TB_SOCK" tb_guest_run "$guest" 90 \
	"tb.ip=10.77.0.2/24 tb.ping=10.77.0.1" -- \
	-netdev "bridge,id=n0,br=br0,helper=$TB_HELPER" -device "$nic"
ok $? "-netdev bridge,helper=tapbroker-helper: guest pings the bridge"
like "$(cat "$TB_TMP/broker.log")" "grant tb[0-9]+ on br0 to uid 65534 \\(nobody\\).* vnet_hdr" \
	"broker granted the tap to nobody with vnet_hdr"
is "$(tb_taps_settled)" "" "tap is gone after QEMU exits"

# -netdev tap,helper="... --socket=": QEMU runs the helper through /bin/sh.
tb_guest_run "$guest" 90 "tb.ip=10.77.0.3/24 tb.ping=10.77.0.1" -- \
	-netdev "tap,id=n0,br=br0,helper=$TB_HELPER --socket=$TB_SOCK" \
	-device "$nic"
ok $? "-netdev tap,helper=\"tapbroker-helper --socket=...\": guest pings"
is "$(tb_taps_settled)" "" "tap is gone after QEMU exits"

# A jumbo bridge: the tap gets MTU 9000 and 8972-byte pings pass unfragmented.
TAPBROKER_SOCKET="$TB_SOCK" tb_guest_run "$guest" 90 \
	"tb.ip=10.78.0.2/24 tb.ping=10.78.0.1 tb.mtu=9000 tb.pingsize=8972" -- \
	-netdev "bridge,id=n0,br=br9k,helper=$TB_HELPER" \
	-device "$nic,host_mtu=9000"
ok $? "9000-MTU bridge: guest's 8972-byte ping passes"

# Routed mode: no bridge; the guest has a /32 and reaches the host through
# the gateway address the broker put on the tap, as Incus' routed NICs do.
ip netns exec "$TB_NS" sysctl -qw net.ipv4.ip_forward=1
TAPBROKER_SOCKET="$TB_SOCK" tb_guest_run "$guest" 90 \
	"tb.ip=10.79.0.5/32 tb.gw=169.254.0.1 tb.ping=169.254.0.1" -- \
	-netdev "tap,id=n0,helper=$TB_HELPER --routed --address=10.79.0.5 --gateway=169.254.0.1" \
	-device "$nic"
ok $? "routed tap: the guest (10.79.0.5/32) pings its host gateway 169.254.0.1"
like "$(cat "$TB_TMP/broker.log")" "grant tb[0-9]+ \\(routed: 10.79.0.5\\) to uid 65534" \
	"the broker granted a routed tap"
is "$(tb_taps_settled)" "" "the tap is gone after QEMU exits"
is "$(tbip route show 10.79.0.5)" "" "and so is its host route"

# Launcher mode: tapbroker-helper run execs QEMU with the 4 queue fds of
# one multiqueue tap; a 4-vCPU guest sets up 4 queue pairs and pings.
TB_GUEST_AS="$TB_NOBODY env TAPBROKER_SOCKET=$TB_SOCK $TB_HELPER run --br=br0 --queues=4 --vm=mq --" \
	tb_guest_run "$guest" 150 "tb.ip=10.77.0.4/24 tb.ping=10.77.0.1" -- \
	-smp 4 -netdev "tap,id=n0,fds=@FDS@" -device "$nic,mq=on,vectors=10"
ok $? "tapbroker-helper run --queues=4 -- qemu ... fds=@FDS@: guest pings"
like "$(tr -d '\r' <"${TB_GUEST_LOG:-$guest/console.log}")" "^TB-QUEUES rx=4 tx=4$" \
	"the guest sees 4 queue pairs"
like "$(cat "$TB_TMP/broker.log")" "grant tb[0-9]+ on br0 to uid 65534 \\(nobody\\) pid [0-9]+ vnet_hdr queues=4 launcher" \
	"the broker granted one tap with 4 queues to the launched QEMU"
is "$(tb_taps_settled)" "" "the tap is gone after QEMU exits"

# A denial reaches the user through QEMU's stderr, in one line.
out=$(ip netns exec "$TB_NS" $TB_NOBODY env TAPBROKER_SOCKET="$TB_SOCK" \
	qemu-system-x86_64 -accel tcg -nographic -nodefaults -S \
	-netdev "bridge,id=n0,br=br1,helper=$TB_HELPER" 2>&1 </dev/null)
like "$out" "tapbroker-helper: bridge br1 is not allowed for user nobody" \
	"QEMU shows the helper's denial"
is "$(printf '%s\n' "$out" | grep -c '^tapbroker-helper:')" 1 "... in one line"
is "$(tb_taps_settled)" "" "nothing left behind after the denial"
done_testing
