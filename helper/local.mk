# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd, the daemon.  Everything but main.c also goes into a convenience
# library so that unit tests can link the modules directly.
sbin_PROGRAMS += helper/cgmd

noinst_LTLIBRARIES += helper/libcgmd.la
helper_libcgmd_la_SOURCES = \
	helper/failure.c helper/failure.h \
	helper/log.c helper/log.h \
	helper/hierarchy.c helper/hierarchy.h \
	helper/cgroup.c helper/cgroup.h helper/cgroup-backend.h \
	helper/cgroup-v1.c helper/cgroup-v2.c \
	helper/caller.c helper/caller.h \
	helper/policy.c helper/policy.h \
	helper/cgpath.c helper/cgpath.h \
	helper/privileges.c helper/privileges.h \
	helper/server.c helper/methods.c
helper_libcgmd_la_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(CAP_CFLAGS)
helper_libcgmd_la_LIBADD = $(DBUS_LIBS) $(CAP_LIBS)

helper_cgmd_SOURCES = helper/main.c
helper_cgmd_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(CAP_CFLAGS)
helper_cgmd_LDADD = helper/libcgmd.la

dist_dbusinterfaces_DATA += \
	helper/org.linuxcontainers.cgmanager0_0.xml \
	helper/org.cgm.Manager1.xml
