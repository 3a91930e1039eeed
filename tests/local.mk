# SPDX-License-Identifier: LGPL-2.1-or-later
# The shared test harness; each part keeps its own tests in its own .mk.
EXTRA_DIST += tests/tap.h tests/harness.sh tests/check-exports.sh

TESTS += tests/integration/harness-selftest.sh tests/integration/unit-as-user.sh
EXTRA_DIST += tests/integration/harness-selftest.sh tests/integration/unit-as-user.sh

# Unit tests link the daemon's modules from this convenience library.
TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/helper -I$(top_srcdir)/tests

check_PROGRAMS += tests/unit/test-failure
TESTS += tests/unit/test-failure
tests_unit_test_failure_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_failure_LDADD = helper/libcgmd.la

check_PROGRAMS += tests/unit/test-fds
TESTS += tests/unit/test-fds
tests_unit_test_fds_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_fds_LDADD = helper/libcgmd.la

check_PROGRAMS += tests/unit/test-watches
TESTS += tests/unit/test-watches
tests_unit_test_watches_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_watches_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_unit_test_watches_LDADD = helper/libcgmd.la

check_PROGRAMS += tests/unit/test-workers
TESTS += tests/unit/test-workers
tests_unit_test_workers_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_workers_CFLAGS = $(AM_CFLAGS) -pthread
tests_unit_test_workers_LDADD = helper/libcgmd.la -lpthread

include tests/cgroup.mk
include tests/policy.mk
include tests/daemon.mk
include tests/client.mk
include tests/pam.mk
include tests/fuzz.mk
include tests/vm.mk
include tests/reliability.mk
include tests/containers.mk
include tests/packaging.mk
