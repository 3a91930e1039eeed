# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests for containers and proxies (see tests/local.mk): the …Scm methods
# (test-scm without a socket; scm-methods.sh through scm-client, a real
# client doing the socketpair exchange against a real cgmd).
check_PROGRAMS += tests/unit/test-scm
TESTS += tests/unit/test-scm
tests_unit_test_scm_SOURCES = tests/unit/test-scm.c tests/tap.h
tests_unit_test_scm_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_scm_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_unit_test_scm_LDADD = helper/libcgmd.la

# Not a test by itself: the client the integration tests drive.
check_PROGRAMS += tests/scm-client
tests_scm_client_SOURCES = tests/scm-client.c
tests_scm_client_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_scm_client_LDADD = $(DBUS_LIBS)

CONTAINER_TESTS = \
	tests/integration/scm-methods.sh \
	tests/integration/container-unpriv.sh \
	tests/integration/crun-rootless.sh
TESTS += $(CONTAINER_TESTS)
EXTRA_DIST += $(CONTAINER_TESTS)
