# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of libcgm and cgm (see tests/local.mk).  The library and the
# command are first checked against a stand-in daemon (test-lib-mock), then
# the integration tests run them against a real cgmd.
check_PROGRAMS += tests/unit/test-lib-mock tests/unit/test-lib
TESTS += tests/unit/test-lib

tests_unit_test_lib_mock_SOURCES = tests/unit/test-lib-mock.c
tests_unit_test_lib_mock_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_unit_test_lib_mock_LDADD = $(DBUS_LIBS)

tests_unit_test_lib_SOURCES = tests/unit/test-lib.c tests/tap.h
tests_unit_test_lib_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_lib_LDADD = lib/libcgm.la

check_PROGRAMS += tests/unit/test-cli-args
TESTS += tests/unit/test-cli-args
tests_unit_test_cli_args_SOURCES = tests/unit/test-cli-args.c tests/tap.h
tests_unit_test_cli_args_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/cli
tests_unit_test_cli_args_LDADD = cli/libcgmargs.la

TESTS += tests/integration/cli-mock.sh
EXTRA_DIST += tests/integration/cli-mock.sh

# Against a real cgmd (root; they skip otherwise).  The example test builds
# the libcgm(3) example with the compiler and flags of this build.
TESTS += tests/integration/cli-root.sh tests/integration/cli-user.sh tests/integration/cli-example.sh
EXTRA_DIST += tests/integration/cli-root.sh tests/integration/cli-user.sh tests/integration/cli-example.sh
AM_TESTS_ENVIRONMENT += CGM_TEST_CC='$(CC)'; export CGM_TEST_CC; CGM_TEST_CFLAGS='$(CFLAGS)'; export CGM_TEST_CFLAGS;
