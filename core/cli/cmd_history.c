/* SPDX-License-Identifier: MIT */
/* cmd_history.c - `mcpwatch history NAME`: what the agent's history holds of an instance or a
 * service since a time: a summary (runs, availability, response times), the changes of state,
 * and the runs, one by one for the last day and as per-minute and per-hour aggregates before, as
 * text, CSV or JSON. Reads STATE_DIR/history.db without ever writing it. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "cli.h"
#ifdef HAVE_HISTORY
#include "history.h"
#endif

static const char *const history_formats[] = {"text", "json", "csv", NULL};

/* Its own table, without the checks' common options: their --format knows no csv. */
static const struct mw_option history_options[] = {
    {"help", 'h', MW_OPT_BOOL, MW_OPT_CLI_ONLY, NULL, NULL, "Show this help and exit.", NULL, NULL},
    {"config", 0, MW_OPT_STRING, 0, "FILE", MW_DEFAULT_CONFIG,
     "The agent's configuration (for its state_dir).", NULL, NULL},
    {"since", 0, MW_OPT_DURATION, MW_OPT_CLI_ONLY, "DURATION", "24h",
     "How far back: \"1h\", \"7d\", \"90d\" (at most a year).", NULL, NULL},
    {"format", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FORMAT", "text",
     "text (a summary and a table), csv (one row per run, aggregate and change) or json.", NULL,
     history_formats},
    {"database", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FILE", NULL,
     "Read this history file instead of STATE_DIR/history.db.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const struct mw_option no_options[] = {
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static void print_help(void)
{
  cli_help(history_options, NULL, "%s",
           "Usage: mcpwatch history [OPTIONS] NAME\n\n"
           "What the agent's history holds of the instance or service NAME since --since: the\n"
           "number of runs, availability (the share of runs OK or WARNING), response time\n"
           "(mean, p95, p99, max), every change of state, then the runs: one by one for the\n"
           "last day, per minute for the week before, per hour before that (kept for the\n"
           "history's retention, 90 days by default).\n\n"
           "Exit status 0, or 3 when there is no history or no such name.\n\n");
}

#ifdef HAVE_HISTORY

enum fmt { FMT_TEXT, FMT_JSON, FMT_CSV };

static void iso_time(int64_t ms, char *out, size_t outlen)
{
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;

  gmtime_r(&secs, &tm);
  strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *state_word(int state)
{
  return state >= 0 && state <= 3 ? mw_state_name((enum mw_state)state) : "";
}

static void csv_text(const char *text)
{
  putchar('"');
  for (; *text; text++) {
    if (*text == '"')
      putchar('"');
    putchar((unsigned char)*text < 0x20 ? ' ' : *text);
  }
  putchar('"');
}

static void json_number(struct mw_buf *out, double v)
{
  if (isnan(v))
    mw_buf_adds(out, "null");
  else
    mw_buf_addf(out, "%.3f", v);
}

static void print_summary(const char *name, const char *since, double since_s,
                          const struct history_summary *s, enum fmt fmt, struct mw_buf *json)
{
  double avail = history_availability(s);
  double p95 = history_quantile(s, 0.95);
  double p99 = history_quantile(s, 0.99);

  if (fmt == FMT_JSON) {
    mw_buf_adds(json, "{\"name\":");
    mw_json_string(json, name);
    mw_buf_addf(json,
                ",\"since_s\":%.0f,\"summary\":{\"runs\":%llu,\"ok\":%llu,\"warning\":%llu,"
                "\"critical\":%llu,\"unknown\":%llu,\"availability\":",
                since_s, (unsigned long long)s->runs, (unsigned long long)s->by_state[0],
                (unsigned long long)s->by_state[1], (unsigned long long)s->by_state[2],
                (unsigned long long)s->by_state[3]);
    json_number(json, avail);
    mw_buf_adds(json, ",\"mean_ms\":");
    json_number(json, s->mean_ms);
    mw_buf_adds(json, ",\"p95_ms\":");
    json_number(json, p95);
    mw_buf_adds(json, ",\"p99_ms\":");
    json_number(json, p99);
    mw_buf_adds(json, ",\"max_ms\":");
    json_number(json, s->runs ? s->max_ms : NAN);
    mw_buf_adds(json, "}");
  } else if (fmt == FMT_TEXT) {
    printf("%s: %llu runs in the last %s", name, (unsigned long long)s->runs, since);
    if (s->runs)
      printf(", availability %.3f%% (OK %llu, WARNING %llu, CRITICAL %llu, UNKNOWN %llu), "
             "response time mean %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.0f ms",
             100.0 * avail, (unsigned long long)s->by_state[0], (unsigned long long)s->by_state[1],
             (unsigned long long)s->by_state[2], (unsigned long long)s->by_state[3], s->mean_ms,
             p95, p99, s->max_ms);
    printf("\n");
  } else {
    printf("time,kind,state,runs,ok,warning,critical,unknown,mean_ms,max_ms,output\n");
  }
}

static int print_changes(sqlite3 *db, const char *name, int64_t since_ms, enum fmt fmt,
                         struct mw_buf *json)
{
  sqlite3_stmt *st = NULL;
  bool first = true;
  int rc = sqlite3_prepare_v2(db,
                              "SELECT t, previous, state, output FROM changes WHERE series ="
                              " (SELECT id FROM series WHERE name = ?1) AND t >= ?2 ORDER BY t",
                              -1, &st, NULL);

  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since_ms);
  }
  if (fmt == FMT_JSON)
    mw_buf_adds(json, ",\"changes\":[");
  else if (fmt == FMT_TEXT)
    printf("\nchanges of state:\n");
  while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    char when[32];
    int previous = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1);
    const char *output = (const char *)sqlite3_column_text(st, 3);

    iso_time(sqlite3_column_int64(st, 0), when, sizeof(when));
    if (fmt == FMT_JSON) {
      mw_buf_addf(json, "%s{\"time\":\"%s\",\"previous\":", first ? "" : ",", when);
      if (previous < 0)
        mw_buf_adds(json, "null");
      else
        mw_json_string(json, state_word(previous));
      mw_buf_addf(json, ",\"state\":\"%s\",\"output\":", state_word(sqlite3_column_int(st, 2)));
      mw_json_string(json, output ? output : "");
      mw_buf_adds(json, "}");
    } else if (fmt == FMT_TEXT) {
      printf("  %s  %-8s -> %-8s  %s\n", when, previous < 0 ? "(first)" : state_word(previous),
             state_word(sqlite3_column_int(st, 2)), output ? output : "");
    } else {
      printf("%s,change,%s,,,,,,,,", when, state_word(sqlite3_column_int(st, 2)));
      csv_text(output ? output : "");
      putchar('\n');
    }
    first = false;
  }
  if (fmt == FMT_JSON)
    mw_buf_adds(json, "]");
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Aggregates (oldest first), then runs. */
static const char *const rows_sql =
    "SELECT t * 1000, res, NULL, runs, ok, warning, critical, unknown, ms_sum * 1.0 / runs, ms_max"
    " FROM agg WHERE series = (SELECT id FROM series WHERE name = ?1) AND t >= ?2 / 1000"
    " UNION ALL SELECT t, 0, state, 1, state = 0, state = 1, state = 2, state = 3, ms, ms FROM runs"
    " WHERE series = (SELECT id FROM series WHERE name = ?1) AND t >= ?2 ORDER BY 1";

