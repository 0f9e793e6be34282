#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The broker keeps a bridge's ifindex and MTU from the link events: a bridge
# deleted, made again, renamed, replaced or given a new MTU just before a
# request is never served from what was kept.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
pool = 0
allow "vms" { users = { "nobody" } bridges = { "br0" } quota = 8 }
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"

master() { tbip -o link show "$1" | grep -o 'master [^ ]*'; }
ifindex() { tbip -o link show "$1" | cut -d: -f1; }
mtu() { tbip -o link show "$1" | grep -o 'mtu [0-9]*'; }
take() { hold "$TB_HELPER" br0; } # a tap on br0, held: sets IFNAME
release() { kill "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null; }
new_br0() { tbip link add br0 type bridge && tbip link set br0 up; }

take
is "$(master "$IFNAME")" "master br0" "a tap in br0 (the bridge now kept)"
release

old=$(ifindex br0)
tbip link del br0 && new_br0
take
new=$(ifindex br0)
ok $((new == old)) "br0 deleted and made again (a new ifindex: $old, then $new)"
is "$(master "$IFNAME")" "master br0" "... the next request's tap is in the new br0, at once"
release

tbip link set br0 down && tbip link set br0 name brold && new_br0
take
is "$(master "$IFNAME")" "master br0" "br0 renamed to brold, a new br0 made: the tap is in the new br0"
release
tbip link del brold

tbip link set br0 mtu 1400
take
is "$(mtu "$IFNAME")" "mtu 1400" "br0's MTU lowered to 1400: the next tap has 1400"
release
tbip link set br0 mtu 1500

tbip link del br0
tbip link add br0 type veth peer name brpeer
out=$($TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 2>&1)
like "$out" "br0 is not a bridge" "br0 replaced by a veth: refused, not bridged"
tbip link del br0
out=$($TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 2>&1)
like "$out" "bridge br0 does not exist" "br0 gone: refused"

new_br0
take
is "$(master "$IFNAME")" "master br0" "br0 back: served again"
release
done_testing
