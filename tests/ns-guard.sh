#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The guard (broker/guard.c): crafted guest frames against a guarded port.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

TB_GUARD="$top_builddir/tests/tb-guard"
MAC=52:54:00:12:34:56
tb_require_kernel
[ -x "$TB_GUARD" ] || skip_all "$TB_GUARD is not built"
command -v nft >/dev/null || skip_all "nft (nftables) is not installed"
command -v bridge >/dev/null || skip_all "bridge (iproute2) is not installed"
tb_netns_setup
ip netns exec "$TB_NS" nft list tables >/dev/null 2>&1 ||
	skip_all "nf_tables is not available in this kernel"
tbip link add tbp type bridge && tbip link del tbp ||
	skip_all "no bridge support in this kernel"

g() { ip netns exec "$TB_NS" "$TB_GUARD" "$@"; }
tnft() { ip netns exec "$TB_NS" nft "$@"; }
tbr() { ip netns exec "$TB_NS" bridge "$@"; }
flags() { tbr -d link show dev "$1" | grep -o 'learning [a-z]*\|locked [a-z]*' | tr '\n' ' '; }

# br0 with the guarded tap tbg0 and a veth port va, captured at its peer vb
tb_bridge br0
tbip link add va type veth peer name vb
tbip link set va master br0
tbip link set va up
tbip link set vb up
bridge_locked=$(tbr -d link show dev va | grep -c 'locked')
[ "$bridge_locked" -gt 0 ] || skip_all "this kernel has no locked bridge ports"
g tap tbg0 br0 || { echo "Bail out! cannot make tap tbg0"; exit 1; }

# ---- frames without a guard: the test can fail ---------------------------
out=$(g send tbg0 vb 2>&1)
is "$(grep -c '^not ok' <<<"$out")" 18 \
	"without a guard, all 18 spoofed frames arrive (the check can fail)"

# ---- install ---------------------------------------------------------------
OUT=$(g install tbg0 $MAC 10.0.0.5 2001:db8::5 2>&1)
ok $? "install a guard on tbg0 ($MAC, 10.0.0.5, 2001:db8::5): $OUT"
list=$(tnft list chain netdev tapbroker tbg0 2>&1)
like "$list" 'hook ingress device "tbg0" priority -500; policy drop;' \
	"nft chain netdev tapbroker tbg0 hooks tbg0's ingress, policy drop"
like "$list" "comment \"tapbroker guard mac=$MAC router=0 rules=25\"" \
	"the chain's comment records the MAC and the rule count"
is "$(flags tbg0)" "learning off locked on " "the port is locked, learning off"
like "$(tbr fdb show dev tbg0)" "^$MAC master br0 static" \
	"a static FDB entry for the MAC"
like "$(g verify tbg0 $MAC 2>&1)" "^guard tbg0 mac $MAC router 0 rules 25$" \
	"verify: the guard is complete"

# ---- frames ------------------------------------------------------------------
out=$(g send tbg0 vb 2>&1)
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok 0 "${line#ok - }" ;;
	"not ok - "*) ok 1 "${line#not ok - }" ;;
	*) diag "$line" ;;
	esac
done <<<"$out"
ok $rc "tb-guard send: every spoofed frame dropped, every legitimate one passed"
# (a kernel with VLAN filtering built in adds the entry once more in each
# VLAN of the port, the bridge's default VLAN 1 even when it does not filter)
is "$(tbr fdb show dev tbg0 | grep -v permanent | sed 's/ .*//' | sort -u)" "$MAC" \
	"the bridge learned no other MAC on the guarded port"
is "$(tbr fdb show dev tbg0 | grep -v permanent | grep -vc ' static$')" 0 \
	"... and holds the guest's MAC as static entries only"
like "$(tnft list chain netdev tapbroker tbg0)" \
	'ether saddr != 52:54:00:12:34:56 counter packets [1-9]' \
	"the source MAC rule counted its drops"

