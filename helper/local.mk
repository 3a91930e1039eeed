# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd, the daemon.  Everything but main.c also goes into a convenience
# library so that unit tests can link the pure modules directly.
sbin_PROGRAMS += helper/cgmd

noinst_LTLIBRARIES += helper/libcgmd.la
helper_libcgmd_la_SOURCES = \
	helper/failure.c helper/failure.h
helper_libcgmd_la_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(CAP_CFLAGS)
helper_libcgmd_la_LIBADD = $(DBUS_LIBS) $(CAP_LIBS)

helper_cgmd_SOURCES = helper/main.c
helper_cgmd_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(CAP_CFLAGS)
helper_cgmd_LDADD = helper/libcgmd.la

dist_dbusinterfaces_DATA += \
	helper/org.linuxcontainers.cgmanager0_0.xml \
	helper/org.cgm.Manager1.xml
