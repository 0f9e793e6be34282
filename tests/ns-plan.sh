#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The plan: `tapbroker explain` and a real broker agree on generated
# requests; addresses, gateways, group denies and the guard's wire.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
tb_netns_setup
tb_bridge br0 9000 && tb_bridge br1 1500 && tb_bridge br2 1500 &&
	tb_bridge brg 1500 || skip_all "cannot make bridges"
tbip link set br0 type bridge vlan_filtering 1
tbip link set br1 type bridge vlan_filtering 1
ip netns exec "$TB_NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "lab" {
	users = { "nobody" }
	bridges = { "br0", "br1" }
	mtu = "4000"
	vlans = { "10-20" }
}
deny "no-br1" { users = { "4242" } bridges = { "br1" } }
allow "num" { users = { "4242" } bridges = { "br0", "br1" } vlans = { "30" } trunk = yes }
allow "routed" {
	users = { "nobody" }
	addresses = { "10.50.0.0/24" }
	tables = { "100" }
	metrics = "100-200"
	gateways = { "169.254.0.0/16" }
	mtu = "1400"
}
deny "no-50-3" { users = { "nobody" } routed = { "10.50.0.3" } }
allow "guarded" {
	users = { "nobody" }
	bridges = { "brg" }
	guard = yes
	addresses = { "10.9.0.0/24" }
}
allow "bridged-addr" { users = { "nobody" } bridges = { "br2" } addresses = { "10.9.0.0/24" } }
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
S4242="setpriv --reuid=4242 --regid=4242 --clear-groups --"

# answer AS HELPER-ARGS...: B is "allow" (QEMU got its tap) or the helper's
# one line of reason.
answer() {
	local as=$1 out
	shift
	out=$($as "$TB_CLIENT" "$TB_HELPER" "$@" 2>&1)
	if grep -q '^ifname=' <<<"$out"; then B=allow; else
		B=$(sed -n 's/^tapbroker-helper: //p' <<<"$out" | head -1); fi
	OUT=$B
}
# explain USER ARGS...: EXPL is "allow" or the deny's reason line.
explain() {
	local out
	out=$("$TB_BROKER" explain --config "$TB_TMP/policy.conf" --user "$@" 2>&1)
	if [ "$(head -1 <<<"$out")" = allow ]; then EXPL=allow; else
		EXPL=$(sed -n 's/^reason: //p' <<<"$out"); fi
}
# What only the kernel knows (explain cannot): the bridge's MTU and VLAN
# filtering, addresses in use.  Every policy refusal must match exactly.
facts="does not exist \\(create it first|does not filter VLANs|is above bridge .*'s MTU|overlaps .*(routed|leased) to|which the host has"
n=0 agree=0 refusals=0 facts_seen=0
compare_both() {
	n=$((n + 1))
	[ "$EXPL" != allow ] && refusals=$((refusals + 1))
	if [ "$B" = "$EXPL" ]; then
		agree=$((agree + 1))
	elif [ "$EXPL" = allow ] && grep -Eq "$facts" <<<"$B"; then
		agree=$((agree + 1)) facts_seen=$((facts_seen + 1))
	else
		diag "differ: $*" "broker:  $B" "explain: $EXPL"
	fi
}

# ---- the differential: many generated requests, both ways -------------
for who in nobody 4242; do
	as=$TB_NOBODY
	[ $who = 4242 ] && as=$S4242
	for br in br0 br1 br9; do
		for mtu in "" 1500 4000 9000; do
			for vlan in "" 15 30; do
				h=("$br") e=(--bridge $br)
				[ -n "$mtu" ] && h+=(--mtu=$mtu) e+=(--mtu $mtu)
				[ -n "$vlan" ] && h+=(--vlan=$vlan) e+=(--vlan $vlan)
				answer "$as" "${h[@]}"
				explain $who "${e[@]}"
				compare_both "$who ${h[*]}"
			done
		done
	done
done
for addr in 10.50.0.5 10.50.0.3 10.50.0.0/30 10.50.0.4/30 10.60.0.1; do
	for table in 100 main; do
		for metric in 150 50; do
			answer "$TB_NOBODY" br0 --routed --address=$addr \
				--table=$table --metric=$metric
			explain nobody --address $addr --table $table --metric $metric
			compare_both "routed $addr $table $metric"
		done
	done
