# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of pam_cgm (see tests/local.mk): unit tests of its parsers, and
# integration tests that drive the real libpam and a real sshd against a
# real cgmd.  pam-probe opens a PAM session from a generated service file;
# tools/demo.sh uses it too, so a plain `make` builds it.
check_PROGRAMS += tests/unit/test-pam-args tests/unit/test-pam-conf
TESTS += tests/unit/test-pam-args tests/unit/test-pam-conf
tests_unit_test_pam_args_SOURCES = tests/unit/test-pam-args.c
tests_unit_test_pam_args_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/pam_cgm
tests_unit_test_pam_args_LDADD = pam_cgm/libpcg.la
tests_unit_test_pam_conf_SOURCES = tests/unit/test-pam-conf.c
tests_unit_test_pam_conf_CPPFLAGS = $(TEST_CPPFLAGS) -I$(top_srcdir)/pam_cgm
tests_unit_test_pam_conf_LDADD = common/libcgmconf.la

noinst_PROGRAMS += tests/pam-probe
tests_pam_probe_SOURCES = tests/pam-probe.c
tests_pam_probe_LDADD = $(PAM_LIBS)

TESTS += tests/integration/pam-nodaemon.sh
EXTRA_DIST += tests/pam-probe.c tests/integration/pam-common.sh tests/integration/pam-nodaemon.sh
TESTS += tests/integration/pam-session.sh tests/integration/pam-sshd.sh
EXTRA_DIST += tests/integration/pam-session.sh tests/integration/pam-sshd.sh
EXTRA_DIST += tools/demo.sh
