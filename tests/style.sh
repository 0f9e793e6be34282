#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every C file follows .clang-format and starts with an SPDX line.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v clang-format >/dev/null || skip_all "clang-format is not installed"
cd "$top_srcdir" || exit 1
# Outside git (a release tarball, make distcheck, even unpacked inside a
# clone, whose git would list nothing): the sources, not the
# build trees (build*, distcheck's _build and _inst) or generated config.h.
[ -e .git ] && files=$(git ls-files '*.c' '*.h' 2>/dev/null) ||
	files=$(find . -name '*.[ch]' -not -path './build*' -not -path './_*' \
		-not -name config.h)
for f in $files; do
	out=$(clang-format --dry-run -Werror "$f" 2>&1 | head -3)
	ok $([ -z "$out" ]; echo $?) "$f follows .clang-format"
	[ -z "$out" ] || diag "$out"
	like "$(head -1 "$f")" "SPDX-License-Identifier" "$f starts with an SPDX line"
done
done_testing
