# SPDX-License-Identifier: LGPL-2.1-or-later
# cgm, the command-line client.  It only calls libcgm.
bin_PROGRAMS += cli/cgm
cli_cgm_SOURCES = cli/cgm.c
cli_cgm_LDADD = lib/libcgm.la
