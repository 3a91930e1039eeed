# SPDX-License-Identifier: LGPL-2.1-or-later
# The system bus policy that lets everyone call cgmd --system-bus (and only
# root own its name), installed where the bus daemon reads packages'
# policies.
dbussystemdir = $(datadir)/dbus-1/system.d
dist_dbussystem_DATA = data/dbus/org.cgm.Manager1.conf
