# SPDX-License-Identifier: LGPL-2.1-or-later
# The pure cgroup v2 test (tests/vm/README): boots Debian's kernel under
# qemu with an initramfs holding what `make install` puts in $(VM_DESTDIR).
# Slow (software emulation), so `make check-vm`, never part of `make check`;
# a skip (exit 77: no qemu or no kernel package) is no failure.
VM_DESTDIR = $(abs_top_builddir)/tests/vm/destdir
EXTRA_DIST += tests/vm/README tests/vm/pure-v2.sh tests/vm/init tests/vm/lib.sh tests/vm/session.sh

check-vm: all
	rm -rf $(VM_DESTDIR)
	$(MAKE) $(AM_MAKEFLAGS) install DESTDIR=$(VM_DESTDIR) >/dev/null
	VM_DESTDIR='$(VM_DESTDIR)' bindir='$(bindir)' sbindir='$(sbindir)' pammoddir='$(pammoddir)' \
		libdir='$(libdir)' top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
		$(SHELL) $(top_srcdir)/tests/vm/pure-v2.sh || test $$? -eq 77

# The unpacked kernel (tests/vm/kernel) is kept across runs until `make clean`.
clean-local: clean-vm
clean-vm:
	rm -rf tests/vm/destdir tests/vm/kernel

.PHONY: check-vm clean-vm