done
# A second policy, reloaded (SIGHUP): another shape of grants and denies.
cp "$TB_TMP/policy.conf" "$TB_TMP/policy1.conf"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "all" { users = { "nobody", "4242" } bridges = { "all" } mtu = "1500" }
deny "no-br0" { groups = { "nogroup" } bridges = { "br0" } }
allow "v" { users = { "4242" } bridges = { "br1" } vlans = { "15" } }
EOF
kill -HUP "$TB_BROKER_PID"
sleep 0.3
for who in nobody 4242; do
	as=$TB_NOBODY
	[ $who = 4242 ] && as=$S4242
	for br in br0 br1 br9 "b:x"; do
		for mtu in "" 1500 1501; do
			for vlan in "" 15; do
				h=("$br") e=(--bridge "$br")
				[ -n "$mtu" ] && h+=(--mtu=$mtu) e+=(--mtu $mtu)
				[ -n "$vlan" ] && h+=(--vlan=$vlan) e+=(--vlan $vlan)
				answer "$as" "${h[@]}"
				explain $who "${e[@]}"
				compare_both "policy 2: $who ${h[*]}"
			done
		done
	done
done
cp "$TB_TMP/policy1.conf" "$TB_TMP/policy.conf"
kill -HUP "$TB_BROKER_PID"
sleep 0.3
is "$agree" "$n" "explain and the broker agree on all $n generated requests (verdict and reason), over two policies"
ok $([ "$refusals" -gt 20 ] && [ "$refusals" -lt "$n" ]; echo $?) \
	"... of which $refusals are policy refusals (both verdicts are exercised; $facts_seen allowed ones met a kernel fact)"
is "$(tb_taps_settled)" "" "no tap left behind"

# ---- issue 11 item 2: every address the caller names, by the policy -----
tbip link add lan0 type veth peer name lan1 && tbip link set lan0 up
tbip addr add 10.50.0.99/32 dev lan0
answer "$TB_NOBODY" br0 --routed --address=10.50.0.5 --table=100 --gateway=10.99.0.50/32
like "$OUT" "^gateway 10.99.0.50/32 is not within the addresses or gateways granted to user nobody" \
	"--gateway=10.99.0.50/32 (a LAN peer's address): refused by the policy"
answer "$TB_NOBODY" br0 --routed --address=10.50.0.5 --table=100 --gateway=200.0.0.1/1
like "$OUT" "^gateway 200.0.0.1/1 is not within" "--gateway=200.0.0.1/1: refused"
is "$(tbip route show table main | grep -c '128.0.0.0/1')" 0 "... and nothing in table main"
hold "$TB_HELPER" br0 --routed --address=10.50.0.5 --table=100 --gateway=10.50.0.129/25
like "$(cat "$TB_TMP/hold")" "^ifname=tb" "a gateway within the granted addresses: granted"
gwtap=$IFNAME gwpid=$HOLD_PID
like "$(tbip -o addr show dev "$gwtap")" "inet 10.50.0.129/25 .*noprefixroute" \
	"... the host-side address carries noprefixroute"
is "$(tbip route show table main | grep -c "dev $gwtap")" 0 \
	"... and no connected (proto kernel) route appears in table main"
is "$(tbip -4 route show table all | grep "dev $gwtap" | grep -v 'table local' | grep -c 'proto kernel')" 0 \
	"... nor in any IPv4 table but local (the address itself and its broadcast)"
answer "$TB_NOBODY" br0 --routed --address=10.50.0.128/26 --table=100
like "$OUT" "^address 10.50.0.128/26 overlaps 10.50.0.129/32, which the host has on $gwtap" \
	"another VM's claim over that gateway: refused (the host has it)"
answer "$TB_NOBODY" br0 --routed --address=10.50.0.99 --table=100
like "$OUT" "^address 10.50.0.99/32 overlaps 10.50.0.99/32, which the host has on lan0" \
	"an address the host has on another interface: refused"
answer "$TB_NOBODY" br0 --routed --address=10.50.0.6 --table=100 --gateway=10.50.0.5/32
like "$OUT" "^address 10.50.0.5/32 overlaps 10.50.0.5/32, routed to $gwtap of uid 65534" \
	"a gateway on another lease's routed address: refused"
kill "$gwpid"
wait "$gwpid" 2>/dev/null
tb_gone "$gwtap"

# ---- routed taps get the policy's MTU ceiling too -----------------------
hold "$TB_HELPER" br0 --routed --address=10.50.0.7 --table=100
like "$(tbip link show "$IFNAME")" "mtu 1400 " \
	"a routed tap without --mtu: 1500 capped by the rule's ceiling (1400)"
