# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests of this part (see tests/local.mk).
