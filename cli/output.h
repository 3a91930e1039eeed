/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How cgm prints what the daemon answered: plain text for people and
 * scripts (one item a line), or with --json one JSON object per command,
 * {"<what>": <value>}, for programs.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "cgm.h"

void json_string(FILE *f, const char *s);

void print_string(bool json, const char *what, const char *s);
void print_int(bool json, const char *what, long long v);
/* Prints nothing in text mode (the exit status says it), {"what": true|false} in JSON. */
void print_flag(bool json, const char *what, bool v);
void print_strv(bool json, const char *what, char **v);
void print_pids(bool json, const char *what, const pid_t *pids, size_t n);
void print_keys(bool json, const char *what, const struct cgm_key *keys, size_t n);
/* `cgm status`: "name: value" lines, one "hierarchy: NAME ROOT" line each; JSON: one object. */
void print_status(bool json, const char *what, const struct cgm_status *st);
