#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Launcher mode: tapbroker-helper run gets N queue fds (IFF_MULTI_QUEUE) and vhost-net fds and execs a VMM with them.
#
# tests/tb-fdcheck plays the VMM: it checks each fd it is given with
# TUNGETIFF or VHOST_GET_FEATURES.  vhost-net needs /dev/vhost-net; where
# the kernel has no vhost_net (this host's), the refusal is checked and the
# rest skips; the full-kernel lane (kernel-lane.sh) runs it for real.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
tbip link add lowr type veth peer name lowr-p &&
	tbip link set lowr up && tbip link set lowr-p up ||
	skip_all "cannot create veths in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "vms" {
	users = { "nobody" }
	bridges = { "br0" }
	macvtap = { "lowr" }
	adopt = { "pre0" }
	quota = 4
	queues = 4
}
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
FDCHECK="$top_builddir/tests/tb-fdcheck"

# run ARGS...: tapbroker-helper run ARGS as nobody; sets OUT and RC.
run() {
	OUT=$($TB_NOBODY "$TB_HELPER" run "$@" 2>&1) && RC=0 || RC=$?
}
# launch ARGS...: the same, in the background, until stop; sets VMM_PID
# (the helper's pid, which execs the VMM) and IFNAME.
launch() {
	$TB_NOBODY "$TB_HELPER" run "$@" >"$TB_TMP/vmm" 2>&1 &
	VMM_PID=$!
	local i
	for i in $(seq 1 100); do
		grep -q '^fds ok' "$TB_TMP/vmm" && break
		kill -0 "$VMM_PID" 2>/dev/null || break
		sleep 0.05
	done
	IFNAME=$(sed -n 's/^queue [0-9]*: \([^ ]*\) .*/\1/p' "$TB_TMP/vmm" |
		head -n 1)
}
stop() {
	kill -KILL "$VMM_PID" 2>/dev/null
	wait "$VMM_PID" 2>/dev/null
}

# ---- queues ---------------------------------------------------------------
run --br=br0 --queues=4 -- "$FDCHECK" @FDS@
is "$RC" 0 "run --queues=4: the command ran"
is "$(grep -c '^queue [0-9]*: tb[0-9]* tap multi_queue vnet_hdr$' <<<"$OUT")" 4 \
	"it got 4 fds of one multiqueue tap, with vnet_hdr"
is "$(sed -n 's/^queue [0-9]*: \([^ ]*\) .*/\1/p' <<<"$OUT" | sort -u | wc -l)" 1 \
	"all 4 are queues of the same tap"
is "$(tb_taps_settled)" "" "the tap is gone once the command exits"

run --br=br0 -- "$FDCHECK" @FD@
like "$OUT" "^queue [0-9]+: tb[0-9]+ tap vnet_hdr$" \
	"no --queues: one fd, a single-queue tap (@FD@)"

launch --br=br0 --queues=2 --vm=web -- "$FDCHECK" --hold @FDS@
like "$(cat "$TB_TMP/vmm")" "fds ok: 2 queues, 0 vhost" "a held 2-queue lease"
link=$(tbip -d link show "$IFNAME" 2>&1)
like "$link" "master br0 " "the tap is in br0"
like "$link" "multi_queue numqueues 2 " "the kernel counts 2 queues attached"
like "$link" "alias tapbroker uid=65534 vm=$VMM_PID br=br0 label=web" \
	"the lease's VM is the launched command itself (pid $VMM_PID)"
like "$(cat "$TB_TMP/broker.log")" \
	"grant $IFNAME on br0 to uid 65534 \\(nobody\\) pid $VMM_PID vnet_hdr queues=2 launcher" \
	"the broker logs the queues and launcher mode"
stop
tb_gone "$IFNAME" 2
ok $? "VMM killed: $IFNAME is gone"

# ---- macvtap ----------------------------------------------------------------
launch --macvtap=lowr --queues=3 -- "$FDCHECK" --hold @FDS@
is "$(grep -c '^queue [0-9]*: tbm[0-9]* tap multi_queue vnet_hdr$' "$TB_TMP/vmm")" 3 \
	"--macvtap --queues=3: 3 queues of one macvtap"
like "$(tbip -d link show "$IFNAME" 2>&1)" "vm=$VMM_PID start=[0-9]+ macvtap=lowr" \
	"the macvtap's VM is the launched command, watched by pidfd"
stop
tb_gone "$IFNAME" 2
ok $? "VMM killed: macvtap $IFNAME is gone"

# ---- adopting --------------------------------------------------------------
tbip tuntap add pre0 mode tap multi_queue user 65534 &&
	run --br=br0 --adopt=pre0 --queues=2 -- "$FDCHECK" @FDS@
