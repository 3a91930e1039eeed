/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `cgm tree`: a cgroup and its descendants, with owners and task counts. */
#pragma once

#include <stdbool.h>

#include "cgm.h"

/* Returns 0, or the CGM_E* error of reading the top cgroup (descendants that fail are shown as unknown). */
int tree_show(struct cgm *conn, const char *c, const char *cg, bool json);
