/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The main loop's epoll set (watches.c) with real libdbus objects: a
 * DBusServer on a socket in a temporary directory, a client connection,
 * and the loop's own descriptors.  One thread drives both ends: the
 * server's through the set, the client's with read_write(0).
 */
#include "config.h"

#include <dbus/dbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tap.h"
#include "watches.h"

#define BIG_MESSAGE (1024 * 1024) /* far more than a socket's buffer: the write watch must finish it */

static struct watch_set *ws;
static DBusConnection *server_side;
static int fired_count, messages_in;

static dbus_bool_t add(DBusWatch *w, void *data)
{
	return watch_set_add(ws, w);
}

static void del(DBusWatch *w, void *data)
{
	watch_set_remove(ws, w);
}

static void toggle(DBusWatch *w, void *data)
{
	watch_set_toggle(ws, w);
}

static void fired(DBusWatch *w)
{
	fired_count++;
}

static DBusHandlerResult count_message(DBusConnection *conn, DBusMessage *msg, void *data)
{
	messages_in++;
	return DBUS_HANDLER_RESULT_HANDLED;
}

static void on_new_connection(DBusServer *server, DBusConnection *conn, void *data)
{
	server_side = dbus_connection_ref(conn);
	dbus_connection_set_allow_anonymous(conn, TRUE);
	dbus_connection_set_watch_functions(conn, add, del, toggle, NULL, NULL);
	dbus_connection_add_filter(conn, count_message, NULL, NULL);
}

/* One turn of both ends: the set waits up to `ms` and hands its events over, then the client reads and writes. */
static void turn(DBusConnection *client, int ms)
{
	unsigned own;

	if (watch_set_wait(ws, ms, &own) > 0)
		watch_set_handle(ws, fired);
	if (server_side)
		while (dbus_connection_dispatch(server_side) == DBUS_DISPATCH_DATA_REMAINS)
			;
	if (client)
		dbus_connection_read_write(client, 0);
}

static void own_slots(void)
{
	int a = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), b = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t one = 1, got;
	unsigned own = 0;
	struct failure err = {0};

	ok(watch_set_own(ws, OWN_WORKERS, a, &err) == 0, "an own descriptor goes into the set");
	ok(watch_set_wait(ws, 0, &own) == 0 && own == 0, "nothing ready: the wait finds nothing");
	(void)!write(a, &one, sizeof(one));
	ok(watch_set_wait(ws, 1000, &own) == 1 && own == 1u << OWN_WORKERS,
	   "a ready one is reported in its slot's bit");
	watch_set_handle(ws, fired);
	ok(fired_count == 0, "an own descriptor fires no libdbus watch");
	(void)!read(a, &got, sizeof(got));
	ok(watch_set_own(ws, OWN_WORKERS, b, &err) == 0, "the slot takes another descriptor");
	(void)!write(a, &one, sizeof(one));
	ok(watch_set_wait(ws, 0, &own) == 0 && own == 0, "the slot's old descriptor has left the set");
	(void)!write(b, &one, sizeof(one));
	ok(watch_set_wait(ws, 1000, &own) == 1 && own == 1u << OWN_WORKERS, "the new one is watched");
	ok(watch_set_own(ws, OWN_WORKERS, -1, &err) == 0 && watch_set_wait(ws, 0, &own) == 0, "-1 empties the slot");
	close(a);
	close(b);
}

static void connection(const char *address)
{
	DBusError derr;
	DBusConnection *client;
	DBusMessage *msg, *big = NULL;
	char *payload = malloc(BIG_MESSAGE);
	const char *p = payload;
	int i;

	dbus_error_init(&derr);
	client = dbus_connection_open_private(address, &derr);
	ok(client != NULL, "the client connects (%s)", client ? "ok" : derr.message);
	if (!client || !payload)
		return;
	for (i = 0; i < 500 && !(server_side && dbus_connection_get_is_authenticated(client)); i++)
		turn(client, 10);
	ok(server_side && dbus_connection_get_is_authenticated(client),
	   "the server accepted and authenticated the client through the set");
	if (!server_side)
		return;

	msg = dbus_message_new_signal("/t", "org.cgm.Test", "Hello");
	dbus_connection_send(client, msg, NULL);
	dbus_message_unref(msg);
	dbus_connection_flush(client);
	for (i = 0; i < 500 && !messages_in; i++)
		turn(client, 10);
	ok(messages_in == 1, "the server read the client's message when its socket was ready");
	ok(fired_count > 0, "the ready socket's watch was reported fired before it was handled");

	/* Far more than the socket holds: the server's write watch is enabled and carries the rest. */
	memset(payload, 'x', BIG_MESSAGE - 1);
	payload[BIG_MESSAGE - 1] = '\0';
	msg = dbus_message_new_signal("/t", "org.cgm.Test", "Big");
	dbus_message_append_args(msg, DBUS_TYPE_STRING, &p, DBUS_TYPE_INVALID);
	dbus_connection_send(server_side, msg, NULL);
	dbus_message_unref(msg);
	ok(dbus_connection_has_messages_to_send(server_side), "the server could not write it all at once");
	for (i = 0; i < 2000 && !(big = dbus_connection_pop_message(client)); i++)
		turn(client, 10);
	ok(big && strcmp(dbus_message_get_member(big), "Big") == 0, "the client got the whole 1 MiB message");
	ok(!dbus_connection_has_messages_to_send(server_side), "the server has nothing left to send");
	if (big)
		dbus_message_unref(big);

	/* The hang-up is handled inside the set's handling, which removes both watches of the socket. */
	dbus_connection_close(client);
	dbus_connection_unref(client);
	for (i = 0; i < 500 && dbus_connection_get_is_connected(server_side); i++)
		turn(NULL, 10);
	ok(!dbus_connection_get_is_connected(server_side), "the server saw the client hang up");
	dbus_connection_unref(server_side);
	server_side = NULL;
	fired_count = 0;
	for (i = 0; i < 20; i++)
		turn(NULL, 0);
	ok(fired_count == 0, "afterwards nothing is ready: the closed socket left the set");
	free(payload);
}

int main(void)
{
	char dir[] = "/tmp/cgmtest-watches.XXXXXX", sock[64], address[128];
	DBusServer *server;
	DBusError derr;
	struct failure err = {0};

	ok(watch_set_new(&ws, &err) == 0, "a watch set is made");
	own_slots();

	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(address, sizeof(address), "unix:path=%s", sock);
	dbus_error_init(&derr);
	server = dbus_server_listen(address, &derr);
	ok(server != NULL, "the server listens");
	if (server) {
		dbus_server_set_new_connection_function(server, on_new_connection, NULL, NULL);
		ok(dbus_server_set_watch_functions(server, add, del, toggle, NULL, NULL),
		   "its watch goes into the set");
		connection(address);
		dbus_server_disconnect(server);
		dbus_server_unref(server);
	}
	watch_set_free(ws);
	unlink(sock);
	rmdir(dir);
	return tap_done();
}
