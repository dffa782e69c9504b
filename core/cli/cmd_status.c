/* SPDX-License-Identifier: MIT */
/* cmd_status.c - `mcpwatch status`: the agent's status file as a table or as JSON, with the
 * exit code of a check (the worst state; UNKNOWN when the agent is not running or its status is
 * stale), so that scripts and a Nagios check of the agent itself can use it. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "cli.h"

static const struct mw_option status_options[] = {
    {"config", 0, MW_OPT_STRING, 0, "FILE", MW_DEFAULT_CONFIG,
     "The agent's configuration (for its state_dir).", NULL, NULL},
    {"status-file", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FILE", NULL,
     "Read this status file instead of STATE_DIR/agent.status.", NULL, NULL},
    {"format", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FORMAT", "text",
     "text (a table) or json (every field, for scripts).", NULL, cli_formats},
    {"stale-after", 0, MW_OPT_DURATION, MW_OPT_CLI_ONLY, "DURATION", NULL,
     "The status is stale (exit 3) when older than this. Default: twice the longest interval "
     "(backoff included), at least 60 s.",
     NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

#define ROWS_MAX 100000
#define FIELDS 11

/* One line of the status file, split into fields that point into text. */
struct row {
  char *text;
  char *field[FIELDS];
  int kind; /* ROW_INSTANCE, ROW_SERVICE, ROW_PASSIVE */
};
enum { ROW_INSTANCE, ROW_SERVICE, ROW_PASSIVE };

struct status {
  long pid;
  long long updated;
  bool running;
  bool stale;
  long long now;
  double stale_after;
  struct row *rows;
  size_t n;
};

static void age(long long seconds, char *out, size_t outlen)
{
  if (seconds < 0)
    seconds = 0;
  if (seconds < 120)
    snprintf(out, outlen, "%llds", seconds);
  else if (seconds < 7200)
    snprintf(out, outlen, "%lldm", seconds / 60);
  else if (seconds < 172800)
    snprintf(out, outlen, "%lldh", seconds / 3600);
  else
    snprintf(out, outlen, "%lldd", seconds / 86400);
}

