/* SPDX-License-Identifier: MIT */
/* history_series.c - the history writer's memory of each series' id and last written state, so a
 * result costs one INSERT instead of an INSERT OR IGNORE, a SELECT and the INSERT (the history
 * thread was a sixth of the agent's CPU besides the checks at 1,000 instances). Only the writer
 * thread uses it; series rows are never deleted, and a rolled-back batch clears it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history_series.h"

#define SERIES_MAX 65536 /* entries kept; past it the memory starts again (names from reloads) */

struct series_entry {
  char *name; /* NULL: an empty slot */
  int64_t id;
  int state;
};

struct series_cache {
  struct series_entry *slots; /* open addressing, linear probing; at most half full */
  size_t nslots;
  size_t count;
};

static uint64_t name_hash(const char *name)
{
  uint64_t hash = 1469598103934665603ULL; /* FNV-1a */

  for (; *name; name++)
    hash = (hash ^ (unsigned char)*name) * 1099511628211ULL;
  return hash;
}

static struct series_entry *slot_for(const struct series_cache *c, const char *name)
{
  size_t i = (size_t)(name_hash(name) & (c->nslots - 1));

  while (c->slots[i].name && strcmp(c->slots[i].name, name) != 0)
    i = (i + 1) & (c->nslots - 1);
  return &c->slots[i];
}

void series_cache_clear(struct series_cache *c)
{
  size_t i;

  if (!c)
    return;
  for (i = 0; i < c->nslots; i++)
    free(c->slots[i].name);
  free(c->slots);
  c->slots = NULL;
  c->nslots = 0;
  c->count = 0;
}

void series_cache_free(struct series_cache *c)
{
  series_cache_clear(c);
  free(c);
}

struct series_cache *series_cache_new(void)
{
  return calloc(1, sizeof(struct series_cache));
}

bool series_cache_get(const struct series_cache *c, const char *name, int64_t *id, int *state)
{
  const struct series_entry *e;

  if (!c || c->count == 0)
    return false;
  e = slot_for(c, name);
  if (!e->name)
    return false;
  *id = e->id;
  *state = e->state;
  return true;
}

static int grow(struct series_cache *c)
{
  struct series_cache bigger = {NULL, c->nslots ? c->nslots * 2 : 64, 0};
  size_t i;

  bigger.slots = calloc(bigger.nslots, sizeof(*bigger.slots));
  if (!bigger.slots)
    return -1;
  for (i = 0; i < c->nslots; i++)
    if (c->slots[i].name)
      *slot_for(&bigger, c->slots[i].name) = c->slots[i];
  bigger.count = c->count;
  free(c->slots);
  *c = bigger;
  return 0;
}

void series_cache_put(struct series_cache *c, const char *name, int64_t id, int state)
{
  struct series_entry *e;

  if (!c)
    return;
  if (c->count >= SERIES_MAX)
    series_cache_clear(c);
  if ((c->count + 1) * 2 > c->nslots && grow(c) != 0)
    return; /* out of memory: the database answers instead */
  e = slot_for(c, name);
  if (!e->name) {
    e->name = strdup(name);
    if (!e->name)
      return;
    c->count++;
  }
  e->id = id;
  e->state = state;
}
