#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_cgm when cgmd is away: with no daemon on the socket, and with one that
# accepts connections but never answers, an `optional` login goes on within
# the timeout and the module logs one clear line; a `required` one fails.
. "$top_srcdir/tests/harness.sh"
require_root
require_cmd unshare perl
. "$top_srcdir/tests/integration/pam-common.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# login SERVICE LOG: runs a session as cgmtest1 and sets $status and $elapsed (ms).
login() {
	start=$(now_ms)
	with_syslog "$2" "$PROBE" --confdir "$PAM_DIR" "$1" cgmtest1 -- true >"$T_DIR/out" 2>&1
	status=$?
	elapsed=$(($(now_ms) - start))
}

for case in missing stuck; do
	sock=$T_DIR/$case.sock
	if [ "$case" = stuck ]; then
		# A peer that accepts (the kernel does it from the backlog) and never speaks.
		perl -MIO::Socket::UNIX -e 'my $s = IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 5) or die; sleep 600' \
			"$sock" &
		register_pid $!
		for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.02; done
	fi
	args="socket=$sock base=$PAM_BASE timeout=500"
	pam_service cgmtest-optional "session optional $PAM_MODULE $args" "session required pam_permit.so"
	pam_service cgmtest-required "session required $PAM_MODULE $args"

	login cgmtest-optional "$T_DIR/log"
	check_eq "$case daemon, optional: the login goes on" "$status" 0
	check "$case daemon, optional: within the timeout (${elapsed} ms)" test "$elapsed" -lt 2500
	check_eq "$case daemon, optional: one line logged" "$(grep -c 'pam_cgm' "$T_DIR/log")" 1
	check "$case daemon: the line says cgmd cannot be reached" grep -q 'pam_cgm.*open session: cannot reach cgmd' "$T_DIR/log"
	check "$case daemon: the line names the socket" grep -q -F "$sock" "$T_DIR/log"
	check_eq "$case daemon, optional: no CGM_SESSION" "$(session_of "$(cat "$T_DIR/out")")" ""

	login cgmtest-required "$T_DIR/log"
	check_eq "$case daemon, required: the login fails" "$status" 2
	check "$case daemon, required: within the timeout (${elapsed} ms)" test "$elapsed" -lt 2500
	check "$case daemon, required: PAM says session error" grep -q 'open: Cannot make/remove an entry' "$T_DIR/out"
done

# A close in another process takes the session from the environment, which
# may be the user's: anything but one of the user's sessions is left alone
# (the daemon is not even asked).
CGM_SESSION=/ login cgmtest-optional "$T_DIR/log"
unset CGM_SESSION
check "a foreign CGM_SESSION at close is refused" grep -q 'CGM_SESSION=/ is not a session of' "$T_DIR/log"
check_fails "a foreign CGM_SESSION at close: cgmd not asked" grep -q 'close session: cannot reach' "$T_DIR/log"

# Bad arguments never fail a login, they are logged.
pam_service cgmtest-badargs "session optional $PAM_MODULE socket=$T_DIR/missing.sock frobnicate timeout=soon" \
	"session required pam_permit.so"
login cgmtest-badargs "$T_DIR/log"
check_eq "unknown arguments: the login goes on" "$status" 0
check "unknown argument logged" grep -q 'unknown option "frobnicate"' "$T_DIR/log"
check "bad timeout logged" grep -q 'bad timeout "soon"' "$T_DIR/log"

# systemd-user is left to systemd, skip_root skips root: nothing tried, nothing logged.
pam_service systemd-user "session required $PAM_MODULE socket=$T_DIR/missing.sock" "session required pam_permit.so"
with_syslog "$T_DIR/log" "$PROBE" --confdir "$PAM_DIR" systemd-user cgmtest1 -- true >"$T_DIR/out" 2>&1
check_eq "systemd-user service skipped (no daemon needed)" "$?" 0
pam_service cgmtest-skiproot "session required $PAM_MODULE socket=$T_DIR/missing.sock skip_root" \
	"session required pam_permit.so"
with_syslog "$T_DIR/log" "$PROBE" --confdir "$PAM_DIR" cgmtest-skiproot root -- true >"$T_DIR/out" 2>&1
check_eq "skip_root: root skipped (no daemon needed)" "$?" 0
check_eq "skips log nothing" "$(grep -c pam_cgm "$T_DIR/log")" 0
finish
