#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Routed mode: host routes in the listed tables only, with the lease's metric.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "routed" {
	users = { "nobody", "4242" }
	routed = { "10.50.0.0/24", "2001:db8:50::/64" }
	tables = { "main", "100", "101", "102" }
	metrics = "100-200"
	proxy = { "up0" }
	gateways = { "169.254.0.0/16" }
}
allow "other" { users = { "4242" } routed = { "10.60.0.0/24" } }
EOF
tbip link add up0 type veth peer name up1
tbip link add up2 type veth peer name up3
ip netns exec "$TB_NS" sysctl -qw net.ipv4.ip_forward=0
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
ask() { OUT=$(${TB_AS:-$TB_NOBODY} "$TB_CLIENT" "$TB_HELPER" br0 "$@" 2>&1); }
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
like "$("$TB_BROKER" status --socket "$TB_SOCK")" \
	"^ifname=$tap kind=routed bridge=- .* routes=10.50.0.5/32,2001:db8:50::5/128 tables=254,100 metric=150 proxy=- guard=-$" \
	"tapbroker status lists its routes, tables and metric"
like "$("$TB_BROKER" status --json --socket "$TB_SOCK")" \
	"\"routes\": \"10.50.0.5/32,2001:db8:50::5/128\", \"tables\": \"254,100\", \"metric\": 150" \
	"... also as JSON"

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

