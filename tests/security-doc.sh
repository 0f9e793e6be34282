#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every claim in doc/SECURITY.md names a test that exists and says so.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

doc="$top_srcdir/doc/SECURITY.md"
[ -r "$doc" ] || { echo "Bail out! $doc is missing"; exit 1; }
# The references, one per line: FILE<TAB>DESCRIPTION.
refs=$(tr '\n' ' ' <"$doc" | grep -oE '\(test: tests/[A-Za-z0-9._-]+ "[^"]+"\)' |
	sed -E 's/^\(test: (tests\/[^ ]+) "(.*)"\)$/\1\t\2/')
n=$(printf '%s\n' "$refs" | grep -c .)
ok $([ "$n" -ge 20 ]; echo $?) "SECURITY.md names its tests ($n references)"
while IFS=$'\t' read -r file text; do
	[ -n "$file" ] || continue
	if [ ! -r "$top_srcdir/$file" ]; then
		ok 1 "$file exists (named by SECURITY.md)"
		continue
	fi
	grep -qF -- "$text" "$top_srcdir/$file"
	ok $? "$file says \"$text\""
done <<<"$refs"
done_testing