# ---- verify finds a missing or changed guard -----------------------------------
h=$(tnft -a list chain netdev tapbroker tbg0 |
	sed -n 's/.*comment "tapbroker: arp" # handle \([0-9]*\)$/\1/p' | head -1)
tnft delete rule netdev tapbroker tbg0 handle "$h"
like "$(g verify tbg0 2>&1)" "the guard of tbg0 was changed: 24 rules \(24 of them tapbroker's as made\) where 25 were made" \
	"verify: a deleted rule is found"
g install tbg0 $MAC 10.0.0.5 2001:db8::5
tnft insert rule netdev tapbroker tbg0 accept
like "$(g verify tbg0 2>&1)" "was changed: 26 rules \(25 of them tapbroker's as made\)" \
	"verify: an added rule is found"
g install tbg0 $MAC 10.0.0.5 2001:db8::5
handle() {	# handle ROLE: the handle of the first rule with that role
	tnft -a list chain netdev tapbroker tbg0 |
		sed -n "s/.*comment \"tapbroker: $1\" # handle \([0-9]*\)\$/\1/p" | head -1
}
tnft replace rule netdev tapbroker tbg0 handle "$(handle 'dhcp server')" \
	meta protocol ip udp sport 67 accept comment '"tapbroker: dhcp server"'
like "$(g verify tbg0 2>&1)" "was changed: 25 rules \(24 of them tapbroker's as made\)" \
	"verify: a drop rule turned into an accept under its old comment is found"
g install tbg0 $MAC 10.0.0.5 2001:db8::5
tnft replace rule netdev tapbroker tbg0 handle "$(handle 'ipv4 source')" \
	accept comment '"tapbroker: ipv4 source"'
like "$(g verify tbg0 2>&1)" "was changed: 25 rules \(24 of them tapbroker's as made\)" \
	"verify: an accept rule stripped of its match under its old comment is found"
g install tbg0 $MAC 10.0.0.5 2001:db8::5
tnft add chain netdev tapbroker tbg0 '{ policy accept; }'
like "$(g verify tbg0 2>&1)" "is not tapbroker's: .* no hook on tbg0" \
	"verify: a chain policy turned to accept is found"
g install tbg0 $MAC 10.0.0.5 2001:db8::5
like "$(g verify tbg0 52:54:00:12:34:57 2>&1)" "is for MAC $MAC, not 52:54:00:12:34:57" \
	"verify: a guard for another MAC is found"
tbr link set dev tbg0 locked off
like "$(g verify tbg0 2>&1)" "the guard of tbg0 is gone: the bridge port is not locked" \
	"verify: an unlocked port is found"
g install tbg0 $MAC 10.0.0.5 2001:db8::5
tbr fdb del $MAC dev tbg0 master
like "$(g verify tbg0 2>&1)" "no static FDB entry $MAC vlan 0" \
	"verify: a deleted FDB entry is found"
g install tbg0 $MAC 10.0.0.5 2001:db8::5
tnft delete chain netdev tapbroker tbg0
like "$(g verify tbg0 2>&1)" "the guard of tbg0 is gone: no nft chain netdev tapbroker tbg0" \
	"verify: a deleted chain is found"

g install tbg0 $MAC 10.0.0.5 2001:db8::5
tnft add table netdev tapbroker '{ flags dormant; }'
like "$(g verify tbg0 2>&1)" "the guard of tbg0 is off: nft table netdev tapbroker is dormant" \
	"verify: a dormant table (every guard off) is found"
g install tbg0 $MAC 10.0.0.5 2001:db8::5
ok $? "install wakes a dormant table"
g verify tbg0 >/dev/null
ok $? "... and the guard verifies again"

# ---- watching: another process's changes are reported, the broker's not ----
g tap tbg1 br0
sec=--seccomp # the broker's seccomp list, but not in a sanitizer build
! tb_sanitized || sec=
ip netns exec "$TB_NS" "$TB_GUARD" $sec watch 6 tbg1 52:54:00:12:34:57 10.0.0.6 \
	>"$TB_TMP/watch" 2>&1 &
