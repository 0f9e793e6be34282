#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The full-kernel lane: runs namespace tests in a QEMU guest on Debian's kernel (8021q, bridge VLAN filtering, VRF, dummy) and reports their TAP as its own.
#
# On the host this boots the guest (tests/guest/fullkernel.sh: the host's
# root read-only over 9p, so the same tools and build tree) and runs itself
# there with --guest: first a self-check of those features in a private
# namespace, then each script in $TB_KERNEL_LANE_TESTS (words; relative to
# top_srcdir; default tests/ns-vlan.sh, tests/ns-launcher.sh (vhost-net
# for real) and tests/ns-guard.sh (the guard on VLAN-filtering bridges)
# when they exist; set it empty for the self-check alone) with the
# top_srcdir and top_builddir the Automake harness gives.  Their results
# come back renumbered as "SCRIPT: test".  $TB_KERNEL_LANE_TIMEOUT bounds
# the guest, in seconds (default 420: ns-guard.sh adds about 90 s).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/guest/fullkernel.sh"

# ---- in the guest --------------------------------------------------------

# kl_selfcheck: the features the host's kernel lacks, in a fresh namespace.
kl_selfcheck() {
	tb_netns_setup
	diag "guest kernel $(uname -r)"
	modprobe 8021q
	ok $? "8021q: modprobe 8021q"
	tbip link add d0 type dummy
	ok $? "dummy: ip link add d0 type dummy"
	tbip link add link d0 name d0.10 type vlan id 10
	like "$(tbip -d link show d0.10 2>&1)" "vlan protocol 802.1Q id 10" \
		"8021q: d0.10 is VLAN 10 on d0"
	tbip link add brv type bridge vlan_filtering 1
	like "$(tbip -d link show brv 2>&1)" "vlan_filtering 1" \
		"bridge: brv has vlan_filtering 1"
	tbip link set d0 master brv &&
		ip netns exec "$TB_NS" bridge vlan add dev d0 vid 10
	like "$(ip netns exec "$TB_NS" bridge vlan show dev d0 2>&1)" \
		"(^|[[:space:]])10([[:space:]]|$)" "bridge: port d0 carries VLAN 10"
	tbip link add vrf0 type vrf table 10
	like "$(tbip -d link show vrf0 2>&1)" "vrf table 10" \
		"vrf: ip link add vrf0 type vrf table 10"
	tbip link add d1 type dummy && tbip link set d1 master vrf0
	like "$(tbip link show d1 2>&1)" "master vrf0" "vrf: d1 is a port of vrf0"
	done_testing
}

# kl_guest SCRIPT...: the self-check, then each script, each one's output
# between "TB-SCRIPT NAME" and "TB-STATUS EXIT-STATUS".
kl_guest() {
	local s path
	echo "TB-SCRIPT self-check"
	(kl_selfcheck) 2>&1
	echo "TB-STATUS $?"
	for s in "$@"; do
		case $s in
		/*) path=$s ;;
		*) path=$top_srcdir/$s ;;
		esac
		echo "TB-SCRIPT ${s##*/}"
		if [ -x "$path" ]; then "$path"; else bash "$path"; fi 2>&1
		echo "TB-STATUS $?"
	done
}

# ---- on the host ---------------------------------------------------------

# kl_line NAME LINE: one line of NAME's output as this test's TAP.  Counts
# in kl_ran, kl_plan, kl_bad.
kl_line() {
	local name=$1 line=$2 reason
	if [[ $line =~ ^(not\ )?ok([[:space:]]+[0-9]+)?([[:space:]]+-)?[[:space:]]*(.*)$ ]]; then
		kl_ran=$((kl_ran + 1))
		if [ -z "${BASH_REMATCH[1]}" ]; then
			ok 0 "$name: ${BASH_REMATCH[4]}"
			return
		fi
		ok 1 "$name: ${BASH_REMATCH[4]}"
		case ${BASH_REMATCH[4]} in
		*'# TODO'* | *'# todo'*) tap_failed=$((tap_failed - 1)) ;;
		*) kl_bad=1 ;;
		esac
	elif [[ $line =~ ^1\.\.([0-9]+)(.*)$ ]]; then
		kl_plan=${BASH_REMATCH[1]}
		reason=${BASH_REMATCH[2]}
		reason=${reason#*[Ss][Kk][Ii][Pp]}
		[ "$kl_plan" != 0 ] || skip "$name" "${reason# }"
	elif [[ $line == 'Bail out!'* ]]; then
		ok 1 "$name: $line"
		kl_bad=1
	elif [[ $line == '#'* ]]; then
		printf '%s\n' "$line"
	else
		printf '# %s: %s\n' "$name" "$line"
	fi
}

