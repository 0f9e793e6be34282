# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests: tb_fullkernel_run runs a command as root in a QEMU guest on the host's Debian kernel, with the host's root shared read-only over 9p.
#
# tb_fullkernel_run TIMEOUT COMMAND [ARGS...]
#
# Boots the kernel mkinitramfs.sh picks (the newest /boot/vmlinuz-*-amd64
# whose /lib/modules/VER exists) under qemu-system-x86_64 -accel tcg.  The
# guest mounts the host's / (9p, read-only) under a tmpfs overlay, so it has
# the host's userspace, libraries and build tree and may write anywhere
# without touching the host; /tmp, /var/tmp and /run are fresh tmpfs.
# modprobe works: /lib/modules/VER matches the guest kernel.  The guest has
# no NIC, only loopback.  COMMAND runs in the caller's working directory with
# top_srcdir, top_builddir and every exported TB_* variable, stdin
# /dev/null, stdout and stderr merged.
#
# Prints exactly COMMAND's output lines and returns its exit status; on a
# timeout or a boot failure returns 1 and says why in one line on stderr.
# The console goes to OUTDIR/console.log; afterwards TB_FULLKERNEL_LOG names
# it and TB_FULLKERNEL_UP holds the guest's uptime, in seconds, when
# userspace started (empty if it never did).
#
# OUTDIR is $TB_FULLKERNEL_DIR, else $top_builddir/tests/guest-full; it holds
# base/ (mkinitramfs.sh's image: kernel, busybox), vmlinux (that kernel
# unpacked, when QEMU can boot it directly), initramfs.img (base plus a layer
# with the 9p and overlay modules and fullkernel-init as /init) and a
# run.XXXXXX file per run, which the guest reads over 9p.  One run at a time
# per OUTDIR.  No shell options are changed; set -e is not needed.

tb_fullkernel_src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The modules the guest loads before it can reach the host's root; their
# dependencies come from modprobe --show-depends.
tb_fullkernel_roots="virtio_pci 9pnet_virtio 9p overlay"

# tb_fullkernel_modules VER: "NAME PATH" a line, dependencies first, each
# module once; built-in modules are left out.
tb_fullkernel_modules() {
	local line p n
	declare -A seen=()
	# shellcheck disable=SC2086 # the roots are words
	modprobe -S "$1" --show-depends -a $tb_fullkernel_roots 2>&1 |
		while read -r line; do
			case $line in
			insmod\ *) ;;
			builtin\ *) continue ;;
			*)
				echo "!$line"
				continue ;;
			esac
			p=${line#insmod }
			p=${p%% *}
			n=${p##*/}
			n=${n%%.ko*}
			n=${n//-/_}
			[ -z "${seen[$n]-}" ] || continue
			seen[$n]=1
			echo "$n $p"
		done
}

# tb_fullkernel_layer OUTDIR VER MODULES: writes OUTDIR/layer.gz, a cpio
# with /init (fullkernel-init), the modules uncompressed in /lib/modules and
# their load order in /fullkernel.modules.
tb_fullkernel_layer() {
	local out=$1 ver=$2 mods=$3 tmp name p rc=0
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/tbfull.XXXXXX") || return 1
	mkdir -p "$tmp/lib/modules"
	cp "$tb_fullkernel_src/fullkernel-init" "$tmp/init" && chmod 755 "$tmp/init" ||
		rc=1
	: >"$tmp/fullkernel.modules"
	while read -r name p; do
		[ "$rc" = 0 ] && [ -n "$name" ] || continue
		case $p in
		*.ko) cp "$p" "$tmp/lib/modules/$name.ko" ;;
		*.ko.xz) xz -dc "$p" >"$tmp/lib/modules/$name.ko" ;;
		*.ko.zst) zstd -qdc "$p" >"$tmp/lib/modules/$name.ko" ;;
		*.ko.gz) gzip -dc "$p" >"$tmp/lib/modules/$name.ko" ;;
		*) false ;;
		esac || { echo "cannot unpack $p (kernel $ver)" >&2; rc=1; }
		echo "$name" >>"$tmp/fullkernel.modules"
	done <<<"$mods"
	if [ "$rc" = 0 ]; then
		find "$tmp" -type d -exec chmod 755 {} +
		(cd "$tmp" && find . -print0 | LC_ALL=C sort -z |
			cpio --null --create --format=newc --owner=0:0 --quiet) |
			gzip -1n >"$out/layer.gz" || rc=1
	fi
	rm -rf "$tmp"
	return "$rc"
}

