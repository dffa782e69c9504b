/* SPDX-License-Identifier: MIT */
/* cmd_agent.c - `mcpwatch agent`: its options and --help; the agent itself is core/agent. */
#include "config.h"

#include <stdio.h>

#include "agent.h"
#include "cli.h"

static const struct mw_option agent_options[] = {
    {"config", 0, MW_OPT_STRING, 0, "FILE", MW_DEFAULT_CONFIG,
     "Main configuration file; every *.conf in its conf_dir is read after it.", NULL, NULL},
    {"workers", 0, MW_OPT_INT, MW_OPT_CLI_ONLY, "N", "4",
     "Threads running checks: one runs them in turn, more join when a run is 250 ms overdue.", NULL,
     NULL},
    {"status-file", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FILE", NULL,
     "Where the agent writes every instance's state each second (default "
     "STATE_DIR/agent.status).",
     NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char agent_description[] =
    "Runs every check instance of the configuration on its own schedule until stopped:\n"
    "each every 'interval' (default 60s; the first runs spread over one interval), and\n"
    "every 'retry_interval' while a problem is soft. After 5 failures in a row a circuit\n"
    "breaker opens: each run is one probe at the interval whose success closes it (a server\n"
    "that is back is seen within one interval); probes that time out wait twice as long\n"
    "each time, up to 'backoff_max' intervals (default 4; per instance or for all). Checks\n"
    "keep their connections and sessions between runs. State changes (max_attempts,\n"
    "renotify_interval as for 'run --notify') go to the notifiers through the spool.\n"
    "SIGHUP reloads the configuration (a broken one is refused and the running one kept);\n"
    "SIGTERM lets running checks finish and exits within 5 s whatever the receivers do,\n"
    "delivering what it can meanwhile (what is not delivered stays queued). Logs go to\n"
    "stderr. 'mcpwatch status' shows what the agent last wrote to its status file.\n";

int cmd_agent(int argc, char **argv)
{
  struct mw_args *opts = mw_args_new(agent_options);
  char err[MW_ERR_MAX];
  long long workers;
  int first;
  int result = 1;

  if (!opts)
    return cli_fail("AGENT", "out of memory");
  first = mw_args_parse_argv(opts, argc, argv, err, sizeof(err));
  if (first < 0 || first < argc) {
    result = cli_fail("AGENT", "%s (see 'mcpwatch agent --help')",
                      first < 0 ? err : "unexpected argument");
    goto cleanup;
  }
  if (mw_args_bool(opts, "help")) {
    cli_help(agent_options, NULL, "Usage: mcpwatch agent [OPTIONS]\n\n%s\n", agent_description);
    result = 0;
    goto cleanup;
  }
  workers = mw_args_int(opts, "workers");
  if (workers < 1 || workers > 256) {
    result = cli_fail("AGENT", "--workers must be 1 to 256");
    goto cleanup;
  }
  result = agent_run(mw_args_str(opts, "config"), (size_t)workers, mw_args_str(opts, "status-file"),
                     err, sizeof(err));
  if (result < 0)
    result = cli_fail("AGENT", "%s", err);
cleanup:
  mw_args_free(opts);
  return result;
}
