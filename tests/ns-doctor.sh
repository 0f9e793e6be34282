#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tapbroker doctor: a clean namespace finds nothing; each staged fault is
# found alone, its fix makes it go away; read-only; JSON; non-root skips.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
command -v jq >/dev/null || skip_all "jq is not installed (tools/install-deps)"
tb_netns_setup
nsx() { ip netns exec "$TB_NS" "$@"; }
# no IPv6 duplicate address detection: addresses do not change under snap
nsx sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0

# ---- a clean namespace: bridge (pinned MAC), broker, a lease of each kind
tbip link add br0 address 02:00:00:00:0b:00 type bridge
tbip link set br0 up
tbip link add up0 type veth peer name up1
tbip link add lowr type veth peer name lowp
for l in up0 up1 lowr lowp; do tbip link set "$l" up; done
nsx sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
POL="$TB_TMP/policy.conf"
tb_policy "$POL" <<EOF
allow "lab" {
	users = { "nobody" }
	bridges = { "br0" }
	macvtap = { "lowr" }
	macvtap_modes = { "vepa", "bridge" }
	routed = { "10.50.0.0/24", "2001:db8:50::/64" }
	tables = { "main", "100" }
	metrics = "100-200"
	proxy = { "up0" }
}
EOF
tb_broker_start --config "$POL" || { echo "Bail out! broker did not start"; exit 1; }
export TAPBROKER_SOCKET="$TB_SOCK"
hold "$TB_HELPER" br0
BR_PID=$HOLD_PID BR_TAP=$IFNAME
hold "$TB_HELPER" br0 --routed --address=10.50.0.5 --metric=150 --proxy=up0
RT_PID=$HOLD_PID RT_TAP=$IFNAME
hold "$TB_HELPER" br0 --macvtap=lowr
MV_PID=$HOLD_PID MV_TAP=$IFNAME
like "$BR_TAP $RT_TAP $MV_TAP" "^tb[0-9]+ tb[0-9]+ tbm[0-9]+$" \
	"leases: bridged, routed (with a proxy entry), macvtap on a veth"
hold "$TB_HELPER" br0 --routed --address=10.50.0.6 --address=2001:db8:50::6 \
	--table=main,100 --metric=120 --gateway=169.254.0.1
R6_PID=$HOLD_PID
# One VM, two NICs: a primary and a backup route to one address.
$TB_NOBODY "$TB_CLIENT" --hold "$TB_HELPER" br0 --routed --address=10.50.0.20 \
	--metric=100 --and --routed --address=10.50.0.20 --metric=200 \
	>"$TB_TMP/pair" 2>&1 &
PAIR_PID=$!
for _ in $(seq 1 100); do
	[ "$(grep -c ifname= "$TB_TMP/pair")" = 2 ] && break
	sleep 0.05
done
is "$(grep -c ifname= "$TB_TMP/pair")" 2 \
	"... a routed lease in tables main and 100 (IPv4, IPv6, a gateway), and one VM with a primary and a backup NIC"

# doctor [ARGS]: text in $OUT, exit code in $RC; jdoctor: JSON in $JSON.
doctor() { OUT=$(nsx "$TB_BROKER" doctor --config "${DPOL:-$POL}" "$@" 2>&1); RC=$?; }
jdoctor() { JSON=$(nsx "$TB_BROKER" doctor --config "${DPOL:-$POL}" --json 2>&1); JRC=$?; }
# ids: the checks in $JSON at warning or above, sorted, a space after each
ids() { jq -r '.[] | select(.severity != "info") | .check' <<<"$JSON" |
	sort | tr '\n' ' '; }
fix_of() { jq -r --arg c "$1" '[.[] | select(.check == $c)][0].fix' <<<"$JSON"; }

# snap: what doctor reads, to show it changes nothing.
snap() {
	tbip -d link show | sed -E 's/[a-z_]+_timer +[0-9.]+//g'
	tbip addr show
	tbip route show table all
	tbip -6 route show table all
	tbip neigh show proxy
	nsx sysctl -a 2>/dev/null | grep -E '^net\.(ipv4\.(ip_forward|conf\.[^.]+\.rp_filter)|ipv6\.conf\.[^.]+\.(forwarding|accept_ra)|bridge\.)'
	command -v nft >/dev/null && nsx nft list ruleset
}

