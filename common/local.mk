# SPDX-License-Identifier: LGPL-2.1-or-later
# Code shared by the daemon and pam_cgm: the cgm.conf(5) reader.  A
# convenience library linked into both (and the unit tests and fuzzers).
noinst_LTLIBRARIES += common/libcgmconf.la
common_libcgmconf_la_SOURCES = common/cgmconf.c common/cgmconf.h
