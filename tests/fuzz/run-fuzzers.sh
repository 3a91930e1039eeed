#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer targets (`make fuzz` with clang) in a build directory
# of their own and runs each for SECONDS (default 30) from its seed corpus
# in tests/fuzz/corpus/<target>.  New inputs and fuzz-dispatch's scratch
# tree go to a temporary directory removed afterwards, never into the tree;
# a crash leaves its input in $FUZZ_BUILD_DIR/artifacts and makes the
# script exit non-zero after the other targets have run.
#   tests/fuzz/run-fuzzers.sh [SECONDS]
#   FUZZ_BUILD_DIR (default <top>/build-fuzz), FUZZ_TARGETS (default all four)
set -u
secs=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
targets=${FUZZ_TARGETS:-cgpath dispatch pam-args pam-conf}

command -v clang >/dev/null || { echo "run-fuzzers: clang is needed" >&2; exit 1; }
mkdir -p "$build" || exit 1
cd "$build" || exit 1
if [ ! -f Makefile ]; then
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi) || exit 1
	"$top/configure" -q || { echo "run-fuzzers: configure failed" >&2; exit 1; }
fi
make -s fuzz FUZZ_CC=clang || { echo "run-fuzzers: make fuzz failed" >&2; exit 1; }

mkdir -p artifacts
status=0
for t in $targets; do
	work=$(mktemp -d "${TMPDIR:-/tmp}/cgm-fuzz-$t.XXXXXX") || exit 1
	mkdir "$work/corpus" "$work/tmp" || exit 1
	cp "$top/tests/fuzz/corpus/$t"/* "$work/corpus"/ 2>/dev/null
	log=$build/artifacts/$t.log
	TMPDIR=$work/tmp "./tests/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t-" "$work/corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	if [ "$rc" -eq 0 ]; then
		echo "fuzz-$t: ok, ${runs:-?} runs in ${secs}s (${speed:-?}/s), corpus $(find "$work/corpus" -type f | wc -l)"
	else
		echo "fuzz-$t: FAILED (exit $rc) after ${runs:-?} runs; see $log"
		grep -m1 -A12 '^==[0-9]*==ERROR\|runtime error\|deadly signal' "$log"
		ls "$build/artifacts/$t-"* 2>/dev/null
		status=1
	fi
	rm -rf "$work"
done
exit $status