before=$(snap)
doctor
is "$RC" 0 "clean namespace: doctor exits 0"
like "$OUT" "^doctor: 0 errors, 0 warnings, 0 info$" "... and finds nothing"
jdoctor
is "$(ids)" "" "... nothing at warning or above in --json either"
is "$(jq -e 'type == "array"' <<<"$JSON" >/dev/null; echo $?)$JRC" 00 \
	"--json is a JSON array (jq), exit 0"
is "$(snap)" "$before" "read-only: links, addresses, routes, sysctls, nft ruleset unchanged"

# A name with a quote (the kernel allows it): escaped in --json.
DPOL="$TB_TMP/quote.conf"
sed 's/"br0"/"br0", "br\\"q"/' "$POL" | tb_policy "$DPOL"
jdoctor
is "$(jq -r '.[0].object' <<<"$JSON")" 'br"q' \
	"--json: a quote in a name comes back from jq as it was (RFC 8259)"
unset DPOL
# A control character and a byte that is not UTF-8 (the kernel allows both).
odd=$(printf 'p\001\377')
if tbip link add "$odd" mtu 1400 type veth peer name oddp 2>/dev/null; then
	tbip link set "$odd" master br0
	tbip link set br0 mtu 1500
	jdoctor
	like "$JSON" '"object": "p\\u0001\\ufffd"' \
		"--json: a control character escaped, a byte that is not UTF-8 is \\ufffd"
	is "$(jq -r '.[] | select(.check == "mtu-mismatch") | .object | @json' <<<"$JSON")" \
		"$(printf '"p\\u0001\357\277\275"')" "... which jq reads back"
	tbip link del oddp
else
	skip "--json: odd bytes" "the kernel refused the name"
fi

# stage ID DESCRIPTION: doctor finds exactly ID; its fix, run, removes it.
stage() {
	local id=$1 fix got
	jdoctor
	is "$(ids)" "$id " "$id: $2: found, alone"
	is "$JRC" 1 "$id: exit 1"
	fix=$(fix_of "$id")
	diag "fix: $fix"
	nsx sh -c "$fix" >/dev/null 2>&1
	ok $? "$id: the fix runs"
	jdoctor
	got=$(ids)
	ok $([[ " $got" != *" $id "* ]]; echo $?) "$id: gone after the fix"
}

# ---- policy ---------------------------------------------------------------
DPOL="$TB_TMP/bad.conf"
tb_policy "$DPOL" <<'EOF'
allow "x" {
	users = { "no\"body" }
	bridges = { "br0" }
}
EOF
doctor
like "$OUT" "^error policy $DPOL:2: .*; fix: edit $DPOL:2, then tapbroker check --config $DPOL$" \
	"policy: the error with FILE:LINE and how to check the fix"
jdoctor
is "$(ids)" "policy " "policy: found, alone"
like "$(jq -r '.[0].message' <<<"$JSON")" '"' \
	"--json: a quote in a message survives jq (escaped per RFC 8259)"
cp "$POL" "$DPOL"
jdoctor
is "$(ids)" "" "policy: the file fixed, gone"
unset DPOL

# ---- bridge-missing ------------------------------------------------------
DPOL="$TB_TMP/br7.conf"
sed 's/"br0"/"br0", "br7"/' "$POL" | tb_policy "$DPOL"
stage bridge-missing "a granted bridge does not exist"
tbip link set br7 down
like "$(doctor; echo "$OUT")" "^error bridge-missing br7: bridge br7 granted by $DPOL:1 is down; fix: ip link set dev br7 up$" \
	"bridge-missing: a granted bridge down"
tbip link set br7 address 02:00:00:00:0b:07
stage bridge-missing "a granted bridge down"
tbip link del br7
unset DPOL

# ---- tap-not-in-bridge ---------------------------------------------------
tbip link set "$BR_TAP" nomaster
stage tap-not-in-bridge "a leased tap out of its bridge"
is "$(tbip -o link show "$BR_TAP" | grep -o 'master [^ ]*')" "master br0" \
	"tap-not-in-bridge: the fix put it back in br0"

# ---- macvtap-mode --------------------------------------------------------
if err=$(tbip link set "$MV_TAP" type macvtap mode private 2>&1); then
	stage macvtap-mode "a macvtap in a mode the policy does not grant"
	like "$(tbip -d link show "$MV_TAP")" "macvtap mode vepa " \
		"macvtap-mode: the fix set vepa"
else
	skip "macvtap-mode" "cannot change $MV_TAP's mode here: $err"
fi

# ---- mtu-mismatch --------------------------------------------------------
tbip link set "$BR_TAP" mtu 1400
tbip link set br0 mtu 1500
stage mtu-mismatch "a bridge port below its bridge's MTU"

