#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Leases: quota, release when the VM dies, the kernel as the record, load.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "vms" {
	users = { "nobody" }
	bridges = { "br0" }
	quota = 3
}
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"

# grab K: starts holder K (nobody, br0) in the background; H[K] is its pid.
declare -a H
grab() {
	$TB_NOBODY "$TB_CLIENT" --hold "$TB_HELPER" br0 >"$TB_TMP/h$1" 2>&1 &
	H[$1]=$!
}
# settle K...: waits until each holder has its answer (tap or refusal).
settle() {
	local k i
	for k in "$@"; do
		for i in $(seq 1 100); do
			[ -s "$TB_TMP/h$k" ] && break
			sleep 0.05
		done
	done
}
# gone K: kills holder K with SIGKILL, as a VM that crashes.
gone() { kill -KILL "${H[$1]}" 2>/dev/null; wait "${H[$1]}" 2>/dev/null; }
ntaps() { tb_taps | grep -c . ; }
# until_n N: waits up to 1 s for exactly N taps; prints the count.
until_n() {
	local i
	for i in $(seq 1 20); do
		[ "$(ntaps)" = "$1" ] && break
		sleep 0.05
	done
	ntaps
}

# ---- quota and the record in the kernel --------------------------------
grab 1; grab 2; grab 3; settle 1 2 3
is "$(cat "$TB_TMP"/h1 "$TB_TMP"/h2 "$TB_TMP"/h3 | grep -c '^ifname=tb')" 3 \
	"three taps within the quota of 3"