# One, two and three tables, none of them main: routes there and only there.
for tables in 101 100,102 100,101,102; do
	hold "$TB_HELPER" br0 --routed --address=10.50.0.6 --table=$tables --metric=120
	got=""
	for t in ${tables//,/ }; do
		got="$got$(routes route show table "$t");"
	done
	is "$got" "$(for t in ${tables//,/ }; do
		printf '%s;' "10.50.0.6 proto static scope link metric 120"; done)" \
		"--table=$tables: a route with metric 120 in each"
	is "$(tbip route show table all 10.50.0.6 | grep -c .)" \
		"$(echo "${tables//,/ }" | wc -w)" "... and in no other table, main included"
	release
done

# ---- one VM, two NICs, one address -------------------------------------
TB_4242="setpriv --reuid=4242 --regid=4242 --clear-groups --"
# pair ARGS... --and ARGS...: one VM (one process) asks for two routed
# NICs; sets PAIR (its pid), NIC1, NIC2.  kill -USR1 $PAIR closes NIC1.
pair() {
	: >"$TB_TMP/pair"
	$TB_NOBODY "$TB_CLIENT" --hold "$TB_HELPER" br0 "$@" >"$TB_TMP/pair" 2>&1 &
	PAIR=$!
	for i in $(seq 1 100); do
		[ "$(grep -c ifname= "$TB_TMP/pair")" -ge 2 ] && break
		kill -0 $PAIR 2>/dev/null || break
		sleep 0.05
	done
	NIC1=$(sed -n 's/^ifname=\([^ ]*\).*/\1/p' "$TB_TMP/pair" | sed -n 1p)
	NIC2=$(sed -n 's/^ifname=\([^ ]*\).*/\1/p' "$TB_TMP/pair" | sed -n 2p)
}
unpair() { kill "$PAIR" 2>/dev/null; wait "$PAIR" 2>/dev/null; tb_gone "$NIC2"; }
# show ARGS...: "ip ARGS" on one line, spaces squeezed
show() { tbip "$@" | tr -s ' \t\n' ' ' | sed 's/ $//'; }
settled() { # settled ARGS...: "ip ARGS" once it is empty (1 s at most)
	for i in $(seq 1 20); do [ -z "$(tbip "$@")" ] && break; sleep 0.05; done
	show "$@"
}

pair --routed --address=10.50.0.20 --table=main,100 --metric=150 \
	--and --routed --address=10.50.0.20 --table=main,100 --metric=150
like "$(tr '\n' ' ' <"$TB_TMP/pair")" "^ifname=tb[0-9]+ .*ifname=tb[0-9]+ " "one VM gets two routed NICs"
ecmp="10.50.0.20 proto static scope link metric 150 nexthop dev $NIC1 weight 1 nexthop dev $NIC2 weight 1"
is "$(show route show table main 10.50.0.20)" "$ecmp" \
	"equal metrics: one multipath route over both NICs in table main"
is "$(show route show table 100 10.50.0.20)" "$ecmp" "... and in table 100"
ask --routed --address=10.50.0.20 --metric=150
like "$OUT" "^tapbroker-helper: address 10.50.0.20/32 overlaps 10.50.0.20/32, routed to $NIC1 of uid 65534$" \
	"the same user's other VM: refused"
TB_AS=$TB_4242 ask --routed --address=10.50.0.20
like "$OUT" "^tapbroker-helper: address 10.50.0.20/32 overlaps 10.50.0.20/32, routed to $NIC1 of uid 65534$" \
	"another user's VM: refused"
kill -USR1 "$PAIR"
tb_gone "$NIC1"
is "$(show route show table main 10.50.0.20)" \
	"10.50.0.20 dev $NIC2 proto static scope link metric 150" \
	"one NIC's lease ends: the route keeps the other NIC (table main)"
is "$(show route show table 100 10.50.0.20)" \
	"10.50.0.20 dev $NIC2 proto static scope link metric 150" "... and table 100"
unpair
is "$(settled route show table all 10.50.0.20)" "" "both leases end: no route left"

pair --routed --address=10.50.0.30 --address=2001:db8:50::30 --metric=100 \
	--and --routed --address=10.50.0.30 --address=2001:db8:50::30 --metric=200
is "$(show route show table main 10.50.0.30)" \
	"10.50.0.30 dev $NIC1 proto static scope link metric 100 10.50.0.30 dev $NIC2 proto static scope link metric 200" \
	"different metrics: a primary and a backup route (IPv4)"
is "$(show -6 route show table main 2001:db8:50::30)" \
	"2001:db8:50::30 dev $NIC1 proto static metric 100 pref medium 2001:db8:50::30 dev $NIC2 proto static metric 200 pref medium" \
	"... and IPv6"
kill -USR1 "$PAIR"
tb_gone "$NIC1"
is "$(show route show table main 10.50.0.30) $(show -6 route show table main 2001:db8:50::30)" \
	"10.50.0.30 dev $NIC2 proto static scope link metric 200 2001:db8:50::30 dev $NIC2 proto static metric 200 pref medium" \
	"the primary's lease ends: the backup routes stay"
unpair
is "$(settled route show table all 10.50.0.30)$(settled -6 route show table all 2001:db8:50::30)" "" \
	"both end: no route left"

# IPv6 makes no ECMP of device routes: the broker routes through a group
# of nexthop objects, one per tap (ip nexthop), which the kernel shrinks
# as taps go.
pair --routed --address=2001:db8:50::31 --table=main,100 --metric=100 \
	--and --routed --address=2001:db8:50::31 --table=main,100 --metric=100
like "$(tr '\n' ' ' <"$TB_TMP/pair")" "^ifname=tb[0-9]+ .*ifname=tb[0-9]+ " \
	"IPv6, equal metrics: one VM gets two routed NICs"
ecmp6="2001:db8:50::31 nhid [0-9]+ proto static metric 100 pref medium nexthop dev $NIC1 weight 1 nexthop dev $NIC2 weight 1"
like "$(show -6 route show table main 2001:db8:50::31)" "^$ecmp6$" \
	"... one route over both NICs through a nexthop group (table main)"
like "$(show -6 route show table 100 2001:db8:50::31)" "^$ecmp6$" "... and table 100"
is "$(ip -n "$TB_NS" -6 route get 2001:db8:50::31 >/dev/null; echo $?)" 0 \
	"... which the kernel resolves"
kill -USR1 "$PAIR"
tb_gone "$NIC1"
like "$(show -6 route show table main 2001:db8:50::31) $(show -6 route show table 100 2001:db8:50::31)" \
	"^2001:db8:50::31 nhid [0-9]+ proto static metric 100 pref medium nexthop dev $NIC2 weight 1 2001:db8:50::31 nhid [0-9]+ proto static metric 100 pref medium nexthop dev $NIC2 weight 1$" \
	"one NIC's lease ends: both routes keep the other NIC"
unpair
is "$(settled -6 route show table all 2001:db8:50::31)$(tb_taps_settled)" "" \
	"both end: no route and no interface left"
is "$(settled nexthop show)" "" "... and no nexthop object or group"

# ---- proxy ARP/NDP -------------------------------------------------------
ip netns exec "$TB_NS" sysctl -qw net.ipv6.conf.all.proxy_ndp=0 net.ipv6.conf.up0.proxy_ndp=0
ask --routed --address=10.50.0.40 --address=2001:db8:50::40 --proxy=up0
like "$OUT" "^tapbroker-helper: proxy NDP is off on up0 in the broker's network namespace: sysctl -w net.ipv6.conf.up0.proxy_ndp=1$" \
	"proxy_ndp off: refused, naming the sysctl"
is "$(show neigh show proxy)$(show route show table all 10.50.0.40)$(tb_taps_settled)" "" \
	"... nothing left behind"
ip netns exec "$TB_NS" sysctl -qw net.ipv6.conf.up0.proxy_ndp=1
hold "$TB_HELPER" br0 --routed --address=10.50.0.40 --address=2001:db8:50::40 --proxy=up0
like "$(cat "$TB_TMP/hold")" "^ifname=tb[0-9]+ " "--proxy=up0: granted"
is "$(tbip neigh show proxy | sort | tr -s ' \n' ' ')" \
	"10.50.0.40 dev up0 proxy 2001:db8:50::40 dev up0 proxy " \
	"proxy entries for both addresses on up0"
px=$HOLD_PID
ask --routed --address=10.50.0.42 --proxy=up2
like "$OUT" "^tapbroker-helper: proxy ARP/NDP on up2 for 10.50.0.42/32 is not allowed for user nobody by $TB_TMP/policy.conf \(name up2 in proxy" \
	"proxy on an uplink the policy does not grant: refused"
ask --routed --address=10.50.0.48/29 --proxy=up0
like "$OUT" "host addresses only" "proxy for a prefix: refused"
tbip neigh add proxy 10.50.0.41 dev up0
ask --routed --address=10.50.0.41 --proxy=up0
like "$OUT" "^tapbroker-helper: a proxy entry for 10.50.0.41/32 on up0 exists already" \
	"an entry someone else made: refused"
is "$(settled route show table all 10.50.0.41)/$(show neigh show proxy 10.50.0.41)" \
	"/10.50.0.41 dev up0 proxy" "... its route rolled back, their entry kept"
tbip neigh del proxy 10.50.0.41 dev up0
ok "$(tbip neigh show proxy | grep -c '10.50.0.4[1-9]')" "refusals leave no proxy entry"
HOLD_PID=$px release
is "$(settled neigh show proxy)" "" "lease end: the proxy entries are gone"

# ---- broker restart ------------------------------------------------------
pair --routed --address=10.50.0.50 --address=2001:db8:50::52 --metric=150 --proxy=up0 \
	--and --routed --address=10.50.0.50 --address=2001:db8:50::52 --metric=150 --proxy=up0
hold "$TB_HELPER" br0 --routed --address=2001:db8:50::51 --proxy=up0
orphan=$IFNAME
is "$(tbip neigh show proxy | grep -c proxy)" 3 "before the restart: three proxy entries"
kill -KILL "$TB_BROKER_PID"; wait "$TB_BROKER_PID" 2>/dev/null; TB_BROKER_PID=""
kill "$HOLD_PID"; wait "$HOLD_PID" 2>/dev/null	# its VM exits while none watches
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
TB_AS=$TB_4242 ask --routed --address=10.50.0.50
like "$OUT" "^tapbroker-helper: address 10.50.0.50/32 overlaps 10.50.0.50/32, routed to tb[0-9]+ of uid 65534$" \
	"after a restart: another user's claim of the address is refused"
TB_AS=$TB_4242 ask --routed --address=2001:db8:50::52
like "$OUT" "^tapbroker-helper: address 2001:db8:50::52/128 overlaps 2001:db8:50::52/128, routed to tb[0-9]+ of uid 65534$" \
	"... also of the IPv6 address routed through a nexthop group"
tb_gone "$orphan"
ok $? "the lease that ended while the broker was away: its tap is gone"
is "$(show neigh show proxy)" "10.50.0.50 dev up0 proxy 2001:db8:50::52 dev up0 proxy" \
	"... and its proxy entry"
kill -USR1 "$PAIR"
tb_gone "$NIC1"
is "$(show route show table main 10.50.0.50)" \
	"10.50.0.50 dev $NIC2 proto static scope link metric 150" \
	"after a restart: the multipath route keeps the NIC that remains"
like "$(show -6 route show table main 2001:db8:50::52)" \
	"^2001:db8:50::52 nhid [0-9]+ proto static metric 150 pref medium nexthop dev $NIC2 weight 1$" \
	"... and so does the IPv6 route through its group"
is "$(show neigh show proxy)" "10.50.0.50 dev up0 proxy 2001:db8:50::52 dev up0 proxy" \
	"... and the proxy entries it shares"
unpair
is "$(settled route show table all 10.50.0.50)$(settled -6 route show table all 2001:db8:50::52)$(settled neigh show proxy)$(settled nexthop show)" "" \
	"lease end after a restart: routes, nexthops and proxy entries gone"
is "$(tb_taps_settled)" "" "no interface left"
done_testing
