# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of the cgroup layer (helper/hierarchy.c, helper/cgroup*.c) against
# the real kernel: root only, they skip otherwise (see tests/local.mk).
check_PROGRAMS += tests/unit/test-cgroup
TESTS += tests/unit/test-cgroup
tests_unit_test_cgroup_SOURCES = tests/unit/test-cgroup.c
tests_unit_test_cgroup_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_cgroup_LDADD = helper/libcgmd.la
