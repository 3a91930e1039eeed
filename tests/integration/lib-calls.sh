#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# libcgm against a real cgmd: starts the daemon on this test's private
# socket inside the sandbox and runs tests/unit/test-lib-calls there, which
# checks every libcgm call by its effect on the host's cgroupfs, every error
# code by a real refusal, and the fault paths (a stopped daemon, a dead one,
# threads, a pidfd first) against that daemon.  Each TAP line the program
# prints counts as one check here.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
id -u cgmtest1 >/dev/null 2>&1 || skip "needs the test user cgmtest1 (tools/test-users.sh create)"
sandbox_enter || finish
start_cgmd || { fail "cgmd starts"; finish; }

# What the program compares the daemon with: the host's hierarchies and the sandbox's place in each ...
for name in $(host_hierarchies | awk '{print $1}'); do
	printf '%s %s %s\n' "$name" "$(host_hierarchy_dir "$name")" "$(pid_cgroup $$ "$name")"
done >"$T_DIR/hierarchies"
# ... and the api_version as another D-Bus client reads it.
api=$(call root org.freedesktop.DBus.Properties.Get "string:$IFACE" string:api_version | awk '$1 == "variant" {print $3}')
check "dbus-send reads api_version" test -n "$api"

# Its last checks kill the daemon under an open connection; the shell's "Killed" notice is no news.
{
	"$top_builddir/tests/unit/test-lib-calls" "$T_DIR/hierarchies" "$CGMD_PID" "${api:-0}" >"$T_DIR/tap" 2>&1
	status=$?
	stop_cgmd
} 2>/dev/null
planned=0
while IFS= read -r line; do
	case $line in
	"ok "*) pass "${line#ok * - }" ;;
	"not ok "*) fail "${line#not ok * - }" ;;
	1..*) planned=${line#1..} ;;
	*) say "$line" ;;
	esac
done <"$T_DIR/tap"
check_eq "test-lib-calls exits 0" "$status" 0
check_eq "test-lib-calls ran to its plan" "$(grep -c -E '^(not )?ok ' "$T_DIR/tap")" "$planned"
finish
