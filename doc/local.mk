# SPDX-License-Identifier: LGPL-2.1-or-later
# Man pages, written directly in roff.
dist_man_MANS +=
