#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages format without a warning and name every option --help shows.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

doc="$top_srcdir/doc"
pages="tapbroker.8 tapbroker-helper.8 tapbroker.conf.5"

# Which formatter checks the pages: groff (all warnings), man-db, both.
have_groff=""
have_man=""
command -v groff >/dev/null && have_groff=1
man --version 2>/dev/null | grep -q '^man ' && have_man=1
[ -n "$have_groff$have_man" ] ||
	diag "neither groff nor man-db is installed: the pages are not formatted" \
		"(Debian: apt-get install groff-base); their options are still checked"

for p in $pages; do
	f="$doc/$p"
	if [ ! -f "$f" ]; then
		ok 1 "$p exists"
		continue
	fi
	like "$(head -1 "$f")" '^\.\\" SPDX-License-Identifier: GPL-2\.0-or-later$' \
		"$p starts with an SPDX line"
	out=$(LC_ALL=C grep -n '[^[:print:][:space:]]' "$f" | head -3)
	is "$out" "" "$p is plain ASCII"
	if [ -n "$have_groff" ]; then
		out=$(groff -man -ww -z -Tutf8 "$f" 2>&1)
		is "$out" "" "$p: groff -man -ww gives no warning"
	else
		skip "$p: groff -man -ww" "groff is not installed"
	fi
	if [ -n "$have_man" ]; then
		out=$(MANWIDTH=80 man --warnings=w -l -Tutf8 "$f" 2>&1 >/dev/null)
		is "$out" "" "$p: man --warnings -l gives no warning"
	else
		skip "$p: man --warnings -l" "man-db is not installed"
	fi
done

# The roff source as words: \- is -, font changes and \& are dropped.
page_text() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' \
		-e 's/\\&//g' "$doc/$1"
}

# options PROGRAM ARGS...: the long options PROGRAM ARGS... --help prints.
options() {
	"$@" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*[a-z]' | sort -u
}

# covers PAGE PROGRAM ARGS...: each option --help shows is in PAGE.
covers() {
	local page=$1 text opts o
	shift
	text=$(page_text "$page")
	opts=$(options "$@")
	ok $([ -n "$opts" ]; echo $?) "$(basename "$1") ${2:+$2 }--help lists options"
	for o in $opts; do
		printf '%s\n' "$text" | grep -Eq -- "$o([^a-z-]|\$)"
		ok $? "$page documents $o (from $(basename "$1") ${2:+$2 }--help)"
	done
}

if [ -x "$TB_BROKER" ]; then
	covers tapbroker.8 "$TB_BROKER"
	covers tapbroker.8 "$TB_BROKER" explain
else
	skip "tapbroker.8 covers tapbroker --help" "$TB_BROKER is not built"
fi
if [ -x "$TB_HELPER" ]; then
	covers tapbroker-helper.8 "$TB_HELPER"
else
	skip "tapbroker-helper.8 covers its --help" "$TB_HELPER is not built"
fi
done_testing
