#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The guard seen from outside: status (text and --json) shows each lease's
# guard, before and after a restart; bridged claims survive a restart; a
# guard the kernel refuses reaches the user as one line.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
command -v jq >/dev/null || skip_all "jq is not installed (tools/install-deps)"
tb_netns_setup
tb_bridge brg 1500 && tb_bridge brr 1500 && tb_bridge br2 1500 ||
	skip_all "cannot make bridges"
ip netns exec "$TB_NS" nft list tables >/dev/null 2>&1 ||
	skip_all "no nftables in this kernel"
tb_policy "$TB_TMP/policy.conf" <<EOF2
allow "guarded" {
	users = { "nobody" }
	bridges = { "brg" }
	guard = yes
	addresses = { "10.9.0.0/24", "fd00:9::/64" }
}
allow "router" { users = { "nobody" } bridges = { "brr" } guard = yes router = yes }
allow "bridged-addr" { users = { "nobody" } bridges = { "br2" } addresses = { "10.9.1.0/24" } }
EOF2
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
status() { "$TB_BROKER" status --socket "$TB_SOCK" "$@"; }
answer() {
	$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" "$@" 2>&1 |
		sed -n 's/^tapbroker-helper: //p' | head -1
}
# holds three leases: guarded (gtap), router (rtap), unguarded (utap)
hold "$TB_HELPER" brg --mac=52:54:00:12:34:56 --address=10.9.0.5 --address=fd00:9::5
gtap=$IFNAME gpid=$HOLD_PID
[ -n "$gtap" ] || diag "$(cat "$TB_TMP/hold")"
hold "$TB_HELPER" brr --mac=52:54:00:00:00:02
rtap=$IFNAME rpid=$HOLD_PID
[ -n "$rtap" ] || diag "$(cat "$TB_TMP/hold")"
hold "$TB_HELPER" br2 --mac=52:54:00:00:00:07 --address=10.9.1.7
utap=$IFNAME upid=$HOLD_PID
[ -n "$utap" ] || diag "$(cat "$TB_TMP/hold")"
[ -n "$gtap" ] && [ -n "$rtap" ] && [ -n "$utap" ] ||
	{ echo "Bail out! no leases: $(cat "$TB_TMP/broker.log")"; exit 1; }

check_status() { # WHEN
	local s
	s=$(status)
	like "$(grep "^ifname=$gtap " <<<"$s")" \
		" guard=52:54:00:12:34:56 guard_router=no guard_addresses=10.9.0.5/32,fd00:9::5/128$" \
		"$1status: a guarded lease's MAC, router no, its addresses"
	like "$(grep "^ifname=$rtap " <<<"$s")" " guard=52:54:00:00:00:02 guard_router=yes guard_addresses=-$" \
		"$1status: router = yes, no addresses"
	like "$(grep "^ifname=$utap " <<<"$s")" " guard=-$" "$1status: an unguarded lease's guard=-"
	status --json >"$TB_TMP/json"
	jq -e . "$TB_TMP/json" >/dev/null
	ok $? "$1status --json is valid JSON (jq)"
	is "$(jq -c --arg t "$gtap" '.[] | select(.ifname == $t) | .guard' "$TB_TMP/json")" \
		'{"mac":"52:54:00:12:34:56","router":false,"addresses":["10.9.0.5/32","fd00:9::5/128"]}' \
		"$1status --json: the guard is one object"
	is "$(jq -c --arg t "$rtap" '.[] | select(.ifname == $t) | .guard' "$TB_TMP/json")" \
		'{"mac":"52:54:00:00:00:02","router":true,"addresses":[]}' \
		"$1status --json: router true, addresses []"
	is "$(jq -c --arg t "$utap" '.[] | select(.ifname == $t) | .guard' "$TB_TMP/json")" \
		'null' "$1status --json: no guard is null"
	is "$(jq -r --arg t "$gtap" '.[] | select(.ifname == $t) | .age | type' "$TB_TMP/json")" \
		number "$1status --json: the keys after the guard are still there"
}
check_status ""
like "$(tbip -o link show "$utap")" "alias tapbroker uid=65534 vm=[0-9]+ br=br2 addrs=10.9.1.7/32" \
	"a bridged lease's claimed addresses are in its record (ifalias)"
tb_broker_stop
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
check_status "after a restart: "
is "$(answer br2 --mac=52:54:00:00:00:08 --address=10.9.1.7)" \
	"address 10.9.1.7/32 overlaps 10.9.1.7/32, leased to $utap of uid 65534" \
	"after a restart: a bridged lease's address is still its own (another lease claiming it is refused)"
is "$(answer brg --mac=52:54:00:00:00:09 --address=10.9.0.5)" \
	"address 10.9.0.5/32 overlaps 10.9.0.5/32, leased to $gtap of uid 65534" \
	"after a restart: a guarded lease's address likewise"
for p in $gpid $rpid $upid; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
is "$(tb_taps_settled)" "" "the leases end, leaving no tap"

# ---- a guard the kernel refuses: the reason, in one line, to the user ----
tbip link add va type veth peer name vb && tbip link set va master brg &&
	ip netns exec "$TB_NS" bridge fdb add 52:54:00:aa:bb:cc dev va master static
out=$(answer brg --mac=52:54:00:aa:bb:cc --address=10.9.0.6)
like "$out" "^cannot guard tb[0-9]+ \\(guard = yes by $TB_TMP/policy.conf:[0-9]+ \\(allow \"guarded\"\\)\\), refused: cannot add the static FDB entry 52:54:00:aa:bb:cc on tb[0-9]+: File exists \\(another port of the bridge holds the MAC; give the guest another MAC\\)$" \
	"a MAC another port holds statically: the user reads why the guard failed"
is "$(tb_taps_settled)" "" "... and nothing is left"
ip netns exec "$TB_NS" nft list table netdev tapbroker 2>/dev/null | grep -q "chain tb"
ok $((! $?)) "... no guard chain either"
tb_broker_stop
done_testing
