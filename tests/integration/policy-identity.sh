#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon's identity and permission modules seen from outside: the
# running cgmd holds exactly its seven capabilities (and no_new_privs); a
# caller is who the kernel says (a user, root in another pid or user
# namespace is not host root); refusals name the rule that refused.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send setpriv unshare
ensure_user cgmtest1
U1=$(id -u cgmtest1)

sandbox_enter
start_cgmd || { fail "cgmd starts"; finish; }

say "# the running daemon's privileges"
status=/proc/$CGMD_PID/status
# CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, KILL, SYS_PTRACE, SYS_ADMIN
for set in CapPrm CapEff CapBnd; do
	check_eq "cgmd $set is the kept set" "$(awk -v s="$set:" '$1 == s {print $2}' "$status")" 0000000000a800ef
done
for set in CapInh CapAmb; do
	check_eq "cgmd $set is empty" "$(awk -v s="$set:" '$1 == s {print $2}' "$status")" 0000000000000000
done
check_eq "cgmd has no_new_privs" "$(awk '$1 == "NoNewPrivs:" {print $2}' "$status")" 1

say "# host root only: uid 0 in the daemon's user and pid namespaces"
check "host root may use GetPidCgroupAbs" call root GetPidCgroupAbs string:pids int32:$$
check_error org.cgm.Error.PermissionDenied "a user may not" call cgmtest1 GetPidCgroupAbs string:pids int32:$$
out=$(call cgmtest1 GetPidCgroupAbs string:pids int32:$$ 2>&1)
case $out in *"host root only"*"uid $U1"*) pass "the refusal names the rule and the caller" ;;
*) fail "the refusal names the rule and the caller"; say "  output: $out" ;; esac
out=$(call pidns:root GetPidCgroupAbs string:pids int32:1 2>&1)
case $out in *PermissionDenied*"another pid namespace"*) pass "root in another pid namespace is not host root" ;;
*) fail "root in another pid namespace is not host root"; say "  output: $out" ;; esac
out=$(call ns:cgmtest1 GetPidCgroupAbs string:pids int32:1 2>&1)
case $out in *PermissionDenied*"another user namespace"*) pass "root in a user namespace is not host root" ;;
*) fail "root in a user namespace is not host root"; say "  output: $out" ;; esac

say "# ownership checks say who, what and why"
out=$(call cgmtest1 Create string:pids string:cgmtest-p 2>&1)
case $out in *PermissionDenied*"uid $U1 may not write and search"*"owned by uid 0 gid 0, mode 0755"*) pass "Create in root's cgroup refused, explained" ;;
*) fail "Create in root's cgroup refused, explained"; say "  output: $out" ;; esac
[ -d "$(hdir pids cgmtest-p)" ] && fail "the refused Create made a cgroup" || pass "the refused Create made nothing"
check_error org.cgm.Error.PermissionDenied "a user may not chown, not even to itself" \
	call cgmtest1 Chown string:pids string: int32:$U1 int32:$(id -g cgmtest1)
check_error org.cgm.Error.PermissionDenied "namespace root may not chown to an unmapped id" \
	call ns:cgmtest1 Chown string:pids string: int32:5 int32:5

say "# keys the move methods own"
for key in cgroup.procs tasks cgroup.threads release_agent notify_on_release; do
	check_error org.cgm.Error.InvalidKey "SetValue $key refused, even for host root" \
		call root SetValue string:pids string: string:$key string:1
done
finish
