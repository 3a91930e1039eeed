/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgmd --system-bus: the same object and interfaces served on the system
 * bus under a well-known name, next to the socket.  On a bus every caller
 * shares one connection, so who is asking comes, per message, from the bus
 * daemon (GetConnectionCredentials of the sender), which learnt it from the
 * kernel when the caller connected; every permission check then applies
 * exactly as on the socket.
 */
#pragma once

#include <dbus/dbus.h>

#include "caller.h"
#include "failure.h"

#define CGM_BUS_NAME "org.cgm.Manager1"

/*
 * Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS, else the standard
 * socket) and takes `name`, failing when another owner has it.  The
 * connection does not exit the process when the bus goes away.
 */
int bus_connect(const char *name, DBusConnection **ret, struct failure *err);

/*
 * The caller behind method call `msg` received on `bus`: uid, pid, groups
 * and, where the bus daemon provides it, the process's pidfd, from the bus
 * daemon; the rest from /proc as for a socket peer (caller_from_creds).
 * Without a pidfd from the bus the pid is pinned afterwards and the bus is
 * asked again that the sender still has that pid and the process that uid,
 * so a caller that went away cannot be stood in for by a recycled pid.
 */
int bus_caller(DBusConnection *bus, DBusMessage *msg, struct caller *ret, struct failure *err);
