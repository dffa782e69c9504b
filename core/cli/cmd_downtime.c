/* SPDX-License-Identifier: MIT */
/* cmd_downtime.c - `mcpwatch downtime add|list|remove`: ad-hoc downtimes kept in the state
 * folder, which run --notify, the agent and the collectd plugin read at every result, beside the
 * configuration's recurring windows. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define DOWNTIME_LONGEST (366.0 * 86400.0)

static const struct mw_option downtime_options[] = {
    {"config", 0, MW_OPT_STRING, 0, "FILE", MW_DEFAULT_CONFIG,
     "The configuration: its state_dir holds the downtimes, and names are checked against its "
     "instances and services.",
     NULL, NULL},
    {"for", 0, MW_OPT_DURATION, MW_OPT_CLI_ONLY, "DURATION", NULL,
     "add: how long, from now (30m, 2h, 1d; at most 366 days). Required.", NULL, NULL},
    {"comment", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "TEXT", NULL,
     "add: why (shown by list and status, in one line of at most 199 bytes).", NULL, NULL},
    {"format", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FORMAT", "text", "list: text (a table) or json.",
     NULL, cli_formats},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static void print_help(void)
{
  cli_help(
      downtime_options, NULL, "%s",
      "Usage: mcpwatch downtime add NAME... --for DURATION [--comment TEXT]\n"
      "       mcpwatch downtime list [--format text|json]\n"
      "       mcpwatch downtime remove ID|NAME...\n\n"
      "While an instance or service is in downtime its checks go on and its recoveries are\n"
      "sent, but its problems are held: a problem still there when the downtime ends is sent\n"
      "then. Recurring downtimes are set in the configuration (downtimes: { }); these are\n"
      "ad-hoc ones, kept in STATE_DIR/downtimes and read by `run --notify`, the agent and the\n"
      "collectd plugin at every result. remove takes a downtime's ID, or a NAME to end all of\n"
      "its downtimes. Exit status 0, or 3 with one line on stderr.\n\n");
}

static const char *state_dir_of(const struct mw_config *cfg)
{
  return cfg->state_dir ? cfg->state_dir : MW_DEFAULT_STATE;
}

static bool known_name(const struct mw_config *cfg, const char *name)
{
  size_t i;

  for (i = 0; i < cfg->ninstances; i++) {
    if (strcmp(cfg->instances[i].name, name) == 0)
      return true;
  }
  for (i = 0; i < cfg->nservices; i++) {
    if (strcmp(cfg->services[i].name, name) == 0)
      return true;
  }
  return false;
}

static void utc_text(int64_t t, char *out, size_t outlen)
{
  time_t tt = (time_t)t;
  struct tm tm;

  if (!gmtime_r(&tt, &tm) || strftime(out, outlen, "%Y-%m-%d %H:%M UTC", &tm) == 0)
    snprintf(out, outlen, "%lld", (long long)t);
}

static int add(const struct mw_config *cfg, const struct mw_args *opts, char **names, size_t n)
{
  double seconds = mw_args_duration(opts, "for");
  int64_t now = (int64_t)time(NULL);
  char err[MW_ERR_MAX];
  char until[40];
  long first = 0;
  size_t i;

  if (n == 0)
    return cli_fail("DOWNTIME", "add needs the NAME of an instance or service");
  if (!mw_args_str(opts, "for") || seconds < 1.0 || seconds > DOWNTIME_LONGEST)
    return cli_fail("DOWNTIME", "add needs --for DURATION, from 1s to 366d (such as 30m)");
  for (i = 0; i < n; i++) {
    if (!known_name(cfg, names[i]))
      return cli_fail("DOWNTIME", "'%.80s' is neither a check instance nor a service of %s",
                      names[i], mw_args_str(opts, "config"));
  }
  if (mw_downtime_add(state_dir_of(cfg), (const char *const *)names, n, now,
                      now + (int64_t)(seconds + 0.5), mw_args_str(opts, "comment"), &first, err,
                      sizeof(err)) != 0)
    return cli_fail("DOWNTIME", "%s", err);
  utc_text(now + (int64_t)(seconds + 0.5), until, sizeof(until));
  for (i = 0; i < n; i++)
    printf("downtime %ld: %s until %s\n", first + (long)i, names[i], until);
  return 0;
}

static int remove_downtimes(const struct mw_config *cfg, char **args, size_t n)
{
  char err[MW_ERR_MAX];
  size_t i;
  int result = 0;

  if (n == 0)
    return cli_fail("DOWNTIME", "remove needs a downtime's ID or an instance's NAME");
  for (i = 0; i < n; i++) {
    char *end;
    long id = strtol(args[i], &end, 10);
    size_t removed = 0;
    bool by_id = *args[i] >= '0' && *args[i] <= '9' && *end == '\0' && id > 0;
    if (mw_downtime_remove(state_dir_of(cfg), by_id ? id : 0, by_id ? NULL : args[i], &removed, err,
                           sizeof(err)) != 0)
      return cli_fail("DOWNTIME", "%s", err);
    if (removed == 0) {
      printf("DOWNTIME UNKNOWN - no ad-hoc downtime %s %.80s\n", by_id ? "with ID" : "of", args[i]);
      result = 3;
    } else {
      printf("removed %zu downtime%s (%s)\n", removed, removed == 1 ? "" : "s", args[i]);
    }
  }
  return result;
}

static void list_json(const struct mw_config *cfg, const struct mw_downtime_list *adhoc,
                      int64_t now)
{
  struct mw_buf out;
  size_t i;
  size_t j;

  mw_buf_init(&out, 64 << 20);
  mw_buf_adds(&out, "{\"recurring\":[");
  for (i = 0; i < cfg->ndowntimes; i++) {
    const struct mw_downtime_window *w = &cfg->downtimes[i];
    mw_buf_adds(&out, i ? ",{\"name\":" : "{\"name\":");
    mw_json_string(&out, w->name);
    mw_buf_adds(&out, ",\"members\":[");
    for (j = 0; j < w->nmembers; j++) {
      mw_buf_adds(&out, j ? "," : "");
      mw_json_string(&out, w->members[j]);
    }
    mw_buf_adds(&out, "],\"every\":");
    mw_json_string(&out, w->every);
    mw_buf_adds(&out, ",\"timezone\":");
    mw_json_string(&out, w->timezone ? w->timezone : "");
    mw_buf_adds(&out, ",\"comment\":");
    mw_json_string(&out, w->comment ? w->comment : "");
    mw_buf_addf(&out, ",\"active\":%s}",
                mw_window_active(&w->window, w->tz, now) ? "true" : "false");
  }
  mw_buf_adds(&out, "],\"adhoc\":[");
  for (i = 0, j = 0; i < adhoc->n; i++) {
    const struct mw_downtime *d = &adhoc->items[i];
    if (d->end <= now)
      continue; /* ended: dropped at the next change */
    mw_buf_addf(&out, "%s{\"id\":%ld,\"member\":", j++ ? "," : "", d->id);
    mw_json_string(&out, d->member);
    mw_buf_addf(&out, ",\"start\":%lld,\"end\":%lld,\"comment\":", (long long)d->start,
                (long long)d->end);
    mw_json_string(&out, d->comment);
    mw_buf_addf(&out, ",\"active\":%s}", now >= d->start && now < d->end ? "true" : "false");
  }
  mw_buf_adds(&out, "]}\n");
  fputs(mw_buf_str(&out), stdout);
  mw_buf_free(&out);
}