release
answer "$TB_NOBODY" br0 --routed --address=10.50.0.7 --table=100 --mtu=9000
like "$OUT" "^MTU 9000 on a routed tap is above the ceiling of 1400 set by $TB_TMP/policy.conf:[0-9]+ \\(allow \"routed\"\\)" \
	"a routed tap above the ceiling: refused"

# ---- issue 11 item 5: a routed deny holds for wider prefixes ------------
answer "$TB_NOBODY" br0 --routed --address=10.50.0.0/30 --table=100
like "$OUT" "^address 10.50.0.0/30 is denied to user nobody by $TB_TMP/policy.conf:[0-9]+ \\(deny \"no-50-3\"\\)" \
	"a prefix containing a denied address: refused"
is "$(tbip route show table 100 | grep -c 10.50.0.0)" 0 "... and nothing routed"

# ---- the guard's wire (issue 13): the plan carries guard, mac, addresses --
answer "$TB_NOBODY" brg
like "$OUT" "^brg is guarded by $TB_TMP/policy.conf:[0-9]+ \\(allow \"guarded\"\\): add --mac=MAC, the guest NIC's MAC as given to QEMU$" \
	"a guard = yes rule without --mac: refused with one line"
hold "$TB_HELPER" brg --mac=52:54:00:12:34:56 --address=10.9.0.5
like "$(cat "$TB_TMP/hold")" "^ifname=tb" "with --mac: the guarded tap is handed out"
gtap=$IFNAME
like "$(ip netns exec "$TB_NS" nft list chain netdev tapbroker "$gtap" 2>&1)" \
	"hook ingress device \"$gtap\" priority -500; policy drop;" \
	"... its guard in place first (nft chain netdev tapbroker $gtap)"
like "$(ip netns exec "$TB_NS" bridge -d link show dev "$gtap")" "learning off.*locked on" \
	"... its bridge port locked, learning off"
like "$(ip netns exec "$TB_NS" bridge fdb show dev "$gtap")" "52:54:00:12:34:56 master brg static" \
	"... the guest's MAC a static FDB entry"
release
ip netns exec "$TB_NS" nft list chain netdev tapbroker "$gtap" >/dev/null 2>&1
ok $((! $?)) "the guard goes with the lease"
is "$(tb_taps_settled)" "" "... leaving no tap"
hold "$TB_HELPER" brg --mac=52:54:00:12:34:56 --address=10.9.0.5
gtap=$IFNAME
ip netns exec "$TB_NS" nft flush ruleset
tb_gone "$gtap"
ok $? "nft flush ruleset by another program: the guard's lease is ended, not left unguarded"
like "$(cat "$TB_TMP/broker.log")" "the guard of $gtap is gone: .*\\(changed by another program\\)" \
	"... and the broker says why"
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null
# a restarted broker checks every guard: a whole one keeps its lease ...
hold "$TB_HELPER" brg --mac=52:54:00:12:34:56 --address=10.9.0.5
gtap=$IFNAME
tb_broker_stop
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
like "$(cat "$TB_TMP/broker.log")" "lease $gtap on brg of uid 65534 .*found again" \
	"a restarted broker finds the guarded lease again"
ip netns exec "$TB_NS" nft list chain netdev tapbroker "$gtap" >/dev/null 2>&1
ok $? "... and keeps its whole guard"
# ... and one whose guard went while it was away is ended
tb_broker_stop
h=$(ip netns exec "$TB_NS" nft -a list chain netdev tapbroker "$gtap" |
	sed -n 's/.*comment "tapbroker: source MAC" # handle \([0-9]*\)$/\1/p')
ip netns exec "$TB_NS" nft delete rule netdev tapbroker "$gtap" handle "$h"
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
tb_gone "$gtap"
ok $? "a restarted broker ends a lease whose guard was changed while it was away"
kill "$HOLD_PID" 2>/dev/null
wait "$HOLD_PID" 2>/dev/null
tb_broker_stop
ip netns exec "$TB_NS" nft add chain netdev tapbroker tb999 \
	'{ type filter hook ingress device "tb999" priority -500; policy drop; }'
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not restart"; exit 1; }
ip netns exec "$TB_NS" nft list chain netdev tapbroker tb999 >/dev/null 2>&1
ok $((! $?)) "a restarted broker removes a guard chain that has no lease"
OUT=$("$TB_BROKER" explain --config "$TB_TMP/policy.conf" --user nobody --bridge brg \
	--mac 52:54:00:12:34:56 --address 10.9.0.5)
like "$OUT" "^guard: yes, set by $TB_TMP/policy.conf:[0-9]+ \\(allow \"guarded\"\\)$" \
	"explain shows the guard and its rule"