# tb_fullkernel_vmlinux OUTDIR VER: unpacks OUTDIR/base/vmlinuz into
# OUTDIR/vmlinux if the kernel has a PVH entry point (CONFIG_PVH), which
# QEMU boots directly: the bzImage's own decompressor takes ~5 s under TCG.
# Fails when it cannot; the caller then boots the bzImage.
tb_fullkernel_vmlinux() {
	local out=$1 k=$1/base/vmlinuz off magic tool
	[ "$out/vmlinux" -nt "$k" ] && return 0
	rm -f "$out/vmlinux"
	grep -qx 'CONFIG_PVH=y' "/boot/config-$2" 2>/dev/null || return 1
	for magic in xz:'\xfd7zXZ\x00' zstd:'\x28\xb5\x2f\xfd' gzip:'\x1f\x8b\x08'; do
		tool=${magic%%:*}
		command -v "$tool" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$k" | head -n 3 |
			cut -d: -f1); do
			# Trailing data follows the payload: xz stops at its end,
			# zstd and gzip complain after writing it all.
			case $tool in
			xz) tail -c +$((off + 1)) "$k" | xz -dcq --single-stream ;;
			*) tail -c +$((off + 1)) "$k" | "$tool" -dcq ;;
			esac >"$out/.vmlinux.$$" 2>/dev/null
			if [ "$(head -c 4 "$out/.vmlinux.$$")" = $'\x7fELF' ]; then
				mv -f "$out/.vmlinux.$$" "$out/vmlinux"
				return 0
			fi
		done
	done
	rm -f "$out/.vmlinux.$$"
	return 1
}

