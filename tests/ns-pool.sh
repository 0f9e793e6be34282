#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The warm pool: taps made ahead in their bridge, taken, refilled, kept
# out of tenants' reach, forwarding nothing, gone at a stop or a restart.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
# No IPv6: a tap's own link-local traffic would blur "received nothing".
ip netns exec "$TB_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
tbip addr add 10.61.0.1/24 dev br0
tb_policy "$TB_TMP/policy.conf" <<EOF
pool = 2
allow "vms" {
	users = { "nobody" }
	bridges = { "br0" }
	adopt = { "tb0", "tb1", "tb2", "tb3", "tb4", "tb5" }
	quota = 8
}
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"

status() { "$TB_BROKER" status --socket "$TB_SOCK" "$@"; }
pool_taps() { tb_pool_taps; }
# until_ready N [SECONDS]: waits for "ready=N" in status; prints its line.
until_ready() {
	local i
	for i in $(seq 1 $((${2:-2} * 20))); do
		status | grep -q "^pool=br0 size=[0-9]* ready=$1 " && break
		sleep 0.05
	done
	status | grep '^pool=' || true
}
txstat() { # txstat IF: "packets dropped" sent towards the tap's fd
	tbip -s link show "$1" | awk '/TX:/ {getline; print $2, $4}'
}
ifindex() { tbip -o link show "$1" | cut -d: -f1; }

# ---- the pool is made ---------------------------------------------------
like "$(until_ready 2)" "^pool=br0 size=2 ready=2 taps=tb[0-9]+,tb[0-9]+$" \
	"status: two pool taps ready for br0 (pool = 2)"
is "$(pool_taps | grep -c .)" 2 "... and they exist"
is "$(tb_taps)" "" "pool taps are not leases (tb_taps leaves them out by alias)"
like "$(pool_taps | head -1)" "^tb[0-9]+$" "pool taps are named tbN, as leases"
p0=$(pool_taps | head -1)
link=$(tbip -d link show "$p0")
like "$link" "<BROADCAST,MULTICAST> .* master br0 state DOWN " "$p0: a port of br0, down, no carrier"
like "$link" "bridge_slave state disabled " "... so the bridge keeps the port disabled"
like "$link" "mtu 1500 " "... at the bridge's MTU"
like "$link" "link/ether fe:" "... with an fe: MAC"
like "$link" "persist on user root " "... persistent, tun owner root, no group"
grep -q 'persist on user root group' <<<"$link"
ok $((! $?)) "... (no tun group)"
like "$link" "alias tapbroker pool br=br0" "... marked in its ifalias"
like "$(status --json)" '\{"pool": "br0", "size": 2, "ready": 2, "taps": "tb[0-9]+,tb' \
	"status --json shows the pool"

# ---- tenants cannot touch a pool tap -------------------------------------
in_ns() { ip netns exec "$TB_NS" "$@"; }
out=$(in_ns $TB_NOBODY "$TB_CLIENT" --attach "$p0" 2>&1)
ok $((! $?)) "nobody cannot attach to $p0 by name (TUNSETIFF)"
like "$out" "^TUNSETIFF $p0: Operation not permitted$" "... the kernel refuses"
tbip tuntap add dev ctl0 mode tap
like "$(in_ns $TB_NOBODY "$TB_CLIENT" --attach ctl0 2>&1)" "^attached ctl0$" \
	"control: a tap with no tun owner nor group can be attached by nobody"
tbip link del ctl0
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 --adopt="$p0" >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^tapbroker-helper: $p0 is a tap of the broker's warm pool, not one to adopt" \
	"--adopt of a pool tap: refused (even though the policy lists it)"
out=$("$TB_BROKER" release "$p0" --socket "$TB_SOCK" 2>&1)
like "$out" "$p0 is not a lease" "release of a pool tap: refused (no lease)"

