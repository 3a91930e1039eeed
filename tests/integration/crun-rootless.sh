#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A real rootless container runtime in a real login: cgmtest1 logs in
# through our own sshd (pam_cgm places the session below the sandbox) and
# runs Debian's crun on a root filesystem made from busybox-static, with
# cgroupsPath in its delegated cgroup.  Checked from the host: the
# container's process is in that cgroup, the limit the runtime set is there
# and enforced, and the cgroup is gone when the container exits.
#
# On this hybrid host crun refuses hybrid mode as soon as the unified
# hierarchy has any controller (here: hugetlb), so the login runs crun the
# way rootless podman does, inside a user and mount namespace of its own,
# where /sys/fs/cgroup shows crun one kind of hierarchy:
#  - the unified one bound over it: crun sees pure v2 and can set what v2
#    has down to the user's cgroup: its core limits (cgroup.max.descendants
#    here) always, hugetlb only where the root's cgroup.subtree_control
#    passes it down (not on this host: checked and reported);
#  - a tmpfs holding the v1 pids hierarchy alone: crun sees a v1 host and
#    sets pids.max in the user's v1 pids cgroup.
# crun cannot have both at once here, nor v1 hierarchies whose user cgroup
# lies at another path (crun uses one cgroupsPath for all it sees).
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

# Two bundles on one root filesystem made of busybox, with the config crun itself writes for
# rootless use: "v2" for the unified view, "pids" for a view of the v1 pids hierarchy alone.
B=$T_DIR/bundle
PIDS_V1=$(host_hierarchy_dir pids)
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp" "$B/state" \
	"$B/v2" "$B/pids" "$B/pidsmnt"
cp /bin/busybox "$B/rootfs/bin/"
for c in sh sleep cat test kill; do ln -s busybox "$B/rootfs/bin/$c"; done
(cd "$B" && crun spec --rootless) || { fail "crun spec --rootless"; finish; }
hugetlb=$(grep -ow hugetlb "$V2$(pid_cgroup $$ unified)/cgroup.controllers")
python3 - "$B" "$hugetlb" "$T_TAG" <<'PY'
import json, sys
b, hugetlb, tag = sys.argv[1], sys.argv[2], sys.argv[3]
base = json.load(open(b + "/config.json"))
base["process"]["terminal"] = False
base["root"]["path"] = b + "/rootfs"
# crun runs inside the login's own user namespace already (see above): no second one.
base["linux"]["namespaces"] = [n for n in base["linux"]["namespaces"] if n["type"] != "user"]
base["linux"].pop("uidMappings", None)
base["linux"].pop("gidMappings", None)

# Each container waits until the test lets it end; the tag lets the test find it.
v2 = json.loads(json.dumps(base))
v2["process"]["args"] = ["sh", "-c", "while ! test -e /tmp/release-v2; do sleep 0.1; done", tag + "-v2"]
v2["linux"]["cgroupsPath"] = "@V2CG@"
v2["linux"]["resources"] = {"unified": {"cgroup.max.descendants": "2"}}
if hugetlb:
    v2["linux"]["resources"]["hugepageLimits"] = [{"pageSize": "2MB", "limit": 4194304}]
json.dump(v2, open(b + "/v2/config.json.in", "w"), indent=1)

# This one tries to start 20 processes under a limit of 8: a subshell forks them, noting how many
# it got, and dies at the first refused fork; then pid 1 kills the rest and waits.
pids = json.loads(json.dumps(base))
pids["process"]["args"] = ["sh", "-c",
    "(n=0; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do"
    " sleep 600 & n=$((n+1)); echo $n >/tmp/started; done) 2>/dev/null;"
    " kill -9 -1; while ! test -e /tmp/release-pids; do sleep 0.1; done", tag + "-pids"]
pids["root"]["readonly"] = False  # for /tmp/started
pids["linux"]["cgroupsPath"] = "@PIDSCG@"
pids["linux"]["resources"] = {"pids": {"limit": 8}}
pids["mounts"] = [m for m in pids["mounts"] if m["destination"] != "/sys/fs/cgroup"]
json.dump(pids, open(b + "/pids/config.json.in", "w"), indent=1)
PY
rm "$B/config.json"
chown -R "$U1:$(id -g cgmtest1)" "$B"

