/* SPDX-License-Identifier: MIT */
/* ratelog.c - logging: repeated identical log messages written less and less often, so a
 * target that is down for a day leaves a handful of lines in the journal instead of one per
 * attempt, and the lines that are written say how many were held back; and the stderr logger
 * of the command's deliveries. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"

#define SLOTS 128

struct entry {
  uint64_t hash; /* 0: free */
  int64_t written;
  int64_t seen;
  int64_t holdoff;
  unsigned long held;
};

struct mw_ratelog {
  pthread_mutex_t lock;
  int64_t first_ns;
  int64_t max_ns;
  struct entry entries[SLOTS];
};

static uint64_t fnv1a64(const char *text)
{
  uint64_t h = 14695981039346656037ULL;

  for (; *text; text++) {
    h ^= (unsigned char)*text;
    h *= 1099511628211ULL;
  }
  return h ? h : 1;
}

struct mw_ratelog *mw_ratelog_new(double first_seconds, double max_seconds)
{
  struct mw_ratelog *rl = calloc(1, sizeof(*rl));

  if (!rl)
    return NULL;
  pthread_mutex_init(&rl->lock, NULL);
  rl->first_ns = (int64_t)(first_seconds * 1e9);
  rl->max_ns = (int64_t)(max_seconds * 1e9);
  if (rl->max_ns < rl->first_ns)
    rl->max_ns = rl->first_ns;
  return rl;
}

bool mw_ratelog_allow(struct mw_ratelog *rl, const char *message, int64_t now_ns,
                      unsigned long *held)
{
  uint64_t hash = fnv1a64(message);
  struct entry *e = NULL;
  struct entry *victim = NULL; /* a free entry, else the one seen longest ago */
  bool allow;
  size_t i;

  *held = 0;
  pthread_mutex_lock(&rl->lock);
  for (i = 0; i < SLOTS; i++) {
    struct entry *c = &rl->entries[i];
    if (c->hash == hash) {
      e = c;
      break;
    }
    if (!victim || (victim->hash && (!c->hash || c->seen < victim->seen)))
      victim = c;
  }
  if (e && now_ns - e->seen >= rl->max_ns)
    e->hash = 0; /* quiet for long enough: a new occurrence is news again */
  if (!e || !e->hash) {
    e = e ? e : victim;
    e->hash = hash;
    e->written = now_ns;
    e->seen = now_ns;
    e->holdoff = rl->first_ns;
    e->held = 0;
    pthread_mutex_unlock(&rl->lock);
    return true;
  }
  e->seen = now_ns;
  allow = now_ns - e->written >= e->holdoff;
  if (allow) {
    *held = e->held;
    e->held = 0;
    e->written = now_ns;
    e->holdoff = e->holdoff * 2 > rl->max_ns ? rl->max_ns : e->holdoff * 2;
  } else {
    e->held++;
  }
  pthread_mutex_unlock(&rl->lock);
  return allow;
}

void mw_ratelog_free(struct mw_ratelog *rl)
{
  if (!rl)
    return;
  pthread_mutex_destroy(&rl->lock);
  free(rl);
}

void mw_log_stderr(void *ctx, enum mw_log_level level, const char *message)
{
  int verbosity = *(const int *)ctx;

  if (level == MW_LOG_INFO && verbosity < 1)
    return;
  fprintf(stderr, "mcpwatch: %s: %s\n",
          level == MW_LOG_ERROR     ? "error"
          : level == MW_LOG_WARNING ? "warning"
                                    : "info",
          message);
}
