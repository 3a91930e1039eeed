# SPDX-License-Identifier: LGPL-2.1-or-later
# `make check-packaging`: the Debian packages built, installed, run under
# their service scripts, logged into and purged (tests/packaging/).  Not
# part of `make check`: it installs into the real system and uses the real
# /run/cgm/sock.  Exit 77 (skip) counts as success here.
EXTRA_DIST += tests/packaging/debian-packages.sh tests/packaging/openrc-ns.sh

check-packaging: all
	@top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
		$(SHELL) $(top_srcdir)/tests/packaging/debian-packages.sh; \
	rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 77 ]

.PHONY: check-packaging
