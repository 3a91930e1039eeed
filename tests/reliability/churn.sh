#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd's file descriptors and memory stay flat over 100,000 requests from
# 4 processes whose connections end at random: cleanly, with calls still
# unanswered, half-way through authenticating or through a message.  The
# counts are taken after a warm-up of 10,000 requests (the allocator and
# libdbus reach their working size) and once every connection is gone.
. "$top_srcdir/tests/harness.sh"
require_root
STRESS=$top_builddir/tests/reliability/cgm-stress
sandbox_enter || finish
start_cgmd || finish

N=${CGM_CHURN_REQUESTS:-100000}
"$STRESS" churn "$SOCK" "$CGMD_PID" "$N" 4 "$$" >"$T_DIR/out" 2>&1
check_eq "cgm-stress churn ran" "$?" 0
cat "$T_DIR/out"
val() { sed -n "s/^$1=//p" "$T_DIR/out"; }

check_eq "$N requests sent" "$(val requests)" "$N"
check "connections ended mid-way ($(val connections_ended_mid_way))" test "$(val connections_ended_mid_way)" -gt 100
check_eq "no request of a connection that stayed failed" "$(val failures)" 0
check_eq "file descriptors flat ($(val fds_before) before, $(val fds_after) after)" "$(val fds_after)" "$(val fds_before)"
# Flat, allowing the allocator 1 MiB of slack; a leak of even 16 bytes a request would be 1.5 MiB.
# A sanitizer build keeps freed memory in quarantine: its RSS says nothing (its leak check does).
if ldd "$CGMD" 2>/dev/null | grep -q 'libasan\|libtsan'; then
	say "# sanitizer build: RSS $(val rss_kb_before) kB before, $(val rss_kb_after) kB after, not checked"
else
	check "RSS flat ($(val rss_kb_before) kB before, $(val rss_kb_after) kB after)" \
		test "$(val rss_kb_after)" -le $(($(val rss_kb_before) + 1024))
fi
check "cgmd still answers" ping_cgmd
stop_cgmd
check "cgmd stopped with no sanitizer report in its log (a sanitizer build checks for leaks at exit)" \
	sh -c "! grep -q 'Sanitizer' '$T_DIR/cgmd.log'"
finish