# ---- the pool forwards nothing ------------------------------------------
tbip link add v0 type veth peer name v1
tbip link set v0 master br0 up
tbip link set v1 up
before=$(pool_taps | sort)
rxv1() { tbip -s link show v1 | awk '/RX:/ {getline; print $2}'; }
for i in $(seq 1 40); do # ARP broadcasts, until the veth port forwards
	in_ns bash -c "echo x >/dev/udp/10.61.0.$((10 + i))/9" 2>/dev/null
	sleep 0.05
	[ "$(rxv1)" -ge 3 ] && break
done
ok $(($(rxv1) < 3)) "control: the broadcasts flooded to another port ($(rxv1) frames)"
for p in $before; do
	is "$(txstat "$p")" "0 0" "pool tap $p got none of them (none sent, none dropped)"
done
tbip link del v0

# ---- take: a pool tap becomes a lease, fresh ----------------------------
declare -A idx
for p in $before; do idx[$(ifindex "$p")]=$p; done
TB_CLIENT_QUEUED=1 hold "$TB_HELPER" br0 --vm=pooled
got=$IFNAME
like "$got" "^tb[0-9]+$" "a request gets a tap named tbN"
is "${idx[$(ifindex "$got")]:-none}" "$got" "... which was a pool tap, its name kept (no rename)"
like "$(cat "$TB_TMP/hold")" "^queued=0$" "... and had received nothing (no frame waiting on its fd)"
link=$(tbip -d link show "$got")
like "$link" "UP.* master br0 " "... up, in br0"
fwd() { bridge -n "$TB_NS" link show dev "$1"; }
sleep 0.05
like "$(fwd "$got")" " state forwarding " \
	"... and the bridge forwards to it as it is handed over (not a second later)"
like "$link" "persist on user root " "... its tun owner still root (as every leased tap's)"
like "$link" "alias tapbroker uid=65534 vm=$HOLD_PID br=br0 label=pooled" \
	"... its alias now a lease's"
like "$(status)" "^ifname=$got kind=tap bridge=br0 " "status lists it as a lease"
like "$(until_ready 2)" "ready=2" "refill: the pool is back to 2 while idle"
release
ok $? "the lease ends as any other: its tap is deleted"

# ---- a burst larger than the pool ----------------------------------------
for k in 1 2 3 4 5; do
	$TB_NOBODY "$TB_CLIENT" --hold "$TB_HELPER" br0 >"$TB_TMP/b$k" 2>&1 &
	B[$k]=$!
done
for k in 1 2 3 4 5; do
	for i in $(seq 1 100); do [ -s "$TB_TMP/b$k" ] && break; sleep 0.05; done
done
is "$(cat "$TB_TMP"/b? | grep -c '^ifname=tb[0-9]* ')" 5 \
	"a burst of 5 with a pool of 2: all 5 served (pool, then new taps)"
is "$(tb_taps | grep -c .)" 5 "... 5 leases"
like "$(until_ready 2)" "ready=2" "... and the pool refills after it"
is "$(pool_taps | grep -c .)" 2 "... to exactly 2"
kill "${B[@]}" 2>/dev/null; wait "${B[@]}" 2>/dev/null
is "$(tb_taps_settled)" "" "the burst's taps are gone when its VMs exit"

# ---- pool taps count against no quota -----------------------------------
sed -i 's/quota = 8/quota = 1/' "$TB_TMP/policy.conf"
kill -HUP "$TB_BROKER_PID"; sleep 0.3
hold "$TB_HELPER" br0
like "$IFNAME" "^tb[0-9]+$" "quota = 1 with 2 pool taps: the one lease is granted"
$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "already holds 1 tap, the quota of 1" "... the second is refused by the quota"
release

