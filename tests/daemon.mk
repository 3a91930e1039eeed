# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of the daemon (see tests/local.mk): the dispatch table against the
# introspection XML, and the daemon itself on the real kernel over real D-Bus.
check_PROGRAMS += tests/unit/test-daemon-table
TESTS += tests/unit/test-daemon-table
tests_unit_test_daemon_table_SOURCES = tests/unit/test-daemon-table.c
tests_unit_test_daemon_table_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_daemon_table_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_unit_test_daemon_table_LDADD = helper/libcgmd.la

check_PROGRAMS += tests/unit/test-daemon-dispatch
TESTS += tests/unit/test-daemon-dispatch
tests_unit_test_daemon_dispatch_SOURCES = tests/unit/test-daemon-dispatch.c
tests_unit_test_daemon_dispatch_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_daemon_dispatch_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_unit_test_daemon_dispatch_LDADD = helper/libcgmd.la

# A small client for the integration tests: passes pidfds, which dbus-send and busctl cannot.
check_PROGRAMS += tests/unit/test-daemon-fdcall
tests_unit_test_daemon_fdcall_SOURCES = tests/unit/test-daemon-fdcall.c
tests_unit_test_daemon_fdcall_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_unit_test_daemon_fdcall_LDADD = $(DBUS_LIBS)

DAEMON_TESTS = \
	tests/integration/daemon-lifecycle.sh \
	tests/integration/daemon-methods.sh \
	tests/integration/daemon-permissions.sh \
	tests/integration/daemon-hostile.sh \
	tests/integration/daemon-conf.sh \
	tests/integration/daemon-status.sh \
	tests/integration/daemon-root.sh \
	tests/integration/daemon-bus.sh \
	tests/integration/daemon-syslog.sh
TESTS += $(DAEMON_TESTS)
EXTRA_DIST += $(DAEMON_TESTS) tests/integration/daemon-common.sh tests/integration/private-bus.conf
