# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault, load and memory-safety runs (issue 7; see tests/local.mk).  They
# are heavy, so plain `make check` leaves them out:
#   make check-reliability   the fault and load tests in tests/reliability/
#   make check-valgrind      the integration suite with cgmd under valgrind
# Each runs through automake's test driver with its own summary log.
check_PROGRAMS += tests/reliability/cgm-stress
tests_reliability_cgm_stress_SOURCES = tests/reliability/cgm-stress.c
tests_reliability_cgm_stress_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_reliability_cgm_stress_LDADD = lib/libcgm.la $(DBUS_LIBS)

RELIABILITY_TESTS = \
	tests/reliability/bad-clients.sh \
	tests/reliability/churn.sh \
	tests/reliability/kill-logins.sh \
	tests/reliability/many-connections.sh \
	tests/reliability/pid-reuse.sh \
	tests/reliability/ssh-logins.sh
EXTRA_DIST += $(RELIABILITY_TESTS)

# Light enough for every `make check`: the regression test of marks lost with a killed daemon.
TESTS += tests/reliability/restart-marks.sh
EXTRA_DIST += tests/reliability/restart-marks.sh

check-reliability:
	@$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(RELIABILITY_TESTS)" TEST_SUITE_LOG=reliability.log

# Every integration test of `make check`, with cgmd under valgrind memcheck
# (tests/harness.sh: CGM_VALGRIND); each daemon must stop with 0 errors and
# nothing definitely lost.
check-valgrind:
	@tests=`for t in $(TESTS); do case $$t in *.sh) echo $$t ;; esac; done`; \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$$tests" TEST_SUITE_LOG=valgrind.log \
		TESTS_ENVIRONMENT='CGM_VALGRIND=1; export CGM_VALGRIND;'

.PHONY: check-reliability check-valgrind
