#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The systemd units, as built for this tree, pass systemd-analyze verify.
#
# verify checks that ExecStart= is executable, so it runs on a copy of
# tapbroker.service whose ExecStart= names the broker built here.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v systemd-analyze >/dev/null ||
	skip_all "systemd-analyze is not installed (package systemd)"
SERVICE="$top_builddir/systemd/tapbroker.service"
SOCKET="$top_srcdir/systemd/tapbroker.socket"
[ -f "$SERVICE" ] || skip_all "$SERVICE is not built (make)"
[ -x "$TB_BROKER" ] || skip_all "$TB_BROKER is not built"

TB_TMP=$(mktemp -d /tmp/tbsystemd.XXXXXX)
trap 'rm -rf "$TB_TMP"' EXIT

# ---- what make generated -----------------------------------------------
like "$(grep -c '@[a-z_]*@' "$SERVICE")" '^0$' "no @variable@ is left in $SERVICE"
like "$(grep '^ExecStart=' "$SERVICE")" \
	'^ExecStart=/[^ ]*/tapbroker --foreground --config /etc/tapbroker/policy.conf$' \
	"ExecStart= runs the installed broker in the foreground"

# ---- the contract with the broker --------------------------------------
# server.c takes fd 3 only if it is a listening SOCK_SEQPACKET socket, and
# the helper's default socket is TB_DEFAULT_SOCKET.
want=$(sed -n 's/^#define TB_DEFAULT_SOCKET "\(.*\)"$/\1/p' \
	"$top_srcdir/common/proto.h")
is "$(sed -n 's/^ListenSequentialPacket=//p' "$SOCKET")" "$want" \
	"the socket is SOCK_SEQPACKET at the default path ($want)"
is "$(grep -c '^Listen' "$SOCKET")" 1 "the socket unit passes exactly one fd"

# ---- systemd-analyze verify --------------------------------------------
sed "s|^ExecStart=[^ ]*|ExecStart=$TB_BROKER|" "$SERVICE" \
	>"$TB_TMP/tapbroker.service"
cp "$SOCKET" "$TB_TMP/tapbroker.socket"
# Documentation= is checked against the pages in doc/ when man can read
# them; else not at all.
man_opt=--man=no
if command -v man >/dev/null &&
	ls "$top_srcdir"/doc/tapbroker.8 "$top_srcdir"/doc/tapbroker-helper.8 \
		"$top_srcdir"/doc/tapbroker.conf.5 >/dev/null 2>&1; then
	mkdir -p "$TB_TMP/man/man8" "$TB_TMP/man/man5"
	cp "$top_srcdir"/doc/*.8 "$TB_TMP/man/man8/"
	cp "$top_srcdir"/doc/*.5 "$TB_TMP/man/man5/"
	man_opt=--man=yes
fi
out=$(cd "$TB_TMP" && MANPATH="$TB_TMP/man" systemd-analyze verify \
	"$man_opt" tapbroker.socket tapbroker.service 2>&1)
ok $? "systemd-analyze verify $man_opt tapbroker.socket tapbroker.service"
# verify exits 0 on unknown keys and bad values: it only warns.
is "$out" "" "... without a warning"

# ---- how exposed the service is, for the log ---------------------------
if systemd-analyze security --help 2>&1 | grep -q -- --offline; then
	diag "$( (cd "$TB_TMP" && systemd-analyze security --offline=yes \
		tapbroker.service 2>&1) | grep 'Overall exposure')"
fi

done_testing
