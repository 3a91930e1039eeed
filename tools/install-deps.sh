#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs from the distribution archive everything needed to build and test
# cgm on Debian/Ubuntu.  Does nothing when all of it is already there.
set -eu

packages="autoconf automake libtool pkg-config make gcc clang
libdbus-1-dev libcap-dev libpam0g-dev dbus dbus-bin libpam-modules
pamtester openssh-server openssh-client passwd util-linux procps iproute2
valgrind clang-format systemd jq
qemu-system-x86 cpio busybox-static
debhelper dh-runit lintian crun"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
