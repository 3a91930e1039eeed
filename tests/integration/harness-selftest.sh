#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The harness itself: it finds the host's hierarchies, builds a sandbox in
# every one of them and moves this shell in, and (checked by the next test
# run's hook) takes it all down again.
. "$top_srcdir/tests/harness.sh"
require_root

hier=$(host_hierarchies)
check "host hierarchies found" test -n "$hier"
check "unified hierarchy listed" sh -c "printf '%s\n' \"$hier\" | grep -q '^unified '"
sandbox_enter
for name in $(host_hierarchies | awk '{print $1}'); do
	check "$name: this shell sits in its sandbox" \
		sh -c "pid_cg=\$(awk -F: '{print \$3}' /proc/$$/cgroup | grep -c '/$T_TAG\$'); [ \$pid_cg -ge 1 ]"
	check "$name: sandbox directory exists on the host" test -d "$(sandbox_dir "$name")"
done
finish