# ---- stp-delay -----------------------------------------------------------
tbip link set br0 type bridge stp_state 1
stage stp-delay "STP with the default 15 s forward delay"
tbip link set br0 type bridge stp_state 0

# ---- forwarding-off ------------------------------------------------------
nsx sysctl -qw net.ipv4.ip_forward=0
stage forwarding-off "routed grants, IPv4 forwarding off"
nsx sysctl -qw net.ipv6.conf.all.forwarding=0
stage forwarding-off "routed grants, IPv6 forwarding off"

# ---- rp-filter -----------------------------------------------------------
nsx sysctl -qw "net.ipv4.conf.$RT_TAP.rp_filter=1"
stage rp-filter "strict rp_filter on a routed lease's tap"

# ---- route-metric-tie ----------------------------------------------------
tbip link add t0 type veth peer name t1
tbip link set t0 up
tbip link set t1 up
tbip route add 10.9.0.0/24 dev t0 metric 50
tbip route append 10.9.0.0/24 dev t1 metric 50
stage route-metric-tie "two routes, two devices, one metric"

tbip -6 route add 2001:db8:9::/64 dev t0 metric 50
tbip -6 route append 2001:db8:9::/64 dev t1 metric 50
if [ "$(tbip -6 route show 2001:db8:9::/64 | grep -c 'metric 50')" = 2 ]; then
	stage route-metric-tie "IPv6: two device routes, one metric"
else
	skip "route-metric-tie IPv6" "this kernel merged the two IPv6 routes"
	tbip -6 route flush 2001:db8:9::/64
fi

# ---- route-shadowed ------------------------------------------------------
tbip route add 10.50.0.5/32 dev t0 metric 120
stage route-shadowed "a lower metric takes over a lease's route"
tbip route add 10.50.0.5/32 dev t0 metric 190
stage route-shadowed "a lease's route takes over the host's"
tbip addr add 10.50.0.5/24 dev t0
stage route-shadowed "the host has the lease's address itself"
tbip link del t0

# ---- route-outside-tables ------------------------------------------------
tbip route add 10.50.0.5/32 dev "$RT_TAP" table 200 metric 150
stage route-outside-tables "a lease's address routed in table 200"

# ---- bridge-mac-unpinned -------------------------------------------------
DPOL="$TB_TMP/br9.conf"
sed 's/"br0"/"br0", "br9"/' "$POL" | tb_policy "$DPOL"
tb_bridge br9
stage bridge-mac-unpinned "a granted bridge whose MAC follows its ports"
tbip link del br9
unset DPOL

# ---- accept-ra -----------------------------------------------------------
nsx sysctl -qw net.ipv6.conf.br0.accept_ra=2
stage accept-ra "a forwarding bridge accepting RAs"

# ---- orphan-interface ----------------------------------------------------
tbip tuntap add tb777 mode tap
tbip link set tb777 alias "tapbroker uid=65534 vm=1 br=br0"
stage orphan-interface "a leased tap no VM holds"
tbip tuntap add tb778 mode tap
stage orphan-interface "a broker-named tap with no lease"

# ---- lease-vm-gone -------------------------------------------------------
sleep 0 &
dead=$!
wait $dead
tbip link add link lowr name tbm777 type macvtap mode vepa
tbip link set tbm777 alias "tapbroker uid=65534 vm=$dead start=1 macvtap=lowr mode=vepa"
stage lease-vm-gone "a macvtap lease whose VM exited"
tbip link add link lowr name tbm778 type macvtap mode vepa
tbip link set tbm778 alias "tapbroker uid=65534 vm=$$ start=1 macvtap=lowr mode=vepa"
stage lease-vm-gone "a macvtap lease whose VM's pid runs another program"

# ---- macvtap-mode: a lease's lower device gone (renamed away) ----------
tbip link add low2 type veth peer name low3
tbip link add link low2 name tbm779 type macvtap mode vepa
tbip link set tbm779 alias "tapbroker uid=65534 vm=$$ macvtap=low2 mode=vepa"
tbip link set low2 name low9
doctor
like "$OUT" "^error macvtap-mode tbm779: lower device low2 of the lease on macvtap tbm779 is gone: it now sits on low9; fix: ip link del tbm779$" \
	"macvtap-mode: a lease whose lower device is gone, named"
stage macvtap-mode "a lease's macvtap whose lower device is gone"
tbip link del low9

