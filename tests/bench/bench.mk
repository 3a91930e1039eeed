# SPDX-License-Identifier: LGPL-2.1-or-later
# The benchmarks (tests/bench/, BENCHMARKS.md): `make bench` builds and runs
# them as root; extra arguments in BENCH_ARGS (e.g. BENCH_ARGS="--quick
# --json bench.json").  Built by `make check` so that it keeps compiling,
# never run by it.
check_PROGRAMS += tests/bench/cgm-bench
tests_bench_cgm_bench_SOURCES = tests/bench/bench.h tests/bench/bench.c tests/bench/login.c \
	tests/bench/request.c tests/bench/throughput.c tests/bench/scale.c tests/bench/memory.c \
	tests/bench/machine.c
tests_bench_cgm_bench_CFLAGS = $(AM_CFLAGS) $(DBUS_CFLAGS)
tests_bench_cgm_bench_LDADD = lib/libcgm.la $(DBUS_LIBS) $(PAM_LIBS)
EXTRA_DIST += tests/bench/run-bench.sh tests/bench/fetch-pam-cgfs.sh BENCHMARKS.md

bench: tests/bench/cgm-bench$(EXEEXT) helper/cgmd$(EXEEXT) pam_cgm/pam_cgm.la
	top_builddir='$(abs_top_builddir)' top_srcdir='$(abs_top_srcdir)' \
		$(SHELL) $(top_srcdir)/tests/bench/run-bench.sh $(BENCH_ARGS)

# pam_cgfs unpacked by fetch-pam-cgfs.sh is kept across runs until `make clean`.
clean-local: clean-bench
clean-bench:
	rm -rf tests/bench/pam-cgfs

.PHONY: bench clean-bench
