/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatch table against the introspection data: every method of the
 * installed XML is in the table with the same in and out signatures, and
 * every method of the daemon's interfaces in the table is in the XML, so
 * what cgmd answers and what it says it answers cannot drift apart.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "methods.h"
#include "tap.h"

/* Concatenates the types of the <arg>s of `direction` in the method element starting at `m`. */
static void signature_of(const char *m, const char *end, const char *direction, char *buf, size_t size)
{
	char want[32];
	size_t o = 0;

	snprintf(want, sizeof(want), "direction=\"%s\"", direction);
	buf[0] = '\0';
	for (const char *a = strstr(m, "<arg "); a && a < end; a = strstr(a + 1, "<arg ")) {
		const char *close = strchr(a, '>'), *t = strstr(a, "type=\"");

		if (!close || !t || t > close || !strstr(a, want) || strstr(a, want) > close)
			continue;
		t += 6;
		while (*t != '"' && o + 1 < size)
			buf[o++] = *t++;
		buf[o] = '\0';
	}
}

static const struct method *table_find(const char *iface, const char *name)
{
	for (size_t i = 0; i < methods_table_len; i++)
		if (strcmp(methods_table[i].iface, iface) == 0 && strcmp(methods_table[i].name, name) == 0)
			return &methods_table[i];
	return NULL;
}

int main(void)
{
	const char *xml = methods_introspection_xml;
	size_t found = 0, own = 0;

	ok(strstr(xml, "<interface name=\"" CGM_IFACE_CGMANAGER "\">") != NULL, "XML has %s", CGM_IFACE_CGMANAGER);
	ok(strstr(xml, "<interface name=\"" CGM_IFACE_MANAGER1 "\">") != NULL, "XML has %s", CGM_IFACE_MANAGER1);
	ok(strstr(xml, "<property name=\"api_version\" type=\"i\" access=\"read\"/>") != NULL, "XML has api_version");

	for (const char *i = strstr(xml, "<interface name=\""); i; i = strstr(i + 1, "<interface name=\"")) {
		const char *iend = strstr(i, "</interface>");
		char iface[128];

		sscanf(i, "<interface name=\"%127[^\"]\"", iface);
		for (const char *m = strstr(i, "<method name=\""); m && m < iend;
		     m = strstr(m + 1, "<method name=\"")) {
			const char *next = strstr(m + 1, "<method name=\""), *end = next && next < iend ? next : iend;
			const struct method *t;
			char name[128], in[64], out[64];

			sscanf(m, "<method name=\"%127[^\"]\"", name);
			signature_of(m, end, "in", in, sizeof(in));
			signature_of(m, end, "out", out, sizeof(out));
			t = table_find(iface, name);
			if (!t && strcmp(iface, "org.freedesktop.DBus.Peer") == 0)
				continue; /* libdbus answers Peer itself */
			found++;
			if (!ok(t != NULL, "%s.%s is in the table", iface, name))
				continue;
			is_str(t->in_sig, in, "%s.%s takes (%s)", iface, name, in);
			is_str(t->out_sig, out, "%s.%s returns (%s)", iface, name, out);
		}
	}
	for (size_t i = 0; i < methods_table_len; i++) {
		const struct method *t = &methods_table[i];
		char needle[256];

		if (strcmp(t->iface, CGM_IFACE_CGMANAGER) != 0 && strcmp(t->iface, CGM_IFACE_MANAGER1) != 0)
			continue;
		own++;
		snprintf(needle, sizeof(needle), "<method name=\"%s\">", t->name);
		ok(strstr(xml, needle) != NULL, "table method %s.%s is in the XML", t->iface, t->name);
		ok(t->run != NULL, "%s has a handler", t->name);
	}
	is_int(own, 43, "34 cgmanager0_0 methods (16 of them …Scm) and 9 Manager1 methods");
	ok(found >= own, "every method in the table is described");
	ok(table_find("org.freedesktop.DBus", "Hello") != NULL, "Hello is answered for sd-bus clients");
	return tap_done();
}
