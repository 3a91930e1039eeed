#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's test command: installs what building and testing need,
# creates the test users, builds cgm out of tree and runs the whole suite
# (`make check`).  Needs root for the integration tests (they skip
# otherwise).  The last line is "N passed, N failed[, N skipped]".
#
#   tools/run-tests.sh [--sanitize] [--build-dir DIR] [--distcheck]
#
# --sanitize builds with -fsanitize=address,undefined (in build-asan by
# default); --distcheck runs `make distcheck` too.  CFLAGS from the
# environment are added to the defaults.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sanitize=no
distcheck=no
builddir=
while [ $# -gt 0 ]; do
	case $1 in
	--sanitize) sanitize=yes ;;
	--distcheck) distcheck=yes ;;
	--build-dir) builddir=$2; shift ;;
	-h|--help) sed -n '3,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run-tests: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

cflags="-O2 -g -Wall -Wextra -Werror"
if [ "$sanitize" = yes ]; then
	: "${builddir:=$top/build-asan}"
	cflags="-O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	# PAM modules and helpers are loaded into programs that are not
	# instrumented (pamtester, sshd); libasan is preloaded for them by the
	# tests that need it.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:verify_asan_link_order=0}"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
fi
: "${builddir:=$top/build}"
cflags="$cflags ${CFLAGS:-}"
. "$top/tools/build-dir.sh"
builddir=$(build_dir_for "$builddir")

"$top/tools/install-deps.sh"
if [ "$(id -u)" = 0 ]; then
	"$top/tools/test-users.sh" create
fi

cd "$top"
[ -x configure ] || autoreconf -fi
mkdir -p "$builddir"
cd "$builddir"
[ -f Makefile ] || "$top/configure" -q CFLAGS="$cflags"
make -j"$(nproc)" >make.log 2>&1 || { cat make.log; exit 1; }

status=0
make check || status=1
if [ "$distcheck" = yes ]; then
	make distcheck DISTCHECK_CONFIGURE_FLAGS="CFLAGS='$cflags'" || status=1
fi

# The logs of what failed, so that a red run says why.
for log in $(find . -name '*.log' -path './tests/*' | sort); do
	trs=${log%.log}.trs
	if [ -f "$trs" ] && grep -q -E '^:test-result: (FAIL|ERROR|XPASS)' "$trs"; then
		echo "=== $log"
		cat "$log"
	fi
done

# One summary line for the whole suite (automake counts each TAP check).
awk '/^# (PASS|XFAIL|FAIL|ERROR|XPASS|SKIP):/ { n[$2] = $3 }
	END { printf "%d passed, %d failed, %d skipped\n", n["PASS:"] + n["XFAIL:"],
		n["FAIL:"] + n["ERROR:"] + n["XPASS:"], n["SKIP:"] }' test-suite.log
exit $status
