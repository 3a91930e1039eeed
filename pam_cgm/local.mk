# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_cgm.so: a libtool module exporting only pam_sm_*.
pammod_LTLIBRARIES += pam_cgm/pam_cgm.la
pam_cgm_pam_cgm_la_SOURCES = pam_cgm/pam_cgm.c
pam_cgm_pam_cgm_la_LIBADD = lib/libcgm.la $(PAM_LIBS)
pam_cgm_pam_cgm_la_LDFLAGS = -module -avoid-version -shared \
	-Wl,--version-script=$(top_srcdir)/pam_cgm/pam_cgm.sym -Wl,--no-undefined
EXTRA_pam_cgm_pam_cgm_la_DEPENDENCIES = pam_cgm/pam_cgm.sym
EXTRA_DIST += pam_cgm/pam_cgm.sym
