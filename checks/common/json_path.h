/* SPDX-License-Identifier: MIT */
/* json_path.h - a value inside a JSON document by a dotted path ("checks.db.latency_ms",
 * "items[0].name", "items.0.name"; "\." is a dot inside a key; a leading "$." is allowed), and
 * the comparisons rest-health makes on it. */
#ifndef JSON_PATH_H
#define JSON_PATH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Checks the syntax of path once, at open: 0, or -1 with a one-line reason in err. */
int json_path_validate(const char *path, char *err, size_t errlen);
/* The value (borrowed from root), or NULL with "no KEY in ..." style reason in err. */
json_t *json_path_get(json_t *root, const char *path, char *err, size_t errlen);
/* want compared with a value: text with a string, numerically with a number (when want is a
 * number), "true"/"false"/"null" with those. */
bool json_value_equals(const json_t *value, const char *want);
/* A JSON number, or a string holding one whole finite decimal number ("7", "0.25", as
 * Prometheus and many health endpoints send them): true with it in out. */
bool json_value_number(const json_t *value, double *out);
/* The value as short text for output: a string's content, a number, true/false/null, or
 * "an object"/"an array". */
void json_value_text(const json_t *value, char *out, size_t outlen);

#endif
