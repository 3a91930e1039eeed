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

/* Uptime as "2d 3h 4m 5s", leading zero units left out. */
static void format_uptime(char *buf, size_t size, unsigned long long s)
{
	unsigned long long d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60;

	if (d)
		snprintf(buf, size, "%llud %lluh %llum %llus", d, h, m, s % 60);
	else if (h)
		snprintf(buf, size, "%lluh %llum %llus", h, m, s % 60);
	else if (m)
		snprintf(buf, size, "%llum %llus", m, s % 60);
	else
		snprintf(buf, size, "%llus", s);
}

static void json_member_string(const char *name, const char *value, bool last)
{
	json_string(stdout, name);
	fputs(": ", stdout);
	json_string(stdout, value);
	fputs(last ? "" : ", ", stdout);
}

void print_status(bool json, const char *what, const struct cgm_status *st)
{
	char uptime[64];

	if (!json) {
		format_uptime(uptime, sizeof(uptime), st->uptime_s);
		printf("version: %s\napi version: %d\npid: %d\nuptime: %s\n", st->version, st->api_version,
		       (int)st->pid, uptime);
		for (size_t i = 0; st->hierarchies[i]; i++)
			printf("hierarchy: %s %s\n", st->hierarchies[i], st->roots[i] ? st->roots[i] : "/");
		printf("clients: %lu\nrequests: %llu\nrefused: %llu\nsocket: %s\nsystem bus: %s\n", st->clients,
		       st->requests, st->refused, st->socket, *st->system_bus_name ? st->system_bus_name : "no");
		printf("limits: %lu rules from %s\nreloads: %lu\n", st->limit_rules, st->conf, st->conf_reloads);
		return;
	}
	json_open(what);
	putchar('{');
	json_member_string("version", st->version, false);
	printf("\"api_version\": %d, \"pid\": %d, \"uptime\": %llu, \"hierarchies\": [", st->api_version, (int)st->pid,
	       st->uptime_s);
	for (size_t i = 0; st->hierarchies[i]; i++) {
		fputs(i ? ", {" : "{", stdout);
		json_member_string("name", st->hierarchies[i], false);
		json_member_string("root", st->roots[i] ? st->roots[i] : "/", true);
		putchar('}');
	}
	printf("], \"clients\": %lu, \"requests\": %llu, \"refused\": %llu, ", st->clients, st->requests, st->refused);
	json_member_string("socket", st->socket, false);
	json_member_string("system_bus_name", st->system_bus_name, false);
	json_member_string("conf", st->conf, false);
	printf("\"limit_rules\": %lu, \"conf_reloads\": %lu}", st->limit_rules, st->conf_reloads);
	json_close();
}