tap1=$(sed -n 's/^ifname=\([^ ]*\).*/\1/p' "$TB_TMP/h1")
like "$(tbip -d link show "$tap1")" "alias tapbroker uid=65534 vm=${H[1]} br=br0" \
	"the tap's ifalias records uid, VM pid and bridge"
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" \
	"^tapbroker-helper: user nobody already holds 3 taps, the quota of 3 set by $TB_TMP/policy.conf:1 \\(allow \"vms\"\\)" \
	"a fourth is refused, naming the quota and its rule"
is "$(until_n 3)" 3 "... and leaves no interface behind"

# ---- a VM killed with SIGKILL: tap gone, slot free within 1 s -----------
gone 1
is "$(until_n 2)" 2 "SIGKILLed VM: its tap is gone within 1 s"
sleep 0.1
like "$(cat "$TB_TMP/broker.log")" "release $tap1 on br0 of uid 65534 vm ${H[1]} after [0-9]+ s: its VM closed it" \
	"the broker logs the release"
grab 4; settle 4
like "$(cat "$TB_TMP/h4")" "^ifname=tb" "the freed slot serves the next VM"

# ---- broker restart: leases found again in the kernel ------------------
# tb77 stands for a tap made by a broker SIGKILLed mid-allocation: created
# and persistent, but never given its alias (nor handed out).
tb_broker_stop
tbip tuntap add tb77 mode tap
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
like "$(cat "$TB_TMP/broker.log")" "removed tb77: made by a broker that stopped before it was handed out" \
	"a tap left mid-allocation is removed at start"
for i in $(seq 1 20); do tbip link show tb77 >/dev/null 2>&1 || break; sleep 0.05; done
tbip link show tb77 >/dev/null 2>&1
ok $((! $?)) "... and is gone"
is "$(grep -c 'found again' "$TB_TMP/broker.log")" 3 \
	"restarted broker finds the 3 live leases by their ifalias"
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "already holds 3 taps" \
	"... and counts them against the quota"
gone 2; gone 3; gone 4
is "$(until_n 0)" 0 "VMs exit after the restart: their taps are gone"
sleep 0.1
is "$(grep -c '^tapbroker: release ' "$TB_TMP/broker.log")" 4 \
	"... and the new broker released each lease"

# ---- clients that misbehave --------------------------------------------
$TB_NOBODY "$TB_CLIENT" --no-read "$TB_SOCK" br0
is "$(until_n 0)" 0 "a client that never reads its reply: no interface left"
$TB_NOBODY "$TB_CLIENT" --idle 100 "$TB_SOCK" >"$TB_TMP/idle" 2>&1 &
idle_pid=$!
for i in $(seq 1 100); do grep -q idle "$TB_TMP/idle" && break; sleep 0.02; done
start=$(date +%s%N)
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>&1
ms=$((($(date +%s%N) - start) / 1000000))
like "$(cat "$TB_TMP/out")" "^ifname=tb" "with 100 idle connections open, a 101st client is served"
ok $((ms >= 1000)) "... at once (${ms} ms, before the idle ones time out)"
sleep 2.2
kill "$idle_pid"; wait "$idle_pid" 2>/dev/null
is "$(sed -n 's/.*dropped \([0-9]*\) clients\{0,1\} that sent no request within 2000 ms/\1/p' \
	"$TB_TMP/broker.log" | awk '{n += $1} END {print n + 0}')" 100 \
	"the 100 idle connections are dropped at their deadline"
ok $(($(grep -c 'that sent no request' "$TB_TMP/broker.log") > 3)) \
	"... in one log line per expiry, not one per connection"

# ---- quota under 32 concurrent requests --------------------------------
is "$(until_n 0)" 0 "no taps before the burst"
for k in $(seq 10 41); do grab "$k"; done
settle $(seq 10 41)
got=$(cat "$TB_TMP"/h{10..41} | grep -c '^ifname=tb')
refused=$(cat "$TB_TMP"/h{10..41} | grep -c 'already holds 3 taps')
is "$got" 3 "32 concurrent requests: exactly the quota of 3 granted"
is "$refused" 29 "... the other 29 refused for the quota"
is "$(ntaps)" 3 "... and 3 taps exist"
for k in $(seq 10 41); do gone "$k"; done
is "$(until_n 0)" 0 "all gone when the VMs exit"

# ---- admin commands: status, release ------------------------------------
$TB_NOBODY "$TB_CLIENT" --hold "$TB_HELPER" br0 --vm=web-1 >"$TB_TMP/h50" 2>&1 &
H[50]=$!
settle 50
tap50=$(sed -n 's/^ifname=\([^ ]*\).*/\1/p' "$TB_TMP/h50")
st=$("$TB_BROKER" status --socket "$TB_SOCK")
like "$st" "^ifname=$tap50 kind=tap bridge=br0 mtu=1500 uid=65534 user=nobody vm=${H[50]} label=web-1 age=[0-9]+ guard=-$" \
	"status lists the lease: interface, bridge, user, VM, --vm label, age"
like "$(tbip -d link show "$tap50")" "alias tapbroker uid=65534 vm=${H[50]} br=br0 label=web-1" \
	"the label is in the ifalias too"
like "$st" "^1 lease$" "... and counts them"
like "$("$TB_BROKER" status --json --socket "$TB_SOCK")" \
	"^  \{\"ifname\": \"$tap50\", \"kind\": \"tap\", \"bridge\": \"br0\", \"mtu\": 1500, \"uid\": 65534, \"user\": \"nobody\", \"vm\": ${H[50]}, \"label\": \"web-1\", \"age\": [0-9]+, \"guard\": null\}$" \
	"status --json: one object per lease"
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 "--vm=a b" >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^tapbroker-helper: --vm=a b is not 1-32 letters, digits" \
	"a label with a space: refused"
out=$($TB_NOBODY "$TB_BROKER" status --socket "$TB_SOCK" 2>&1)
ok $((! $?)) "status as nobody: refused (exit 1)"
like "$out" "^tapbroker: status and release are for root and the policy's admin_groups; uid 65534 is neither$" \
	"... saying who may"
out=$("$TB_BROKER" release tb999 --socket "$TB_SOCK" 2>&1)
like "$out" "tb999 is not a lease of this broker" "release of an unknown interface: refused"
out=$("$TB_BROKER" release "$tap50" --socket "$TB_SOCK" 2>&1)
is "$out" "released $tap50" "release ends a live lease"
is "$(until_n 0)" 0 "... its tap is deleted while the VM still runs"
like "$(cat "$TB_TMP/broker.log")" "release $tap50 on br0 of uid 65534 .*: released by uid 0" \
	"... and the log says who released it"
gone 50

kill -0 "$TB_BROKER_PID" 2>/dev/null
ok $? "broker still serving"
fds=$(ls /proc/"$TB_BROKER_PID"/fd | wc -l)
diag "broker: $fds open fds, $(awk '/VmRSS/ {print $2 " " $3}' /proc/"$TB_BROKER_PID"/status) RSS"
done_testing