static enum mw_state word_state(const char *word)
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
static int split_row(char *line, struct row *row)
{
  char *p = line;
  int count = FIELDS;
  int required = FIELDS - 2;
  int k;

  memset(row, 0, sizeof(*row));
  row->text = line;
  if (strncmp(line, "service\t", 8) == 0) {
    row->kind = ROW_SERVICE;
    p += 8;
    count = 5;
    required = 3;
  } else if (strncmp(line, "passive\t", 8) == 0) {
    row->kind = ROW_PASSIVE;
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

static int read_status(FILE *fp, struct status *st, char *err, size_t errlen)
{
  char line[8192];
  double longest = 0;

  if (!fgets(line, sizeof(line), fp) ||
      sscanf(line, "mcpwatch-agent-status 1\tpid %ld\tupdated %lld", &st->pid, &st->updated) != 2) {
    snprintf(err, errlen, "not an agent status file");
    return -1;
  }
  while (fgets(line, sizeof(line), fp) && st->n < ROWS_MAX) {
    struct row row;
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
      struct row *more = realloc(st->rows, (st->n + 256) * sizeof(*more));

      if (!more) {
        free(copy);
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      st->rows = more;
    }
    if (row.kind == ROW_INSTANCE && strtod(row.field[6], NULL) > longest)
      longest = strtod(row.field[6], NULL);
    st->rows[st->n++] = row;
  }
  st->running = st->pid > 0 && (kill((pid_t)st->pid, 0) == 0 || errno == EPERM);
  if (st->stale_after <= 0)
    st->stale_after = 2 * longest > 60 ? 2 * longest : 60;
  st->stale = (double)(st->now - st->updated) > st->stale_after;
  return 0;
}

static enum mw_state worst_state(const struct status *st)
{
  enum mw_state worst = MW_OK;
  size_t i;

  if (!st->running || st->stale)
    return MW_UNKNOWN;
  for (i = 0; i < st->n; i++) {
    const struct row *r = &st->rows[i];

    if (r->kind == ROW_INSTANCE)
      worst = mw_state_worst(worst, word_state(r->field[2]));
    else if (r->kind == ROW_SERVICE)
      worst = mw_state_worst(worst, word_state(r->field[1]));
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

/* "[flap 12.5%] " for the table, when some state change is seen and the note does not already
 * say flapping. */
static void flap_text(const char *flap, const char *note, char *out, size_t outlen)
{
  double v = *flap ? strtod(flap, NULL) : 0.0;

  out[0] = '\0';
  if (v > 0.0 && strncmp(note, "flapping", 8) != 0)
    snprintf(out, outlen, "[flap %.1f%%] ", v);
}

static void json_instance(struct mw_buf *out, const struct row *r, const struct status *st)
{
  long long last = atoll(r->field[3]);
  long long next = atoll(r->field[4]);

  mw_buf_adds(out, "{\"name\":");
  mw_json_string(out, r->field[0]);
  mw_buf_adds(out, ",\"check\":");
  mw_json_string(out, r->field[1]);
  mw_buf_adds(out, ",\"state\":");
  mw_json_string(out, r->field[2]);
  mw_buf_addf(out, ",\"exit_code\":%d", (int)word_state(r->field[2]));
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

static void json_other(struct mw_buf *out, const struct row *r)
{
  if (r->kind == ROW_SERVICE) {
    mw_buf_adds(out, "{\"name\":");
    mw_json_string(out, r->field[0]);
    mw_buf_adds(out, ",\"state\":");
    mw_json_string(out, r->field[1]);
    mw_buf_addf(out, ",\"exit_code\":%d,\"summary\":", (int)word_state(r->field[1]));
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

static void print_json(const struct status *st, enum mw_state worst)
{
  static const char *const lists[] = {"instances", "services", "passive"};
  struct mw_buf out;
  size_t i;
  int kind;

  mw_buf_init(&out, 256u << 20);
  mw_buf_addf(&out,
              "{\"state\":\"%s\",\"exit_code\":%d,\"agent\":{\"pid\":%ld,\"running\":%s,"
              "\"updated\":%lld,\"age_s\":%lld,\"stale\":%s,\"stale_after_s\":%g}",
              mw_state_name(worst), (int)worst, st->pid, st->running ? "true" : "false",
              st->updated, st->now > st->updated ? st->now - st->updated : 0,
              st->stale ? "true" : "false", st->stale_after);
  for (kind = ROW_INSTANCE; kind <= ROW_PASSIVE; kind++) {
    bool first = true;

    mw_buf_addf(&out, ",\"%s\":[", lists[kind]);
    for (i = 0; i < st->n; i++) {
      if (st->rows[i].kind != kind)
        continue;
      if (!first)
        mw_buf_adds(&out, ",");
      first = false;
      if (kind == ROW_INSTANCE)
        json_instance(&out, &st->rows[i], st);
      else
        json_other(&out, &st->rows[i]);
    }
    mw_buf_adds(&out, "]");
  }
  mw_buf_adds(&out, "}\n");
  fputs(out.failed ? "{\"state\":\"UNKNOWN\",\"error\":\"out of memory\"}\n" : mw_buf_str(&out),
        stdout);
  mw_buf_free(&out);
}

static int width(const char *text, int at_least)
{
  int len = (int)strlen(text);

  return len > at_least ? len : at_least;
}

static void print_table(const struct status *st)
{
  int w_state = 5, w_name = 4, w_check = 5;
  size_t i;

  printf("agent pid %ld%s, status written %llds ago%s\n", st->pid,
         st->running ? "" : " (not running)", st->now > st->updated ? st->now - st->updated : 0,
         st->stale ? " (stale)" : "");
  for (i = 0; i < st->n; i++) {
    const struct row *r = &st->rows[i];

    if (r->kind == ROW_PASSIVE)
      continue;
    w_state = width(r->field[r->kind == ROW_SERVICE ? 1 : 2], w_state);
    w_name = width(r->field[0], w_name);
    w_check = width(r->kind == ROW_SERVICE ? "(service)" : r->field[1], w_check);
  }
  printf("%-*s  %-*s  %-*s  %6s  %6s  %8s  %s\n", w_state, "STATE", w_name, "NAME", w_check,
         "CHECK", "LAST", "NEXT", "TOOK", "SUMMARY");
  for (i = 0; i < st->n; i++) {
    const struct row *r = &st->rows[i];
    char last[32] = "-";
    char next[32] = "now";
    char took[32];
    char flap[32];
    long long next_at;

    if (r->kind == ROW_SERVICE) {
      flap_text(r->field[4], r->field[3], flap, sizeof(flap));
      printf("%-*s  %-*s  %-*s  %6s  %6s  %8s  %s%s%s%s%s\n", w_state, r->field[1], w_name,
             r->field[0], w_check, "(service)", "-", "-", "-", flap, *r->field[3] ? "[" : "",
             r->field[3], *r->field[3] ? "] " : "", r->field[2]);
      continue;
    }
    if (r->kind == ROW_PASSIVE) {
      printf("passive results to %s: %s sent, %s refused, %s replaced unsent, %s waiting\n",
             r->field[0], r->field[1], r->field[2], r->field[3], r->field[4]);
      if (*r->field[5])
        printf("  retrying: %s\n", r->field[5]);
      if (*r->field[6])
        printf("  last refusal: %s\n", r->field[6]);
      continue;
    }
    if (atoll(r->field[3]) > 0)
      age(st->now - atoll(r->field[3]), last, sizeof(last));
    next_at = atoll(r->field[4]);
    /* Due or running: never a negative time. */
    if (next_at > st->now)
      age(next_at - st->now, next, sizeof(next));
    snprintf(took, sizeof(took), "%sms", r->field[5]);
    flap_text(r->field[10], r->field[9], flap, sizeof(flap));
    printf("%-*s  %-*s  %-*s  %6s  %6s  %8s  %s%s%s%s%s%s\n", w_state, r->field[2], w_name,
           r->field[0], w_check, r->field[1], last, next, took,
           atoi(r->field[7]) > 1 ? "[backing off] " : "", flap, *r->field[9] ? "[" : "",
           r->field[9], *r->field[9] ? "] " : "", r->field[8]);
  }
}

static void print_help(void)
{
  cli_help(status_options, NULL, "%s",
           "Usage: mcpwatch status [OPTIONS]\n\nEvery instance and service the agent runs: state, "
           "last run, next run, duration,\nsummary; then the passive result receivers.\n\n"
           "Exit status as a check's: the worst state shown (PENDING counts as OK, a service's\n"
           "DEGRADED as WARNING, UNHEALTHY as CRITICAL); 3 UNKNOWN when there is no status, the\n"
           "agent is not running or its status is stale.\n\n");
}

int cmd_status(int argc, char **argv)
{
  struct mw_args *opts = mw_args_new(status_options);
  struct mw_config cfg;
  struct status st;
  char *path = NULL;
  char err[MW_ERR_MAX];
  FILE *fp = NULL;
  int first;
  int result = 3;
  size_t i;

  memset(&cfg, 0, sizeof(cfg));
  memset(&st, 0, sizeof(st));
  st.now = (long long)time(NULL);
  if (!opts)
    return cli_fail("STATUS", "out of memory");
  first = mw_args_parse_argv(opts, argc, argv, err, sizeof(err));
  if (first < 0 || first < argc) {
    result = cli_fail("STATUS", "%s (see 'mcpwatch status --help')",
                      first < 0 ? err : "unexpected argument");
    goto cleanup;
  }
  if (mw_args_bool(opts, "help")) {
    print_help();
    result = 0;
    goto cleanup;
  }
  st.stale_after = mw_args_duration(opts, "stale-after");
  if (!mw_args_str(opts, "status-file") &&
      mw_config_load(mw_args_str(opts, "config"), &cfg, err, sizeof(err)) != 0) {
    result = cli_fail("STATUS", "%s", err);
    goto cleanup;
  }
  path = agent_status_path(mw_args_str(opts, "status-file"), &cfg);
  fp = path ? fopen(path, "re") : NULL;
  if (!fp) {
    result = cli_fail("STATUS", "no agent status in %s: %s", path ? path : "(path too long)",
                      strerror(errno));
    goto cleanup;
  }
  if (read_status(fp, &st, err, sizeof(err)) != 0) {
    result = cli_fail("STATUS", "no agent status in %s: %s", path, err);
    goto cleanup;
  }
  result = (int)worst_state(&st);
  if (strcmp(mw_args_str(opts, "format"), "json") == 0)
    print_json(&st, (enum mw_state)result);
  else
    print_table(&st);
cleanup:
  for (i = 0; i < st.n; i++)
    free(st.rows[i].text);
  free(st.rows);
  if (fp)
    fclose(fp);
  free(path);
  mw_config_free(&cfg);
  mw_args_free(opts);
  return result;
}