# kl_close NAME STATUS: what the end of NAME's output says about it.
kl_close() {
	if [ -z "$kl_plan" ]; then
		[ "$kl_bad" = 1 ] || ok 1 "$1: printed no plan (exit status $2)"
	elif [ "$kl_plan" != 0 ] && [ "$kl_plan" != "$kl_ran" ]; then
		ok 1 "$1: planned $kl_plan tests, ran $kl_ran"
	elif [ "$2" != 0 ] && [ "$kl_bad" = 0 ]; then
		ok 1 "$1: exited with status $2"
	fi
}

# kl_report FILE WHY: the guest's output in FILE as this test's TAP; WHY
# says why a script that did not finish stopped (then returns 1).
kl_report() {
	local line name=""
	while IFS= read -r line; do
		case $line in
		'TB-SCRIPT '*)
			name=${line#TB-SCRIPT }
			kl_plan=""
			kl_ran=0
			kl_bad=0 ;;
		'TB-STATUS '*)
			kl_close "$name" "${line#TB-STATUS }"
			name="" ;;
		*)
			if [ -n "$name" ]; then
				kl_line "$name" "$line"
			else
				printf '# %s\n' "$line"
			fi ;;
		esac
	done <"$1"
	[ -n "$name" ] || return 0
	ok 1 "$name: did not finish: $2"
	return 1
}

if [ "${1-}" = --guest ]; then
	shift
	kl_guest "$@"
	exit 0
fi

[ "$(id -u)" = 0 ] || skip_all "needs root (the guest shares the host's root over 9p)"
command -v qemu-system-x86_64 >/dev/null ||
	skip_all "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
: "${TB_FULLKERNEL_DIR:=$top_builddir/tests/guest-full}"
kl_tmp=$(mktemp -d /tmp/tbkl.XXXXXX) || skip_all "mktemp failed"
trap 'rm -rf "$kl_tmp"' EXIT
tb_fullkernel_build "$TB_FULLKERNEL_DIR" 2>"$kl_tmp/err" ||
	skip_all "no full-kernel guest: $(tail -n 1 "$kl_tmp/err")"

if [ -n "${TB_KERNEL_LANE_TESTS+set}" ]; then
	read -r -a kl_tests <<<"$TB_KERNEL_LANE_TESTS"
elif [ -f "$top_srcdir/tests/ns-vlan.sh" ]; then
	kl_tests=(tests/ns-vlan.sh tests/ns-launcher.sh tests/ns-guard.sh)
else
	kl_tests=()
	diag "tests/ns-vlan.sh does not exist yet: the self-check alone"
fi
kl_start=$(date +%s.%N)
tb_fullkernel_run "${TB_KERNEL_LANE_TIMEOUT:-420}" \
	bash "$top_srcdir/tests/kernel-lane.sh" --guest "${kl_tests[@]}" \
	>"$kl_tmp/out" 2>"$kl_tmp/err"
kl_rc=$?
kl_why=$(tail -n 1 "$kl_tmp/err")
kl_report "$kl_tmp/out" "${kl_why:-the guest stopped}" &&
	[ "$kl_rc" != 0 ] && ok 1 "full-kernel guest: ${kl_why:-exit status $kl_rc}"
kl_took=$(awk -v a="$kl_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
diag "guest kernel $TB_FULLKERNEL_KVER: userspace after ${TB_FULLKERNEL_UP:-?} s (guest clock), the whole run $kl_took s; console: $TB_FULLKERNEL_LOG"
done_testing
