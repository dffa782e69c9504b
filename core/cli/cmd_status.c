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

/* "[flap 12.5%] " for the table, when some state change is seen and the note does not already
 * say flapping. */
static void flap_text(const char *flap, const char *note, char *out, size_t outlen)
{
  double v = *flap ? strtod(flap, NULL) : 0.0;

  out[0] = '\0';
  if (v > 0.0 && strncmp(note, "flapping", 8) != 0)
    snprintf(out, outlen, "[flap %.1f%%] ", v);
}

static void print_json(const struct status_view *st, enum mw_state worst)
{
  struct mw_buf out;

  mw_buf_init(&out, 256u << 20);
  status_view_json(st, worst, &out);
  fputs(out.failed ? "{\"state\":\"UNKNOWN\",\"error\":\"out of memory\"}\n" : mw_buf_str(&out),
        stdout);
  mw_buf_free(&out);
}

static int width(const char *text, int at_least)
{
  int len = (int)strlen(text);

  return len > at_least ? len : at_least;
}

static void print_table(const struct status_view *st)
{
  int w_state = 5, w_name = 4, w_check = 5;
  size_t i;

  printf("agent pid %ld%s, status written %llds ago%s\n", st->pid,
         st->running ? "" : " (not running)", st->now > st->updated ? st->now - st->updated : 0,
         st->stale ? " (stale)" : "");
  for (i = 0; i < st->n; i++) {
    const struct status_row *r = &st->rows[i];

    if (r->kind == STATUS_PASSIVE)
      continue;
    w_state = width(r->field[r->kind == STATUS_SERVICE ? 1 : 2], w_state);
    w_name = width(r->field[0], w_name);
    w_check = width(r->kind == STATUS_SERVICE ? "(service)" : r->field[1], w_check);
  }
  printf("%-*s  %-*s  %-*s  %6s  %6s  %8s  %s\n", w_state, "STATE", w_name, "NAME", w_check,
         "CHECK", "LAST", "NEXT", "TOOK", "SUMMARY");
  for (i = 0; i < st->n; i++) {
    const struct status_row *r = &st->rows[i];
    char last[32] = "-";
    char next[32] = "now";
    char took[32];
    char flap[32];
    long long next_at;

    if (r->kind == STATUS_SERVICE) {
      flap_text(r->field[4], r->field[3], flap, sizeof(flap));
      printf("%-*s  %-*s  %-*s  %6s  %6s  %8s  %s%s%s%s%s\n", w_state, r->field[1], w_name,
             r->field[0], w_check, "(service)", "-", "-", "-", flap, *r->field[3] ? "[" : "",
             r->field[3], *r->field[3] ? "] " : "", r->field[2]);
      continue;
    }
    if (r->kind == STATUS_SLO) {
      printf("%-*s  %-*s  %-*s  %6s  %6s  %8s  %s\n", w_state, r->field[2], w_name, r->field[0],
             w_check, "(slo)", "-", "-", "-", *r->field[10] ? r->field[10] : r->field[1]);
      continue;
    }
    if (r->kind == STATUS_PASSIVE) {
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
  struct status_view st;
  char *path = NULL;
  char err[MW_ERR_MAX];
  FILE *fp = NULL;
  int first;
  int result = 3;

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
  if (status_view_read(fp, &st, err, sizeof(err)) != 0) {
    result = cli_fail("STATUS", "no agent status in %s: %s", path, err);
    goto cleanup;
  }
  result = (int)status_view_worst(&st);
  if (strcmp(mw_args_str(opts, "format"), "json") == 0)
    print_json(&st, (enum mw_state)result);
  else
    print_table(&st);
cleanup:
  status_view_free(&st);
  if (fp)
    fclose(fp);
  free(path);
  mw_config_free(&cfg);
  mw_args_free(opts);
  return result;
}
