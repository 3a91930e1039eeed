#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The pure cgroup v2 test (`make check-vm`, see tests/vm/README): boots
# Debian's kernel under qemu (software emulation) with cgroup_no_v1=all
# and an initramfs made here from busybox-static, the installed cgm (make
# install DESTDIR=$VM_DESTDIR) and the shared libraries they use; its
# init (tests/vm/init) checks PAM sessions, cgm.conf limits and delegation
# there and prints TAP on the serial console, which this script reads.
# Exits 0 when every check passed, 77 when qemu, cpio, busybox-static or
# the kernel package cannot be had, else 1.  The last line is
# "N passed, N failed, N skipped".
#
# Environment: VM_DESTDIR, bindir, sbindir, pammoddir, libdir (from
# make); CGM_VM_KERNEL a vmlinuz to boot instead of Debian's;
# CGM_VM_CACHE where the kernel is kept (default tests/vm/kernel in the
# build tree); CGM_VM_TIMEOUT seconds before qemu is killed (default 600).
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CGM_VM_CACHE:=$top_builddir/tests/vm/kernel}"
: "${CGM_VM_TIMEOUT:=600}"
export LC_ALL=C
vmsrc=$top_srcdir/tests/vm
start=$(date +%s)
qemu_pid=
work=$(mktemp -d "${TMPDIR:-/tmp}/cgmtest-vm.XXXXXX") || exit 1
trap '[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

