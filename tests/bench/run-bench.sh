#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs cgm-bench (make bench; arguments go to cgm-bench, e.g. --quick,
# --only 12, --json FILE; BENCH_CGMD_ARGS to cgmd).  Sets up what the benchmark compares against:
# a sandbox cgroup below this shell's own (tests/harness.sh), a cgmd on a
# private socket, the test user cgmtest1, and Debian's pam_cgfs unpacked
# into the build tree (never installed).  Then it runs the benchmark in new
# cgroup and mount namespaces, with every cgroup hierarchy that is already
# mounted mounted again there: the cgroup namespace's root is the sandbox,
# so what the floor and pam_cgfs do at "the top" stays inside the sandbox
# (pam_cgfs, which first moves its process to init's cgroup, runs as init
# of a pid namespace of its own: see tests/bench/login.c).  The
# harness removes the sandbox, the daemon and the user at the end.
. "${top_srcdir:?}/tests/harness.sh"
require_root
require_cmd unshare

BENCH=$top_builddir/tests/bench/cgm-bench
PAM_MODULE=$top_builddir/pam_cgm/.libs/pam_cgm.so
if [ ! -x "$BENCH" ] || [ ! -f "$PAM_MODULE" ]; then
	say "build first (make bench builds what it needs)"
	exit 1
fi

ensure_user cgmtest1 || exit 1
if ! cgfs=$("$top_srcdir/tests/bench/fetch-pam-cgfs.sh" "$top_builddir/tests/bench/pam-cgfs"); then
	say "pam_cgfs unavailable: that contender is left out"
	cgfs=""
fi
mkdir -p "$T_DIR/work"

sandbox_enter || exit 1
# BENCH_CGMD_ARGS: extra cgmd options, e.g. "--workers 0" to measure the daemon on one thread.
# shellcheck disable=SC2086
start_cgmd ${BENCH_CGMD_ARGS:-} || exit 1
say "load before the run: $(uptime)"

# "name mountpoint" lines: each hierarchy to mount again inside the namespaces.
mounts=$(host_hierarchies)
# The namespace's cgroups are mounted on a tmpfs of its own: the kernel
# refuses a second mount of the same hierarchy on the same mount point.
# shellcheck disable=SC2016
unshare --cgroup --mount --propagation private sh -c '
	mounts=$1; shift
	mount -t tmpfs cgmbench /sys/fs/cgroup || exit 1
	while read -r name mnt; do
		mkdir -p "$mnt" || exit 1
		case $name in
		unified) mount -t cgroup2 cgmbench "$mnt" ;;
		name=*) mount -t cgroup -o "none,$name" cgmbench "$mnt" ;;
		*) mount -t cgroup -o "$name" cgmbench "$mnt" ;;
		esac || exit 1
	done <<EOF
$mounts
EOF
	exec "$@"
' run-bench "$mounts" "$BENCH" --socket "$SOCK" --pam-cgm "$PAM_MODULE" --pam-cgfs "$cgfs" \
	--user cgmtest1 --workdir "$T_DIR/work" --cgmd-pid "$CGMD_PID" "$@"
status=$?

# Nothing may have landed outside the sandbox: every cgroup the run made is below it.
for name in $(host_hierarchies | awk '{print $1}'); do
	own=$(pid_cgroup $$ "$name")
	case $own in */cgmtest-*) ;; *) fail "this shell left its sandbox in $name: $own"; status=1 ;; esac
done
say "load after the run: $(uptime)"
exit $status