is "$(grep -c '^queue [0-9]*: pre0 tap multi_queue vnet_hdr$' <<<"$OUT")" 2 \
	"--adopt of a multi_queue tap: 2 queues of it"
tbip tuntap del pre0 mode tap multi_queue
tbip tuntap add pre0 mode tap user 65534 &&
	run --br=br0 --adopt=pre0 --queues=2 -- "$FDCHECK" @FDS@
is "$OUT" "tapbroker-helper: cannot open pre0 with 2 queues: it was not made with multi_queue (ip tuntap add pre0 mode tap multi_queue)" \
	"--adopt of a single-queue tap with --queues=2: one clear line"
link=$(tbip -d link show pre0 2>&1)
like "$link" "persist on" "... the adopted tap is still there"
like "$link" "^[0-9]+: pre0: <[^>]*> mtu [0-9]+ qdisc [a-z_]+ state DOWN" \
	"... down and in no bridge, as before"
tbip tuntap del pre0 mode tap
tbip tuntap add pre0 mode tap multi_queue user 65534 &&
	$TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 --adopt=pre0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "it was made with multi_queue; ask for its queues with tapbroker-helper run --queues=N" \
	"QEMU's helper adopting a multi_queue tap: one clear line"
tbip tuntap del pre0 mode tap multi_queue

# ---- vhost-net -------------------------------------------------------------
[ -c /dev/vhost-net ] || modprobe vhost_net 2>/dev/null
if [ -c /dev/vhost-net ]; then
	run --br=br0 --queues=2 --vhost -- "$FDCHECK" @FDS@ @VHOSTFDS@
	is "$RC" 0 "--vhost: the command ran"
	is "$(grep -c '^vhost [0-9]*: features 0x' <<<"$OUT")" 2 \
		"it got 2 vhost-net fds (VHOST_GET_FEATURES answers)"
	like "$OUT" "fds ok: 2 queues, 2 vhost" "and 2 queues"
else
	run --br=br0 --queues=2 --vhost -- "$FDCHECK" @FDS@ @VHOSTFDS@
	like "$OUT" "^tapbroker-helper: cannot open /dev/vhost-net: No such file or directory \\(modprobe vhost_net, or leave out --vhost\\)$" \
		"--vhost without vhost_net: one clear line"
	skip "--vhost hands over vhost-net fds" \
		"no /dev/vhost-net in this kernel (the full-kernel lane runs it)"
fi
is "$(tb_taps_settled)" "" "no tap left after the vhost requests"

# ---- bad requests ----------------------------------------------------------
run --br=br0 --queues=5 -- "$FDCHECK" @FDS@
is "$OUT" "tapbroker-helper: 5 queues asked for; user nobody may have at most 4 per tap, set by $TB_TMP/policy.conf:1 (allow \"vms\"); ask for fewer, or raise queues" \
	"more queues than the policy's ceiling (queues = 4): refused, naming the rule"
run --br=br0 --queues=17 -- "$FDCHECK" @FDS@
is "$OUT" "tapbroker-helper: --queues=17 is not a number from 1 to 16" \
	"--queues=17 refused"
run --br=br0 --queues=0 -- "$FDCHECK" @FDS@
like "$OUT" "^tapbroker-helper: --queues=0 is not a number" "--queues=0 refused"
run --br=br0 --queues=2
like "$OUT" "^tapbroker-helper: run needs a command after --" "no command refused"
run --br=br0 -- "$FDCHECK" 3
like "$OUT" "^tapbroker-helper: the command names none of @FD@, @FDS@" \
	"a command that does not say where the fds go is refused"
run --br=br0 --fd=3 -- "$FDCHECK" @FD@
like "$OUT" "^tapbroker-helper: run passes its fds to COMMAND: --fd= is for QEMU" \
	"--fd= with run refused"
run --br=br0 -- "$FDCHECK" @FD@ @VHOSTFDS@
is "$OUT" "tapbroker-helper: the command uses @VHOSTFDS@ or @VHOSTFD@: add --vhost" \
	"@VHOSTFDS@ without --vhost refused before the broker is asked"
run --br=br0 -- /nonexistent/vmm @FD@
is "$OUT" "tapbroker-helper: cannot run /nonexistent/vmm: No such file or directory" \
	"a command that cannot run: one clear line"
run --br=br9 --queues=2 -- "$FDCHECK" @FDS@
like "$OUT" "^tapbroker-helper: bridge br9 is not allowed for user nobody" \
	"the policy still decides the bridge"
$TB_NOBODY "$TB_HELPER" --br=br0 --fd=0 --queues=2 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^tapbroker-helper: unknown argument '--queues=2'" \
	"--queues is for run only: QEMU's helper protocol carries one fd"
is "$(tb_taps_settled)" "" "no tap left behind by any refused request"
kill -0 "$TB_BROKER_PID"
ok $? "the broker is still serving"
done_testing
