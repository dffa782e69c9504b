/* SPDX-License-Identifier: MIT */
/* status_view.c - the agent's status file read back: `mcpwatch status` prints it as a table or
 * JSON, and the agent's server answers GET /api/v1/status with the same JSON and draws its page
 * from it, so every reader shows what the file says. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define ROWS_MAX 100000

enum mw_state status_word_state(const char *word)
{
  enum mw_state state;

  if (strcmp(word, "HEALTHY") == 0 || strcmp(word, "PENDING") == 0)
    return MW_OK;
  if (strcmp(word, "DEGRADED") == 0)
    return MW_WARNING;
  if (strcmp(word, "UNHEALTHY") == 0)
    return MW_CRITICAL;
  return mw_state_parse(word, &state) == 0 ? state : MW_UNKNOWN;
}

/* Instances have 9 fields and services 3, then the policy's note and the flap percentage (a file
 * from an agent of before them has neither: ""); passive receivers 7. */
static int split_row(char *line, struct status_row *row)
{
  char *p = line;
  int count = STATUS_FIELDS;
  int required = STATUS_FIELDS - 2;
  int k;

  memset(row, 0, sizeof(*row));
  row->text = line;
  if (strncmp(line, "service\t", 8) == 0) {
    row->kind = STATUS_SERVICE;
    p += 8;
    count = 5;
    required = 3;
  } else if (strncmp(line, "slo\t", 4) == 0) {
    row->kind = STATUS_SLO;
    p += 4;
    count = 11;
    required = 11;
  } else if (strncmp(line, "passive\t", 8) == 0) {
    row->kind = STATUS_PASSIVE;
    p += 8;
    count = 7;
    required = 7;
  }
  for (k = 0; k < count; k++)
    row->field[k] = strsep(&p, "\t");
  for (k = required; k < count; k++) {
    if (!row->field[k])
      row->field[k] = "";
  }
  return row->field[required - 1] ? 0 : -1;
}

