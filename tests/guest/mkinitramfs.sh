#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the test guest: OUTDIR/vmlinuz (the host's Debian kernel) and OUTDIR/initramfs.gz (busybox, virtio-net modules, an /init that pings).
#
# Usage: mkinitramfs.sh OUTDIR
#
# The guest's /init reads from the kernel command line:
#   tb.ip=ADDR/LEN     address for eth0 (eth0 is brought up)
#   tb.mtu=N           MTU for eth0 (optional)
#   tb.gw=ADDR         an on-link route to ADDR via eth0, for a /32 address
#                      behind a routed tap (optional)
#   tb.ping=ADDR       the address to ping
#   tb.pingsize=N      ping payload size (optional); the ping must not be
#                      fragmented (busybox ping has no -M do, so /init checks
#                      the fragmentation counters in /proc/net/snmp instead)
# and prints exactly one line "TB-RESULT ping ok" or "TB-RESULT ping failed"
# on the console (ttyS0), then powers off.
#
# Nothing is rebuilt when the outputs are newer than this script and the
# kernel, busybox and modules they were built from are unchanged.  On failure
# the last line printed says what is missing and how to get it.
set -euo pipefail
umask 022

# The modules a virtio-net NIC on QEMU's default i440fx machine needs; their
# dependencies come from modules.dep.
roots="virtio_pci virtio_net"

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 OUTDIR"
out=$1
self=$(readlink -f "${BASH_SOURCE[0]}")

# The newest kernel that has its modules installed.
kernels=$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sed 's|^/boot/vmlinuz-||' |
	sort -rV) || true
[ -n "$kernels" ] || die "no kernel in /boot: apt-get install linux-image-amd64"
ver=""
for v in $kernels; do
	if [ -f "/lib/modules/$v/modules.dep" ]; then
		ver=$v
		break
	fi
done
newest=${kernels%%$'\n'*}
[ -n "$ver" ] || die "no /lib/modules/$newest/modules.dep for /boot/vmlinuz-$newest:" \
	"apt-get install --reinstall linux-image-$newest (or depmod $newest)"
kernel=/boot/vmlinuz-$ver
mdir=/lib/modules/$ver
[ -r "$kernel" ] || die "cannot read $kernel: run as root"

busybox=/bin/busybox
[ -x "$busybox" ] || die "no $busybox: apt-get install busybox-static"
linkage=$(LC_ALL=C ldd "$busybox" 2>&1 || true)
if ! grep -Eq 'not a dynamic|statically linked' <<<"$linkage"; then
	die "$busybox is not statically linked: apt-get install busybox-static"
fi
command -v cpio >/dev/null || die "cpio is missing: apt-get install cpio"
command -v gzip >/dev/null || die "gzip is missing: apt-get install gzip"

# The closure of $roots over modules.dep in load order (dependencies first),
# one "NAME PATH" a line; "!NAME" for a root that is neither a module nor
# built in.
builtin=$mdir/modules.builtin
[ -f "$builtin" ] || builtin=/dev/null
closure=$(awk -v roots="$roots" -v builtin="$builtin" '
function modname(p, n) {
	n = p
	sub(/.*\//, "", n)
	sub(/\.ko(\.[a-z0-9]+)?$/, "", n)
	gsub(/-/, "_", n)
	return n
}
function visit(n, i, k, d) {
	if (n in state)
		return
	state[n] = 1
	k = split(deps[n], d, " ")
	for (i = 1; i <= k; i++)
		visit(modname(d[i]))
	if (n in path)
		print n, path[n]
	else
		print "!" n
}
FILENAME == builtin { inkernel[modname($1)] = 1; next }
{
	p = $1
	sub(/:$/, "", p)
	n = modname(p)
	path[n] = p
	$1 = ""
	deps[n] = $0
}
END {
	k = split(roots, r, " ")
	for (i = 1; i <= k; i++)
		if ((r[i] in path) || !(r[i] in inkernel))
			visit(r[i])
}' "$builtin" "$mdir/modules.dep")
missing=$(sed -n '/^!/{s/^!//p;q}' <<<"$closure")
[ -z "$missing" ] || die "module $missing is not in $mdir:" \
	"apt-get install --reinstall linux-image-$ver"

# What the outputs are built from; the build is skipped when it is unchanged.
stamp=$(
	echo "kernel $ver"
	echo "roots $roots"
	stat -L -c '%n %s %Y' "$kernel" "$busybox" "$mdir/modules.dep"
	printf '%s\n' "$closure" | while read -r name p; do
		[ -z "$name" ] || stat -L -c '%n %s %Y' "$mdir/$p"
	done
)
if [ -f "$out/vmlinuz" ] && [ -f "$out/initramfs.gz" ] &&
	[ "$out/vmlinuz" -nt "$self" ] && [ "$out/initramfs.gz" -nt "$self" ] &&
	[ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
	chmod 755 "$out"
	echo "mkinitramfs: $out is up to date (kernel $ver)"
	exit 0
fi

mkdir -p "$out" || die "cannot create $out"
chmod 755 "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tbmkinit.XXXXXX") || die "mktemp failed: check ${TMPDIR:-/tmp}"
trap 'rm -rf "$tmp" "$out/.vmlinuz.$$" "$out/.initramfs.gz.$$"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,lib/modules}

# busybox and its applets.
cp "$busybox" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] || [ -e "$root/$applet" ] ||
		ln -s /bin/busybox "$root/$applet"
done
[ -L "$root/bin/sh" ] || die "$busybox has no sh applet: apt-get install busybox-static"

# The modules, decompressed for busybox insmod, and their load order.
: >"$root/modules.order"
printf '%s\n' "$closure" | while read -r name p; do
	[ -n "$name" ] || continue
	dst=$root/lib/modules/$name.ko
	case $p in
	*.ko) cp "$mdir/$p" "$dst" ;;
	*.ko.xz)
		command -v xz >/dev/null || die "xz is missing: apt-get install xz-utils"
		xz -dc "$mdir/$p" >"$dst" ;;
	*.ko.zst)
		command -v zstd >/dev/null || die "zstd is missing: apt-get install zstd"
		zstd -qdc "$mdir/$p" >"$dst" ;;
	*.ko.gz) gzip -dc "$mdir/$p" >"$dst" ;;
	*) die "unknown module format $mdir/$p: apt-get install --reinstall linux-image-$ver" ;;
	esac
	chmod 644 "$dst"
	echo "$name" >>"$root/modules.order"
