#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The broker killed (SIGKILL) before each of its kernel calls in one request,
# then restarted: nothing is left half-made, an adopted tap is put back.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
command -v strace >/dev/null || skip_all "strace is not installed (tools/install-deps)"
tb_netns_setup
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
tbip link set br0 address 02:00:00:00:00:01
tbip link add up0 type veth peer name up1
tbip link add lowr type veth peer name lowr-p
tbip link set lowr up
tbip tuntap add vmtap2 mode tap user 65534
tbip link set vmtap2 mtu 1400
ip netns exec "$TB_NS" sysctl -qw net.ipv4.ip_forward=1
POL="$TB_TMP/policy.conf"
tb_policy "$POL" <<EOF2
allow "all" {
	users = { "nobody" }
	bridges = { "br0" }
	adopt = { "vmtap2" }
	macvtap = { "lowr" }
	routed = { "10.77.0.0/24" }
	tables = { "100" }
	proxy = { "up0" }
}
EOF2
export TAPBROKER_SOCKET="$TB_TMP/socket"
adopted() { tbip -d link show vmtap2 | grep -Eo 'mtu [0-9]+|master [^ ]+|state [A-Z]+|user [a-z0-9]+|alias .*' | tr '\n' ' '; }
WAS=$(adopted)

# traced [INJECT]: strace on the broker for its kernel calls (ioctl and
# netlink sends), killing it before call INJECT if given; sets ST.
traced() {
	local inject=()
	[ -z "${1:-}" ] || inject=(-e "inject=ioctl,sendmsg,sendto:signal=KILL:when=$1")
	strace -qq -e trace=ioctl,sendmsg,sendto "${inject[@]}" \
		-o "$TB_TMP/strace" -p "$TB_BROKER_PID" 2>/dev/null &
	ST=$!
	local i
	for i in $(seq 1 100); do
		grep -Eqs 'TracerPid:[[:space:]]*[1-9]' "/proc/$TB_BROKER_PID/status" && return 0
		sleep 0.02
	done
	return 1
}

# gone PID: waits up to 1 s for it to end.
gone() {
	local i
	for i in $(seq 1 50); do
		kill -0 "$1" 2>/dev/null || return 0
		[ "$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" = Z ] && return 0
		sleep 0.02
	done
	return 1
}

# calls ARGS...: how many kernel calls one request makes, up to its reply.
calls() {
	traced || return 1
	$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 "$@" >/dev/null 2>&1
	sleep 0.2
	kill "$ST"; wait "$ST" 2>/dev/null
	grep -n 'iov_base="tapb' "$TB_TMP/strace" | head -1 | cut -d: -f1
}

# ours: the taps and macvtaps the broker made (deleted in batches, 250 ms),
# not its warm pool's.
ours() {
	tbip -o link show | grep -v '\\    alias tapbroker pool ' |
		awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^tbm?[0-9]+$'
}

# start: the broker, and its warm pool for br0 full, so that its kernel
# calls from then on are the request's.
start() {
	tb_broker_start --config "$POL" ||
		{ echo "Bail out! broker did not restart"; exit 1; }
	local i
	for i in $(seq 1 100); do
		"$TB_BROKER" status --socket "$TB_SOCK" 2>/dev/null |
			grep -Eq '^pool=br0 size=([0-9]+) ready=\1 ' && return 0
		sleep 0.02
	done
}

# clean: what a request that never finished may leave, after a restart.
clean() {
	local t r p a
	for t in $(seq 1 40); do
		t=$(ours)
		[ -z "$t" ] && break
		sleep 0.05
	done
	r=$(tbip route show table 100 2>/dev/null)
	p=$(tbip neigh show proxy)
	a=$(adopted)
	[ -z "$t$r$p" ] && [ "$a" = "$WAS" ] && return 0
	diag "left: taps [$t] routes [$r] proxies [$p] vmtap2 [$a] (was [$WAS])"
	return 1
}

# crash_each NAME ARGS...: for each kernel call N of the request, the broker
# killed before it, restarted, and checked.
crash_each() {
	local name=$1 n k bad=0 docbad=0 out
	shift
	n=$(calls "$@")
	[ -n "$n" ] && [ "$n" -gt 0 ] ||
		{ ok 1 "$name: the request's kernel calls counted"; return; }
	clean || bad=1
	for k in $(seq 1 "$n"); do
		traced "$k" || { bad=1; continue; }
		timeout 10 $TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 "$@" >/dev/null 2>&1
		gone "$TB_BROKER_PID" || kill -KILL "$TB_BROKER_PID" # past the last call
		wait "$TB_BROKER_PID" 2>/dev/null
		kill "$ST" 2>/dev/null; wait "$ST" 2>/dev/null
		TB_BROKER_PID=""
		start
		clean || { bad=1; diag "$name: killed before call $k of $n"; }
		out=$(ip netns exec "$TB_NS" "$TB_BROKER" doctor --config "$POL" 2>&1)
		grep -q '^doctor: 0 errors, 0 warnings' <<<"$out" ||
			{ docbad=1; diag "$name, call $k: $(grep -E '^(error|warning)' <<<"$out" | head -2)"; }
	done
	ok $bad "$name: killed before each of its $n kernel calls, then restarted: nothing left half-made"
	ok $docbad "... and tapbroker doctor finds nothing each time"
}

start
crash_each "a tap in br0"
crash_each "a routed tap with a proxy entry" --routed --address=10.77.0.5 --table=100 --proxy=up0
crash_each "an adopted tap" --adopt=vmtap2
crash_each "a macvtap" --macvtap=lowr
hold "$TB_HELPER" br0 --adopt=vmtap2
like "$(cat "$TB_TMP/hold")" "^ifname=vmtap2 " "the broker still serves: the adopted tap is adopted again"
release
done_testing
