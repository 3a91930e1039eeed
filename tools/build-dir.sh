# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by tools/run-tests.sh and tools/demo.sh.
#
# build_dir_for DIR: prints DIR, or, when the test users could not reach it
# (a clone under /root, mode 0700), a directory below /var/tmp/cgm-build
# named after DIR: the tests and the demo run our programs as those users.
build_dir_for() {
	if [ "$(id -u)" != 0 ] ||
		setpriv --reuid=65534 --regid=65534 --clear-groups -- test -x "$(dirname "$1")" 2>/dev/null; then
		printf '%s\n' "$1"
		return
	fi
	alt=/var/tmp/cgm-build/$(printf '%s' "$1" | sed 's|^/||; s|/|-|g')
	mkdir -p -m 0755 /var/tmp/cgm-build
	chmod 0755 /var/tmp/cgm-build
	echo "note: the test users cannot reach $1, so the build goes to $alt" >&2
	printf '%s\n' "$alt"
}
