#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A tenant holding a tap fd makes every tun ioctl it may, unprivileged.
#
# tests/tb-hostile plays the tenant's VMM (tapbroker-helper run execs it as
# nobody with the lease's fds): TUNSETCARRIER, TUNSETOWNER, TUNSETPERSIST,
# TUNSETLINK, TUNSETDEBUG, SIOCSIFHWADDR, TUNSETQUEUE, TUNSETIFF by name.  What a user
# cares about is checked: the lease stays while the fd is held and ends
# when it is closed; an adopted tap is never back in its old bridge while
# held; the bridge's MAC does not move; no queue is attached by name.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 && tb_bridge brold && tbip tuntap add pre0 mode tap &&
	tbip link set pre0 master brold &&
	tbip link add lowr type veth peer name lowr-p && tbip link set lowr up ||
	skip_all "cannot create bridges, taps and veths in a namespace"
macvtap=1
tbip link add probe link lowr type macvtap 2>/dev/null && tbip link del probe ||
	macvtap=0
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "vms" {
	users = { "nobody" }
	bridges = { "br0" }
	adopt = { "pre0" }
	macvtap = { "lowr" }
	macvtap_modes = { "passthru" }
	quota = 4
	queues = 2
}
EOF
mac0=$(tbip -o link show br0 | sed -n 's/.*ether \([^ ]*\).*/\1/p')
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
HOSTILE="$top_builddir/tests/tb-hostile"

