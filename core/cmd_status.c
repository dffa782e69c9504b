/* cmd_status.c - `mcpwatch status`: the agent's status file as a table. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const struct mw_option status_options[] = {
    {"config", 'c', MW_OPT_STRING, 0, "FILE", MW_DEFAULT_CONFIG,
     "The agent's configuration (for its state_dir).", NULL, NULL},
    {"status-file", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FILE", NULL,
     "Read this status file instead of STATE_DIR/agent.status.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static void age(long long seconds, char *out, size_t outlen)
{
  long long a = seconds < 0 ? -seconds : seconds;

  if (a < 120)
    snprintf(out, outlen, "%s%llds", seconds < 0 ? "-" : "", a);
  else if (a < 7200)
    snprintf(out, outlen, "%s%lldm", seconds < 0 ? "-" : "", a / 60);
  else
    snprintf(out, outlen, "%s%lldh", seconds < 0 ? "-" : "", a / 3600);
}

int cmd_status(int argc, char **argv)
{
  struct mw_args *opts = mw_args_new(status_options);
  struct mw_config cfg;
  char *path = NULL;
  char line[4096];
  char err[ERR_MAX];
  FILE *fp = NULL;
  long long now = (long long)time(NULL);
  long pid = 0;
  long long updated = 0;
  int first;
  int result = 3;

  memset(&cfg, 0, sizeof(cfg));
  if (!opts)
    return cli_fail("STATUS", "out of memory");
  first = mw_args_parse_argv(opts, argc, argv, err, sizeof(err));
  if (first < 0 || first < argc) {
    result = cli_fail("STATUS", "%s (see 'mcpwatch status --help')",
                      first < 0 ? err : "unexpected argument");
    goto cleanup;
  }
  if (mw_args_bool(opts, "help")) {
    printf("Usage: mcpwatch status [OPTIONS]\n\nEvery instance the agent runs: state, last run, "
           "next run, duration, interval, summary.\n\nOptions:\n");
    {
      struct mw_buf text;
      mw_buf_init(&text, 1 << 20);
      mw_options_help(status_options, &text);
      fputs(mw_buf_str(&text), stdout);
      mw_buf_free(&text);
    }
    result = 0;
    goto cleanup;
  }
  if (!mw_args_str(opts, "status-file") &&
      mw_config_load(mw_args_str(opts, "config"), &cfg, err, sizeof(err)) != 0) {
    result = cli_fail("STATUS", "%s", err);
    goto cleanup;
  }
  path = cli_status_path(opts, &cfg);
  fp = path ? fopen(path, "re") : NULL;
  if (!fp || !fgets(line, sizeof(line), fp) ||
      sscanf(line, "mcpwatch-agent-status 1\tpid %ld\tupdated %lld", &pid, &updated) != 2) {
    result = cli_fail("STATUS", "no agent status in %s%s%s", path ? path : "(path too long)",
                      fp ? "" : ": ", fp ? "" : strerror(errno));
    goto cleanup;
  }
  printf("agent pid %ld%s, status written %llds ago\n", pid,
         kill((pid_t)pid, 0) == 0 || errno == EPERM ? "" : " (not running)", now - updated);
  printf("%-8s  %-20s  %-12s  %8s  %8s  %8s  %s\n", "STATE", "NAME", "CHECK", "LAST", "NEXT",
         "TOOK", "SUMMARY");
  result = 0;
  while (fgets(line, sizeof(line), fp)) {
    char *field[9];
    char *p = line;
    char last[32] = "-";
    char next[32];
    int k;
    line[strcspn(line, "\n")] = '\0';
    if (strncmp(line, "service\t", 8) == 0) {
      char *svc = line + 8;
      char *word = strchr(svc, '\t');
      char *summary = word ? strchr(word + 1, '\t') : NULL;
      if (!summary)
        continue;
      *word++ = '\0';
      *summary++ = '\0';
      printf("%-8s  %-20s  %-12s  %s\n", word, svc, "(service)", summary);
      continue;
    }
    if (strncmp(line, "passive\t", 8) == 0) {
      char *f[7];
      p = line + 8;
      for (k = 0; k < 7; k++)
        f[k] = k < 6 ? strsep(&p, "\t") : p;
      if (!f[6])
        continue;
      printf("passive results to %s: %s sent, %s refused, %s replaced unsent, %s waiting\n", f[0],
             f[1], f[2], f[3], f[4]);
      if (*f[5])
        printf("  retrying: %s\n", f[5]);
      if (*f[6])
        printf("  last refusal: %s\n", f[6]);
      continue;
    }
    for (k = 0; k < 9; k++)
      field[k] = k < 8 ? strsep(&p, "\t") : p;
    if (!field[8])
      continue;
    if (atoll(field[3]) > 0)
      age(now - atoll(field[3]), last, sizeof(last));
    age(atoll(field[4]) - now, next, sizeof(next));
    printf("%-8s  %-20s  %-12s  %8s  %8s  %6sms  %s%s\n", field[2], field[0], field[1], last, next,
           field[5], atoi(field[7]) > 1 ? "[backing off] " : "", field[8]);
  }
cleanup:
  if (fp)
    fclose(fp);
  free(path);
  mw_config_free(&cfg);
  mw_args_free(opts);
  return result;
}