# tb_fullkernel_build OUTDIR: makes OUTDIR/base (mkinitramfs.sh) and
# OUTDIR/initramfs.img unless they are up to date; sets TB_FULLKERNEL_KVER.
# On failure says what is missing in one line on stderr and returns 1.
tb_fullkernel_build() {
	local out=$1 ver mods bad stamp
	mkdir -p "$out" || { echo "cannot create $out" >&2; return 1; }
	if ! bash "$tb_fullkernel_src/mkinitramfs.sh" "$out/base" \
		>"$out/build.log" 2>&1; then
		tail -n 1 "$out/build.log" >&2
		return 1
	fi
	ver=$(sed -n '1s/^kernel //p' "$out/base/stamp")
	[ -n "$ver" ] || { echo "no kernel version in $out/base/stamp" >&2; return 1; }
	TB_FULLKERNEL_KVER=$ver
	command -v modprobe >/dev/null ||
		{ echo "modprobe is missing: apt-get install kmod" >&2; return 1; }
	mods=$(tb_fullkernel_modules "$ver")
	bad=$(sed -n 's/^!//p' <<<"$mods" | head -n 1)
	if [ -n "$bad" ]; then
		echo "kernel $ver lacks 9p or overlay modules ($bad)" >&2
		return 1
	fi
	stamp=$(cat "$out/base/stamp" && echo "roots $tb_fullkernel_roots" &&
		cksum <"$tb_fullkernel_src/fullkernel-init" && echo "$mods")
	tb_fullkernel_vmlinux "$out" "$ver" || rm -f "$out/vmlinux"
	if [ -f "$out/initramfs.img" ] &&
		[ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	# Two cpio archives, one after the other: the kernel unpacks both, the
	# layer's /init replacing base's.
	tb_fullkernel_layer "$out" "$ver" "$mods" &&
		cat "$out/base/initramfs.gz" "$out/layer.gz" >"$out/.img.$$" &&
		mv -f "$out/.img.$$" "$out/initramfs.img" &&
		printf '%s\n' "$stamp" >"$out/stamp" || {
		rm -f "$out/.img.$$"
		echo "cannot build $out/initramfs.img" >&2
		return 1
	}
}

# tb_fullkernel_script COMMAND...: the file the guest runs after switch_root.
tb_fullkernel_script() {
	local v
	echo "# Written by tb_fullkernel_run; run by the guest's /init."
	printf '. %q\n' "$tb_fullkernel_src/fullkernel.sh"
	for v in top_srcdir top_builddir $(compgen -e TB_); do
		[ -z "${!v+x}" ] || printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'cd %q || echo "tb-fullkernel: cannot cd to %q"\n' "$PWD" "$PWD"
	printf 'tb_fullkernel_guest'
	printf ' %q' "$@"
	printf '\n'
}

# tb_fullkernel_why LOG STATUS LIMIT: the one line saying why the guest did
# not report an exit status.
tb_fullkernel_why() {
	local last
	if [ "$2" = 124 ] || [ "$2" = 137 ]; then
		echo "the guest timed out after $3 s (console: $1)"
		return
	fi
	last=$(tr -d '\r' <"$1" |
		grep -E '^(tb-init:|qemu-system|\[ *[0-9.]+\] (Kernel panic|BUG|Oops))' |
		tail -n 1)
	echo "the guest stopped without an exit status (QEMU status $2)${last:+: $last} (console: $1)"
}

# tb_fullkernel_qemu OUTDIR RUNFILE TIMEOUT: boots the guest on RUNFILE, the
# console to OUTDIR/console.log; returns timeout's status.
tb_fullkernel_qemu() {
	local kernel=$1/vmlinux
	[ -f "$kernel" ] || kernel=$1/base/vmlinuz
	timeout -k 5 "$3" qemu-system-x86_64 -accel tcg \
		-m "${TB_FULLKERNEL_MEM:-1024}" -smp 2 \
		-nographic -nodefaults -no-user-config -no-reboot -serial stdio \
		-kernel "$kernel" -initrd "$1/initramfs.img" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 tb.run=$2" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		</dev/null >"$1/console.log" 2>&1
}

# tb_fullkernel_report LOG QEMU-STATUS TIMEOUT: prints the command's lines
# from LOG and returns its exit status (1 and why, if it has none).
tb_fullkernel_report() {
	local status
	TB_FULLKERNEL_UP=$(tr -d '\r' <"$1" |
		sed -n 's/^tb-fullkernel: userspace at \([0-9.]*\) s.*/\1/p')
	tr -d '\r' <"$1" | sed -n 's/^TB| //p'
	status=$(tr -d '\r' <"$1" |
		sed -n 's/^TB-EXIT \([0-9][0-9]*\)$/\1/p' | tail -n 1)
	if [ -z "$status" ]; then
		echo "tb_fullkernel_run: $(tb_fullkernel_why "$@")" >&2
		return 1
	fi
	return "$status"
}

tb_fullkernel_run() {
	local limit=${1-} out run rc
	[ $# -ge 2 ] && shift ||
		{ echo "usage: tb_fullkernel_run TIMEOUT COMMAND [ARGS...]" >&2; return 1; }
	out=${TB_FULLKERNEL_DIR:-${top_builddir:-.}/tests/guest-full}
	mkdir -p "$out" && out=$(cd "$out" && pwd) ||
		{ echo "tb_fullkernel_run: cannot create $out" >&2; return 1; }
	TB_FULLKERNEL_LOG=$out/console.log
	TB_FULLKERNEL_UP=
	case $out in *[[:space:]]*)
		echo "tb_fullkernel_run: $out has white space, which the kernel command line cannot carry" >&2
		return 1 ;;
	esac
	tb_fullkernel_build "$out" 2>"$out/build.err" ||
		{ echo "tb_fullkernel_run: $(cat "$out/build.err")" >&2; return 1; }
	command -v qemu-system-x86_64 >/dev/null || {
		echo "tb_fullkernel_run: qemu-system-x86_64 is missing (apt-get install qemu-system-x86)" >&2
		return 1
	}
	run=$(mktemp "$out/run.XXXXXX") && chmod 644 "$run" &&
		tb_fullkernel_script "$@" >"$run" ||
		{ echo "tb_fullkernel_run: cannot write a run file in $out" >&2; return 1; }
	tb_fullkernel_qemu "$out" "$run" "$limit" && rc=0 || rc=$?
	rm -f "$run"
	tb_fullkernel_report "$TB_FULLKERNEL_LOG" "$rc" "$limit"
}

# ---- in the guest --------------------------------------------------------

# tb_fullkernel_guest COMMAND...: runs as PID 1 in the guest.  Prints each
# output line of COMMAND as "TB| LINE", then "TB-EXIT STATUS", and powers
# off.  A process COMMAND leaves behind does not hold the report back.
tb_fullkernel_guest() {
	local up rest kver rc pid out=/run/tb-fullkernel.out
	read -r up rest </proc/uptime
	read -r kver </proc/sys/kernel/osrelease
	echo "tb-fullkernel: userspace at $up s, kernel $kver"
	# Kernel messages would break into the command's lines on the console.
	echo 1 >/proc/sys/kernel/printk
	"$@" </dev/null >"$out" 2>&1 &
	pid=$!
	tail -s 0.2 -n +1 -f --pid="$pid" "$out" | sed -u 's/^/TB| /'
	wait "$pid"
	rc=$?
	# The newline ends a last line that had none.
	printf '\nTB-EXIT %s\n' "$rc"
	dmesg --level=emerg,alert,crit,err,warn | tail -n 30 | sed 's/^/tb-dmesg: /'
	echo o >/proc/sysrq-trigger
	sleep 60 2>/dev/null	# the power goes off meanwhile
}