done

cat >"$root/init" <<'INIT'
#!/bin/sh
# /init of the tapbroker test guest: sets up eth0 from tb.* boot args, pings once, powers off.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

say() {
	echo "tb-init: $*"
}

while read -r m; do
	insmod "/lib/modules/$m.ko" || say "insmod $m failed"
done </modules.order

set -f
addr=
mtu=
gw=
target=
size=
for arg in $(cat /proc/cmdline); do
	case $arg in
	tb.ip=*) addr=${arg#tb.ip=} ;;
	tb.mtu=*) mtu=${arg#tb.mtu=} ;;
	tb.gw=*) gw=${arg#tb.gw=} ;;
	tb.ping=*) target=${arg#tb.ping=} ;;
	tb.pingsize=*) size=${arg#tb.pingsize=} ;;
	esac
done
set +f

# IPv4 fragments this host made or reassembled so far.
fragments() {
	awk '/^Ip:/ {
		if (!hdr) { for (i = 1; i <= NF; i++) col[$i] = i; hdr = 1; next }
		print $col["FragCreates"] + $col["ReasmReqds"]
	}' /proc/net/snmp
}

# Whether there is a virtio network device on the PCI bus.
virtio_nic() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor" 2>/dev/null)" = 0x1af4 ] &&
			[ "$(cat "$d/class" 2>/dev/null)" = 0x020000 ] && return 0
	done
	return 1
}

setup() {
	virtio_nic || { say "no virtio-net PCI device"; return 1; }
	i=0
	while [ ! -e /sys/class/net/eth0 ]; do
		i=$((i + 1))
		[ $i -le 30 ] || { say "no eth0"; return 1; }
		sleep 0.1
	done
	ip link set lo up
	if [ -n "$mtu" ]; then
		ip link set eth0 mtu "$mtu" || { say "cannot set mtu $mtu"; return 1; }
	fi
	if [ -n "$addr" ]; then
		ip addr add "$addr" dev eth0 || { say "cannot add $addr"; return 1; }
	fi
	ip link set eth0 up || return 1
	if [ -n "$gw" ]; then
		ip route add "$gw" dev eth0 || { say "cannot route $gw"; return 1; }
	fi
	i=0
	while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ]; do
		i=$((i + 1))
		[ $i -le 30 ] || { say "eth0 has no carrier"; break; }
		sleep 0.1
	done
	return 0
}

ping_target() {
	[ -n "$target" ] || { say "no tb.ping= on the kernel command line"; return 1; }
	df=
	set -- -c 1 -W 1
	if [ -n "$size" ]; then
		set -- "$@" -s "$size"
		if ping --help 2>&1 | grep -q -- '-M '; then
			set -- "$@" -M "do"
			df=ping
		else
			df=counters
		fi
	fi
	before=$(fragments)
	n=0
	while [ $n -lt 10 ]; do
		n=$((n + 1))
		ping "$@" "$target" || continue
		if [ "$df" = counters ] && [ "$(fragments)" != "$before" ]; then
			say "the $size-byte ping was fragmented"
			return 1
		fi
		return 0
	done
	say "no reply from $target after $n tries"
	return 1
}

result=failed
if setup && ping_target; then
	result=ok
fi
echo "TB-RESULT ping $result"
# How many queue pairs virtio-net set up (one per vCPU, up to the device's).
if [ -d /sys/class/net/eth0/queues ]; then
	echo "TB-QUEUES rx=$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)" \
		"tx=$(ls -d /sys/class/net/eth0/queues/tx-* | wc -l)"
fi
if [ -e /sys/class/net/eth0 ]; then
	ip addr show dev eth0
	ip link show dev eth0
fi
poweroff -f
echo o >/proc/sysrq-trigger
INIT
chmod 755 "$root/init"

find "$root" -type d -exec chmod 755 {} +
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --quiet) |
	gzip -9n >"$out/.initramfs.gz.$$" || die "cannot write $out/initramfs.gz: check the disk space"
cp "$kernel" "$out/.vmlinuz.$$" || die "cannot copy $kernel to $out"
chmod 644 "$out/.initramfs.gz.$$" "$out/.vmlinuz.$$"
mv -f "$out/.vmlinuz.$$" "$out/vmlinuz"
mv -f "$out/.initramfs.gz.$$" "$out/initramfs.gz"
printf '%s\n' "$stamp" >"$out/stamp"
chmod 644 "$out/stamp"
echo "mkinitramfs: $out/initramfs.gz: kernel $ver, modules:" \
	"$(tr '\n' ' ' <"$root/modules.order")($(du -k "$out/initramfs.gz" | cut -f1) KiB)"