# The login.  cgroupsPath is a child of the user's cgroup (the parent of its session), on v2
# and on v1 pids, each as that hierarchy names it.
ssh_as cgmtest1 "
	me=\$(awk -F: '\$1 == \"0\" {print \$3}' /proc/self/cgroup)
	user=\${me%/*}
	me_pids=\$(awk -F: '\$2 == \"pids\" {print \$3}' /proc/self/cgroup)
	user_pids=\${me_pids%/*}
	echo \"session \$me\"
	sed \"s|@V2CG@|\$user/cgmtest-ctr|\" $B/v2/config.json.in >$B/v2/config.json
	sed \"s|@PIDSCG@|\$user_pids/cgmtest-ctr|\" $B/pids/config.json.in >$B/pids/config.json
	echo \"plain-crun \$(crun --root $B/state --cgroup-manager=cgroupfs run --bundle $B/v2 cgmtest-plain 2>&1)\"
	unshare -U -r -m sh -c 'mount --bind $V2 /sys/fs/cgroup &&
		exec crun --root $B/state --cgroup-manager=cgroupfs run --bundle $B/v2 cgmtest-ctr'
	echo \"crun-v2-exit \$?\"
	test -d \"$V2\$user/cgmtest-ctr\" && echo v2-left || echo v2-gone
	unshare -U -r -m sh -c 'mount -n --bind $PIDS_V1 $B/pidsmnt && mount -n -t tmpfs cgmtest-cgroup /sys/fs/cgroup &&
		mkdir /sys/fs/cgroup/pids && mount -n --move $B/pidsmnt /sys/fs/cgroup/pids &&
		exec crun --root $B/state --cgroup-manager=cgroupfs run --bundle $B/pids cgmtest-ctr' 2>$B/pids.err
	echo \"crun-pids-exit \$?\"
	test -d \"$PIDS_V1\$user_pids/cgmtest-ctr\" && echo pids-left || echo pids-gone
" >"$T_DIR/ssh.out" 2>&1 &
ssh_pid=$!
register_pid $ssh_pid

# find_container SUFFIX: the host pid of the container's busybox sh carrying the test's tag
# and SUFFIX on its command line (found independently of any cgroup file).
find_container() {
	for _ in $(seq 1 100); do
		for f in $(grep -lsaF -- "$T_TAG-$1" /proc/[0-9]*/cmdline); do
			p=${f#/proc/}; p=${p%/cmdline}
			case $(readlink "/proc/$p/exe") in */busybox) echo "$p"; return 0 ;; esac
		done
		sleep 0.1
	done
}

say "# crun seeing the unified hierarchy alone"
ctr=$(find_container v2)
check "the container runs (host pid $ctr)" test -n "$ctr"
user_v2=$(pid_cgroup $$ unified)/$PAM_BASE/cgmtest1
check "the login was placed in its session below the sandbox" \
	grep -q "^session $user_v2/[0-9]*\$" "$T_DIR/ssh.out"
check "crun alone refuses this hybrid host (a controller on v2)" \
	grep -q "^plain-crun .*hybrid mode not supported" "$T_DIR/ssh.out"
d=$V2$user_v2/cgmtest-ctr
if [ -n "$ctr" ]; then
	check_eq "its process is in cgroupsPath, inside the user's delegated cgroup on v2" \
		"$(pid_cgroup "$ctr" unified)" "$user_v2/cgmtest-ctr"
	check_eq "the cgroup is the user's (crun made it unprivileged)" "$(stat -c %u:%g "$d")" \
		"$U1:$(id -g cgmtest1)"
	check_eq "it runs as cgmtest1 on the host" "$(awk '/^Uid:/ {print $2}' /proc/"$ctr"/status)" "$U1"
	check_eq "the runtime set the limit (cgroup.max.descendants)" "$(cat "$d/cgroup.max.descendants")" 2
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
	check "v1 controllers are out of this view: no pids.max in the v2 cgroup" test ! -e "$d/pids.max"
fi
touch "$B/rootfs/tmp/release-v2"
for _ in $(seq 1 100); do grep -q "^v2-" "$T_DIR/ssh.out" && break; sleep 0.1; done
check "crun run returns 0 when the container exits" grep -qx "crun-v2-exit 0" "$T_DIR/ssh.out"
check "the runtime removed the container's cgroup" grep -qx v2-gone "$T_DIR/ssh.out"
check "... as the host sees it" test ! -d "$d"

say "# crun seeing the v1 pids hierarchy alone"
ctr=$(find_container pids)
check "the container runs (host pid $ctr)" test -n "$ctr"
user_pids=$(pid_cgroup $$ pids)/$PAM_BASE/cgmtest1
d=$PIDS_V1$user_pids/cgmtest-ctr
if [ -n "$ctr" ]; then
	check_eq "its process is in cgroupsPath, inside the user's delegated cgroup on v1 pids" \
		"$(pid_cgroup "$ctr" pids)" "$user_pids/cgmtest-ctr"
	check_eq "... and on v2 it stays in the session (crun saw no v2)" "$(pid_cgroup "$ctr" unified)" \
		"$(sed -n 's/^session //p' "$T_DIR/ssh.out")"
	check_eq "the runtime set pids.max" "$(cat "$d/pids.max")" 8
	for _ in $(seq 1 100); do [ -s "$B/rootfs/tmp/started" ] && break; sleep 0.1; done
	started=$(cat "$B/rootfs/tmp/started" 2>/dev/null)
	check "the kernel enforces it: of 20 processes the container tried, fewer started ($started)" \
		test "${started:-20}" -lt 20
	check "... and counted the refusals (pids.events)" sh -c "awk '\$1 == \"max\" && \$2 > 0' '$d/pids.events' | grep -q ."
fi
touch "$B/rootfs/tmp/release-pids"
wait $ssh_pid
check_eq "the login ends" "$?" 0
check "crun run returns 0 when the container exits" grep -qx "crun-pids-exit 0" "$T_DIR/ssh.out"
check "the runtime removed the container's cgroup" grep -qx pids-gone "$T_DIR/ssh.out"
check "... as the host sees it" test ! -d "$d"
check "after logout the session is gone" wait_gone "$(user_cg_dir unified cgmtest1)/$(sed -n 's|^session .*/||p' "$T_DIR/ssh.out")"
[ "$T_FAIL" -eq 0 ] || { say "--- ssh output"; cat "$T_DIR/ssh.out" "$B/pids.err"; say "--- sshd log"; cat "$T_DIR/sshd.log"; }
finish
