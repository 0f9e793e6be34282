#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libvirt session mode: libvirtd as nobody, bridge_helper = tapbroker-helper.
#
# libvirtd (Debian 12 ships the monolithic daemon) runs as nobody inside the
# test's namespace with its XDG directories in $TB_TMP; its qemu.conf names
# tapbroker-helper as bridge_helper.  libvirt runs the helper itself, before
# QEMU, with --use-vnet --br=BR --fd=N and the daemon's environment (so
# $TAPBROKER_SOCKET set for the daemon reaches it), then gives the tap to
# QEMU.  Guests are transient (virsh create), TCG, the tests/guest image.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

tb_require_kernel
command -v qemu-system-x86_64 >/dev/null ||
	skip_all "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
command -v libvirtd >/dev/null && command -v virsh >/dev/null ||
	skip_all "libvirtd or virsh is missing (apt-get install libvirt-daemon" \
		"libvirt-daemon-driver-qemu libvirt-clients)"
ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1 ||
	skip_all "libvirt's QEMU driver is missing (apt-get install libvirt-daemon-driver-qemu)"
tb_guest_image

tb_netns_setup
tb_bridge br0 && tbip addr add 10.77.0.1/24 dev br0 && tb_bridge br1 ||
	skip_all "cannot create bridges in a namespace"
tb_policy "$TB_TMP/policy.conf" <<EOF
allow "vms" { users = { "nobody" } bridges = { "br0" } }
EOF
tb_broker_start --config "$TB_TMP/policy.conf" ||
	{ echo "Bail out! broker did not start"; exit 1; }

# The session's home: config, cache and runtime directories, nobody's.
lv="$TB_TMP/lv"
mkdir -p "$lv/config/libvirt" "$lv/cache" "$lv/run"
chmod 700 "$lv/run"
cat >"$lv/config/libvirt/qemu.conf" <<EOF
bridge_helper = "$TB_HELPER"
stdio_handler = "file"
EOF
chown -R 65534:65534 "$lv"
lv_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$lv"
	XDG_CONFIG_HOME="$lv/config" XDG_CACHE_HOME="$lv/cache"
	XDG_RUNTIME_DIR="$lv/run" TAPBROKER_SOCKET="$TB_SOCK"
	LIBVIRT_AUTOSTART=0)
LV_PID=""

# virsh ARGS...: virsh on nobody's session; never starts a daemon itself.
virsh() {
	timeout -k 5 120 $TB_NOBODY "${lv_env[@]}" \
		virsh -q -c qemu:///session "$@"
}