say() { printf 'vm: %s\n' "$*"; }
skip() { say "SKIP: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 77; }
die() { say "ERROR: $*"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

for c in qemu-system-x86_64 cpio busybox; do
	command -v $c >/dev/null 2>&1 || skip "needs $c (tools/install-deps.sh installs it)"
done
busybox=$(command -v busybox)
# A dynamic busybox would need its libraries too; busybox-static needs none.
ldd "$busybox" >/dev/null 2>&1 && skip "$busybox is not static (needs busybox-static)"
# shellcheck disable=SC2154 # make sets them
[ -n "${VM_DESTDIR:-}" ] && [ -n "${bindir:-}" ] && [ -n "${sbindir:-}" ] && [ -n "${pammoddir:-}" ] &&
	[ -n "${libdir:-}" ] || die "VM_DESTDIR, bindir, sbindir, pammoddir, libdir not set (run through make check-vm)"

# kernel: a vmlinuz from Debian's current linux-image-<version>-amd64,
# unpacked without installing the package (the host's boot stays as it is);
# no module is needed (serial console, initramfs, cgroups are built in).
kernel() {
	if [ -n "${CGM_VM_KERNEL:-}" ]; then
		echo "$CGM_VM_KERNEL"
		return
	fi
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	cached=$CGM_VM_CACHE/$pkg-$ver.vmlinuz
	if [ ! -s "$cached" ]; then
		mkdir -p "$CGM_VM_CACHE" "$work/deb" || return 1
		(cd "$work/deb" && apt-get download "$pkg=$ver") >"$work/apt.log" 2>&1 &&
			dpkg-deb --fsys-tarfile "$work"/deb/*.deb | tar -x -C "$work/deb" --wildcards './boot/vmlinuz-*' &&
			cp "$work"/deb/boot/vmlinuz-* "$cached.tmp" && mv "$cached.tmp" "$cached" || {
			sed 's/^/vm:   /' "$work/apt.log" >&2
			return 1
		}
		rm -rf "$work/deb"
	fi
	echo "$cached"
}
vmlinuz=$(kernel) && [ -s "$vmlinuz" ] || skip "cannot get Debian's linux-image-amd64 (apt-get download)"
say "kernel: $vmlinuz"

# The initramfs: the installed cgm, pam-probe, busybox, the tests, and
# every shared library (and the loader) ldd names for them.
root=$work/root
mkdir -p "$root" || die "mkdir $root"
cp -a "$VM_DESTDIR/." "$root/" || die "copying $VM_DESTDIR"
mkdir -p "$root/bin" "$root/vm" "$root/etc/pam.d" "$root/etc/security" "$root/home/cgmtest1" \
	"$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp" "$root/var"
cp "$busybox" "$root/bin/busybox" && ln -s busybox "$root/bin/sh" || die "copying busybox"
probe=$top_builddir/tests/pam-probe
[ -x "$probe" ] || die "$probe not built"
cp "$probe" "$root/vm/pam-probe" &&
	cp "$vmsrc/init" "$root/init" && cp "$vmsrc/lib.sh" "$vmsrc/session.sh" "$root/vm/" &&
	chmod 755 "$root/init" || die "copying the tests"
cat >"$root/vm/paths" <<PATHS
CGMD=$sbindir/cgmd
CGM=$bindir/cgm
PAM_MODULE=$pammoddir/pam_cgm.so
PATHS
printf 'root:x:0:0:root:/root:/bin/sh\ncgmtest1:x:2001:2001::/home/cgmtest1:/bin/sh\ncgmtest2:x:2002:2002::/:/bin/sh\n' \
	>"$root/etc/passwd"
printf 'root:x:0:\ncgmtest1:x:2001:\ncgmtest2:x:2002:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nshadow: files\n' >"$root/etc/nsswitch.conf"

elves="$root$sbindir/cgmd $root$bindir/cgm $root$pammoddir/pam_cgm.so $root/vm/pam-probe"
for f in $elves; do [ -f "$f" ] || die "$f not installed"; done
# shellcheck disable=SC2086
libs=$(LD_LIBRARY_PATH=$root$libdir ldd $elves | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
for lib in $libs; do
	case $lib in "$root"/*) continue ;; esac
	mkdir -p "$root${lib%/*}" && cp -L "$lib" "$root$lib" || die "copying $lib"
done
# The loader's cache, as after installing: libcgm in $libdir is found like the system's libraries.
echo "$libdir" >"$root/etc/ld.so.conf"
PATH=$PATH:/sbin:/usr/sbin ldconfig -r "$root" || die "ldconfig -r $root"
(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$work/initrd.gz" || die "cpio"
say "initramfs: $(du -k "$work/initrd.gz" | cut -f1) KiB, $(echo "$libs" | wc -l) libraries"

# Boot.  No KVM: plain emulation, so it runs on any x86-64 host (slowly).
console=$work/console
booted=$(date +%s)
qemu-system-x86_64 -accel tcg -m 512M -smp 2 -nodefaults -display none -no-reboot \
	-serial "file:$console" -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 cgroup_no_v1=all panic=-1 loglevel=1" </dev/null >"$work/qemu.log" 2>&1 &
qemu_pid=$!
timed_out=no
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ $(($(date +%s) - booted)) -ge "$CGM_VM_TIMEOUT" ]; then
		timed_out=yes
		kill "$qemu_pid"
		break
	fi
	sleep 1
done
wait "$qemu_pid"
qemu_status=$?
qemu_pid=
end=$(date +%s)

tr -d '\r' <"$console" >"$work/out"
if grep -q '^cgm-vm: booted' "$work/out"; then
	sed -n '/^cgm-vm: booted/,$p' "$work/out"
else
	cat "$work/out" "$work/qemu.log"
fi
passed=$(grep -c '^ok ' "$work/out")
failed=$(grep -c '^not ok ' "$work/out")
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$work/out")
status=0
if [ "$timed_out" = yes ]; then
	say "FAIL: killed qemu after $CGM_VM_TIMEOUT s"
	status=1
elif ! grep -q '^cgm-vm: done' "$work/out"; then
	say "FAIL: the VM stopped before the end of its tests (qemu exit $qemu_status)"
	status=1
elif [ "$plan" != $((passed + failed)) ]; then
	say "FAIL: planned ${plan:-no} checks, saw $((passed + failed))"
	status=1
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || status=1
[ $status -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
say "guest boot to init: $(sed -n 's/^cgm-vm: booted in \([0-9.]*\) s.*/\1/p' "$work/out") s (guest clock)," \
	"qemu run: $((end - booted)) s, whole test: $((end - start)) s"
echo "$passed passed, $failed failed, 0 skipped"
exit $status
