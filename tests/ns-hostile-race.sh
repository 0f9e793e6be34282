#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Attackers racing: one quota, one address, release against request, and a
# broker killed (-9) mid-allocation: nothing doubled, nothing left behind.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
tbip link set br0 address 02:00:00:00:00:01
tbip link add up0 type veth peer name up1
ip netns exec "$TB_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
POL="$TB_TMP/policy.conf"
tb_policy "$POL" <<EOF2
allow "br" { users = { "nobody" } bridges = { "br0" } quota = 3 }
allow "routed" {
	users = { "4242", "4243" }
	bridges = { "br0" }
	routed = { "10.77.0.0/24" }
	tables = { "100" }
	proxy = { "up0" }
	quota = 16
}
EOF2
tb_broker_start --config "$POL" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
as() { echo "setpriv --reuid=$1 --regid=$1 --clear-groups --"; }
PIDS=()

# fire N USER OUT ARGS...: N clients at once, each holding what it gets;
# their outputs in OUT.1 .. OUT.N.  settle N OUT waits until each answered.
fire() {
	local n=$1 user=$2 out=$3 i
	shift 3
	for i in $(seq 1 "$n"); do
		: >"$out.$i"
		$(as "$user") "$TB_CLIENT" --hold "$TB_HELPER" br0 "$@" >"$out.$i" 2>&1 &
		PIDS+=($!)
	done
}
settle() {
	local i k
	for k in $(seq 1 200); do
		local done=0
		for i in $(seq 1 "$1"); do
			grep -q 'ifname=\|tapbroker-helper:' "$2.$i" 2>/dev/null && done=$((done + 1))
		done
		[ "$done" -eq "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
granted() { cat "$1".* 2>/dev/null | grep -c '^ifname='; }
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}
# pool_full: waits (2 s at most) until br0's warm pool is refilled, so that
# no tap being made for it is counted as a lease's.
pool_full() {
	local i
	for i in $(seq 1 100); do
		"$TB_BROKER" status --socket "$TB_SOCK" 2>/dev/null |
			grep -Eq '^pool=br0 size=([0-9]+) ready=\1 ' && return 0
		sleep 0.02
	done
}
leases() { "$TB_BROKER" status --socket "$TB_SOCK" 2>/dev/null | grep -c '^ifname='; }
in_table() { tbip route show table 100 2>/dev/null | grep -c .; }
proxies() { tbip neigh show proxy 2>/dev/null | grep -c .; }

# 1. One uid races its own quota of 3 with 16 helpers at once.
fire 16 65534 "$TB_TMP/q" 
settle 16 "$TB_TMP/q"
ok $? "16 parallel requests of one uid are all answered"
is "$(granted "$TB_TMP/q")" 3 "exactly its quota of 3 is granted"
pool_full
is "$(tb_taps | wc -l)" 3 "... and 3 taps exist"
is "$(leases)" 3 "... and the broker records 3 leases"
is "$(cat "$TB_TMP"/q.* | grep -c 'quota')" 13 \
	"the others are refused by the quota"
stop_all
is "$(tb_taps_settled)" "" "all gone once the holders exit"

# 2. Two uids race for one routed address, 8 requests each.
for u in 4242 4243; do
	fire 8 $u "$TB_TMP/a$u" --routed --address=10.77.0.5 --table=100 --proxy=up0
done
settle 8 "$TB_TMP/a4242" && settle 8 "$TB_TMP/a4243"
ok $? "16 requests for 10.77.0.5 from two uids are all answered"
is "$(( $(granted "$TB_TMP/a4242") + $(granted "$TB_TMP/a4243") ))" 1 \
	"exactly one lease gets 10.77.0.5"
is "$(tbip route show table 100 | grep -c '^10.77.0.5 ')" 1 "one route for it in table 100"
is "$(tbip neigh show proxy | grep -c '^10.77.0.5 ')" 1 "one proxy entry for it"
stop_all
tb_taps_settled >/dev/null
is "$(in_table)$(proxies)" "00" "its route and proxy entry go with it"

# 3. Releases racing requests: the quota and the records stay exact.
over=0
for round in 1 2 3 4 5 6; do
	fire 4 65534 "$TB_TMP/r$round"
	sleep 0.0$round
	for t in $(tb_taps); do "$TB_BROKER" release "$t" --socket "$TB_SOCK" >/dev/null 2>&1 & done
	settle 4 "$TB_TMP/r$round"
	n=$(leases)
	[ "$n" -le 3 ] || { over=1; diag "round $round: $n leases"; }
	stop_all
done
ok $over "6 rounds of requests racing releases: never more than 3 leases"
is "$(tb_taps_settled)" "" "... and nothing left"
fire 3 65534 "$TB_TMP/after"
settle 3 "$TB_TMP/after"
is "$(granted "$TB_TMP/after")" 3 "the whole quota of 3 is free again"
stop_all
tb_taps_settled >/dev/null

# 4. The broker killed with SIGKILL while clients ask, then restarted; one
# routed lease (uid 4243) is held through it all.
TB_AS="$(as 4243)" hold "$TB_HELPER" br0 --routed --address=10.77.0.100 --table=100 --proxy=up0
kept=$IFNAME kept_pid=$HOLD_PID
[ -n "$kept" ] || diag "no kept lease: $(cat "$TB_TMP/hold")"
rounds=10
for round in $(seq 1 $rounds); do
	kill -STOP "$TB_BROKER_PID"
	fire 3 65534 "$TB_TMP/k$round"
	fire 2 4242 "$TB_TMP/kr$round" --routed --address=10.77.0.$((10 + round)) \
		--table=100 --proxy=up0
	sleep 0.1
	kill -CONT "$TB_BROKER_PID"
	sleep "0.00$(( (round * 3) % 10 ))"
	kill -KILL "$TB_BROKER_PID"; wait "$TB_BROKER_PID" 2>/dev/null
	TB_BROKER_PID=""
	stop_all
	tb_broker_start --config "$POL" ||
		{ echo "Bail out! broker did not restart"; exit 1; }
done
diag "granted before a kill: $(cat "$TB_TMP"/k*.* "$TB_TMP"/kr*.* | grep -c '^ifname=') of $((rounds * 5))"
ok 0 "$rounds rounds of kill -9 during requests, each followed by a restart"
pool_full
left=$(tb_taps_settled)
is "$left" "$kept" "after the last restart, only the tap still held is left"
is "$(tbip route show table 100 | cut -d' ' -f1 | tr '\n' ' ')" "10.77.0.100 " \
	"only its route is left in table 100"
is "$(tbip neigh show proxy | cut -d' ' -f1 | tr '\n' ' ')" "10.77.0.100 " \
	"only its proxy entry is left"
is "$(leases)" 1 "the broker records that one lease"
out=$(ip netns exec "$TB_NS" "$TB_BROKER" doctor --config "$POL" 2>&1)
like "$out" "^doctor: 0 errors, 0 warnings" "tapbroker doctor finds nothing half-made"
kill "$kept_pid"; wait "$kept_pid" 2>/dev/null
tb_gone "$kept"
ok $? "the kept lease ends when its holder exits"
is "$(in_table)$(proxies)" "00" "... with its route and proxy entry"
fire 3 65534 "$TB_TMP/end"
settle 3 "$TB_TMP/end"
is "$(granted "$TB_TMP/end")" 3 "the quota is whole after the restarts"
stop_all
done_testing