watch_pid=$!
for _ in $(seq 1 100); do
	grep -q '^ready$' "$TB_TMP/watch" && break
	sleep 0.05
done
h=$(tnft -a list chain netdev tapbroker tbg0 |
	sed -n 's/.*comment "tapbroker: arp" # handle \([0-9]*\)$/\1/p' | head -1)
tnft delete rule netdev tapbroker tbg0 handle "$h"
sleep 0.3
tnft delete chain netdev tapbroker tbg1
sleep 0.3
tnft flush ruleset
wait $watch_pid
is "$(cat "$TB_TMP/watch")" "ready
changed tbg0
changed tbg1
changed *" "watch: a deleted rule, a deleted chain, a flushed ruleset are reported; its own install is not"
g install tbg0 $MAC 10.0.0.5 2001:db8::5

# ---- router guests ---------------------------------------------------------------
g install tbg0 $MAC 10.0.0.5 2001:db8::5 --router
out=$(g send tbg0 vb --router 2>&1)
ok $? "router = yes: DHCP offers and router advertisements pass, spoofing does not"
like "$out" "ok - a router advertisement from a router guest passes" \
	"... a router advertisement among them"

# ---- remove, and the tap going ----------------------------------------------------
g remove tbg0 $MAC
ok $? "remove the guard"
tnft list chain netdev tapbroker tbg0 >/dev/null 2>&1
ok $((! $?)) "... its nft chain is gone"
is "$(flags tbg0)" "learning on locked off " "... the port learns again, unlocked"
is "$(tbr fdb show dev tbg0 | grep -c static)" 0 "... its FDB entry is gone"
g remove tbg0 $MAC
ok $? "remove is idempotent"
g install tbg0 $MAC 10.0.0.5
tbip link del tbg0
is "$(tbr fdb show | grep -c "$MAC")" 0 "the tap's deletion takes its FDB entry and port flags"
if tnft list chain netdev tapbroker tbg0 >/dev/null 2>&1; then
	diag "this kernel keeps a netdev chain after its device goes: the lease's end removes it"
fi
g remove tbg0 $MAC
tnft list chain netdev tapbroker tbg0 >/dev/null 2>&1
ok $((! $?)) "remove after the tap went: the chain is gone too"

# a chain left under the name is replaced, not merged
g tap tbg0 br0
tnft add chain netdev tapbroker tbg0 "{ type filter hook ingress device tbg0 priority -600; policy accept; }"
tnft add rule netdev tapbroker tbg0 accept comment '"stale"'
g install tbg0 $MAC 10.0.0.5 2001:db8::5
ok $? "install over a chain left under the name"
list=$(tnft list chain netdev tapbroker tbg0)
ok $(grep -q 'stale\|-600' <<<"$list"; echo $((! $?))) "... the old chain and its rule are gone"
g verify tbg0 >/dev/null
ok $? "... and the guard verifies"
g remove tbg0 $MAC

# ---- fail closed: an install that fails leaves nothing -------------------------------
tbr fdb add 52:54:00:aa:aa:aa dev va master static
OUT=$(g install tbg0 52:54:00:aa:aa:aa 10.0.0.7 2>&1)
rc=$?
ok $((! rc)) "install with a MAC that is static on another port fails"
like "$OUT" "cannot add the static FDB entry 52:54:00:aa:aa:aa on tbg0: .*another port of the bridge holds the MAC" \
	"... in one line naming the MAC"
tnft list chain netdev tapbroker tbg0 >/dev/null 2>&1
ok $((! $?)) "... no nft chain is left"
is "$(flags tbg0)" "learning on locked off " "... the port is not left locked"
like "$(tbr fdb show dev va)" "52:54:00:aa:aa:aa master br0 static" \
	"... the other port's entry is untouched"
