#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The unit tests that need no privilege, run again as an ordinary user
# (cgmtest1): the library, the CLI's and the PAM module's parsers and the
# daemon's pure modules must not depend on being root, as they run inside
# programs of every user.
. "$top_srcdir/tests/harness.sh"
require_root

for t in test-cgpath test-policy test-failure test-cli-args test-pam-args test-pam-conf test-lib \
	test-daemon-table test-daemon-dispatch test-watches; do
	prog=$top_builddir/tests/unit/$t
	if ! out=$(cd "$T_DIR" && as_user cgmtest1 "$prog" 2>&1); then
		fail "$t as cgmtest1 exits non-zero"; say "$out"; continue
	fi
	n_ok=$(printf '%s\n' "$out" | grep -c '^ok ')
	n_bad=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$n_bad" -eq 0 ] && [ "$n_ok" -gt 0 ]; then
		pass "$t as cgmtest1: $n_ok checks"
	else
		fail "$t as cgmtest1: $n_ok ok, $n_bad not ok"; printf '%s\n' "$out" | grep '^not ok'
	fi
done
finish