like "$OUT" "^mac: 52:54:00:12:34:56$" "... the MAC"
like "$OUT" "^addresses: 10.9.0.5/32, set by" "... and the addresses"
OUT=$(ip netns exec "$TB_NS" "$TB_BROKER" explain --config "$TB_TMP/policy.conf" \
	--user nobody --bridge brg --mac 52:54:00:12:34:56 --address 10.9.0.5)
like "$OUT" "^kernel: bridge brg, MTU 1500, VLAN filtering off$" \
	"explain in the bridge's namespace: the kernel's facts after the plan"
OUT=$(unshare -n "$TB_BROKER" explain --config "$TB_TMP/policy.conf" \
	--user nobody --bridge br2)
like "$OUT" "^kernel: bridge br2 does not exist \\(create it first" \
	"... and, in an empty namespace, a granted bridge that is missing there"
hold "$TB_HELPER" br2 --address=10.9.0.7 --mac=52:54:00:00:00:07
like "$(cat "$TB_TMP/hold")" "^ifname=tb" "bridged --address granted from addresses = { }"
answer "$TB_NOBODY" br2 --address=10.9.0.7
like "$OUT" "^address 10.9.0.7/32 overlaps 10.9.0.7/32, leased to $IFNAME of uid 65534" \
	"... and exclusive across leases"
answer "$TB_NOBODY" br2 --address=10.8.0.7
like "$OUT" "^address 10.8.0.7/32 is not in a routed prefix granted" \
	"a bridged address outside the grants: refused"
release

# ---- issue 11 item 4: a group deny holds when the caller drops the group --
# The broker runs with a group database of its own (bind mounts in a private
# mount namespace): user tbcontr (4243) is a supplementary member of group
# tbcontractors (4245), as README's contractor example has it.
cp /etc/passwd "$TB_TMP/passwd" && cp /etc/group "$TB_TMP/group" &&
	echo "tbcontr:x:4243:4244::/nonexistent:/usr/sbin/nologin" >>"$TB_TMP/passwd" &&
	echo "tbstaff:x:4244:" >>"$TB_TMP/group" &&
	echo "tbcontractors:x:4245:tbcontr" >>"$TB_TMP/group"
cat >"$TB_TMP/wrap" <<EOF
#!/bin/sh
mount --bind "$TB_TMP/passwd" /etc/passwd &&
	mount --bind "$TB_TMP/group" /etc/group && exec "\$@"
EOF
chmod +x "$TB_TMP/wrap"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "staff" { users = { "tbcontr" } bridges = { "br0" } }
deny "no-contractors" { groups = { "tbcontractors" } bridges = { "br0" } }
EOF
tb_broker_stop
deny_re="bridge br0 is denied to user tbcontr by .*\\(deny \"no-contractors\"\\)"
if TB_BROKER_WRAP="unshare -m --propagation private $TB_TMP/wrap" \
	tb_broker_start --config "$TB_TMP/policy.conf"; then
	as="setpriv --reuid=4243 --regid=4244"
	OUT=$($as --groups=4245 -- "$TB_CLIENT" "$TB_HELPER" br0 2>&1)
	like "$OUT" "$deny_re" "a member of tbcontractors, groups intact: denied"
	OUT=$($as --clear-groups -- "$TB_CLIENT" "$TB_HELPER" br0 2>&1)
	like "$OUT" "$deny_re" \
		"... with tbcontractors dropped from the process (what setgroups in its own user namespace does): still denied"
	if $as --clear-groups -- unshare -U -r true 2>/dev/null; then
		OUT=$($as --clear-groups -- unshare -U -r "$TB_CLIENT" "$TB_HELPER" br0 2>&1)
		like "$OUT" "$deny_re" \
			"... and from inside its own user namespace (unshare -U -r): still denied"
	else
		skip "... from its own user namespace" "unshare -U is not allowed here"
	fi
	# in place: the bind mount holds the file's inode, which sed -i replaces
	sed 's/^tbcontractors:x:4245:tbcontr$/tbcontractors:x:4245:/' \
		"$TB_TMP/group" >"$TB_TMP/group.new" &&
		cat "$TB_TMP/group.new" >"$TB_TMP/group"
	kill -HUP "$TB_BROKER_PID"
	sleep 0.3
	OUT=$($as --clear-groups -- "$TB_CLIENT" "$TB_HELPER" br0 2>&1)
	like "$OUT" "^ifname=tb" \
		"... granted once the database no longer lists tbcontr, after a reload"
else
	ok 1 "a broker with its own group database started"
fi
tb_broker_stop

done_testing