tbr fdb del 52:54:00:aa:aa:aa dev va master
tbr fdb add 52:54:00:bb:bb:bb dev va master dynamic
OUT=$(g install tbg0 52:54:00:bb:bb:bb 10.0.0.7 2>&1)
ok $? "a MAC the bridge only learned on another port is taken over: $OUT"
like "$(tbr fdb show | grep 52:54:00:bb:bb:bb)" "^52:54:00:bb:bb:bb dev tbg0 master br0 static$" \
	"... its entry is now static on the guarded port"
g remove tbg0 52:54:00:bb:bb:bb
g tap tbn0 -
OUT=$(g install tbn0 $MAC 10.0.0.5 2>&1)
ok $((! $?)) "install as a bridge port on a tap in no bridge fails"
like "$OUT" "cannot lock bridge port tbn0" "... saying so"
tnft list chain netdev tapbroker tbn0 >/dev/null 2>&1
ok $((! $?)) "... no nft chain is left"

# ---- bad inputs ---------------------------------------------------------------------------
OUT=$(g install tbg0 00:00:00:00:00:00 10.0.0.5 2>&1)
ok $((! $?)) "a zero MAC is refused"
like "$OUT" "MAC 00:00:00:00:00:00 cannot be guarded: it is zero" "... in one line"
OUT=$(g install tbg0 01:00:5e:00:00:01 10.0.0.5 2>&1)
ok $((! $?)) "a multicast MAC is refused"
like "$OUT" "it is multicast; give the guest NIC's unicast MAC" "... in one line"
OUT=$(g install 'tb"0' $MAC 10.0.0.5 2>&1)
ok $((! $?)) "an interface name with a quote is refused"
like "$OUT" "a guarded name has only letters, digits" "... in one line"
is "$(g list)" "" "no guard is left by any refusal"

# ---- under the broker's seccomp allow-list -----------------------------------------
# (not in a sanitizer build: LeakSanitizer's exit-time check needs
# system calls the broker's list does not have)
if tb_sanitized; then
	for t in install verify list "failing install" remove "... none left"; do
		skip "$t under the broker's seccomp list" "sanitizer build"
	done
else
	OUT=$(g --seccomp install tbg0 $MAC 10.0.0.5 2001:db8::5 2>&1)
	ok $? "install under the broker's seccomp list: $OUT"
	OUT=$(g --seccomp verify tbg0 2>&1)
	ok $? "verify under the broker's seccomp list: $OUT"
	is "$(g --seccomp list 2>&1)" "tbg0" "list the guards under the broker's seccomp list"
	tbr fdb add 52:54:00:aa:aa:aa dev va master static
	OUT=$(g --seccomp install tbg0 52:54:00:aa:aa:aa 10.0.0.7 2>&1)
	like "$OUT" "cannot add the static FDB entry" \
		"a failing install (and its undo) under the broker's seccomp list"
	tbr fdb del 52:54:00:aa:aa:aa dev va master
	OUT=$(g --seccomp remove tbg0 $MAC 2>&1)
	ok $? "remove under the broker's seccomp list: $OUT"
	is "$(g --seccomp list 2>&1)" "" "... no guard is left"
fi
OUT=$(g install tbn9 $MAC 2>&1)
like "$OUT" "cannot guard tbn9: no such interface" "a missing interface is refused"

# ---- routed taps ------------------------------------------------------------------------------
OUT=$(g install tbn0 $MAC 10.50.0.5 2001:db8:50::/64 --routed 2>&1)
ok $? "a routed guard (no bridge): $OUT"
like "$(g verify tbn0 --routed 2>&1)" "^guard tbn0 mac $MAC" "... verifies"
list=$(tnft list chain netdev tapbroker tbn0)
like "$list" "ip6 saddr 2001:db8:50::/64 accept" "... IPv6 from its prefix is accepted"
like "$list" "ip6 saddr fe80::5054:ff:fe12:3456 accept" \
	"... and from its EUI-64 link-local address"
g remove tbn0 $MAC --routed

