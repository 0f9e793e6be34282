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
boot $MAC "tb.ip=2001:db8:77::9/64 tb.ping=2001:db8:77::1" 2>/dev/null
ok $((! $?)) "a guest with an IPv6 address not granted reaches nothing"
g remove tbq0 $MAC
done_testing