# ---- a pool tap removed or replaced behind the broker's back -------------
until_ready 2 >/dev/null
gone_tap=$(pool_taps | sort | tail -1)
other=$(pool_taps | sort | head -1)
tbip link del "$gone_tap"
tbip link del "$other"
tbip tuntap add dev "$other" mode tap # an admin's own tap takes the name
hold "$TB_HELPER" br0
like "$IFNAME" "^tb[0-9]+$" "pool taps deleted by an admin: a request still gets a tap"
like "$(tbip -d link show "$IFNAME")" " master br0 " "... a port of br0"
[ "$IFNAME" != "$other" ]
ok $? "... not the admin's tap that took a pool tap's name ($other)"
isnt_master=$(tbip -d link show "$other" | grep -c ' master ')
is "$isnt_master" 0 "... which the broker left alone (not in a bridge)"
like "$(tbip -d link show "$other")" "persist on " "... and still there"
release
tbip link del "$other"

# ---- a reload resizes the pool; a bridge made later gets one -------------
sed -i 's/^pool = 2/pool = 1/; s/bridges = { "br0" }/bridges = { "br0", "br7" }/' \
	"$TB_TMP/policy.conf"
kill -HUP "$TB_BROKER_PID"
like "$(until_ready 1)" "^pool=br0 size=1 ready=1 taps=tb[0-9]+$" \
	"SIGHUP with pool = 1: br0's pool shrinks to 1"
for i in $(seq 1 40); do [ "$(pool_taps | grep -c .)" = 1 ] && break; sleep 0.05; done
is "$(pool_taps | grep -c .)" 1 "... the other pool tap is deleted"
like "$(status)" "^pool=br7 size=1 ready=0 taps=-$" "br7 does not exist yet: an empty pool"
tb_bridge br7
for i in $(seq 1 140); do
	status | grep -q '^pool=br7 size=1 ready=1 ' && break
	sleep 0.05
done
like "$(status)" "^pool=br7 size=1 ready=1 taps=tb[0-9]+$" \
	"... made once br7 exists (retried every 5 s)"
sed -i 's/^pool = 1/pool = 2/; s/bridges = { "br0", "br7" }/bridges = { "br0" }/' \
	"$TB_TMP/policy.conf"
kill -HUP "$TB_BROKER_PID"
like "$(until_ready 2)" "^pool=br0 size=2 ready=2 " "pool = 2 again"
for i in $(seq 1 40); do [ -z "$(tbip -o link show master br7)" ] && break; sleep 0.05; done
is "$(tbip -o link show master br7)" "" "br7 left the policy: its pool tap is deleted"
tbip link del br7

# ---- restart: a killed broker's pool is deleted, a new one made ----------
old=$(pool_taps | sort)
kill -KILL "$TB_BROKER_PID"; wait "$TB_BROKER_PID" 2>/dev/null; TB_BROKER_PID=""
is "$(pool_taps | sort)" "$old" "a killed broker leaves its pool taps"
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
like "$(until_ready 2)" "ready=2" "the restarted broker has its own pool"
for i in $(seq 1 40); do
	[ -z "$(comm -12 <(echo "$old") <(pool_taps | sort))" ] && break
	sleep 0.05
done
is "$(comm -12 <(echo "$old") <(pool_taps | sort))" "" \
	"... and deleted the previous run's pool taps"
like "$(cat "$TB_TMP/broker.log")" "removed tb[0-9]+: a warm-pool tap of a previous run" \
	"... saying so"
is "$(pool_taps | grep -c .)" 2 "... 2 pool taps in all"

# ---- a clean stop deletes the pool ---------------------------------------
tb_broker_stop
for i in $(seq 1 40); do [ -z "$(pool_taps)" ] && break; sleep 0.05; done
is "$(pool_taps)$(tb_taps)" "" "a clean stop (SIGTERM) leaves no pool tap"

# ---- pool = 0 turns it off -------------------------------------------------
sed -i 's/^pool = 2/pool = 0/' "$TB_TMP/policy.conf"
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
sleep 0.3
is "$(pool_taps)" "" "pool = 0: no pool tap is made"
is "$(status | grep -c '^pool=')" 0 "... and status shows no pool"
hold "$TB_HELPER" br0
like "$IFNAME" "^tb[0-9]+$" "... requests still get taps (made on request)"
release
tb_broker_stop
is "$(pool_taps)$(tb_taps_settled)" "" "nothing left at the end"

done_testing
