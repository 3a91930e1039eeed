/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm's two output forms.  Text keeps the original cgm's shape (a bare
 * value, or one item a line) so scripts keep working; JSON wraps each
 * answer in an object named after what it is, and escapes every string,
 * since cgroup names are arbitrary UTF-8.
 */
#include <string.h>

#include "output.h"

static void json_string_n(FILE *f, const char *s, size_t n)
{
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)s + n; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			putc(*p, f);
	}
	putc('"', f);
}

void json_string(FILE *f, const char *s)
{
	json_string_n(f, s, strlen(s));
}

static void json_open(const char *what)
{
	fputs("{", stdout);
	json_string(stdout, what);
	fputs(": ", stdout);
}

static void json_close(void)
{
	fputs("}\n", stdout);
}

void print_string(bool json, const char *what, const char *s)
{
	/* Cgroup files end in a newline; print exactly one in text, none in JSON. */
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (!json) {
		printf("%.*s\n", (int)n, s);
		return;
	}
	json_open(what);
	json_string_n(stdout, s, n);
	json_close();
}

void print_int(bool json, const char *what, long long v)
{
	if (!json) {
		printf("%lld\n", v);
		return;
	}
	json_open(what);
	printf("%lld", v);
	json_close();
}

void print_flag(bool json, const char *what, bool v)
{
	if (!json)
		return;
	json_open(what);
	fputs(v ? "true" : "false", stdout);
	json_close();
}

static void list_open(bool json, const char *what)
{
	if (json) {
		json_open(what);
		putchar('[');
	}
}

/* Items are separated by ", " in JSON and end with a newline in text. */
static void list_item_start(bool json, size_t i)
{
	if (json && i)
		fputs(", ", stdout);
}

static void list_item_end(bool json)
{
	if (!json)
		putchar('\n');
}

static void list_close(bool json)
{
	if (json) {
		putchar(']');
		json_close();
	}
}

void print_strv(bool json, const char *what, char **v)
{
	list_open(json, what);
	for (size_t i = 0; v && v[i]; i++) {
		list_item_start(json, i);
		if (json)
			json_string(stdout, v[i]);
		else
			fputs(v[i], stdout);
		list_item_end(json);
	}
	list_close(json);
}

void print_pids(bool json, const char *what, const pid_t *pids, size_t n)
{
	list_open(json, what);
	for (size_t i = 0; i < n; i++) {
		list_item_start(json, i);
		printf("%d", (int)pids[i]);
		list_item_end(json);
	}
	list_close(json);
}

void print_keys(bool json, const char *what, const struct cgm_key *keys, size_t n)
{
	list_open(json, what);
	for (size_t i = 0; i < n; i++) {
		list_item_start(json, i);
		if (json) {
			fputs("{\"name\": ", stdout);
			json_string(stdout, keys[i].name);
			printf(", \"uid\": %u, \"gid\": %u, \"mode\": \"%04o\"}", (unsigned)keys[i].uid,
			       (unsigned)keys[i].gid, (unsigned)keys[i].mode);
		} else {
			printf("%s %u %u %04o", keys[i].name, (unsigned)keys[i].uid, (unsigned)keys[i].gid,
			       (unsigned)keys[i].mode);
		}
		list_item_end(json);
	}
	list_close(json);
}