static int print_rows(sqlite3 *db, const char *name, int64_t since_ms, enum fmt fmt,
                      struct mw_buf *json)
{
  static const char *const fields[] = {"runs", "ok", "warning", "critical", "unknown"};
  sqlite3_stmt *st = NULL;
  bool first = true;
  int rc = sqlite3_prepare_v2(db, rows_sql, -1, &st, NULL);
  int k;

  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since_ms);
  }
  if (fmt == FMT_JSON)
    mw_buf_adds(json, ",\"rows\":[");
  else if (fmt == FMT_TEXT)
    printf("\n%-20s  %-6s  %-8s  %5s  %5s  %5s  %5s  %5s  %9s  %9s\n", "TIME", "KIND", "STATE",
           "RUNS", "OK", "WARN", "CRIT", "UNKN", "MEAN MS", "MAX MS");
  while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    char when[32];
    int res = sqlite3_column_int(st, 1);
    const char *kind = res == 0 ? "run" : res == 60 ? "minute" : "hour";
    const char *state = res == 0 ? state_word(sqlite3_column_int(st, 2)) : "";

    iso_time(sqlite3_column_int64(st, 0), when, sizeof(when));
    if (fmt == FMT_JSON) {
      mw_buf_addf(json, "%s{\"time\":\"%s\",\"kind\":\"%s\"", first ? "" : ",", when, kind);
      if (res == 0)
        mw_buf_addf(json, ",\"state\":\"%s\"", state);
      for (k = 0; k < 5; k++)
        mw_buf_addf(json, ",\"%s\":%lld", fields[k], (long long)sqlite3_column_int64(st, 3 + k));
      mw_buf_adds(json, ",\"mean_ms\":");
      json_number(json, sqlite3_column_double(st, 8));
      mw_buf_addf(json, ",\"max_ms\":%lld}", (long long)sqlite3_column_int64(st, 9));
    } else {
      printf(fmt == FMT_TEXT ? "%-20s  %-6s  %-8s" : "%s,%s,%s", when, kind, state);
      for (k = 0; k < 5; k++)
        printf(fmt == FMT_TEXT ? "  %5lld" : ",%lld", (long long)sqlite3_column_int64(st, 3 + k));
      printf(fmt == FMT_TEXT ? "  %9.1f  %9lld\n" : ",%.1f,%lld,\n", sqlite3_column_double(st, 8),
             (long long)sqlite3_column_int64(st, 9));
    }
    first = false;
  }
  if (fmt == FMT_JSON)
    mw_buf_adds(json, "]}\n");
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static int show(const char *path, const char *name, const char *since, double since_s, enum fmt fmt)
{
  struct timespec now;
  struct history_summary summary;
  struct mw_buf json;
  char err[MW_ERR_MAX];
  int64_t now_ms;
  int64_t since_ms;
  int result = 3;
  sqlite3 *db = history_reader_open(path, err, sizeof(err));
  sqlite3_stmt *st = NULL;
  bool known = false;

  if (!db)
    return cli_fail("HISTORY", "%s", err);
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM series WHERE name = ?1", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK)
    known = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  if (!known) {
    sqlite3_close(db);
    return cli_fail("HISTORY",
                    "%s has no history of '%.100s' (an instance or service that has "
                    "run under the agent)",
                    path, name);
  }
  clock_gettime(CLOCK_REALTIME, &now);
  now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
  since_ms = now_ms - (int64_t)(since_s * 1000);
  mw_buf_init(&json, 256u << 20);
  if (history_summarize(db, name, since_ms, now_ms + 1, &summary) != 0) {
    result = cli_fail("HISTORY", "%s: %s", path, sqlite3_errmsg(db));
    goto cleanup;
  }
  print_summary(name, since, since_s, &summary, fmt, &json);
  if (print_changes(db, name, since_ms, fmt, &json) != 0 ||
      print_rows(db, name, since_ms, fmt, &json) != 0) {
    fflush(stdout);
    result = cli_fail("HISTORY", "%s: %s", path, sqlite3_errmsg(db));
    goto cleanup;
  }
  if (fmt == FMT_JSON)
    fputs(json.failed ? "{\"error\":\"out of memory\"}\n" : mw_buf_str(&json), stdout);
  result = 0;
cleanup:
  mw_buf_free(&json);
  sqlite3_close(db);
  return result;
}
#endif

