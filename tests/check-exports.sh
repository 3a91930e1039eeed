#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fails when libcgm exports anything but cgm_* or pam_cgm.so anything but pam_sm_*.
set -eu
top=${1:-.}
status=0
check() {
	lib=$1 pattern=$2
	[ -f "$lib" ] || return 0
	extra=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {sub(/@.*/, "", $3); print $3}' | grep -v -E "$pattern" || true)
	if [ -n "$extra" ]; then
		echo "check-exports: $lib exports unexpected symbols:" >&2
		echo "$extra" >&2
		status=1
	fi
}
check "$top/lib/.libs/libcgm.so" '^(cgm_[a-z0-9_]+|LIBCGM_[0-9_]+)$'
check "$top/pam_cgm/.libs/pam_cgm.so" '^pam_sm_(open|close)_session$'
exit $status
