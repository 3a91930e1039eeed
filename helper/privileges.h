/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's privileges: a fixed list of the capabilities it needs to do
 * cgroupfs work on behalf of others; everything else is dropped at start,
 * from the bounding set too.
 */
#pragma once

#include "failure.h"

/* Keeps only the needed capabilities (permitted, effective, bounding); clears inheritable and ambient. */
int privileges_drop(struct failure *err);
