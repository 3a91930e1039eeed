#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_cgm in a real sshd: our own sshd on 127.0.0.1 (own config, port and
# host key; PAM service cgmtest-sshd through a symlink named so) logs
# cgmtest1 in with a key made here.  The remote command must find itself in
# its session cgroup, then, as a rootless container runtime would, make a
# child cgroup and move itself there with `cgm`, and on cgroup v2 make
# another one directly through cgroupfs and move itself there too.
. "$top_srcdir/tests/harness.sh"
require_root
require_cmd ssh ssh-keygen ss
[ -x /usr/sbin/sshd ] || skip "needs /usr/sbin/sshd"
. "$top_srcdir/tests/integration/pam-common.sh"

sandbox_enter || finish
start_cgmd || finish
sshd_start cgmtest1 || finish

# The built cgm is a libtool wrapper: run it once as root so the user's run needs nothing written.
"$CGM" --help >/dev/null 2>&1

ssh_as cgmtest1 "
	echo \"session=\$CGM_SESSION\"
	sed 's/^/at-login /' /proc/self/cgroup
	export CGM_SOCKET=$SOCK
	$CGM create all cgmtest-job && $CGM movepid all cgmtest-job \$\$ && echo moved-by-cgm
	sed 's/^/after-cgm /' /proc/self/cgroup
	me=\$(awk -F: '\$1 == \"0\" {print \$3}' /proc/self/cgroup)
	v2=$(host_hierarchy_dir unified)\$me
	echo \"job-owner \$(stat -c %U \"\$v2\")\"
	mkdir \"\$v2/cgmtest-direct\" && echo \$\$ >\"\$v2/cgmtest-direct/cgroup.procs\" && echo moved-directly
	sed 's/^/after-direct /' /proc/self/cgroup
" >"$T_DIR/ssh.out" 2>&1
check_eq "ssh login as cgmtest1 succeeds" "$?" 0
ssh_out=$(cat "$T_DIR/ssh.out")

n=$(printf '%s\n' "$ssh_out" | sed -n "s|^at-login 0::.*/$PAM_BASE/cgmtest1/\([0-9]*\)\$|\1|p")
check "login placed in $PAM_BASE/cgmtest1/<n> on v2 (n=$n)" test -n "$n"
nh=$(hierarchy_names | wc -l)
check_eq "at login: in the session cgroup in every hierarchy" \
	"$(printf '%s\n' "$ssh_out" | grep -c "^at-login .*/$PAM_BASE/cgmtest1/$n\$")" "$nh"
check "CGM_SESSION is set in the login" sh -c "printf '%s\n' \"\$1\" | grep -q '^session=.*/cgmtest1/$n\$'" sh "$ssh_out"
check "moved itself into a child cgroup with cgm" sh -c "printf '%s\n' \"\$1\" | grep -q '^moved-by-cgm\$'" sh "$ssh_out"
check_eq "after cgm: in <session>/cgmtest-job in every hierarchy" \
	"$(printf '%s\n' "$ssh_out" | grep -c "^after-cgm .*/$PAM_BASE/cgmtest1/$n/cgmtest-job\$")" "$nh"
check "moved itself through cgroupfs on v2" sh -c "printf '%s\n' \"\$1\" | grep -q '^moved-directly\$'" sh "$ssh_out"
check_eq "after cgroupfs: in <session>/cgmtest-job/cgmtest-direct on v2" \
	"$(printf '%s\n' "$ssh_out" | grep -c "^after-direct 0::.*/$PAM_BASE/cgmtest1/$n/cgmtest-job/cgmtest-direct\$")" 1
check "the job cgroup the user made is the user's" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^job-owner cgmtest1\$'" sh "$ssh_out"
# At logout pam_cgm prunes the user's empty cgroups below the session, and
# the daemon then removes the empty session.
for name in $(hierarchy_names); do
	check "$name: after logout the session is gone" wait_gone "$(user_cg_dir "$name" cgmtest1)/$n"
done
[ "$T_FAIL" -eq 0 ] || { say "--- ssh output"; say "$ssh_out"; say "--- sshd log"; cat "$T_DIR/sshd.log"; }
finish