# ---- macvtaps: the guest's frames leave through the macvtap's egress ----------------------
tbip link add mvl type veth peer name mvr
tbip link set mvl up
tbip link set mvr up
# /dev/tapIFINDEX is named in the host's /dev whatever the namespace: an
# unusual ifindex, and a check that the node is this macvtap's
mvidx=$((20000 + $$ % 10000))
mvdev() {
	local sys
	sys=$(ip netns exec "$TB_NS" cat "/sys/class/net/mvt0/macvtap/tap$mvidx/dev" 2>/dev/null)
	[ -n "$sys" ] && [ -c "/dev/tap$mvidx" ] &&
		[ "$(stat -c '%t:%T' "/dev/tap$mvidx")" = "$(printf '%x:%x' "${sys%%:*}" "${sys##*:}")" ]
}
if ! tbip link add link mvl name mvt0 index "$mvidx" type macvtap mode bridge 2>/dev/null ||
	! tbip link set mvt0 up || ! mvdev; then
	for t in "without a guard, spoofed frames leave a macvtap" \
		"install on a macvtap" "the chain hooks the macvtap's egress" \
		"frames through a guarded macvtap" "verify a macvtap's guard"; do
		skip "$t" "no macvtap (or no /dev/tapN) here"
	done
else
	out=$(g send mvt0 mvr --macvtap 2>&1)
	is "$(grep -c '^not ok' <<<"$out")" 19 \
		"without a guard, spoofed frames leave a macvtap (18, and a tagged one)"
	OUT=$(g install mvt0 $MAC 10.0.0.5 2001:db8::5 --macvtap 2>&1)
	ok $? "install on a macvtap: $OUT"
	like "$(tnft list chain netdev tapbroker mvt0)" 'hook egress device "mvt0" priority -500; policy drop;' \
		"the chain hooks the macvtap's egress"
	out=$(g send mvt0 mvr --macvtap 2>&1)
	ok $? "frames through a guarded macvtap: spoofed dropped (tagged too), legitimate pass"
	grep '^not ok' <<<"$out" | while IFS= read -r l; do diag "$l"; done
	like "$(g verify mvt0 --macvtap 2>&1)" "^guard mvt0 mac $MAC" "verify a macvtap's guard"
	g remove mvt0 $MAC --macvtap
fi

# ---- a VLAN-filtering bridge: one FDB entry per VLAN ------------------------------------------
if ! tbip link add br1 type bridge vlan_filtering 1 2>/dev/null; then
	for t in "install on a VLAN-filtering bridge port" \
		"one static FDB entry per VLAN" "... and it verifies" \
		"frames in VLAN 10"; do
		skip "$t" "this kernel's bridge has no VLAN filtering"
	done
else
tbip link set br1 up
tbip link add vc type veth peer name vd
tbip link set vc master br1
tbip link set vc up
tbip link set vd up
tbr vlan add dev vc vid 10 pvid untagged
g tap tbv0 br1
tbr vlan del dev tbv0 vid 1
tbr vlan add dev tbv0 vid 10 pvid untagged
tbr vlan add dev tbv0 vid 20
g install tbv0 $MAC 10.0.0.5 2001:db8::5 --pvid=10 --tagged=20
ok $? "install on a VLAN-filtering bridge port (PVID 10, tagged 20)"
is "$(tbr fdb show dev tbv0 | grep static | sort | tr -s ' ')" \
	"$MAC vlan 10 master br1 static
$MAC vlan 20 master br1 static" "one static FDB entry per VLAN"
g verify tbv0 --pvid=10 --tagged=20 >/dev/null
ok $? "... and it verifies"
out=$(g send tbv0 vd 2>&1)
ok $? "frames in VLAN 10 (untagged and tagged): spoofed dropped, legitimate pass"
grep '^not ok' <<<"$out" | while IFS= read -r l; do diag "$l"; done
fi

# ---- cost ------------------------------------------------------------------------------------
out=$(g bench br0 50 2>&1)
ok $? "tb-guard bench"
diag "$out"
done_testing
