#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real guest (QEMU, TCG) behind a guarded port: its own MAC and address pass, others not.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TB_GUARD="$top_builddir/tests/tb-guard"
MAC=52:54:00:12:34:56
tb_require_kernel
[ -x "$TB_GUARD" ] || skip_all "$TB_GUARD is not built"
command -v qemu-system-x86_64 >/dev/null ||
	skip_all "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
. "$top_srcdir/tests/guest/boot.sh"
tb_guest_image

tb_netns_setup
ip netns exec "$TB_NS" nft list tables >/dev/null 2>&1 ||
	skip_all "nf_tables is not available in this kernel"
tb_bridge br0 && tbip addr add 10.77.0.1/24 dev br0 ||
	skip_all "cannot create a bridge in a namespace"
g() { ip netns exec "$TB_NS" "$TB_GUARD" "$@"; }
g tap tbq0 br0 || { echo "Bail out! cannot make tap tbq0"; exit 1; }
g install tbq0 $MAC 10.77.0.2 ||
	skip_all "cannot install a guard here (locked bridge ports need Linux 5.18)"
export TB_GUEST_NETNS="$TB_NS"
boot() {	# boot GUEST-MAC KERNEL-ARGS: the guest on the guarded tap tbq0
	tb_guest_run "$guest" 90 "$2" -- \
		-netdev tap,id=n0,ifname=tbq0,script=no,downscript=no \
		-device "virtio-net-pci,romfile=,netdev=n0,mac=$1"
}

boot $MAC "tb.ip=10.77.0.2/24 tb.ping=10.77.0.1"
ok $? "a guest with the guard's MAC and address pings through the guarded port"
boot 52:54:00:12:34:57 "tb.ip=10.77.0.2/24 tb.ping=10.77.0.1" 2>/dev/null
ok $((! $?)) "a guest with another MAC (as with a wrong --mac) reaches nothing"
boot $MAC "tb.ip=10.77.0.9/24 tb.ping=10.77.0.1" 2>/dev/null
ok $((! $?)) "a guest with an address not granted reaches nothing"
list=$(ip netns exec "$TB_NS" nft list chain netdev tapbroker tbq0)
like "$list" 'ether saddr != 52:54:00:12:34:56 counter packets [1-9]' \
	"the source MAC rule dropped the wrong-MAC guest's frames"
is "$(ip netns exec "$TB_NS" bridge fdb show dev tbq0 | grep -v permanent | sed 's/ .*//' | sort -u)" \
	"$MAC" "the bridge learned neither wrong MAC nor address on the port"
boot $MAC "tb.ip=10.77.0.2/24 tb.ping=10.77.0.1"
ok $? "the right guest still pings afterwards"

# IPv6: duplicate address detection, neighbour discovery, then the ping
tbip addr add 2001:db8:77::1/64 dev br0 nodad
g install tbq0 $MAC 10.77.0.2 2001:db8:77::2
boot $MAC "tb.ip=2001:db8:77::2/64 tb.ping=2001:db8:77::1"
ok $? "a guest with its granted IPv6 address pings over IPv6 (DAD, NDP pass)"
# (no negative IPv6 case here: a guest whose global address is refused
# still reaches the host from its link-local address, which is its own;
# ns-guard.sh sends the spoofed IPv6 sources)
g remove tbq0 $MAC

# ---- through the broker: QEMU as nobody, the helper with --mac ------------
tb_bridge brg && tbip addr add 10.88.0.1/24 dev brg ||
	skip_all "cannot create a second bridge"
tb_policy "$TB_TMP/policy.conf" <<EOF2
allow "guarded" {
	users = { "nobody" }
	bridges = { "brg" }
	guard = yes
	addresses = { "10.88.0.0/24" }
}
EOF2
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
helper="$TB_HELPER --socket=$TB_SOCK --mac=$MAC --address=10.88.0.2"
TB_GUEST_AS="$TB_NOBODY" tb_guest_run "$guest" 90 \
	"tb.ip=10.88.0.2/24 tb.ping=10.88.0.1" -- \
	-netdev "tap,id=n0,br=brg,helper=$helper" \
	-device "virtio-net-pci,romfile=,netdev=n0,mac=$MAC"
ok $? "QEMU with mac= and the helper's same --mac: the guest pings through the broker's guarded port"
like "$(cat "$TB_TMP/broker.log")" "grant tb[0-9]+ on brg to uid 65534" "... the broker granted it"
TB_GUEST_AS="$TB_NOBODY" tb_guest_run "$guest" 90 \
	"tb.ip=10.88.0.2/24 tb.ping=10.88.0.1" -- \
	-netdev "tap,id=n0,br=brg,helper=$helper" \
	-device "virtio-net-pci,romfile=,netdev=n0,mac=52:54:00:12:34:99" 2>/dev/null
ok $((! $?)) "with a wrong --mac (QEMU's mac= differs) the guest reaches nothing"
is "$(tb_taps_settled)" "" "the taps are gone after QEMU exits"
is "$(ip netns exec "$TB_NS" nft list table netdev tapbroker 2>/dev/null | grep -c 'chain ')" 0 \
	"... and so are their guards"
done_testing
