#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run by debian-packages.sh inside `unshare -m --propagation private` (not
# a test itself): Debian's OpenRC, unpacked into ROOT and never installed,
# runs the installed OpenRC script against the installed cgmd as if OpenRC
# had booted this machine, in a mount namespace of its own so the host
# sees none of it:
#   - cgroupfs is read-only here, and rc_sys="prefix" keeps openrc-run's own
#     cgroup handling off: OpenRC never moves or creates a cgroup (cgmd
#     mounts fresh hierarchies of its own, which are writable);
#   - /usr/lib, /usr/sbin and /etc get OpenRC's files from ROOT and DIR/etc
#     as extra read-only layers; /etc/init.d holds only the cgm script;
#   - /run is a writable overlay whose changes (OpenRC's state, cgmd's
#     socket and pidfile) land in DIR/run-upper.
# Each step's exit status goes to DIR/<step>.rc, output to DIR/openrc.log.
#
#   openrc-ns.sh ROOT DIR
set -u
root=$1 dir=$2
log=$dir/openrc.log

# step NAME CMD...: runs CMD, records its status in DIR/NAME.rc.
step() {
	name=$1; shift
	echo "+ $*" >>"$log"
	"$@" >>"$log" 2>&1
	echo $? >"$dir/$name.rc"
}

for m in $(awk '{ for (i = 7; $i != "-"; i++) ; if ($(i + 1) ~ /^cgroup2?$/) print $5 }' /proc/self/mountinfo); do
	mount -o remount,bind,ro "$m" || { echo "cannot make $m read-only" >>"$log"; exit 1; }
done
mkdir -p "$dir/run-upper" "$dir/run-work" "$dir/initd" || exit 1
mount -t overlay cgmtest-openrc -o "lowerdir=$root/lib:/usr/lib" /usr/lib &&
	mount -t overlay cgmtest-openrc -o "lowerdir=$root/sbin:/usr/sbin" /usr/sbin &&
	mount -t overlay cgmtest-openrc -o "lowerdir=$dir/etc:/etc" /etc &&
	mount --bind "$dir/initd" /etc/init.d &&
	mount -t overlay cgmtest-openrc -o "lowerdir=/run,upperdir=$dir/run-upper,workdir=$dir/run-work" /run ||
	{ echo "mounts failed" >>"$log"; exit 1; }
# What `openrc sysinit` would have left.
for d in daemons exclusive failed hotplugged inactive options scheduled started starting stopping tmp wasinactive; do
	mkdir -p "/run/openrc/$d"
done
echo default >/run/openrc/softlevel

reloads() { /usr/bin/cgm status | sed -n 's/^reloads: //p'; }

step start /etc/init.d/cgm --nodeps start
cat /run/cgm/cgmd.pid >"$dir/pid" 2>/dev/null && cat "/proc/$(cat "$dir/pid")/cgroup" >"$dir/daemon.cg"
step ping /usr/bin/cgm ping
step status-running /etc/init.d/cgm status
r0=$(reloads)
step reload /etc/init.d/cgm reload
for _ in $(seq 1 100); do [ "$(reloads)" = "$((r0 + 1))" ] && break; sleep 0.05; done
reloads >"$dir/reloads"
echo "$r0" >"$dir/reloads-before"
step stop /etc/init.d/cgm --nodeps stop
step status-stopped /etc/init.d/cgm status
exit 0