# lv_qemus: pids of the QEMUs this test's libvirtd runs (their command
# lines name files in $lv), from libvirt's pid files.
lv_qemus() {
	local f p
	for f in "$lv"/run/libvirt/qemu/run/*.pid; do
		p=$(cat "$f" 2>/dev/null) || continue
		grep -qF "$lv/" "/proc/$p/cmdline" 2>/dev/null && echo "$p"
	done
}

# lv_cleanup: the domains' QEMUs, libvirtd, then what lib.sh made.
lv_cleanup() {
	local p i
	if [ -n "$LV_PID" ]; then
		for p in $(lv_qemus); do
			kill -KILL "$p"
		done
		kill "$LV_PID" 2>/dev/null
		for i in $(seq 1 100); do
			kill -0 "$LV_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$LV_PID" 2>/dev/null
		wait "$LV_PID" 2>/dev/null
		LV_PID=""
	fi
	tb_cleanup
}
trap lv_cleanup EXIT

ip netns exec "$TB_NS" $TB_NOBODY "${lv_env[@]}" libvirtd \
	>"$TB_TMP/libvirtd.log" 2>&1 &
LV_PID=$!
for i in $(seq 1 200); do
	[ -S "$lv/run/libvirt/libvirt-sock" ] && break
	kill -0 "$LV_PID" 2>/dev/null || break
	sleep 0.05
done
[ -S "$lv/run/libvirt/libvirt-sock" ] || {
	diag "libvirtd did not start:" "$(tail -5 "$TB_TMP/libvirtd.log")"
	echo "Bail out! libvirtd did not start"
	exit 1
}

# domain NAME BRIDGE ARGS: a transient TCG guest whose console goes to
# $lv/NAME.console; ARGS are the guest's tb.* boot arguments.
domain() {
	cat >"$TB_TMP/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$guest/vmlinuz</kernel>
    <initrd>$guest/initramfs.gz</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 $3</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <interface type='bridge'>
      <source bridge='$2'/>
      <model type='virtio'/>
      <rom enabled='no'/>
    </interface>
    <serial type='file'>
      <source path='$lv/$1.console'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
	chmod 644 "$TB_TMP/$1.xml"
}

# create NAME: virsh create --paused; records QEMU's pid in $qemu_pid.
create() {
	qemu_pid=""
	virsh create --paused "$TB_TMP/$1.xml" >"$TB_TMP/$1.out" 2>&1 ||
		return 1
	qemu_pid=$(cat "$lv/run/libvirt/qemu/run/$1.pid" 2>/dev/null)
}

# created NAME DESCRIPTION: create NAME as a test; virsh's words on failure.
created() {
	create "$1"
	ok $? "$2"
	[ -n "$qemu_pid" ] || diag "$(cat "$TB_TMP/$1.out")"
}

# holds PID TAP: does process PID hold a tun fd attached to TAP?
holds() { grep -qx "iff:[[:space:]]*$2" /proc/"$1"/fdinfo/* 2>/dev/null; }

# wait_console NAME: up to 90 s for the guest's whole TB-RESULT line (QEMU
# writes the console as the guest prints it); prints it.
wait_console() {
	local i
	for i in $(seq 1 900); do
		grep -Eq '^TB-RESULT ping (ok|failed)' "$lv/$1.console" \
			2>/dev/null && break
		sleep 0.1
	done
	tr -d '\r' <"$lv/$1.console" 2>/dev/null | grep '^TB-RESULT'
}

# ended NAME: up to 30 s for libvirt to forget transient domain NAME.
ended() {
	local i
	for i in $(seq 1 300); do
		virsh domstate "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

status() { "$TB_BROKER" status --socket "$TB_SOCK"; }

# ---- a guest that pings the bridge and powers off ------------------------
domain ping br0 "tb.ip=10.77.0.2/24 tb.ping=10.77.0.1"
created ping "virsh create: libvirt gets the bridged tap through tapbroker-helper"
tap=$(tb_taps)
st=$(status)
like "$st" "^ifname=$tap kind=tap bridge=br0 mtu=1500 uid=65534 user=nobody vm=$LV_PID " \
	"tapbroker status: a lease for nobody on br0 (its VM is libvirtd, the helper's parent)"
like "$(tbip -o link show master br0)" "^[0-9]+: $tap: .*state (UNKNOWN|UP) " \
	"the tap is a port of br0, up"
holds "${qemu_pid:-0}" "$tap"
ok $? "QEMU (pid ${qemu_pid:-none}) holds the tap's fd"
like "$(cat "$TB_TMP/broker.log")" "grant $tap on br0 to uid 65534 \\(nobody\\).* vnet_hdr" \
	"libvirt asked with --use-vnet"
virsh resume ping >/dev/null
is "$(wait_console ping)" "TB-RESULT ping ok" "the guest pings 10.77.0.1 over the bridge"
ended ping
ok $? "the guest powered off and libvirt ended the domain"
is "$(tb_taps_settled)" "" "its tap is gone"
like "$(status)" "^0 leases" "... and so is the lease"

# ---- virsh destroy -------------------------------------------------------
domain gone br0 "tb.ip=10.77.0.3/24 tb.ping=10.77.0.1"
created gone "virsh create, a second guest"
tap=$(tb_taps)
like "$(status)" "^ifname=$tap kind=tap bridge=br0 .*uid=65534 " "its lease is listed"
virsh destroy gone >/dev/null
ok $? "virsh destroy"
tb_gone "$tap" 5
ok $? "the tap is gone after virsh destroy"
like "$(status)" "^0 leases" "... and so is the lease"

# ---- a bridge the policy does not grant ----------------------------------
domain denied br1 "tb.ip=10.77.1.2/24 tb.ping=10.77.1.1"
create denied
ok $((! $?)) "virsh create on br1 (not granted) fails"
like "$(cat "$TB_TMP/broker.log")" "deny uid 65534 \\(nobody\\) .*bridge br1 is not allowed" \
	"the broker refused nobody's request for br1"
# libvirt 9.0 reads the helper's stderr from its event loop but reports as
# soon as the fd socket closes: the helper exits only once the pipe is
# drained (helper/main.c tbh_drain_stderr()), so the reason is there.
like "$(cat "$TB_TMP/denied.out")" \
	"tapbroker-helper: bridge br1 is not allowed for user nobody" \
	"libvirt's error carries the helper's one-line reason"
is "$(tb_taps_settled)" "" "nothing left behind after the denial"
done_testing
