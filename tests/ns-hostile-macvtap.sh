#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A macvtap's /dev/tapN shared by two namespaces: the broker hands out only its own.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
OTHER="$TB_NS-other"
trap 'ip netns del "$OTHER" 2>/dev/null; tb_cleanup' EXIT
ip netns add "$OTHER" || skip_all "cannot create a second network namespace"
tbip link add lowr type veth peer name lowr-p &&
	tbip link set lowr up && tbip link set lowr-p up ||
	skip_all "cannot create veths in a namespace"
tbip link add probe link lowr type macvtap 2>/dev/null ||
	skip_all "no macvtap in this kernel (modprobe macvtap)"
tbip link del probe
tb_policy "$TB_TMP/policy.conf" <<EOF2
allow "mv" {
	users = { "nobody" }
	macvtap = { "lowr" }
}
EOF2
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"

# The index the broker's next interface gets: one past the last made.
next_index() {
	tbip link add idxprobe type veth peer name idxprobe-p || return 1
	local k
	k=$(tbip -o link show | grep idxprobe | cut -d: -f1 | sort -n | tail -1)
	tbip link del idxprobe
	echo $((k + 1))
}

# MAJOR:MINOR of a device node, as sysfs writes it.
node_dev() {
	local maj min
	read -r maj min < <(stat -c '%t %T' "$1") && echo "$((16#$maj)):$((16#$min))"
}

# Another namespace (as any user can make one with unshare -Urn) takes
# /dev/tapN first, with a macvtap of the index the broker's comes next.
n=$(next_index)
ip -n "$OTHER" link add lower0 type veth peer name lower0-p &&
	ip -n "$OTHER" link set lower0 up &&
	ip -n "$OTHER" link add victim index "$n" link lower0 type macvtap ||
	skip_all "cannot make a macvtap of a given index in a second namespace"
for i in $(seq 1 40); do [ -c "/dev/tap$n" ] && break; sleep 0.05; done
other_dev=$(ip netns exec "$OTHER" cat "/sys/class/net/victim/macvtap/tap$n/dev")
is "$(node_dev "/dev/tap$n")" \
	"$other_dev" "/dev/tap$n is the other namespace's macvtap (the setup)"

hold "$TB_HELPER" br0 --macvtap=lowr
like "$(cat "$TB_TMP/hold")" "^ifname=tbm[0-9]+ " \
	"a macvtap whose /dev/tap$n would be another namespace's: granted all the same"
idx=$(tbip -o link show "$IFNAME" | cut -d: -f1)
ok $((idx == n)) "... on another index ($idx, random), the one with /dev/tap$n deleted"
like "$(cat "$TB_TMP/broker.log")" "/dev/tap$n is not the device of macvtap tbm[0-9]+: another network namespace's macvtap" \
	"... which the broker logs"
mine=$(ip netns exec "$TB_NS" cat "/sys/class/net/$IFNAME/macvtap/tap$idx/dev")
like "$(readlink /proc/"$HOLD_PID"/fd/* 2>/dev/null | sort -u | tr '\n' ' ')" "/dev/tap$idx" \
	"... the fd QEMU holds is on /dev/tap$idx"
is "$(node_dev "/dev/tap$idx")" "$mine" \
	"... whose device is the broker's macvtap (sysfs of its namespace)"
release
ok $? "... removed when its VM exits"
is "$(tbip -o link show | grep -c ' tbm[0-9]*@')" "0" "no macvtap left"

ip -n "$OTHER" link show victim >/dev/null 2>&1
ok $? "the other namespace's macvtap is untouched"

# pid reuse: the VM exits and a new process of the same user takes its pid
# (forced with ns_last_pid in a pid namespace of the test's own, where the
# broker and the VMs run).  Its macvtap must not live on.
tb_broker_stop
cat >"$TB_TMP/pidns.sh" <<'EOF2'
. "$top_srcdir/tests/lib.sh"
tap_n=$1 TB_NS=$2 TB_TMP=$3
# reuse PID: a process of nobody that gets pid PID (ns_last_pid).
reuse() {
	echo $(($1 - 1)) >/proc/sys/kernel/ns_last_pid
	$TB_NOBODY sleep 30 &
	NEW=$!
}
tb_broker_start --config "$TB_TMP/policy.conf" || exit 1
hold "$TB_HELPER" br0 --macvtap=lowr
vm=$HOLD_PID
kill -KILL "$vm"; wait "$vm" 2>/dev/null
reuse "$vm"
is "$NEW" "$vm" "a new process of the same user has the VM's pid $vm"
tb_gone "$IFNAME" 1
ok $? "... yet the macvtap goes with its VM (its pidfd, not its pid, is watched)"
kill "$NEW"; wait "$NEW" 2>/dev/null

hold "$TB_HELPER" br0 --macvtap=lowr
vm=$HOLD_PID
sleep 0.05 # the new process starts in a later clock tick (see below)
tb_broker_stop
kill -KILL "$vm"; wait "$vm" 2>/dev/null
reuse "$vm"
is "$NEW" "$vm" "broker stopped, the VM killed, its pid $vm taken by a new process"
tb_broker_start --config "$TB_TMP/policy.conf" || exit 1
tb_gone "$IFNAME" 1
ok $? "... the restarted broker removes the macvtap (the alias's start time is not the new process's)"
like "$(cat "$TB_TMP/broker.log")" "removed orphan $IFNAME \\(macvtap on lowr\\) of uid 65534: its VM $vm exited" \
	"... and says its VM exited"
kill "$NEW"; wait "$NEW" 2>/dev/null
tb_broker_stop

# A found lease whose VM (pid and start time as recorded) now runs as
# another uid: what a pid reused within one clock tick (the start time's
# unit) would look like.  The record is forged here, as root.
sleep 30 &
other=$!
start=$(sed 's/.*) //' "/proc/$other/stat" | cut -d' ' -f20)
tbip link add tbm77 link lowr type macvtap &&
	tbip link set tbm77 alias "tapbroker uid=65534 vm=$other start=$start macvtap=lowr mode=vepa"
tb_broker_start --config "$TB_TMP/policy.conf" || exit 1
tb_gone tbm77 1
ok $? "a found macvtap whose VM's pid and start time now belong to a process of another uid is removed"
kill "$other"; wait "$other" 2>/dev/null
tb_broker_stop
echo "$tap_n $tap_failed" >"$TB_TMP/pidns.count"
EOF2
if unshare --pid --fork --mount-proc true 2>/dev/null; then
	export top_builddir top_srcdir TB_BROKER_EXTRA TB_BROKER_WRAP
	unshare --pid --fork --mount-proc bash "$TB_TMP/pidns.sh" "$tap_n" "$TB_NS" "$TB_TMP"
	read -r tap_n inner_failed <"$TB_TMP/pidns.count" ||
		{ echo "Bail out! the pid namespace part did not finish"; exit 1; }
	tap_failed=$((tap_failed + inner_failed))
else
	skip "pid reuse in a pid namespace" "cannot make a pid namespace"
fi
done_testing
