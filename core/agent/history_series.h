/* SPDX-License-Identifier: MIT */
/* history_series.h - what the history writer remembers of each series (history_series.c). */
#ifndef MW_HISTORY_SERIES_H
#define MW_HISTORY_SERIES_H

#include <stdbool.h>
#include <stdint.h>

struct series_cache;

/* NULL when out of memory; every function takes a NULL cache as an empty one. */
struct series_cache *series_cache_new(void);
void series_cache_free(struct series_cache *c);
/* Forgets everything (after a rolled-back transaction). */
void series_cache_clear(struct series_cache *c);
/* The id and the last written state (-1: none) of series name, when remembered. */
bool series_cache_get(const struct series_cache *c, const char *name, int64_t *id, int *state);
/* Remembers them; out of memory, it does not, and the database is asked again. */
void series_cache_put(struct series_cache *c, const char *name, int64_t id, int state);

#endif
