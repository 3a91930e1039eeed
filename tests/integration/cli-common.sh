# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the cli-*.sh tests that run cgm against a real cgmd (sourced
# after tests/harness.sh): as root, enters the sandbox and starts the
# daemon there, and names what the checks look at on the host:
#   H  the hierarchy for limits: v1 pids where the host has it, else
#      unified (both have pids.max);
#   P  the sandbox's host directory in H, U the one in unified.
require_root
require_cmd jq setpriv
sandbox_enter || finish
start_cgmd || { fail "cgmd starts"; finish; }

H=pids
[ -n "$(host_hierarchy_dir pids)" ] || H=unified
# shellcheck disable=SC2034 # P and U are for the scripts that source this
P=$(sandbox_dir "$H") U=$(sandbox_dir unified)

# status_of CMD...: prints the exit status of CMD (its output discarded).
status_of() { "$@" >/dev/null 2>&1; echo $?; }
# wait_for CMD...: up to 5 s for CMD to succeed.
wait_for() { for _ in $(seq 1 50); do "$@" && return 0; sleep 0.1; done; return 1; }
