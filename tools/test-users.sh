#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Creates (or, with "remove", deletes) the users the test suite runs as:
# cgmtest1..3, and group cgmtestgrp with cgmtest1 and cgmtest2 as
# supplementary members.  Idempotent; needs root.
set -eu
users="cgmtest1 cgmtest2 cgmtest3"
case ${1:-create} in
create)
	getent group cgmtestgrp >/dev/null || groupadd cgmtestgrp
	for u in $users; do
		id -u "$u" >/dev/null 2>&1 || useradd --create-home --shell /bin/sh "$u"
	done
	usermod -a -G cgmtestgrp cgmtest1
	usermod -a -G cgmtestgrp cgmtest2
	;;
remove)
	for u in $users; do id -u "$u" >/dev/null 2>&1 && userdel --remove "$u" 2>/dev/null || true; done
	getent group cgmtestgrp >/dev/null && groupdel cgmtestgrp || true
	;;
*)
	echo "usage: $0 [create|remove]" >&2
	exit 2
	;;
esac