static void list_text(const struct mw_config *cfg, const struct mw_downtime_list *adhoc,
                      int64_t now)
{
  size_t i;
  size_t j;

  for (i = 0; i < cfg->ndowntimes; i++) {
    const struct mw_downtime_window *w = &cfg->downtimes[i];
    printf("%-6s %-20s %s%s%s:", mw_window_active(&w->window, w->tz, now) ? "NOW" : "", w->name,
           w->every, w->timezone ? " " : "", w->timezone ? w->timezone : "");
    for (j = 0; j < w->nmembers; j++)
      printf(" %s", w->members[j]);
    printf("%s%s\n", w->comment ? " - " : "", w->comment ? w->comment : "");
  }
  for (i = 0; i < adhoc->n; i++) {
    const struct mw_downtime *d = &adhoc->items[i];
    char until[40];
    if (d->end <= now)
      continue;
    utc_text(d->end, until, sizeof(until));
    printf("%-6s %-20ld %s until %s%s%s\n", now >= d->start ? "NOW" : "", d->id, d->member, until,
           d->comment[0] ? " - " : "", d->comment);
  }
  if (cfg->ndowntimes == 0 && adhoc->n == 0)
    printf("no downtimes\n");
}

int cmd_downtime(int argc, char **argv)
{
  struct mw_args *opts = mw_args_new(downtime_options);
  struct mw_downtime_list adhoc = {NULL, 0};
  struct mw_config cfg;
  char err[MW_ERR_MAX];
  const char *action;
  int first;
  int result = 3;

  memset(&cfg, 0, sizeof(cfg));
  if (!opts)
    return cli_fail("DOWNTIME", "out of memory");
  first = mw_args_parse_argv(opts, argc, argv, err, sizeof(err));
  if (first < 0) {
    result = cli_fail("DOWNTIME", "%s (see 'mcpwatch downtime --help')", err);
    goto cleanup;
  }
  if (mw_args_bool(opts, "help")) {
    print_help();
    result = 0;
    goto cleanup;
  }
  if (first >= argc) {
    result = cli_fail("DOWNTIME", "add, list or remove? (see 'mcpwatch downtime --help')");
    goto cleanup;
  }
  action = argv[first++];
  if (strcmp(action, "add") != 0 && strcmp(action, "list") != 0 && strcmp(action, "remove") != 0) {
    result = cli_fail("DOWNTIME", "unknown action '%.40s': add, list or remove", action);
    goto cleanup;
  }
  if (mw_config_load(mw_args_str(opts, "config"), &cfg, err, sizeof(err)) != 0) {
    result = cli_fail("DOWNTIME", "%s", err);
    goto cleanup;
  }
  if (strcmp(action, "add") == 0) {
    result = add(&cfg, opts, argv + first, (size_t)(argc - first));
  } else if (strcmp(action, "remove") == 0) {
    result = remove_downtimes(&cfg, argv + first, (size_t)(argc - first));
  } else if (first < argc) {
    result = cli_fail("DOWNTIME", "list takes no NAME");
  } else if (mw_downtime_load(state_dir_of(&cfg), &adhoc, NULL, err, sizeof(err)) != 0) {
    result = cli_fail("DOWNTIME", "%s", err);
  } else {
    if (strcmp(mw_args_str(opts, "format"), "json") == 0)
      list_json(&cfg, &adhoc, (int64_t)time(NULL));
    else
      list_text(&cfg, &adhoc, (int64_t)time(NULL));
    result = 0;
  }
cleanup:
  mw_downtime_list_free(&adhoc);
  mw_config_free(&cfg);
  mw_args_free(opts);
  return result;
}
