# SPDX-License-Identifier: LGPL-2.1-or-later
# The shared test harness; each part's local.mk adds its own tests.
EXTRA_DIST += tests/tap.h tests/harness.sh tests/check-exports.sh

TESTS += tests/integration/harness-selftest.sh
EXTRA_DIST += tests/integration/harness-selftest.sh
