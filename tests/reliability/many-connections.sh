#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# 1,000 connections open at once to one cgmd (from 4 processes), each
# answered twice while all stay open, and a newcomer is still served.  The
# daemon is started with a soft open-file limit of 1024, as an init system
# often leaves it: it must raise its soft limit to the hard one itself.
# Afterwards its descriptors are back to where they were, and most of the
# memory the connections took is given back.
. "$top_srcdir/tests/harness.sh"
require_root
STRESS=$top_builddir/tests/reliability/cgm-stress
sandbox_enter || finish
# shellcheck disable=SC3045 # dash and bash both have -H and -S
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge 2048 ] || skip "hard open-file limit $hard is below 2048"
# shellcheck disable=SC3045
ulimit -Sn 1024
start_cgmd || finish
soft=$(awk '/^Max open files/ {print $4}' "/proc/$CGMD_PID/limits")
check_eq "cgmd raised its soft open-file limit from 1024 to the hard limit" "$soft" "$hard"
idle=$(ls "/proc/$CGMD_PID/fd" | wc -l)

N=1000
"$STRESS" hold "$SOCK" $N 4 "$CGMD_PID" >"$T_DIR/out" 2>&1
check_eq "cgm-stress hold ran" "$?" 0
cat "$T_DIR/out"
val() { sed -n "s/^$1=//p" "$T_DIR/out"; }
check_eq "$N connections made" "$(val connected)" $N
check "cgmd held them all at once ($(val connections_open_at_once) descriptors)" \
	test "$(val connections_open_at_once)" -ge $N
check_eq "every connection answered twice while all were open" "$(val pings_ok)" $((2 * N))
check_eq "no call failed" "$(val pings_failed)" 0
check_eq "a newcomer was served while all were held" "$(val newcomer_while_held_ok)" 1
check_eq "afterwards cgmd's descriptors are back to $idle" "$(val daemon_fds_after)" "$idle"
# glibc keeps what a crowd of clients freed unless the daemon trims its heap once they are gone: back
# below half-way from before to while held.  A sanitizer build's allocator is another: not checked.
before=$(val daemon_rss_kb_before) held=$(val daemon_rss_kb_while_held) after=$(val daemon_rss_kb_after)
if ldd "$CGMD" 2>/dev/null | grep -q 'libasan\|libtsan'; then
	say "# sanitizer build: RSS $before kB before, $held kB held, $after kB after, not checked"
else
	check "memory given back after they left ($before kB before, $held kB held, $after kB after)" \
		test "$after" -le $((before + (held - before) / 2))
fi
check "cgmd still answers" ping_cgmd
stop_cgmd
check "cgmd stopped with no sanitizer report in its log (a sanitizer build checks for leaks at exit)" \
	sh -c "! grep -q 'Sanitizer' '$T_DIR/cgmd.log'"
finish
