# SPDX-License-Identifier: LGPL-2.1-or-later
# libcgm: hidden visibility, explicit export list, versioned soname.
lib_LTLIBRARIES += lib/libcgm.la
include_HEADERS += lib/cgm.h
pkgconfig_DATA += lib/libcgm.pc
lib_libcgm_la_SOURCES = lib/internal.h lib/error.c lib/connection.c lib/methods.c lib/status.c
lib_libcgm_la_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
lib_libcgm_la_LIBADD = $(DBUS_LIBS)
lib_libcgm_la_LDFLAGS = -version-info 0:0:0 -Wl,--version-script=$(top_srcdir)/lib/libcgm.sym -Wl,--no-undefined
EXTRA_lib_libcgm_la_DEPENDENCIES = lib/libcgm.sym
EXTRA_DIST += lib/libcgm.sym
dist_man_MANS += doc/libcgm.3