int status_view_read(FILE *fp, struct status_view *st, char *err, size_t errlen)
{
  char line[8192];
  double longest = 0;

  if (!fgets(line, sizeof(line), fp) ||
      sscanf(line, "mcpwatch-agent-status 1\tpid %ld\tupdated %lld", &st->pid, &st->updated) != 2) {
    snprintf(err, errlen, "not an agent status file");
    return -1;
  }
  while (fgets(line, sizeof(line), fp) && st->n < ROWS_MAX) {
    struct status_row row;
    char *copy;

    line[strcspn(line, "\n")] = '\0';
    copy = strdup(line);
    if (!copy || split_row(copy, &row) != 0) {
      free(copy);
      if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      continue;
    }
    if (st->n % 256 == 0) {
      struct status_row *more = realloc(st->rows, (st->n + 256) * sizeof(*more));

      if (!more) {
        free(copy);
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      st->rows = more;
    }
    if (row.kind == STATUS_INSTANCE && strtod(row.field[6], NULL) > longest)
      longest = strtod(row.field[6], NULL);
    st->rows[st->n++] = row;
  }
  st->running = st->pid > 0 && (kill((pid_t)st->pid, 0) == 0 || errno == EPERM);
  if (st->stale_after <= 0)
    st->stale_after = 2 * longest > 60 ? 2 * longest : 60;
  st->stale = (double)(st->now - st->updated) > st->stale_after;
  return 0;
}

enum mw_state status_view_worst(const struct status_view *st)
{
  enum mw_state worst = MW_OK;
  size_t i;

  if (!st->running || st->stale)
    return MW_UNKNOWN;
  for (i = 0; i < st->n; i++) {
    const struct status_row *r = &st->rows[i];

    if (r->kind == STATUS_INSTANCE)
      worst = mw_state_worst(worst, status_word_state(r->field[2]));
    else if (r->kind == STATUS_SERVICE)
      worst = mw_state_worst(worst, status_word_state(r->field[1]));
    else if (r->kind == STATUS_SLO)
      worst = mw_state_worst(worst, status_word_state(r->field[2]));
  }
  return worst;
}

/* flap_percent: a number while flap detection is on, else null. */
static void json_flap(struct mw_buf *out, const char *flap)
{
  char *end;
  double v = strtod(flap, &end);

  if (*flap && !*end && v >= 0.0 && v <= 100.0)
    mw_buf_addf(out, ",\"flap_percent\":%.1f", v);
  else
    mw_buf_adds(out, ",\"flap_percent\":null");
}

static void json_instance(struct mw_buf *out, const struct status_row *r,
                          const struct status_view *st)
{
  long long last = atoll(r->field[3]);
  long long next = atoll(r->field[4]);

  mw_buf_adds(out, "{\"name\":");
  mw_json_string(out, r->field[0]);
  mw_buf_adds(out, ",\"check\":");
  mw_json_string(out, r->field[1]);
  mw_buf_adds(out, ",\"state\":");
  mw_json_string(out, r->field[2]);
  mw_buf_addf(out, ",\"exit_code\":%d", (int)status_word_state(r->field[2]));
  if (last > 0)
    mw_buf_addf(out, ",\"last_run\":%lld,\"last_run_age_s\":%lld", last,
                st->now > last ? st->now - last : 0);
  else
    mw_buf_adds(out, ",\"last_run\":null,\"last_run_age_s\":null");
  mw_buf_addf(out, ",\"next_run\":%lld,\"next_run_in_s\":%lld,\"duration_ms\":%lld", next,
              next > st->now ? next - st->now : 0, atoll(r->field[5]));
  mw_buf_addf(out,
              ",\"interval_s\":%g,\"backoff_factor\":%u,\"summary\":", strtod(r->field[6], NULL),
              (unsigned)strtoul(r->field[7], NULL, 10));
  mw_json_string(out, r->field[8]);
  mw_buf_adds(out, ",\"notification\":");
  mw_json_string(out, r->field[9]);
  json_flap(out, r->field[10]);
  mw_buf_adds(out, "}");
}

/* A figure of the status file, or null when it is empty. */
static void json_figure(struct mw_buf *out, const char *name, const char *text)
{
  char *end;
  double v = strtod(text, &end);

  mw_buf_addf(out, ",\"%s\":", name);
  if (*text && !*end && !isnan(v) && !isinf(v))
    mw_buf_addf(out, "%.6g", v);
  else
    mw_buf_adds(out, "null");
}

static void json_slo(struct mw_buf *out, const struct status_row *r)
{
  static const char *const figures[] = {"target",   "sli",     "budget_left", "burn_5m",
                                        "burn_30m", "burn_1h", "burn_6h"};
  int k;

  mw_buf_adds(out, "{\"name\":");
  mw_json_string(out, r->field[0]);
  mw_buf_adds(out, ",\"objective\":");
  mw_json_string(out, r->field[1]);
  mw_buf_adds(out, ",\"state\":");
  mw_json_string(out, r->field[2]);
  mw_buf_addf(out, ",\"exit_code\":%d", (int)status_word_state(r->field[2]));
  for (k = 0; k < 7; k++)
    json_figure(out, figures[k], r->field[3 + k]);
  mw_buf_adds(out, ",\"summary\":");
  mw_json_string(out, r->field[10]);
  mw_buf_adds(out, "}");
}

static void json_other(struct mw_buf *out, const struct status_row *r)
{
  if (r->kind == STATUS_SLO) {
    json_slo(out, r);
    return;
  }
  if (r->kind == STATUS_SERVICE) {
    mw_buf_adds(out, "{\"name\":");
    mw_json_string(out, r->field[0]);
    mw_buf_adds(out, ",\"state\":");
    mw_json_string(out, r->field[1]);
    mw_buf_addf(out, ",\"exit_code\":%d,\"summary\":", (int)status_word_state(r->field[1]));
    mw_json_string(out, r->field[2]);
    mw_buf_adds(out, ",\"notification\":");
    mw_json_string(out, r->field[3]);
    json_flap(out, r->field[4]);
  } else {
    mw_buf_adds(out, "{\"destination\":");
    mw_json_string(out, r->field[0]);
    mw_buf_addf(out, ",\"sent\":%lld,\"refused\":%lld,\"replaced\":%lld,\"waiting\":%lld",
                atoll(r->field[1]), atoll(r->field[2]), atoll(r->field[3]), atoll(r->field[4]));
    mw_buf_adds(out, ",\"retrying\":");
    mw_json_string(out, r->field[5]);
    mw_buf_adds(out, ",\"last_refusal\":");
    mw_json_string(out, r->field[6]);
  }
  mw_buf_adds(out, "}");
}

/* The JSON of `mcpwatch status --format json` into out (out->failed when it did not fit). */
void status_view_json(const struct status_view *st, enum mw_state worst, struct mw_buf *out)
{
  static const char *const lists[] = {"instances", "services", "passive", "slos"};
  size_t i;
  int kind;

  mw_buf_addf(out,
              "{\"state\":\"%s\",\"exit_code\":%d,\"agent\":{\"pid\":%ld,\"running\":%s,"
              "\"updated\":%lld,\"age_s\":%lld,\"stale\":%s,\"stale_after_s\":%g}",
              mw_state_name(worst), (int)worst, st->pid, st->running ? "true" : "false",
              st->updated, st->now > st->updated ? st->now - st->updated : 0,
              st->stale ? "true" : "false", st->stale_after);
  for (kind = STATUS_INSTANCE; kind <= STATUS_SLO; kind++) {
    bool first = true;

    mw_buf_addf(out, ",\"%s\":[", lists[kind]);
    for (i = 0; i < st->n; i++) {
      if (st->rows[i].kind != kind)
        continue;
      if (!first)
        mw_buf_adds(out, ",");
      first = false;
      if (kind == STATUS_INSTANCE)
        json_instance(out, &st->rows[i], st);
      else
        json_other(out, &st->rows[i]);
    }
    mw_buf_adds(out, "]");
  }
  mw_buf_adds(out, "}\n");
}

void status_view_free(struct status_view *st)
{
  size_t i;

  for (i = 0; i < st->n; i++)
    free(st->rows[i].text);
  free(st->rows);
  st->rows = NULL;
  st->n = 0;
}
