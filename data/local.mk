# SPDX-License-Identifier: LGPL-2.1-or-later
# Service files for the init systems cgmd runs under, and the default
# cgm.conf.  `make install` installs the systemd unit (the one file whose
# place does not depend on the distribution's conventions); the sysvinit,
# OpenRC and runit scripts and cgm.conf are installed by distribution
# packages (debian/ does) or by hand, see doc/packaging.md.
EXTRA_DIST += \
	data/cgm.conf \
	data/sysvinit/cgm data/sysvinit/cgm.default \
	data/openrc/cgm data/openrc/cgm.confd \
	data/runit/run \
	data/systemd/cgm.service.in

if INSTALL_SYSTEMD_UNIT
systemdsystemunit_DATA = data/systemd/cgm.service
endif
CLEANFILES += data/systemd/cgm.service
data/systemd/cgm.service: $(top_srcdir)/data/systemd/cgm.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) data/systemd && \
		sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@cgmrundir[@]|$(cgmrundir)|g' \
			$(top_srcdir)/data/systemd/cgm.service.in >$@.tmp && mv $@.tmp $@
