#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# fetch-pam-cgfs.sh DIR: unpacks Debian's libpam-cgfs into DIR and prints
# the path of its pam_cgfs.so (nothing, exit 1, when it cannot be had).
# Never installs the package: installing it would add pam_cgfs to
# common-session for every login on the machine.  The benchmark loads the
# module only from its own PAM service file.
set -u
dir=$1
so=$(find "$dir" -name pam_cgfs.so 2>/dev/null | head -n 1)
if [ -z "$so" ]; then
	mkdir -p "$dir/deb" || exit 1
	# apt drops privileges to _apt for downloads; it must be able to write there.
	chmod 777 "$dir/deb"
	(cd "$dir/deb" && apt-get download -q libpam-cgfs >/dev/null 2>&1) ||
		{ echo "fetch-pam-cgfs: apt-get download libpam-cgfs failed" >&2; exit 1; }
	dpkg-deb -x "$dir"/deb/libpam-cgfs_*.deb "$dir/root" || exit 1
	so=$(find "$dir/root" -name pam_cgfs.so | head -n 1)
fi
[ -n "$so" ] || exit 1
printf '%s\n' "$so"
