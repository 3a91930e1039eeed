# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_cgm.so: a libtool module exporting only pam_sm_*.  Its pure part
# (arguments) sits in a convenience library the unit tests link; the
# cgm.conf reader is the daemon's too (common/).
noinst_LTLIBRARIES += pam_cgm/libpcg.la
pam_cgm_libpcg_la_SOURCES = pam_cgm/args.c pam_cgm/args.h

pammod_LTLIBRARIES += pam_cgm/pam_cgm.la
pam_cgm_pam_cgm_la_SOURCES = pam_cgm/pam_cgm.c
pam_cgm_pam_cgm_la_LIBADD = pam_cgm/libpcg.la common/libcgmconf.la lib/libcgm.la $(PAM_LIBS)
pam_cgm_pam_cgm_la_LDFLAGS = -module -avoid-version -shared \
	-Wl,--version-script=$(top_srcdir)/pam_cgm/pam_cgm.sym -Wl,--no-undefined
EXTRA_pam_cgm_pam_cgm_la_DEPENDENCIES = pam_cgm/pam_cgm.sym
EXTRA_DIST += pam_cgm/pam_cgm.sym

dist_man_MANS += doc/pam_cgm.8 doc/cgm.conf.5
