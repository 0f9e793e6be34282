# SPDX-License-Identifier: GPL-2.0-or-later
# Shared shell for kernel tests: TAP output, a private netns, the broker.
#
# Every test that touches the kernel does so inside a network namespace it
# creates here and deletes on exit; it never touches the host's interfaces.

: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
TB_BROKER="$top_builddir/tapbroker"
TB_HELPER="$top_builddir/tapbroker-helper"
TB_CLIENT="$top_builddir/tests/tb-client"
TB_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --"

tap_n=0
tap_failed=0
TB_NS=""
TB_TMP=""
TB_BROKER_PID=""

ok() {	# ok CONDITION-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   got  '$1'"; echo "#   want '$2'"; fi
}

like() {	# like TEXT PATTERN(grep -E) DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
		ok 1 "$3"; printf '#   %s\n' "$1" | head -5
		echo "#   does not match /$2/"; fi
}

# tb_sanitized: is this build instrumented by ASan/UBSan?
tb_sanitized() {
	grep -q '^SAN_CFLAGS = -fsanitize' "$top_builddir/Makefile" 2>/dev/null
}

skip() {	# skip DESCRIPTION REASON: a check that cannot run here
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

diag() { printf '# %s\n' "$@"; }

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

tb_cleanup() {
	tb_broker_stop
	[ -n "$TB_NS" ] && ip netns del "$TB_NS" 2>/dev/null
	[ -n "$TB_TMP" ] && rm -rf "$TB_TMP"
	TB_NS=""
	TB_TMP=""
}

# tb_require_kernel: root, iproute2, netns, tun; else SKIP with the reason.
tb_require_kernel() {
	[ "$(id -u)" = 0 ] || skip_all "needs root to create network namespaces"
	command -v ip >/dev/null || skip_all "iproute2 (ip) is not installed"
	command -v setpriv >/dev/null || skip_all "setpriv (util-linux) is missing"
	[ -c /dev/net/tun ] || skip_all "/dev/net/tun is missing (modprobe tun)"
	[ -x "$TB_BROKER" ] || skip_all "$TB_BROKER is not built"
}

# tb_guest_image: builds the QEMU tests' guest (tests/guest/mkinitramfs.sh)
# in $top_builddir/tests/guest-image and sets $guest to it; else SKIP.
tb_guest_image() {
	local out
	guest="$top_builddir/tests/guest-image"
	out=$("$top_srcdir/tests/guest/mkinitramfs.sh" "$guest" 2>&1) ||
		skip_all "cannot build the guest image: $(tail -1 <<<"$out")"
	chmod 755 "$guest"
}

# tb_netns_setup: makes a fresh namespace $TB_NS and a tmp dir $TB_TMP.
tb_netns_setup() {
	TB_NS="tbt-$$-$(basename "$0" .sh)"
	TB_TMP=$(mktemp -d /tmp/tbtest.XXXXXX)
	chmod 755 "$TB_TMP"
	# each test its own guest console (tests/guest/boot.sh): make check
	# runs two QEMU tests at once, and they share the guest image's folder
	TB_GUEST_LOG=$TB_TMP/console.log
	trap tb_cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$TB_NS" || skip_all "cannot create a network namespace"
	ip -n "$TB_NS" link set lo up
	local host inner
	host=$(readlink /proc/self/ns/net)
	inner=$(ip netns exec "$TB_NS" readlink /proc/self/ns/net)
	[ -n "$inner" ] && [ "$host" != "$inner" ] ||
		{ echo "Bail out! not inside a private network namespace"; exit 1; }
}

tbip() { ip -n "$TB_NS" "$@"; }

# tb_bridge NAME [MTU]: a bridge in $TB_NS, up.
tb_bridge() {
	tbip link add "$1" type bridge || return 1
	[ -z "${2:-}" ] || tbip link set "$1" mtu "$2" || return 1
	tbip link set "$1" up
}

# tb_policy FILE: writes stdin to FILE as a root-owned 0644 policy.
tb_policy() {
	cat >"$1"
	chmod 0644 "$1"
}

# tb_broker_start ARGS...: runs the broker in $TB_NS on $TB_TMP/socket.
# $TB_BROKER_WRAP (e.g. valgrind) and $TB_BROKER_EXTRA (e.g. --seccomp=off
# for sanitizer builds) come from the environment.
tb_broker_start() {
	TB_SOCK="$TB_TMP/socket"
	local before
	before=$(grep -c listening "$TB_TMP/broker.log" 2>/dev/null)
	ip netns exec "$TB_NS" $TB_BROKER_WRAP "$TB_BROKER" --foreground \
		--socket "$TB_SOCK" ${TB_BROKER_EXTRA:-} "$@" \
		>>"$TB_TMP/broker.log" 2>&1 &
	TB_BROKER_PID=$!
	local i
	for i in $(seq 1 300); do
		[ -S "$TB_SOCK" ] &&
			[ "$(grep -c listening "$TB_TMP/broker.log")" -gt "${before:-0}" ] &&
			return 0
		kill -0 "$TB_BROKER_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "broker did not start:" "$(cat "$TB_TMP/broker.log")"
	return 1
}

tb_broker_stop() {
	[ -n "$TB_BROKER_PID" ] || return 0
	kill "$TB_BROKER_PID" 2>/dev/null
	wait "$TB_BROKER_PID" 2>/dev/null
	TB_BROKER_PID=""
}

# hold ARGS...: gets a tap as nobody and keeps it; sets HOLD_PID, IFNAME.
# $TB_AS overrides the user (a setpriv prefix).
hold() {
	: >"$TB_TMP/hold"
	${TB_AS:-$TB_NOBODY} "$TB_CLIENT" --hold "$@" >"$TB_TMP/hold" 2>&1 &
	HOLD_PID=$!
	local i
	for i in $(seq 1 100); do
		grep -q ifname= "$TB_TMP/hold" && break
		kill -0 $HOLD_PID 2>/dev/null || break
		sleep 0.05
	done
	IFNAME=$(sed -n 's/^ifname=\([^ ]*\).*/\1/p' "$TB_TMP/hold")
}

# tb_gone IFNAME [SECONDS]: waits up to 2 s (or SECONDS, 0.05 steps) for
# it to disappear from $TB_NS.
tb_gone() {
	local i
	for i in $(seq 1 $(awk -v s="${2:-2}" 'BEGIN {print int(s * 20)}')); do
		tbip link show "$1" >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	return 1
}

release() {
	kill "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	tb_gone "$IFNAME"
}

# tb_taps_settled: tb_taps once ended taps are deleted (the broker deletes
# them in batches, within a second).
tb_taps_settled() {
	local i
	for i in $(seq 1 40); do
		[ -z "$(tb_taps)" ] && break
		sleep 0.05
	done
	tb_taps
}

# tb_taps: names of the taps the broker made in $TB_NS (tbN), one a line;
# not its warm pool's (alias "tapbroker pool ..."): see tb_pool_taps.
tb_taps() {
	tbip -o link show 2>/dev/null | grep -v '\\    alias tapbroker pool ' |
		awk -F': ' '{print $2}' | sed 's/@.*//' |
		grep -E '^tb[0-9]+$' || true
}

# tb_pool_taps: names of the broker's warm-pool taps in $TB_NS, one a line.
tb_pool_taps() {
	tbip -o link show 2>/dev/null | grep '\\    alias tapbroker pool ' |
		awk -F': ' '{print $2}' || true
}
