#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A real rootless container runtime in a real login: cgmtest1 logs in
# through our own sshd (pam_cgm places the session below the sandbox) and
# runs Debian's crun on a root filesystem made from busybox-static, with
# cgroupsPath in its delegated cgroup on the unified hierarchy.  Checked
# from the host: the container's process is in that cgroup, the limit the
# runtime set is there and enforced, and the cgroup is gone when the
# container exits.
#
# On this hybrid host crun refuses hybrid mode as soon as the unified
# hierarchy has any controller (here: hugetlb), so the login runs crun the
# way rootless podman does: inside a user and mount namespace of its own,
# where /sys/fs/cgroup is the unified hierarchy bound over the v1 layout;
# crun then sees pure cgroup v2.  What can be limited there is what the
# unified hierarchy has enabled down to the user's cgroup: its core limits
# (cgroup.max.descendants, cgroup.max.depth) always, hugetlb only where
# the root's cgroup.subtree_control passes it down; pids, memory and cpu
# are v1 controllers on such a host, out of crun's view (doc/containers.md).
. "$top_srcdir/tests/harness.sh"
require_root
require_cmd ssh ssh-keygen ss crun python3 unshare
[ -x /usr/sbin/sshd ] || skip "needs /usr/sbin/sshd"
ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' || skip "needs busybox-static"
. "$top_srcdir/tests/integration/pam-common.sh"
ensure_user cgmtest1
U1=$(id -u cgmtest1)
V2=$(host_hierarchy_dir unified)
[ -n "$V2" ] || skip "needs the unified hierarchy"

sandbox_enter || finish
start_cgmd || finish
sshd_start cgmtest1 || finish

# The bundle: busybox as the whole root filesystem, the config crun itself writes for rootless use.
B=$T_DIR/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp" "$B/state"
cp /bin/busybox "$B/rootfs/bin/"
for c in sh sleep cat test; do ln -s busybox "$B/rootfs/bin/$c"; done
(cd "$B" && crun spec --rootless) || { fail "crun spec --rootless"; finish; }
hugetlb=$(grep -ow hugetlb "$V2$(pid_cgroup $$ unified)/cgroup.controllers")
python3 - "$B/config.json" "$hugetlb" "$T_TAG" <<'PY'
import json, sys
path, hugetlb, tag = sys.argv[1], sys.argv[2], sys.argv[3]
c = json.load(open(path))
c["process"]["terminal"] = False
# The container waits until the test lets it end; the tag lets the test find it.
c["process"]["args"] = ["sh", "-c", "while ! test -e /tmp/release; do sleep 0.1; done", tag]
# crun runs inside the login's own user namespace already (see above): no second one.
c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "user"]
c["linux"].pop("uidMappings", None)
c["linux"].pop("gidMappings", None)
c["linux"]["cgroupsPath"] = "@CGROUP@"
c["linux"]["resources"] = {"unified": {"cgroup.max.descendants": "2"}}
if hugetlb:
    c["linux"]["resources"]["hugepageLimits"] = [{"pageSize": "2MB", "limit": 4194304}]
json.dump(c, open(path + ".in", "w"), indent=1)
PY
rm "$B/config.json"
chown -R "$U1:$(id -g cgmtest1)" "$B"