int cmd_history(int argc, char **argv)
{
  struct mw_args *opts = mw_args_new_with(history_options, no_options);
  struct mw_config cfg;
  char err[MW_ERR_MAX];
  char *path = NULL;
  int first;
  int result = 3;

  memset(&cfg, 0, sizeof(cfg));
  if (!opts)
    return cli_fail("HISTORY", "out of memory");
  first = mw_args_parse_argv(opts, argc, argv, err, sizeof(err));
  if (first < 0) {
    result = cli_fail("HISTORY", "%s (see 'mcpwatch history --help')", err);
    goto cleanup;
  }
  if (mw_args_bool(opts, "help")) {
    print_help();
    result = 0;
    goto cleanup;
  }
  if (first != argc - 1) {
    result = cli_fail("HISTORY", "give one instance or service name (see 'mcpwatch history "
                                 "--help')");
    goto cleanup;
  }
#ifdef HAVE_HISTORY
  if (mw_args_str(opts, "database")) {
    path = strdup(mw_args_str(opts, "database"));
  } else {
    struct mw_buf buf;

    if (mw_config_load(mw_args_str(opts, "config"), &cfg, err, sizeof(err)) != 0) {
      result = cli_fail("HISTORY", "%s", err);
      goto cleanup;
    }
    mw_buf_init(&buf, 4096);
    mw_buf_addf(&buf, "%s/%s", cfg.state_dir ? cfg.state_dir : MW_DEFAULT_STATE, HISTORY_FILE);
    path = buf.failed ? NULL : strdup(mw_buf_str(&buf));
    mw_buf_free(&buf);
  }
  if (!path) {
    result = cli_fail("HISTORY", "out of memory");
    goto cleanup;
  }
  result = show(path, argv[first], mw_args_str(opts, "since"), mw_args_duration(opts, "since"),
                strcmp(mw_args_str(opts, "format"), "json") == 0  ? FMT_JSON
                : strcmp(mw_args_str(opts, "format"), "csv") == 0 ? FMT_CSV
                                                                  : FMT_TEXT);
#else
  result = cli_fail("HISTORY", "this mcpwatch was built without SQLite (configure "
                               "--enable-history)");
#endif
cleanup:
  free(path);
  mw_config_free(&cfg);
  mw_args_free(opts);
  return result;
}
