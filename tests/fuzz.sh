#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer: each fuzzer runs a bounded time on a copy of its seed corpus.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# TB_FUZZ_SECONDS: time per fuzzer (make check: 15 s each, under a minute).
secs=${TB_FUZZ_SECONDS:-15}
fz="$top_builddir/tests/fuzz"
if [ -s "$fz/SKIP" ]; then
	skip_all "$(head -1 "$fz/SKIP")"
fi
for f in fuzz-policy fuzz-proto; do
	[ -x "$fz/$f" ] || skip_all "$fz/$f is not built (make check builds it)"
done
TB_TMP=$(mktemp -d /tmp/tbfuzz.XXXXXX)
trap 'rm -rf "$TB_TMP"' EXIT

# fuzz NAME [ARGS...]: runs tests/fuzz/NAME on a copy of corpus-NAME.
fuzz() {
	local name=$1 corpus="$TB_TMP/corpus-${1#fuzz-}" out rc runs art
	shift
	cp -R "$top_srcdir/tests/fuzz/corpus-${name#fuzz-}" "$corpus" &&
		chmod -R u+w "$corpus" || return 1
	mkdir "$TB_TMP/$name.tmp"
	out=$(cd "$TB_TMP" && TMPDIR="$TB_TMP/$name.tmp" \
		UBSAN_OPTIONS=print_stacktrace=1 timeout $((secs + 120)) \
		"$fz/$name" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=1024 -max_len=4200 -print_final_stats=1 \
		-artifact_prefix="$fz/$name-" "$@" "$corpus" 2>&1)
	rc=$?
	runs=$(printf '%s\n' "$out" |
		sed -n 's/^stat::number_of_executed_units: *//p' | tail -1)
	ok $rc "$name: ${runs:-no} runs in $secs s, no crash, leak or UB"
	[ $rc -eq 0 ] && return 0
	printf '%s\n' "$out" | grep -v '^#[0-9]' | tail -60 |
		while IFS= read -r l; do diag "$l"; done
	art=$(printf '%s\n' "$out" | sed -n 's/.*Test unit written to //p')
	diag "reproduce: $fz/$name ${art:-INPUT}"
}

fuzz fuzz-policy -dict="$top_srcdir/tests/fuzz/fuzz-policy.dict"
fuzz fuzz-proto
done_testing