# The login: cgroupsPath is a child of the user's cgroup (the parent of its session) on v2.
ssh_as cgmtest1 "
	me=\$(awk -F: '\$1 == \"0\" {print \$3}' /proc/self/cgroup)
	user=\${me%/*}
	echo \"session \$me\"
	sed \"s|@CGROUP@|\$user/cgmtest-ctr|\" $B/config.json.in >$B/config.json
	echo \"plain-crun \$(crun --root $B/state --cgroup-manager=cgroupfs run --bundle $B cgmtest-plain 2>&1)\"
	unshare -U -r -m sh -c 'mount --bind $V2 /sys/fs/cgroup &&
		exec crun --root $B/state --cgroup-manager=cgroupfs run --bundle $B cgmtest-ctr'
	echo \"crun-exit \$?\"
	test -d \"$V2\$user/cgmtest-ctr\" && echo ctr-left || echo ctr-gone
" >"$T_DIR/ssh.out" 2>&1 &
ssh_pid=$!
register_pid $ssh_pid

# The container's process, found by its command line (independent of any cgroup file): the
# busybox sh carrying the test's tag.
ctr=
for _ in $(seq 1 100); do
	for f in $(grep -lsaF -- "$T_TAG" /proc/[0-9]*/cmdline); do
		p=${f#/proc/}; p=${p%/cmdline}
		case $(readlink "/proc/$p/exe") in */busybox) ctr=$p ;; esac
	done
	[ -n "$ctr" ] && break
	sleep 0.1
done
check "the container runs (host pid $ctr)" test -n "$ctr"
user_v2=$(pid_cgroup $$ unified)/$PAM_BASE/cgmtest1
check "the login was placed in its session below the sandbox" \
	grep -q "^session $user_v2/[0-9]*\$" "$T_DIR/ssh.out"
check "crun alone refuses this hybrid host (a controller on v2)" \
	grep -q "^plain-crun .*hybrid mode not supported" "$T_DIR/ssh.out"
if [ -n "$ctr" ]; then
	check_eq "its process is in cgroupsPath, inside the user's delegated cgroup on v2" \
		"$(pid_cgroup "$ctr" unified)" "$user_v2/cgmtest-ctr"
	check_eq "the cgroup is the user's (crun made it unprivileged)" "$(stat -c %u:%g "$V2$user_v2/cgmtest-ctr")" \
		"$U1:$(id -g cgmtest1)"
	check_eq "it runs as cgmtest1 on the host" "$(awk '/^Uid:/ {print $2}' /proc/"$ctr"/status)" "$U1"
	check_eq "the runtime set the limit (cgroup.max.descendants)" \
		"$(cat "$V2$user_v2/cgmtest-ctr/cgroup.max.descendants")" 2
	d=$V2$user_v2/cgmtest-ctr
	check "the kernel enforces it: two sub-cgroups may be made" sh -c "mkdir '$d/cgmtest-a' && mkdir '$d/cgmtest-b'"
	check_fails "... a third may not" mkdir "$d/cgmtest-c"
	rmdir "$d/cgmtest-a" "$d/cgmtest-b" 2>/dev/null
	if [ -n "$hugetlb" ]; then
		check_eq "hugetlb reaches the user's cgroup: the runtime's hugetlb.2MB.max" \
			"$(cat "$d/hugetlb.2MB.max")" 4194304
	else
		say "# not possible here: hugetlb, the one controller of this host's v2, is not enabled in"
		say "# the unified root's cgroup.subtree_control ('$(cat "$V2/cgroup.subtree_control")'), so no"
		say "# cgroup below the root has it and no runtime can set a hugetlb limit there"
		check_eq "hugetlb is not available in the user's cgroup" "$(cat "$V2$user_v2/cgroup.controllers")" ""
	fi
	check "v1 controllers are out of the runtime's view: pids.max is not in its v2 cgroup" test ! -e "$d/pids.max"
fi
touch "$B/rootfs/tmp/release"
wait $ssh_pid
check_eq "the login ends" "$?" 0
check "crun run returns 0 when the container exits" grep -qx "crun-exit 0" "$T_DIR/ssh.out"
check "the runtime removed the container's cgroup" grep -qx ctr-gone "$T_DIR/ssh.out"
check "... as the host sees it" test ! -d "$V2$user_v2/cgmtest-ctr"
check "after logout the session is gone" wait_gone "$(user_cg_dir unified cgmtest1)/$(sed -n 's|^session .*/||p' "$T_DIR/ssh.out")"
[ "$T_FAIL" -eq 0 ] || { say "--- ssh output"; cat "$T_DIR/ssh.out"; say "--- sshd log"; cat "$T_DIR/sshd.log"; }
finish
