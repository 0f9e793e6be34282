#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Started as systemd would: the listening socket inherited, READY=1 sent.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "vms" { users = { "nobody" } bridges = { "br0" } }
EOF
ACT="$top_builddir/tests/tb-activate"
TB_SOCK="$TB_TMP/socket"

# activate [--type=stream]: the broker under tb-activate, output in $TB_TMP/act.
activate() {
	: >"$TB_TMP/act"	# now: the background job's own > may come late
	ip netns exec "$TB_NS" "$ACT" "$@" "$TB_SOCK" "$TB_TMP/notify" -- \
		"$TB_BROKER" --foreground --config "$TB_TMP/policy.conf" \
		${TB_BROKER_EXTRA:-} >"$TB_TMP/act" 2>"$TB_TMP/broker.log" &
	ACT_PID=$!
}
wait_for() {	# wait_for PATTERN [SECONDS]: up to 5 s for it in $TB_TMP/act
	local i
	for i in $(seq 1 $((${2:-5} * 20))); do
		grep -q "$1" "$TB_TMP/act" && return 0
		sleep 0.05
	done
	return 1
}

activate
wait_for "notify: READY=1"
ok $? "the broker tells systemd READY=1"
like "$(cat "$TB_TMP/broker.log")" "listening on $TB_SOCK \\(from systemd\\)" \
	"it serves the inherited socket"
bpid=$(sed -n 's/.*broker-pid=\([0-9]*\).*/\1/p' "$TB_TMP/act" | head -1)
is "$(readlink /proc/"$bpid"/fd/3 | cut -d: -f1)" socket "fd 3 is the socket"
TAPBROKER_SOCKET="$TB_SOCK" $TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^ifname=tb" "a client gets a tap through it"
kill "$bpid"
# a clean stop deletes the warm pool's taps (RCU waits), and a sanitizer
# build checks for leaks at exit: on a loaded machine that takes seconds
wait_for "exit: 0" 20
rc=$?
ok $rc "SIGTERM: clean exit"
[ $rc -eq 0 ] || diag "$(tail -5 "$TB_TMP/act")"
[ -S "$TB_SOCK" ]
ok $? "the socket file stays: it belongs to systemd"
wait "$ACT_PID"

rm -f "$TB_SOCK"
activate --type=stream
wait_for "exit: "
like "$(cat "$TB_TMP/act")" "exit: 1" "a SOCK_STREAM socket is refused"
like "$(cat "$TB_TMP/broker.log")" "not a listening unix SOCK_SEQPACKET socket \\(ListenSequentialPacket=" \
	"... naming the unit setting to use"
wait "$ACT_PID"
done_testing
