# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of the daemon's identity, permission and validation modules
# (caller.c, policy.c, cgpath.c, privileges.c; see tests/local.mk).  The
# caller and privileges tests need root and skip without it.
policy_tests = tests/unit/test-cgpath tests/unit/test-policy tests/unit/test-caller tests/unit/test-privileges
check_PROGRAMS += $(policy_tests)
TESTS += $(policy_tests)

tests_unit_test_cgpath_SOURCES = tests/unit/test-cgpath.c tests/tap.h
tests_unit_test_cgpath_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_cgpath_LDADD = helper/libcgmd.la

tests_unit_test_policy_SOURCES = tests/unit/test-policy.c tests/tap.h
tests_unit_test_policy_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_policy_LDADD = helper/libcgmd.la

tests_unit_test_caller_SOURCES = tests/unit/test-caller.c tests/tap.h
tests_unit_test_caller_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_caller_LDADD = helper/libcgmd.la

tests_unit_test_privileges_SOURCES = tests/unit/test-privileges.c tests/tap.h
tests_unit_test_privileges_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_privileges_CFLAGS = $(AM_CFLAGS) $(CAP_CFLAGS)
tests_unit_test_privileges_LDADD = helper/libcgmd.la $(CAP_LIBS)

# Against a real cgmd (needs root; skips otherwise).
TESTS += tests/integration/policy-identity.sh
EXTRA_DIST += tests/integration/policy-identity.sh
