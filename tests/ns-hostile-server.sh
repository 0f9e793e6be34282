#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The socket side against a hostile local user: fds that would stall a
# close(), connection floods, forged log lines, status --json.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 && tb_bridge br1 && tbip tuntap add 'q"a=1{' mode tap ||
	skip_all "cannot create bridges and taps in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "test" {
	users = { "nobody" } bridges = { "br0" } quota = 64
	adopt = { "q\\"a=1{" }
}
allow "other-tenant" { users = { "4242" } bridges = { "br1" } }
EOF
FUSE="$top_builddir/tests/tb-fuse"
FLOOD="$top_builddir/tests/tb-flood"
RAW="$top_builddir/tests/tb-raw"
LINGER="$top_builddir/tests/tb-linger"
AS4242="setpriv --reuid=4242 --regid=4242 --clear-groups --"
mkdir "$TB_TMP/mnt"

# served_within MS: uid 4242 gets a tap on br1 within MS milliseconds.
served_within() {
	local start ms
	start=$(date +%s%N)
	timeout 5 $AS4242 "$TB_CLIENT" "$TB_HELPER" br1 >"$TB_TMP/other" 2>&1
	ms=$((($(date +%s%N) - start) / 1000000))
	SERVED_MS=$ms
	grep -q '^ifname=tb' "$TB_TMP/other" && [ "$ms" -le "$1" ]
}

# stops_on_sigterm: the broker exits within 2 s of SIGTERM.  (One stuck
# in a FUSE request cannot even be killed: it is left to tb_broker_stop
# once the file system is gone.)
stops_on_sigterm() {
	kill -TERM "$TB_BROKER_PID"
	for _ in $(seq 1 40); do
		kill -0 "$TB_BROKER_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$TB_BROKER_PID" 2>/dev/null && return 1
	wait "$TB_BROKER_PID" 2>/dev/null
	TB_BROKER_PID=""
}

# fuse_attack: nobody, in its own user and mount namespace, mounts FUSE and
# sends the broker a file whose FLUSH is never answered; the file system
# stays up until fuse_end.  Sets FUSE_PID; output in $TB_TMP/fuse.out.
# Fails if nothing was sent (no FUSE here: "no-fuse").
fuse_attack() {
	rm -f "$TB_TMP/fuse.in"
	mkfifo "$TB_TMP/fuse.in"
	$TB_NOBODY unshare -Urm -- "$FUSE" "$TB_TMP/mnt" "$TB_SOCK" br0 0 \
		<"$TB_TMP/fuse.in" >"$TB_TMP/fuse.out" 2>&1 &
	FUSE_PID=$!
	exec 7>"$TB_TMP/fuse.in"
	for _ in $(seq 1 200); do
		grep -q '^sent' "$TB_TMP/fuse.out" && return 0
		kill -0 "$FUSE_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

fuse_end() {
	exec 7>&-
	wait "$FUSE_PID" 2>/dev/null
}

fuse_ok=1
$TB_NOBODY unshare -Urm true 2>/dev/null || fuse_ok=0
[ -c /dev/fuse ] && [ -w /dev/fuse ] || fuse_ok=0

# start_broker MODE: kernel (SO_PASSRIGHTS where the kernel has it) or
# fallback (the path for kernels before 6.16).
start_broker() {
	if [ "$1" = kernel ]; then
		tb_broker_start --config "$TB_TMP/policy.conf"
	else
		TAPBROKER_TEST_PASSRIGHTS=off tb_broker_start \
			--config "$TB_TMP/policy.conf"
	fi || { echo "Bail out! broker did not start"; exit 1; }
	export TAPBROKER_SOCKET="$TB_SOCK"
}

# ---- 1. fds sent to the broker: a FUSE file whose close() never returns ----
for mode in kernel fallback; do
	start_broker $mode
	what=$([ $mode = kernel ] && echo SO_PASSRIGHTS || echo "pre-6.16 path")
	# many fds at once: the broker refuses, takes none, keeps serving
	fds_before=$(ls "/proc/$TB_BROKER_PID/fd" | wc -l)
	$TB_NOBODY "$TB_CLIENT" --extra-fds 16 "$TB_SOCK" br0 >"$TB_TMP/out" 2>&1
	like "$(cat "$TB_TMP/out")" "^(sendmsg refused: Operation not permitted|status=-74 message=malformed request: file descriptors attached)" \
		"$what: a request with 16 fds of /dev/null attached is refused"
	first=$(grep -q '^sendmsg refused' "$TB_TMP/out" && echo kernel-refused)
	sleep 0.3
	is "$(ls "/proc/$TB_BROKER_PID/fd" | wc -l)" "$fds_before" \
		"$what: ... and the broker holds no fd of it"
	# before the broker accepts: SO_PASSRIGHTS is inherited at connect()
	kill -STOP "$TB_BROKER_PID"
	$TB_NOBODY "$TB_CLIENT" --extra-fds 1 "$TB_SOCK" br0 >"$TB_TMP/out" 2>&1 &
	early=$!
	sleep 0.3
	kill -CONT "$TB_BROKER_PID"
	wait "$early"
	want="^(sendmsg refused: Operation not permitted|status=-74 message=malformed request: file descriptors attached)"
	# where the kernel refused the first one, it must refuse this one
	[ "$first" = kernel-refused ] && want="^sendmsg refused: Operation not permitted"
	like "$(cat "$TB_TMP/out")" "$want" \
		"$what: an fd sent before the broker even accepts is refused too"
	if [ "$fuse_ok" = 0 ]; then
		skip "$what: a FUSE file's fd sent to the broker" \
			"nobody cannot unshare -Urm or open /dev/fuse here"
		tb_broker_stop
		continue
	fi
	if ! fuse_attack && grep -q no-fuse "$TB_TMP/fuse.out"; then
		diag "$(cat "$TB_TMP/fuse.out")"
		skip "$what: a FUSE file's fd sent to the broker" \
			"cannot mount FUSE in a user namespace here"
		fuse_end
		tb_broker_stop
		continue
	fi
	out=$(cat "$TB_TMP/fuse.out")
	like "$out" "flush-stalls" \
		"$what: the premise: another process's close() of the FUSE file hangs"
	if [ $mode = kernel ] && grep -q "sendmsg refused" <<<"$out"; then
		like "$out" "sendmsg refused: Operation not permitted" \
			"$what: the kernel refuses the fd at the client's sendmsg (EPERM)"
	else
		like "$out" "status=-74 message=malformed request: file descriptors attached \\(the broker takes none\\)" \
			"$what: the request is refused in one line"
	fi
	served_within 1000
	ok $? "$what: another tenant is served at once (${SERVED_MS} ms)"
	stops_on_sigterm
	ok $? "$what: SIGTERM stops the broker, the FUSE file system still up"
	fuse_end
	tb_broker_stop
	is "$(grep -c unanswered-flush "$TB_TMP/fuse.out")" 1 \
		"$what: the FUSE server saw no FLUSH but the prober's (the broker never close()d the file)"
done

# ---- 1b. a socket whose last release lingers for an hour ----------------------
# Before 6.16 the broker cannot refuse the file, only where its last
# reference drops: on the quarantine thread, never the event loop.
linger_attack() {
	rm -f "$TB_TMP/linger.in"
	mkfifo "$TB_TMP/linger.in"
	$TB_NOBODY unshare -Urn -- sh -c 'ip link set lo up && exec "$@"' sh \
		"$LINGER" "$TB_SOCK" br0 <"$TB_TMP/linger.in" \
		>"$TB_TMP/linger.out" 2>&1 &
	LINGER_PID=$!
	exec 8>"$TB_TMP/linger.in"
	for _ in $(seq 1 100); do
		grep -q '^sent' "$TB_TMP/linger.out" && return 0
		kill -0 "$LINGER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
# stacks: the kernel stack of each broker thread (where it waits)
stacks() {
	local t
	for t in /proc/"$TB_BROKER_PID"/task/*; do
		cat "$t/stack" 2>/dev/null || cat "$t/wchan"
		echo
	done
}
for mode in kernel fallback; do
	start_broker $mode
	what=$([ $mode = kernel ] && echo SO_PASSRIGHTS || echo "pre-6.16 path")
	if [ "$fuse_ok" = 0 ] || ! linger_attack; then
		diag "$(cat "$TB_TMP/linger.out" 2>/dev/null)"
		skip "$what: a lingering TCP socket sent to the broker" \
			"nobody cannot make a TCP connection in a namespace of its own here"
	else
		like "$(cat "$TB_TMP/linger.out")" "^(sendmsg refused: Operation not permitted|status=-74 message=malformed request: file descriptors attached)" \
			"$what: a lingering TCP socket attached to a request is refused"
		sleep 2.5 # the connection's deadline: it is freed then
		if [ $mode = fallback ]; then
			like "$(stacks)" "tcp_close|sk_stream_wait_close|wait_woken" \
				"$what: its last release lingers (tcp_close) on a broker thread ..."
		fi
		like "$(cat /proc/"$TB_BROKER_PID"/wchan)" "ep_poll|epoll" \
			"$what: ... not the event loop's: it waits in epoll"
		served_within 1000
		ok $? "$what: another tenant is served at once (${SERVED_MS} ms)"
		stops_on_sigterm
		ok $? "$what: SIGTERM stops the broker"
	fi
	exec 8>&-
	wait "$LINGER_PID" 2>/dev/null
	tb_broker_stop
done

# ---- 2. fairness: one uid floods the socket, another is served at once ----
for mode in kernel fallback; do
start_broker $mode
what=$([ $mode = kernel ] && echo "" || echo "(pre-6.16 path) ")
log_from=$(($(wc -l <"$TB_TMP/broker.log") + 1))
newlog() { tail -n +"$log_from" "$TB_TMP/broker.log"; }
$TB_NOBODY "$FLOOD" "$TB_SOCK" 7 3000 >"$TB_TMP/flood" 2>&1 &
flood_pid=$!
sleep 0.5
served_within 1000
ok $? "${what}while nobody floods the socket with thousands of silent connections, uid 4242 is served within 1 s (${SERVED_MS} ms)"
sleep 2.2 # past the 2 s drop: the flooder's connections are replaced
served_within 1000
ok $? "$what... and after the drop, as the flooder reconnects (${SERVED_MS} ms)"
for _ in 1 2 3; do kill -HUP "$TB_BROKER_PID"; sleep 0.2; done
served_within 1000
ok $? "$what... and after three policy reloads (SIGHUP) under the flood (${SERVED_MS} ms)"
like "$(newlog | grep -c 'policy reloaded')" "^3$" "$what... each reload done"
wait "$flood_pid"
like "$(cat "$TB_TMP/flood")" "^flood [0-9]+ connects" "${what}the flooder ran"
diag "$(cat "$TB_TMP/flood")"
like "$(newlog)" "refused [0-9]+ connections of uid 65534: it had 128 open \\(the per-user limit\\)" \
	"${what}the broker refused the flooder's connections beyond its 128, in aggregated lines"
ok $(($(newlog | grep -c 'refused .* connections of uid') < 40)) \
	"$what... a few lines, not one per connection"
$TB_NOBODY "$TB_CLIENT" --direct "$TB_SOCK" br0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^status=0 " "${what}the flooder itself is served again once it stops"
tb_broker_stop
done

# ---- 3. forged log lines: client text with newlines ------------------------
start_broker kernel
log_from=$(($(wc -l <"$TB_TMP/broker.log") + 1))
forged=$'x\ntapbroker: grant tb7 on br0 to uid 0 (root)'
for field in bridge lower mode:lower=br0 trunk:bridge=br0 addresses \
	tables:addresses=10.0.0.1 gateway:addresses=10.0.0.1 adopt:bridge=br0 \
	label:bridge=br0 proxy:addresses=10.0.0.1; do
	ctx=${field#*:}
	[ "$ctx" = "$field" ] && ctx=
	field=${field%%:*}
	$TB_NOBODY "$RAW" "$TB_SOCK" $ctx "$field=$forged" >"$TB_TMP/out" 2>&1
	like "$(cat "$TB_TMP/out")" "^status=-[0-9]+ message=[^\\]*(\\\\x0a|$)" \
		"a request with a newline in its $field is refused (the reply shows it as \\x0a)"
done
$TB_NOBODY "$RAW" "$TB_SOCK" bridge=br0 "label=$forged" >"$TB_TMP/out" 2>&1
$TB_NOBODY "$RAW" "$TB_SOCK" "addresses=10.0.0.1,$forged" "gateway=$forged" \
	>>"$TB_TMP/out" 2>&1
$TB_NOBODY "$RAW" "$TB_SOCK" "bridge=$(printf 'br\033[2J')" >>"$TB_TMP/out" 2>&1
sleep 0.2
log=$(tail -n +"$log_from" "$TB_TMP/broker.log")
diag "$(head -c 1500 <<<"$log")"
ok $(grep -c '^tapbroker: g' <<<"$log") \
	"no forged 'tapbroker: grant' line in the broker's log"
ok $(grep -vc '^tapbroker: ' <<<"$log") \
	"every log line is the broker's own (starts with 'tapbroker: ')"
ok $(grep -c $'\033' <<<"$log") "no terminal escape reaches the log"
like "$log" 'x\\x0atapbroker: g' "the newline shows as \\x0a instead"
tb_broker_stop

# ---- 5. garbage, huge and half-closed requests -------------------------------
start_broker kernel
raw() { $TB_NOBODY "$RAW" "$@" >"$TB_TMP/out" 2>&1; cat "$TB_TMP/out"; }
like "$(raw --garbage=100000 "$TB_SOCK")" "^status=-74 message=malformed request: Message too long" \
	"a 100 kB frame: refused as too long"
like "$(raw --garbage=300 "$TB_SOCK")" "^status=-74 message=malformed request: " \
	"300 bytes of noise: refused as malformed"
like "$(raw --garbage=0 "$TB_SOCK")" "^closed" \
	"an empty frame: the connection is closed"
like "$(raw --shut "$TB_SOCK" bridge=br1)" "^status=-1 message=bridge br1 is not allowed" \
	"a request then a half-close (SHUT_WR): still answered"
served_within 1000
ok $? "... and the broker serves on (${SERVED_MS} ms)"
tb_broker_stop

# ---- 4. status --json is JSON ----------------------------------------------
start_broker kernel
# json: the leases of status --json (not the warm pools' objects)
json() {
	"$TB_BROKER" status --json --socket "$TB_SOCK" >"$TB_TMP/json" || return 1
	jq '[.[] | select(has("ifname"))]' "$TB_TMP/json"
}
if ! command -v jq >/dev/null; then
	skip "status --json parsed by jq" "jq is not installed (tools/install-deps)"
else
	jq -e 'type == "array" and length == 0' <<<"$(json)" >/dev/null
	ok $? "no lease: status --json is a JSON array with no lease in it"
	jq -e 'all(.[]; (.size // 0 | type) == "number")' "$TB_TMP/json" >/dev/null
	ok $? "... the warm pools' sizes are JSON numbers"
	hold "$TB_HELPER" br0 --vm=web-1
	held=$HOLD_PID
	TB_AS=$AS4242 hold "$TB_HELPER" br1
	out=$(json)
	jq . "$TB_TMP/json" >/dev/null
	ok $? "two leases: status --json is valid JSON (jq)"
	jq -e 'length == 2 and all(.[]; (.mtu | type) == "number" and
		(.uid | type) == "number" and (.vm | type) == "number" and
		(.age | type) == "number" and (.ifname | type) == "string")' \
		<<<"$out" >/dev/null
	ok $? "... numbers are JSON numbers, names strings"
	jq -e 'any(.[]; .uid == 4242 and .user == null and .label == null)' \
		<<<"$out" >/dev/null
	ok $? "... absent values (no passwd entry, no --vm label) are null"
	jq -e 'any(.[]; .user == "nobody" and .label == "web-1" and .bridge == "br0")' \
		<<<"$out" >/dev/null
	ok $? "... present ones are strings"
	kill "$held" "$HOLD_PID"
	wait "$held" "$HOLD_PID" 2>/dev/null
	# an admin-made tap whose name holds a quote, '=' and '{', adopted
	hold "$TB_HELPER" br0 '--adopt=q"a=1{'
	like "$("$TB_BROKER" status --socket "$TB_SOCK")" '^ifname=q"a=1\{ kind=adopted ' \
		"status: an odd interface name is one value of its line"
	out=$(json)
	jq -e '.[0].ifname == "q\"a=1{" and .[0].kind == "adopted"' <<<"$out" >/dev/null
	ok $? "status --json: its quote is escaped, the name comes back whole"
	release
fi
tb_broker_stop

done_testing
