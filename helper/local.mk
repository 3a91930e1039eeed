# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd, the daemon.  Everything but main.c also goes into a convenience
# library so that unit tests can link the modules directly.
sbin_PROGRAMS += helper/cgmd

noinst_LTLIBRARIES += helper/libcgmd.la
helper_libcgmd_la_SOURCES = \
	helper/failure.c helper/failure.h \
	helper/fds.c helper/fds.h \
	helper/log.c helper/log.h \
	helper/hierarchy.c helper/hierarchy.h \
	helper/cgroup.c helper/cgroup.h helper/cgroup-backend.h \
	helper/cgroup-v1.c helper/cgroup-v2.c \
	helper/caller.c helper/caller.h \
	helper/policy.c helper/policy.h \
	helper/process.c helper/process.h \
	helper/cgpath.c helper/cgpath.h \
	helper/privileges.c helper/privileges.h \
	helper/server.c helper/server.h helper/methods.c helper/methods.h \
	helper/daemon.h helper/user-limits.c helper/user-limits.h helper/status.c helper/status.h \
	helper/bus.c helper/bus.h \
	helper/scm.c helper/scm.h \
	helper/workers.c helper/workers.h \
	helper/watches.c helper/watches.h
helper_libcgmd_la_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(CAP_CFLAGS) -pthread
helper_libcgmd_la_LIBADD = common/libcgmconf.la $(DBUS_LIBS) $(CAP_LIBS) -lpthread

helper_cgmd_SOURCES = helper/main.c
helper_cgmd_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS) $(CAP_CFLAGS)
helper_cgmd_LDADD = helper/libcgmd.la

dist_dbusinterfaces_DATA += \
	helper/org.linuxcontainers.cgmanager0_0.xml \
	helper/org.cgm.Manager1.xml

# Introspect serves exactly the installed XML: its <interface> elements are
# embedded at build time as one C string (helper/interfaces.h).
BUILT_SOURCES = helper/interfaces.h
nodist_helper_libcgmd_la_SOURCES = helper/interfaces.h
CLEANFILES += helper/interfaces.h
helper/interfaces.h: $(top_srcdir)/helper/org.linuxcontainers.cgmanager0_0.xml $(top_srcdir)/helper/org.cgm.Manager1.xml
	$(AM_V_GEN)$(MKDIR_P) helper && { \
		echo '/* Generated from the introspection XML by helper/local.mk; do not edit. */'; \
		echo '#define INTROSPECT_INTERFACES \'; \
		sed -n '/<interface /,/<\/interface>/{s/\\/\\\\/g;s/"/\\"/g;s/^/"/;s/$$/\\n" \\/;p;}' $^; \
		echo '""'; \
	} >$@.tmp && mv $@.tmp $@

dist_man_MANS += doc/cgmd.8
