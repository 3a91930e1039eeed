# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of the daemon (see tests/local.mk): the dispatch table against the
# introspection XML, and the daemon itself on the real kernel over real D-Bus.
check_PROGRAMS += tests/unit/test-daemon-table
TESTS += tests/unit/test-daemon-table
tests_unit_test_daemon_table_SOURCES = tests/unit/test-daemon-table.c
tests_unit_test_daemon_table_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_daemon_table_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_unit_test_daemon_table_LDADD = helper/libcgmd.la

DAEMON_TESTS = \
	tests/integration/daemon-lifecycle.sh
TESTS += $(DAEMON_TESTS)
EXTRA_DIST += $(DAEMON_TESTS) tests/integration/daemon-common.sh
