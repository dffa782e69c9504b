/* SPDX-License-Identifier: MIT */
/* redis_info.h - lookups in the text of a Redis INFO reply. */
#ifndef REDIS_INFO_H
#define REDIS_INFO_H

#include <stdbool.h>
#include <stddef.h>

/* A value inside the reply: not NUL terminated. */
struct info_value {
  const char *text;
  size_t len;
};

/* The value of "field:value" in an INFO reply of len bytes. Lines end in CRLF or LF; section
 * headers ("# Server") and unknown fields are skipped. false when the field is absent. */
bool redis_info_get(const char *info, size_t len, const char *field, struct info_value *out);
/* The same, as a finite number; false when absent or not a number. */
bool redis_info_number(const char *info, size_t len, const char *field, double *out);
/* One key of a "k1=v1,k2=v2" value (the "slave0" and "db0" fields). */
bool redis_info_subfield(const struct info_value *value, const char *key, struct info_value *out);
/* A value as a finite number; false when it is not one. */
bool redis_info_value_number(const struct info_value *value, double *out);

/* What the persistence fields of an INFO reply say went wrong: NULL when nothing did; *severity
 * 2 for a failed RDB save or AOF write, 1 for a failed AOF rewrite. A field the server does not
 * report (a fork, a managed service that hides it) says nothing: it is not a failure. */
const char *redis_persistence_problem(const char *info, size_t len, int *severity);

#endif
