# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of libcgm and cgm (see tests/local.mk).  test-lib checks what needs
# no daemon (connect faults, fixed texts); everything else runs against a
# real cgmd in a sandbox cgroup (root; the scripts skip otherwise):
# lib-calls.sh drives test-lib-calls, the cli-*.sh scripts drive cgm.
check_PROGRAMS += tests/unit/test-lib
TESTS += tests/unit/test-lib
tests_unit_test_lib_SOURCES = tests/unit/test-lib.c tests/tap.h
tests_unit_test_lib_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_lib_LDADD = lib/libcgm.la

check_PROGRAMS += tests/unit/test-lib-calls
tests_unit_test_lib_calls_SOURCES = tests/unit/test-lib-calls.c tests/tap.h
tests_unit_test_lib_calls_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests
tests_unit_test_lib_calls_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_unit_test_lib_calls_LDADD = lib/libcgm.la $(DBUS_LIBS)

check_PROGRAMS += tests/unit/test-cli-args
TESTS += tests/unit/test-cli-args
tests_unit_test_cli_args_SOURCES = tests/unit/test-cli-args.c tests/tap.h
tests_unit_test_cli_args_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/cli
tests_unit_test_cli_args_LDADD = cli/libcgmargs.la

# The example test builds the libcgm(3) example with the compiler and flags of this build.
CLIENT_TESTS = \
	tests/integration/lib-calls.sh \
	tests/integration/cli-root.sh \
	tests/integration/cli-user.sh \
	tests/integration/cli-output.sh \
	tests/integration/cli-example.sh
TESTS += $(CLIENT_TESTS)
EXTRA_DIST += $(CLIENT_TESTS) tests/integration/cli-common.sh
AM_TESTS_ENVIRONMENT += CGM_TEST_CC='$(CC)'; export CGM_TEST_CC; CGM_TEST_CFLAGS='$(CFLAGS)'; export CGM_TEST_CFLAGS;
