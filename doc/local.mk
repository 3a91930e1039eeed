# SPDX-License-Identifier: LGPL-2.1-or-later
# Man pages, written directly in roff; doc/packaging.md on packages and services,
# doc/containers.md on container runtimes.
dist_man_MANS +=
EXTRA_DIST += doc/packaging.md doc/containers.md
