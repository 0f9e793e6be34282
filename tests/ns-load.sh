#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load: 64 concurrent clients against one broker; nothing lost or leaked.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

: "${TB_LOAD_CLIENTS:=64}" "${TB_LOAD_N:=100}"	# per client; issue 5: 10000
tb_require_kernel
tb_netns_setup
tb_bridge br0 || skip_all "cannot create a bridge in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "load" { users = { "nobody" } bridges = { "br0" } quota = 32 }
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }
LOAD="$top_builddir/tests/tb-load"
fds() { ls /proc/"$TB_BROKER_PID"/fd | wc -l; }
rss() { awk '/^VmRSS:/ {print $2}' /proc/"$TB_BROKER_PID"/status; }

# Warm up at full concurrency, so the lease table and malloc reach size.
$TB_NOBODY "$LOAD" "$TB_SOCK" br0 "$TB_LOAD_CLIENTS" 5 >/dev/null
tb_taps_settled >/dev/null
fd0=$(fds) rss0=$(rss)

# Sample the broker's own count of leases while the load runs (status, as
# root): the quota bounds it.  (Not the taps with a carrier: the broker's
# check of whether an ended tap is still held attaches to it for a moment.)
( max=0
  while [ ! -e "$TB_TMP/stop" ]; do
	n=$("$TB_BROKER" status --socket "$TB_SOCK" 2>/dev/null | grep -c ' uid=65534 ')
	[ "$n" -gt "$max" ] && max=$n && echo "$max" >"$TB_TMP/max"
	sleep 0.05
  done ) &
sampler=$!
$TB_NOBODY "$LOAD" "$TB_SOCK" br0 "$TB_LOAD_CLIENTS" "$TB_LOAD_N" >"$TB_TMP/load"
rc=$?
touch "$TB_TMP/stop"; wait "$sampler"
diag "$(cat "$TB_TMP/load")"
ok $rc "$TB_LOAD_CLIENTS clients x $TB_LOAD_N requests: every request answered"
like "$(cat "$TB_TMP/load")" "errors=0 " "... no errors"
max=$(cat "$TB_TMP/max" 2>/dev/null || echo 0)
ok $((max > 32 || max == 0)) "quota never exceeded: at most $max of 32 leases at once (status)"
is "$(tb_taps_settled)" "" "no interface left after the clients exit"
fd1=$(fds) rss1=$(rss)
diag "broker before: $fd0 fds, $rss0 kB RSS; after: $fd1 fds, $rss1 kB RSS"
is "$fd1" "$fd0" "the broker's open fd count is the same before and after"
if tb_sanitized; then
	skip "RSS unchanged" "ASan's quarantine holds freed memory ($rss0 -> $rss1 kB)"
else
	ok $((rss1 > rss0 + 256)) "its RSS grew by at most 256 kB ($rss0 -> $rss1 kB)"
fi
kill -0 "$TB_BROKER_PID"
ok $? "broker still serving"
done_testing