tbip link add low4 type veth peer name low5
tbip link add link low4 name tbm780 type macvtap mode vepa
tbip link set tbm780 alias "tapbroker uid=65534 vm=$$ macvtap=low4 mode=vepa"
stage macvtap-mode "a lease's macvtap on a lower device the policy does not grant"
tbip link del low4

# ---- bridge-missing: a granted macvtap lower device ----------------------
DPOL="$TB_TMP/ghost.conf"
sed 's/"lowr"/"lowr", "ghost"/' "$POL" | tb_policy "$DPOL"
doctor
like "$OUT" "^error bridge-missing ghost: macvtap lower device ghost granted by $DPOL:1 does not exist; fix: bring ghost back, or remove it from $DPOL:1$" \
	"bridge-missing: a granted lower device that does not exist"
jdoctor
is "$(ids)" "bridge-missing " "... found, alone"
unset DPOL

# ---- proxy-orphan --------------------------------------------------------
tbip neigh add proxy 10.50.0.99 dev up0
stage proxy-orphan "a proxy entry without its lease"

# ---- br-netfilter, bridge-forward-drop (nftables) ------------------------
if ! command -v nft >/dev/null; then
	skip "br-netfilter" "nft is not installed (tools/install-deps)"
elif ! nsx nft add table ip filter 2>/dev/null; then
	skip "br-netfilter" "nftables does not work here"
else
	nsx nft add chain ip filter FORWARD '{ type filter hook forward priority 0; policy drop; }'
	if nsx sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null; then
		nsx sysctl -qw net.bridge.bridge-nf-call-ip6tables=0
		before=$(snap)
		doctor
		is "$(snap)" "$before" "read-only with a ruleset and findings"
		stage br-netfilter "bridge-nf-call-iptables=1, ip filter FORWARD policy drop"
	else
		skip "br-netfilter" "no br_netfilter sysctls in this namespace (modprobe br_netfilter)"
	fi
	nsx nft delete table ip filter
	nsx nft add table bridge fw
	nsx nft add chain bridge fw vmfwd '{ type filter hook forward priority 0; policy drop; }'
	stage bridge-forward-drop "a bridge-family forward chain dropping by policy"
	nsx nft delete table bridge fw
fi

# ---- a qemu bridge.conf alone ---------------------------------------------
printf 'allow br0\nallow br5\n' >"$TB_TMP/bridge.conf"
chmod 0644 "$TB_TMP/bridge.conf"
OUT=$(nsx "$TB_BROKER" doctor --qemu-acl "$TB_TMP/bridge.conf" 2>&1)
like "$OUT" "^error bridge-missing br5: bridge br5 granted by $TB_TMP/bridge.conf:2 does not exist; fix: ip link add br5 type bridge && ip link set dev br5 up$" \
	"--qemu-acl: what a bridge.conf allows is checked too"
if [ ! -e /etc/tapbroker/policy.conf ]; then
	OUT=$(nsx "$TB_BROKER" doctor 2>&1)
	like "$OUT" "^info policy -: skipped: no --config or --qemu-acl, and no /etc/tapbroker/policy.conf" \
		"no policy at all: its checks skipped, saying why"
else
	skip "no policy at all" "/etc/tapbroker/policy.conf exists here"
fi

# ---- back to clean; non-root ---------------------------------------------
doctor
is "$RC" 0 "after the fixes: exit 0 again"
doctor_out=$(nsx $TB_NOBODY "$TB_BROKER" doctor --config "$POL" 2>&1)
rc=$?
like "$doctor_out" "^info br-netfilter -: skipped: cannot read the nftables ruleset \(not root\); it needs CAP_NET_ADMIN; fix: run tapbroker doctor as root$" \
	"non-root: says which check it skipped, and why"
is "$rc" 0 "non-root: what it could check is clean (exit 0)"
is "$(nsx $TB_NOBODY "$TB_BROKER" doctor --config "$POL" --json | jq -r 'map(.check) | index("policy")')" \
	"null" "non-root: the policy (0644) is still read"
is "$(nsx "$TB_BROKER" doctor --config "$TB_TMP/none.conf" --json | jq -r '.[0].check + " " + .[0].severity')" \
	"policy info" "a policy it cannot read: skipped, saying why"
nsx "$TB_BROKER" doctor --bogus >/dev/null 2>&1
is "$?" 2 "a bad option: exit 2"
kill "$BR_PID" "$RT_PID" "$MV_PID" "$R6_PID" "$PAIR_PID" 2>/dev/null
done_testing
