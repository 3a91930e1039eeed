# SPDX-License-Identifier: LGPL-2.1-or-later
# cgm, the command-line client.  It only calls libcgm.  Argument parsing is
# a library of its own so that the unit tests can link it alone.
bin_PROGRAMS += cli/cgm
noinst_LTLIBRARIES += cli/libcgmargs.la
cli_libcgmargs_la_SOURCES = cli/args.c cli/args.h
cli_cgm_SOURCES = cli/cgm.c cli/output.c cli/output.h cli/tree.c cli/tree.h
cli_cgm_LDADD = cli/libcgmargs.la lib/libcgm.la
dist_man_MANS += doc/cgm.1
