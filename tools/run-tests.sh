#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's test command: installs what building and testing need,
# creates the test users, builds cgm out of tree and runs the whole suite
# (`make check`).  Needs root for the integration tests (they skip
# otherwise).  The last line is "N passed, N failed[, N skipped]".
#
#   tools/run-tests.sh [--sanitize | --tsan] [--build-dir DIR] [--distcheck]
#
# --sanitize builds with -fsanitize=address,undefined (in build-asan by
# default); --tsan with -fsanitize=thread (in build-tsan) and runs the
# tests that drive cgmd's worker threads, failing on any race reported;
# --distcheck runs `make distcheck` too.  CFLAGS from the environment are
# added to the defaults.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sanitize=no
tsan=no
distcheck=no
builddir=
while [ $# -gt 0 ]; do
	case $1 in
	--sanitize) sanitize=yes ;;
	--tsan) tsan=yes ;;
	--distcheck) distcheck=yes ;;
	--build-dir) builddir=$2; shift ;;
	-h|--help) sed -n '3,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
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
# The tests whose daemon runs requests on its worker threads, pipelined
# and from several clients at once.  Left out: the PAM tests (they load
# pam_cgm.so into pamtester and sshd, which ThreadSanitizer did not build)
# and test-caller (its user-namespace child calls unshare(CLONE_NEWUSER),
# which refuses a process of more than one thread, and ThreadSanitizer
# gives every process a thread of its own).
tsan_tests="tests/unit/test-workers tests/unit/test-watches tests/integration/lib-calls.sh
	tests/integration/daemon-methods.sh tests/integration/daemon-permissions.sh tests/integration/scm-methods.sh
	tests/integration/daemon-lifecycle.sh tests/integration/daemon-hostile.sh tests/integration/policy-identity.sh
	tests/integration/daemon-status.sh tests/integration/daemon-conf.sh tests/integration/daemon-root.sh"
if [ "$tsan" = yes ]; then
	: "${builddir:=$top/build-tsan}"
	cflags="-O1 -g -Wall -Wextra -Werror -fsanitize=thread -fno-omit-frame-pointer"
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
races=0
if [ "$tsan" = yes ]; then
	# Every process writes its reports to a file of its own here.  Address
	# randomisation off: ThreadSanitizer's fixed memory layout does not
	# fit every randomised one on newer kernels.
	reports=$builddir/tsan-reports
	rm -rf "$reports"
	mkdir -p "$reports"
	chmod 1777 "$reports" # the tests run some of our programs as the test users
	# shellcheck disable=SC2086
	TSAN_OPTIONS="log_path=$reports/report second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
		setarch "$(uname -m)" -R make check TESTS="$(echo $tsan_tests)" || status=1
	for report in "$reports"/report.*; do
		[ -f "$report" ] || continue
		echo "=== ThreadSanitizer: $report"
		cat "$report"
		races=$((races + 1))
		status=1
	done
else
	make check || status=1
fi
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

# One summary line for the whole suite (automake counts each TAP check;
# a process's race reports count as one failure more).
awk -v races="$races" '/^# (PASS|XFAIL|FAIL|ERROR|XPASS|SKIP):/ { n[$2] = $3 }
	END { printf "%d passed, %d failed, %d skipped\n", n["PASS:"] + n["XFAIL:"],
		n["FAIL:"] + n["ERROR:"] + n["XPASS:"] + races, n["SKIP:"] }' test-suite.log
exit $status
