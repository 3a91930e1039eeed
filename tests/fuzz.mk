# SPDX-License-Identifier: LGPL-2.1-or-later
# libFuzzer targets (tests/fuzz/, run by tests/fuzz/run-fuzzers.sh).  They
# need clang whatever CC configure chose, so they are compiled here by
# $(FUZZ_CC) straight from the sources, outside automake's objects, and
# only by `make fuzz`: plain `make` and `make check` never build them.
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -pthread -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CPPFLAGS = -include $(top_builddir)/config.h -I$(top_builddir) -I$(top_srcdir)/lib -I$(top_srcdir)/common -I$(top_srcdir)/helper \
	-I$(top_srcdir)/pam_cgm $(DBUS_CFLAGS) $(CAP_CFLAGS)
# The daemon's modules as helper/local.mk lists them for libcgmd.la.
FUZZ_DAEMON_SRC = $(top_srcdir)/helper/failure.c $(top_srcdir)/helper/fds.c $(top_srcdir)/helper/log.c $(top_srcdir)/helper/hierarchy.c \
	$(top_srcdir)/helper/cgroup.c $(top_srcdir)/helper/cgroup-v1.c $(top_srcdir)/helper/cgroup-v2.c \
	$(top_srcdir)/helper/caller.c $(top_srcdir)/helper/policy.c $(top_srcdir)/helper/process.c \
	$(top_srcdir)/helper/cgpath.c $(top_srcdir)/helper/privileges.c $(top_srcdir)/helper/server.c \
	$(top_srcdir)/helper/methods.c $(top_srcdir)/helper/user-limits.c $(top_srcdir)/helper/status.c \
	$(top_srcdir)/helper/bus.c $(top_srcdir)/helper/scm.c $(top_srcdir)/helper/workers.c $(top_srcdir)/helper/watches.c \
	$(top_srcdir)/common/cgmconf.c
FUZZ_PAM_SRC = $(top_srcdir)/pam_cgm/args.c $(top_srcdir)/common/cgmconf.c
FUZZ_TARGETS = tests/fuzz/fuzz-cgpath tests/fuzz/fuzz-dispatch tests/fuzz/fuzz-pam-args tests/fuzz/fuzz-pam-conf
FUZZ_LINK = $(MKDIR_P) tests/fuzz && $(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_CPPFLAGS) -o $@

fuzz: $(FUZZ_TARGETS)

tests/fuzz/fuzz-cgpath: $(top_srcdir)/tests/fuzz/fuzz-cgpath.c $(FUZZ_DAEMON_SRC) helper/interfaces.h
	$(AM_V_CC)$(FUZZ_LINK) $(top_srcdir)/tests/fuzz/fuzz-cgpath.c $(FUZZ_DAEMON_SRC) $(DBUS_LIBS) $(CAP_LIBS)
tests/fuzz/fuzz-dispatch: $(top_srcdir)/tests/fuzz/fuzz-dispatch.c $(FUZZ_DAEMON_SRC) helper/interfaces.h
	$(AM_V_CC)$(FUZZ_LINK) $(top_srcdir)/tests/fuzz/fuzz-dispatch.c $(FUZZ_DAEMON_SRC) $(DBUS_LIBS) $(CAP_LIBS)
tests/fuzz/fuzz-pam-args: $(top_srcdir)/tests/fuzz/fuzz-pam-args.c $(FUZZ_PAM_SRC)
	$(AM_V_CC)$(FUZZ_LINK) $(top_srcdir)/tests/fuzz/fuzz-pam-args.c $(FUZZ_PAM_SRC)
tests/fuzz/fuzz-pam-conf: $(top_srcdir)/tests/fuzz/fuzz-pam-conf.c $(FUZZ_PAM_SRC)
	$(AM_V_CC)$(FUZZ_LINK) $(top_srcdir)/tests/fuzz/fuzz-pam-conf.c $(FUZZ_PAM_SRC)

CLEANFILES += $(FUZZ_TARGETS)
# The whole directories: the targets' sources, the script and every corpus file.
EXTRA_DIST += tests/fuzz tests/security
.PHONY: fuzz