# tenant HELPER-ARGS -- ACTIONS...: tb-hostile as nobody in $TB_NS, holding
# the lease; sets T_PID and IFNAME once it is ready.
tenant() {
	local args=() i
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	: >"$TB_TMP/vmm"
	# in the namespace: TUNSETIFF looks the name up in the caller's
	ip netns exec "$TB_NS" $TB_NOBODY "$TB_HELPER" run "${args[@]}" -- \
		"$HOSTILE" @FDS@ "$@" >"$TB_TMP/vmm" 2>&1 &
	T_PID=$!
	for i in $(seq 1 100); do
		grep -q '^ready' "$TB_TMP/vmm" && break
		kill -0 "$T_PID" 2>/dev/null || break
		sleep 0.05
	done
	IFNAME=$(sed -n 's/^ready //p' "$TB_TMP/vmm")
}
said() { grep "^$1: " "$TB_TMP/vmm" | cut -d' ' -f2-; }
close_fds() {	# the tenant closes every fd and lives on
	kill -USR1 "$T_PID"
	local i
	for i in $(seq 1 40); do
		grep -q '^closed' "$TB_TMP/vmm" && return 0
		sleep 0.05
	done
	return 1
}
stop() { kill "$T_PID" 2>/dev/null; wait "$T_PID" 2>/dev/null; }
released() { grep -c "release $1 " "$TB_TMP/broker.log"; }
master() { tbip -o link show "$1" | sed -n 's/.* master \([^ ]*\) .*/\1/p'; }
# master_is IF BRIDGE: waits up to 2 s for IF's master to be BRIDGE ("" none)
master_is() {
	local i
	for i in $(seq 1 40); do
		[ "$(master "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# ---- TUNSETCARRIER: carrier is a hint, attachment decides -----------------
tenant --br=br0 -- carrier=0
is "$(said carrier=0)" "ok" "TUNSETCARRIER 0 works for the fd holder"
sleep 0.5
tbip link show "$IFNAME" >/dev/null 2>&1
ok $? "carrier faked off: the lease and $IFNAME stay while the fd is held"
is "$(released "$IFNAME")" 0 "... and the broker did not release it"
like "$(tbip -o link show "$IFNAME")" "NO-CARRIER" "... (its carrier is off)"
close_fds
tb_gone "$IFNAME"
ok $? "the fd closed (carrier already off): $IFNAME is gone"
like "$(cat "$TB_TMP/broker.log")" "release $IFNAME on br0 of uid 65534 .*: its VM closed it" \
	"... and the lease ended"
stop

# ---- SIOCSIFHWADDR: the bridge's MAC is pinned ------------------------------
is "$(cat /dev/null; ip netns exec "$TB_NS" cat /sys/class/net/br0/addr_assign_type)" 3 \
	"br0's MAC was pinned (addr_assign_type 3, set) at its first tap"
like "$(cat "$TB_TMP/broker.log")" "pinned bridge br0's MAC at $mac0" \
	"... to the MAC it had, logged"
tenant --br=br0 -- mac=00:00:00:00:00:01
is "$(said mac=00:00:00:00:00:01)" "ok" "SIOCSIFHWADDR works on the tenant's own tap"
like "$(tbip -o link show "$IFNAME")" "ether 00:00:00:00:00:01" "... its tap has that MAC"
is "$(tbip -o link show br0 | sed -n 's/.*ether \([^ ]*\).*/\1/p')" "$mac0" \
	"br0's MAC is unchanged"
is "$(grep -c "pinned bridge" "$TB_TMP/broker.log")" 1 "... pinned once only"
stop
tb_gone "$IFNAME"

# ---- TUNSETIFF by name: taps are root's -----------------------------------
tenant --br=br0 --queues=2 -- attach=mq
like "$(tbip -d link show "$IFNAME")" "tun type tap .*user root" "the tap's tun owner is root"
is "$(said attach=mq)" "Operation not permitted" \
	"a third queue attached by name (ceiling 2): refused by the kernel"
like "$(tbip -d link show "$IFNAME")" "numqueues 2 " "... 2 queues attached"
stop
tb_gone "$IFNAME"
tenant --br=br0 -- attach
is "$(said attach)" "Operation not permitted" "a single-queue tap attached by name: refused"
stop
tb_gone "$IFNAME"

# ---- TUNSETOWNER: the tap is taken back ------------------------------------
tenant --br=br0 --queues=2 -- owner=65534 attach=mq
is "$(said owner=65534)" "ok" "TUNSETOWNER to itself works for the fd holder"
tb_gone "$IFNAME"
ok $? "... and the broker deletes the tap at once, held or not"
like "$(cat "$TB_TMP/broker.log")" "release $IFNAME .*TUNSETOWNER" "... saying why"
stop

# ---- ... also while no broker runs: made root's again at start -----------
: >"$TB_TMP/vmm"
ip netns exec "$TB_NS" $TB_NOBODY "$TB_HELPER" run --br=br0 --queues=2 -- \
	"$HOSTILE" @FDS@ sleep=1500 owner=65534 sleep=2500 attach=mq \
	>"$TB_TMP/vmm" 2>&1 &
T_PID=$!
sleep 0.7
tb_broker_stop
sleep 1.3
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
for i in $(seq 1 60); do grep -q '^ready' "$TB_TMP/vmm" && break; sleep 0.1; done
IFNAME=$(sed -n 's/^ready //p' "$TB_TMP/vmm")
is "$(said owner=65534)" "ok" "TUNSETOWNER while no broker runs"
is "$(said attach=mq)" "Operation not permitted" \
	"... the restarted broker made the tap root's again: no queue by name"
like "$(tbip -d link show "$IFNAME")" "numqueues 2 .*user root" "... 2 queues, owner root"
stop
tb_gone "$IFNAME"

# ---- TUNSETDEBUG: a kernel log line per frame; no event says so ------------
tenant --br=br0 -- debug=0xffff
is "$(said debug=0xffff)" "ok" "TUNSETDEBUG works for the fd holder"
tb_gone "$IFNAME" 12
ok $? "... the broker's sweep (10 s) finds it and deletes the tap"
like "$(cat "$TB_TMP/broker.log")" "release $IFNAME .*TUNSETDEBUG" "... saying why"
stop

# ---- TUNSETQUEUE: every queue disabled is still held -----------------------
tenant --br=br0 --queues=2 -- detach carrier=0
is "$(said detach)" "ok" "IFF_DETACH_QUEUE on both queues works"
sleep 0.5
tbip link show "$IFNAME" >/dev/null 2>&1
ok $? "no queue enabled, carrier off: the lease stays while the fds are held"
close_fds
tb_gone "$IFNAME"
ok $? "the fds closed: the tap is gone"
stop

# ---- TUNSETPERSIST 0, TUNSETLINK -------------------------------------------
tenant --br=br0 -- persist=0 link=778
is "$(said persist=0)" "ok" "TUNSETPERSIST 0 works for the fd holder"
is "$(said link=778)" "Device or resource busy" "TUNSETLINK on an up tap: refused"
close_fds
tb_gone "$IFNAME"
ok $? "the fd closed: the kernel deletes the tap"
like "$(cat "$TB_TMP/broker.log")" "release $IFNAME .*the interface is gone" "... and its lease ends"
stop
n=0
for i in 1 2 3 4; do tenant --br=br0 --; [ -n "$IFNAME" ] && n=$((n + 1)); P[$i]=$T_PID; done
is "$n" 4 "the quota of 4 is whole again"
for i in 1 2 3 4; do kill "${P[$i]}"; wait "${P[$i]}" 2>/dev/null; done
is "$(tb_taps_settled)" "" "no tap left"

# ---- adopted taps are put back only when nothing holds them ----------------
premac=$(tbip -o link show pre0 | sed -n 's/.*ether \([^ ]*\).*/\1/p')
tenant --br=br0 --adopt=pre0 -- carrier=0 mac=00:00:00:00:00:02
is "$IFNAME" pre0 "pre0 adopted from brold into br0"
like "$(tbip -d link show pre0)" "user root" "... its tun owner is root while leased"
sleep 0.5
is "$(master pre0)" br0 "carrier faked off: pre0 stays in br0, never back in brold while held"
close_fds
master_is pre0 brold
ok $? "the fd closed: pre0 is back in brold"
like "$(tbip -d link show pre0)" "tun type tap pi" "... it had no owner; root keeps it (the kernel cannot unset one)"
like "$(tbip -o link show pre0)" "ether $premac " "... with its own MAC again, not the one its holder set"
stop

tenant --br=br0 --adopt=pre0 -- owner=65534 sleep=500 link=778
tbip -o link show pre0 | grep -q 'master\|,UP'
ok $((! $?)) "TUNSETOWNER on an adopted tap: it leaves br0 and goes down, not back to brold"
master_is pre0 "" && sleep 0.3
is "$(master pre0)" "" "... and stays so while held"
is "$(said link=778)" "ok" "... where its holder can change its link type (TUNSETLINK)"
close_fds
master_is pre0 brold
ok $? "the fd closed: pre0 is back in brold"
like "$(tbip -o link show pre0)" "link/ether" "... an Ethernet device again"
like "$(tbip -d link show pre0)" "user root" "... owned by root again"
stop

# A restarted broker asks the kernel too, not the carrier.
tenant --br=br0 --adopt=pre0 -- carrier=0
tb_broker_stop
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
like "$(cat "$TB_TMP/broker.log")" "lease pre0 on br0 of uid 65534 vm $T_PID found again" \
	"restart with pre0 held, carrier faked off: the lease is found again"
is "$(master pre0)" br0 "... and pre0 stays in br0, not back in brold"
close_fds
master_is pre0 brold
ok $? "the fd closed: pre0 is back in brold"
stop

tenant --br=br0 --adopt=pre0 -- filter
is "$(said filter)" "ok" "TUNATTACHFILTER on an adopted tap: the device keeps the filter"
out=$("$TB_BROKER" release pre0 --socket "$TB_SOCK" 2>&1)
is "$out" "released pre0" "an admin releases the adopted tap while it is held"
is "$(master pre0)" "" "... it leaves br0, and is not back in brold while held"
like "$(tbip -o link show pre0)" "state DOWN" "... it is down"
close_fds
master_is pre0 brold
ok $? "the fd closed: pre0 is back in brold"
stop

# ---- macvtap: the lease follows the VM's pidfd ----------------------------
if [ "$macvtap" = 1 ]; then
	lowmac=$(tbip -o link show lowr | sed -n 's/.*ether \([^ ]*\).*/\1/p')
	tenant --macvtap=lowr --mode=passthru -- carrier=0 owner=65534 \
		mac=00:00:00:00:00:03
	like "$IFNAME" "^tbm[0-9]+$" "a passthru macvtap on lowr"
	is "$(said carrier=0) / $(said owner=65534)" "Invalid argument / Invalid argument" \
		"TUNSETCARRIER and TUNSETOWNER do not exist for a macvtap"
	like "$(tbip -o link show lowr)" "ether 00:00:00:00:00:03 " \
		"passthru: SIOCSIFHWADDR sets lowr's MAC while the lease lasts"
	close_fds
	sleep 0.5
	tbip link show "$IFNAME" >/dev/null 2>&1
	ok $? "the fd closed while the VM runs: the macvtap's lease stays (its VM's pidfd)"
	stop
	tb_gone "$IFNAME"
	ok $? "the VM exits: the macvtap is gone"
	like "$(tbip -o link show lowr)" "ether $lowmac " "... and lowr has its own MAC again"
else
	skip "macvtap leases" "no macvtap in this kernel"
fi

kill -0 "$TB_BROKER_PID" 2>/dev/null
ok $? "the broker is still serving"
done_testing
