#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Broker + helper + real bridge in a private netns: grants and refusals.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 && tb_bridge br9k 9000 && tb_bridge br1 &&
	tbip link add notbr type veth peer name notbr-p ||
	skip_all "cannot create bridges/veths in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "test" {
	users = { "nobody" }
	bridges = { "br0", "br9k", "notbr", "ghost" }
}
allow "second-tenant" { users = { "4242" } bridges = { "br1" } }
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"

# client ARGS...: runs tb-client as nobody; sets OUT, ERR, RC.
client() {
	$TB_NOBODY "$TB_CLIENT" "$@" >"$TB_TMP/out" 2>"$TB_TMP/err"
	RC=$?
	OUT=$(cat "$TB_TMP/out")
	ERR=$(cat "$TB_TMP/err")
}

# ---- a granted tap, as QEMU gets it ----------------------------------
hold "$TB_HELPER" br0
like "$(cat "$TB_TMP/hold")" '^ifname=tb[0-9]+ vnet_hdr=1 tap=1$' \
	"nobody gets a tap with vnet_hdr (TUNGETIFF)"
link=$(tbip -d link show "$IFNAME" 2>&1)
like "$link" "master br0 " "tap is a port of br0"
like "$link" "mtu 1500 " "tap MTU is the bridge's (1500)"
like "$link" "<[^>]*,UP[,>]" "tap is up"
like "$link" "link/ether fe:" "tap MAC starts with fe"
like "$link" "tun type tap .*vnet_hdr on" "kernel reports vnet_hdr on"
like "$link" "tun type tap .*user root" "tun owner is root: only CAP_NET_ADMIN attaches it by name"
release
ok $? "tap is gone when the client closes its fd"

hold "$TB_HELPER" br9k
link=$(tbip -d link show "$IFNAME" 2>&1)
like "$link" "master br9k " "jumbo: tap is a port of br9k"
like "$link" "mtu 9000 " "jumbo: tap MTU is 9000"
like "$(tbip link show br9k)" "mtu 9000 " "jumbo: bridge MTU stays 9000"
release

hold --no-vnet "$TB_HELPER" br0
like "$(cat "$TB_TMP/hold")" 'vnet_hdr=0' "without --use-vnet: no vnet_hdr"
release

hold "$TB_HELPER" br0 --socket="$TB_SOCK"
like "$(cat "$TB_TMP/hold")" '^ifname=tb' "--socket= works as QEMU's sh form passes it"
release

# ---- refusals: one clear line each, nothing left behind -------------------
refused() {	# refused DESCRIPTION PATTERN
	ok $((RC == 0)) "$1: refused"
	like "$ERR" "$2" "$1: says why"
	is "$(printf '%s\n' "$ERR" | wc -l)" 1 "$1: in one line"
	is "$(tb_taps)" "" "$1: no interface left behind"
}

client "$TB_HELPER" br1
refused "bridge not in the policy" \
	"^tapbroker-helper: bridge br1 is not allowed for user nobody by $TB_TMP/policy.conf"
like "$ERR" "allowed: br0, br9k" "denial lists what is allowed"
client "$TB_HELPER" ghost
refused "missing bridge" "bridge ghost does not exist"
client "$TB_HELPER" notbr
refused "a veth is not a bridge" "notbr is not a bridge"
client "$TB_HELPER" sixteen-chars-xx
refused "16-byte bridge name" "longer than 15 bytes"
client "$TB_HELPER" "a/b"
refused "bridge name with /" "contains '/'"
client "$TB_HELPER" ".."
refused "bridge name .." "is \\. or \\.\\."
client "$TB_HELPER" "b r"
refused "bridge name with a space" "contains a space"
client "$TB_HELPER" "$(printf 'b\033r')"
refused "bridge name with a control byte" 'b\\x1br.*control'
client "$TB_HELPER" br0 --socket="$TB_TMP/nothing"
refused "broker not running" "tapbroker is not running: no socket at $TB_TMP/nothing"

# The broker checks names itself: a client need not use the helper.
for bad in "a/b" ".." "b r" "$(printf 'x\001')"; do
	client --direct "$TB_SOCK" "$bad"
	like "$OUT" "^status=-22 message=bridge name '.*' (contains|is)" \
		"broker refuses bridge name $(printf %q "$bad") itself"
done
client --direct "$TB_SOCK" br1
like "$OUT" "^status=-1 message=bridge br1 is not allowed" \
	"broker applies the policy to direct clients"
is "$(tb_taps)" "" "no interface left after direct refusals"

# Hostile control messages: fds pushed at the broker never reach it (the
# kernel refuses them at sendmsg, SO_PASSRIGHTS, or drops them unread); a
# lie in SCM_CREDENTIALS changes nothing, the broker asks the kernel
# (SO_PEERCRED, taken at connect()) who the caller is.
fds_before=$(ls "/proc/$TB_BROKER_PID/fd" | wc -l)
client --extra-fds 5 "$TB_SOCK" br0
like "$OUT" "^(sendmsg refused: Operation not permitted|status=-74 message=malformed request: file descriptors attached)" \
	"a request carrying 5 fds is refused (by the kernel, or as malformed)"
is "$(ls "/proc/$TB_BROKER_PID/fd" | wc -l)" "$fds_before" \
	"... and the broker holds no more fds than before ($fds_before)"
client --lie 4242 "$TB_SOCK" br1
like "$OUT" "^sendmsg refused: Operation not permitted" \
	"nobody cannot even send SCM_CREDENTIALS claiming uid 4242 (the kernel refuses)"
LIAR="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+setuid,+setgid --ambient-caps=+setuid,+setgid --"
$LIAR "$TB_CLIENT" --lie 4242 "$TB_SOCK" br1 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^status=-1 message=bridge br1 is not allowed for user nobody " \
	"nobody with CAP_SETUID lies that it is uid 4242 (br1's tenant): still nobody, refused"
$LIAR "$TB_CLIENT" --lie 0 "$TB_SOCK" br1 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^status=-1 message=bridge br1 is not allowed for user nobody " \
	"... and claiming uid 0 makes no difference either"
like "$(tail -n 2 "$TB_TMP/broker.log")" "deny uid 65534 \\(nobody\\) pid [0-9]+: bridge br1" \
	"the broker logs the liar as uid 65534"
is "$(tb_taps_settled)" "" "no interface left after the hostile requests"

# Two tenants, one broker: each gets only what the policy gives them.
AS4242="setpriv --reuid=4242 --regid=4242 --clear-groups --"
$AS4242 "$TB_CLIENT" "$TB_HELPER" br1 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "^ifname=tb" "uid 4242 gets its own bridge br1"
$AS4242 "$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>&1
like "$(cat "$TB_TMP/out")" "bridge br0 is not allowed for user uid 4242 by .* \(allowed: br1\)" \
	"... but not nobody's br0, and is told what it may use"
client "$TB_HELPER" br1
like "$ERR" "bridge br1 is not allowed for user nobody" "nobody does not get br1"

# root is not in the policy: default deny applies to root too.
"$TB_CLIENT" "$TB_HELPER" br0 >"$TB_TMP/out" 2>"$TB_TMP/err"
like "$(cat "$TB_TMP/err")" "not allowed for user root" "default deny covers root"

kill -0 "$TB_BROKER_PID" 2>/dev/null
ok $? "broker still serving after all refusals"
grep -c '^tapbroker: grant ' "$TB_TMP/broker.log" >"$TB_TMP/n"
is "$(cat "$TB_TMP/n")" 5 "broker logged one line per grant"
done_testing
