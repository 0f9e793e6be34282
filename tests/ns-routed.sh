#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Routed mode: host routes in the listed tables only, with the lease's metric.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "routed" {
	users = { "nobody" }
	routed = { "10.50.0.0/24", "2001:db8:50::/64" }
	tables = { "main", "100" }
	metrics = "100-200"
}
allow "other" { users = { "4242" } routed = { "10.60.0.0/24" } }
EOF
ip netns exec "$TB_NS" sysctl -qw net.ipv4.ip_forward=0
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
ask() { OUT=$($TB_NOBODY "$TB_CLIENT" "$TB_HELPER" br0 "$@" 2>&1); }
routes() { tbip "$@" | grep "dev $IFNAME " | sed "s/ dev $IFNAME / /" | tr -s ' ' | sed 's/ $//'; }

ask --routed --address=10.50.0.5
like "$OUT" "^tapbroker-helper: routed mode needs IPv4 forwarding, which is off in the broker's network namespace: sysctl -w net.ipv4.ip_forward=1$" \
	"forwarding off: refused, naming the sysctl"
ip netns exec "$TB_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

hold "$TB_HELPER" br0 --routed --address=10.50.0.5 --address=2001:db8:50::5 \
	--table=main,100 --metric=150 --gateway=169.254.0.1
like "$(cat "$TB_TMP/hold")" "^ifname=tb[0-9]+ " "--routed: QEMU gets a tap"
tap=$IFNAME
is "$(routes route show table main)" "10.50.0.5 proto static scope link metric 150" \
	"IPv4 host route in table main, metric 150"
is "$(routes route show table 100)" "10.50.0.5 proto static scope link metric 150" \
	"... and in table 100"
like "$(routes -6 route show table 100)" "^2001:db8:50::5 proto static metric 150" \
	"IPv6 host route in table 100"
like "$(tbip -o addr show dev "$tap")" "inet 169.254.0.1/32" \
	"the gateway address is on the tap"
ok $(tbip link show "$tap" | grep -c master) "the tap is in no bridge"

# The same address for another VM: refused.
ask --routed --address=10.50.0.5
like "$OUT" "^tapbroker-helper: address 10.50.0.5/32 overlaps 10.50.0.5/32, routed to $tap of uid 65534$" \
	"an address another VM holds: refused, naming the holder"
ask --routed --address=10.50.0.9 --metric=50
like "$OUT" "address 10.50.0.9/32 in table 254 with metric 50 is not allowed for user nobody by $TB_TMP/policy.conf:1" \
	"a metric outside the range: refused"
ask --routed --address=10.50.0.9 --table=200
like "$OUT" "in table 200 with metric 100 is not allowed" "a table not granted: refused"
ask --routed --address=10.51.0.1
like "$OUT" "address 10.51.0.1/32 is not in a routed prefix granted to user nobody" \
	"an address outside the prefixes: refused"
ask --routed --address=10.50.0.0/23
like "$OUT" "has host bits set|not in a routed prefix" "a prefix wider than granted: refused"
ask --routed
like "$OUT" "--routed needs --address" "--routed without addresses: refused by the helper"

hold "$TB_HELPER" br0 --routed --address=10.50.0.7
is "$(routes route show table main)" "10.50.0.7 proto static scope link metric 100" \
	"no --table, no --metric: main only, the lowest metric allowed"
is "$(routes route show table 100)" "" "... and nothing in table 100"
release
kill "$(pgrep -f "tb-client --hold $TB_HELPER br0 --routed --address=10.50.0.5" | head -1)" 2>/dev/null
sleep 0.6
is "$(tbip route show table all | grep -c '10.50.0')" 0 "routes are gone with the lease"
is "$(tb_taps_settled)" "" "no interface left"
done_testing
