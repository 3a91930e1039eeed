/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.cgm.Manager1.Status: what `cgm status` shows, as one a{sv}
 * dictionary so that fields can be added without changing the signature.
 */
#pragma once

#include <dbus/dbus.h>

#include "daemon.h"
#include "failure.h"

/* Appends the a{sv} reply of Status describing `d` to `out`. */
int status_append(DBusMessageIter *out, const struct daemon_state *d, struct failure *err);
