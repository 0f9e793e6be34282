# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests: tb_guest_run boots the mkinitramfs.sh guest under QEMU (TCG) and says whether its ping passed.
#
# tb_guest_run OUTDIR TIMEOUT "KERNEL_ARGS" -- QEMU_ARGS...
#
# Boots OUTDIR/vmlinuz and OUTDIR/initramfs.gz with KERNEL_ARGS (tb.ip=,
# tb.mtu=, tb.ping=, tb.pingsize=, see mkinitramfs.sh) and the extra
# QEMU_ARGS, killing QEMU after TIMEOUT seconds.  The guest's console and
# QEMU's stderr go to $TB_GUEST_LOG, else OUTDIR/console.log.  Returns 0 iff the guest printed
# "TB-RESULT ping ok"; else 1 and the end of the log goes to stderr as
# "# " comments.
#
# From the environment:
#   TB_GUEST_NETNS  run QEMU in this network namespace (ip netns exec)
#   TB_GUEST_LOG    the console log (tests that run at once share OUTDIR)
#   TB_GUEST_AS     a command prefix, word-split, placed in front of QEMU
#                   inside the namespace, e.g. "setpriv --reuid=65534
#                   --regid=65534 --clear-groups --" to run QEMU as nobody
#
# The log is opened by the calling shell, so QEMU needs no write access to
# OUTDIR; it does need to read the two image files.  No shell options are
# changed.

tb_guest_run() {
	if [ $# -lt 3 ]; then
		echo "usage: tb_guest_run OUTDIR TIMEOUT KERNEL_ARGS -- QEMU_ARGS..." >&2
		return 1
	fi
	local dir=$1 limit=$2 kargs=$3 rc
	local log=${TB_GUEST_LOG:-$dir/console.log}
	local -a cmd=() as=()
	shift 3
	[ "${1-}" != -- ] || shift
	if [ -n "${TB_GUEST_NETNS-}" ]; then
		cmd=(ip netns exec "$TB_GUEST_NETNS")
	fi
	if [ -n "${TB_GUEST_AS-}" ]; then
		IFS=$' \t\n' read -r -a as <<<"$TB_GUEST_AS"
		cmd+=("${as[@]}")
	fi
	cmd+=(qemu-system-x86_64 -accel tcg -m 128 -smp 1
		-nographic -nodefaults -no-user-config -no-reboot
		-serial stdio
		-kernel "$dir/vmlinuz" -initrd "$dir/initramfs.gz"
		-append "console=ttyS0 quiet panic=-1 $kargs"
		"$@")
	{
		echo "tb_guest_run: ${cmd[*]}"
		timeout -k 5 "$limit" "${cmd[@]}" </dev/null 2>&1 && rc=0 || rc=$?
		[ "$rc" -ne 124 ] || echo "tb_guest_run: timed out after $limit s"
		[ "$rc" -eq 0 ] || echo "tb_guest_run: exit status $rc"
	} >"$log" 2>&1
	if tr -d '\r' <"$log" | grep -qx 'TB-RESULT ping ok'; then
		return 0
	fi
	tr -d '\r' <"$log" | tail -n 15 | sed 's/^/# /' >&2
	return 1
}
