#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Clients that misbehave do not hold up the others: while a client stays
# mute, one stops half-way through authenticating, one half-way through a
# message, one sends without ever reading its replies and a process keeps
# hanging up in the middle of its calls, a good client's 2,000 Pings (over
# fresh connections every 100) are all answered.  Afterwards the half
# message, finished, is answered too (the daemon served the others while
# holding it), and the client that never read was dropped.
. "$top_srcdir/tests/harness.sh"
require_root
STRESS=$top_builddir/tests/reliability/cgm-stress
sandbox_enter || finish
start_cgmd --log-level info || finish

N=2000
"$STRESS" bad-clients "$SOCK" $N >"$T_DIR/out" 2>&1
check_eq "cgm-stress bad-clients ran" "$?" 0
cat "$T_DIR/out"
val() { sed -n "s/^$1=//p" "$T_DIR/out"; }

check_eq "four bad clients in place (mute, half auth, half message, never reads)" "$(val bad_clients_connected)" 4
check "the never-reader had sent requests ($(val never_reader_requests_sent))" test "$(val never_reader_requests_sent)" -gt 0
check_eq "all $N Pings of the good client answered" "$(val good_pings_ok)" $N
check_eq "no Ping of the good client failed" "$(val good_pings_failed)" 0
check "another process hung up mid-call meanwhile ($(val midcall_hangups_meanwhile) times)" \
	test "$(val midcall_hangups_meanwhile)" -gt 0
check_eq "the mute client was still connected: the Pings went by while it waited" "$(val mute_still_connected)" 1
check_eq "the half-authenticated client too" "$(val half_auth_still_connected)" 1
check_eq "the half-message client too" "$(val half_message_still_connected)" 1
check_eq "the half message, finished afterwards, is answered" "$(val half_message_answered)" 1
check_eq "the client that never reads its replies was dropped" "$(val never_reader_dropped)" 1
check "cgmd still answers" ping_cgmd
stop_cgmd
check "cgmd stopped with no sanitizer report in its log (a sanitizer build checks for leaks at exit)" \
	sh -c "! grep -q 'Sanitizer' '$T_DIR/cgmd.log'"
check "cgmd logged the drop" grep -q "does not read its replies" "$T_DIR/cgmd.log"
say "# figures: good client round trip median $(val good_rtt_median_us) us, max $(val good_rtt_max_us) us"
finish
