/* SPDX-License-Identifier: MIT */
/* cmd_run.c - `mcpwatch run`: every configured check instance at once, as a table or JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cli.h"

static const struct mw_option run_options[] = {
    {"config", 0, MW_OPT_STRING, 0, "FILE", MW_DEFAULT_CONFIG,
     "Main configuration file; every *.conf in its conf_dir is read after it.", NULL, NULL},
    {"notify", 0, MW_OPT_BOOL, MW_OPT_CLI_ONLY, NULL, NULL,
     "Track each instance's state (state_dir) and forward hard changes to the notifiers.", NULL,
     NULL},
    {"notify-wait", 0, MW_OPT_DURATION, MW_OPT_CLI_ONLY, "DURATION", "10",
     "With --notify: keep retrying deliveries this long, then leave them queued.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char run_description[] =
    "Runs every check instance of the configuration in parallel (or only the NAMEs given),\n"
    "prints one row per instance, then one per service whose members all ran (HEALTHY,\n"
    "DEGRADED or UNHEALTHY, as the agent judges them), and exits with the worst state\n"
    "(CRITICAL > WARNING > UNKNOWN > OK). The configuration uses libconfig syntax:\n"
    "\n"
    "  timeout = 10;             # default timeout of every instance (main file only)\n"
    "  conf_dir = \"conf.d\";     # more files, relative to the main file (main file only)\n"
    "  checks: {\n"
    "    root-disk: { check = \"disk\"; path = [\"/\"]; warning = \"80%\"; critical = \"90%\"; };\n"
    "  };\n"
    "\n"
    "Keys inside an instance are the check's long option names ('mcpwatch CHECK --help');\n"
    "a list gives a repeatable option several values. 'interval = 30;' sets how often\n"
    "schedulers (collectd, the agent) run the instance; 'run' ignores it. --timeout here is\n"
    "the default for instances that set none.\n"
    "\n"
    "With --notify (for cron), each result goes through a state file in state_dir and only\n"
    "hard state changes are forwarded, as Nagios does: a problem is hard after max_attempts\n"
    "results in a row (default 1), a recovery at once; renotify_interval repeats an unresolved\n"
    "problem. Events go to every notifier, or to those an instance names:\n"
    "\n"
    "  state_dir = \"/var/lib/mcpwatch\";  spool_dir = \"/var/spool/mcpwatch\";  host = \"web1\";\n"
    "  notifiers: {\n"
    "    oncall: { type = \"pagerduty\"; routing_key_file = \"/etc/mcpwatch/pagerduty.key\"; };\n"
    "  };\n"
    "  checks: { api: { check = \"rest-health\"; url = \"https://api/health\";\n"
    "                   max_attempts = 3; renotify_interval = \"4h\"; notify = [\"oncall\"]; }; "
    "};\n";

static void format_duration(int64_t ns, char *out, size_t outlen)
{
  if (ns < 1000000000)
    snprintf(out, outlen, "%.1fms", (double)ns / 1e6);
  else
    snprintf(out, outlen, "%.2fs", (double)ns / 1e9);
}

/* A service of the configuration, judged on its members' results of this run as the agent
 * judges it on their hard states. */
struct service_row {
  const struct mw_instance *svc;
  const char *word;
  struct mw_result *result;
};

static const struct mw_job *job_of(const struct mw_instance **insts, const struct mw_job *jobs,
                                   size_t n, const char *name)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (strcmp(insts[i]->name, name) == 0)
      return &jobs[i];
  return NULL;
}

/* Rows for the services whose members all ran (NAMEs on the command line may leave some out).
 * Returns how many, or -1 out of memory. */
static int judge_services(const struct mw_config *cfg, const struct mw_instance **insts,
                          const struct mw_job *jobs, size_t n, struct service_row *rows)
{
  size_t count = 0;
  size_t s, m;

  for (s = 0; s < cfg->nservices; s++) {
    const struct mw_instance *svc = &cfg->services[s];
    struct mw_buf failing;
    size_t bad = 0;

    for (m = 0; m < svc->nmembers && job_of(insts, jobs, n, svc->members[m]); m++)
      ;
    if (m < svc->nmembers)
      continue;
    mw_buf_init(&failing, 200);
    for (m = 0; m < svc->nmembers; m++) {
      const struct mw_job *job = job_of(insts, jobs, n, svc->members[m]);
      enum mw_state state = job->result ? mw_result_get_state(job->result) : MW_UNKNOWN;

      if (state != MW_OK) {
        mw_buf_addf(&failing, "%s%s %s", bad ? ", " : "", svc->members[m], mw_state_name(state));
        bad++;
      }
    }
    rows[count].svc = svc;
    rows[count].result = mw_result_new();
    rows[count].word = service_judge(svc->nmembers, bad, mw_buf_str(&failing), rows[count].result);
    mw_buf_free(&failing);
    if (!rows[count++].result)
      return -1;
  }
  return (int)count;
}

static void print_table(const struct mw_instance **insts, const struct mw_job *jobs, size_t n,
                        const struct service_row *services, size_t nservices, int verbosity)
{
  int name_w = 4;
  int check_w = 9; /* "(service)" */
  int state_w = 8;
  size_t i;

  for (i = 0; i < n + nservices; i++) {
    const char *name = i < n ? insts[i]->name : services[i - n].svc->name;
    int len = (int)strlen(name);
    if (len > name_w)
      name_w = len;
    len = i < n ? (int)strlen(insts[i]->check) : 0;
    if (len > check_w)
      check_w = len;
    if (i >= n && (int)strlen(services[i - n].word) > state_w)
      state_w = (int)strlen(services[i - n].word);
  }
  printf("%-*s  %-*s  %-*s  %9s  %s\n", state_w, "STATE", name_w, "NAME", check_w, "CHECK", "TIME",
         "SUMMARY");
  for (i = 0; i < n; i++) {
    char took[32];
    const struct mw_result *res = jobs[i].result;
    format_duration(jobs[i].duration_ns, took, sizeof(took));
    printf("%-*s  %-*s  %-*s  %9s  %s\n", state_w, mw_state_name(mw_result_get_state(res)), name_w,
           insts[i]->name, check_w, insts[i]->check, took,
           res ? mw_result_get_summary(res) : "out of memory");
    if (verbosity > 0 && res) {
      const struct mw_result *child;
      for (child = mw_result_first(res); child; child = mw_result_next(child))
        printf("%-*s  %-*s  \\_ [%s] %s\n", state_w, "", name_w, "",
               mw_state_name(mw_result_get_state(child)), mw_result_get_summary(child));
    }
  }
  for (i = 0; i < nservices; i++)
    printf("%-*s  %-*s  %-*s  %9s  %s\n", state_w, services[i].word, name_w, services[i].svc->name,
           check_w, "(service)", "-", mw_result_get_summary(services[i].result));
}

static int print_json(const struct mw_instance **insts, const struct mw_job *jobs, size_t n,
                      const struct service_row *services, size_t nservices, enum mw_state worst)
{
  struct mw_buf out;
  size_t i;
  int result = 0;

  mw_buf_init(&out, 64u << 20);
  mw_buf_addf(&out, "{\"state\":\"%s\",\"exit_code\":%d,\"instances\":[", mw_state_name(worst),
              (int)worst);
  for (i = 0; i < n; i++) {
    mw_buf_adds(&out, i ? ",{\"name\":" : "{\"name\":");
    mw_json_string(&out, insts[i]->name);
    mw_buf_adds(&out, ",\"check\":");
    mw_json_string(&out, insts[i]->check);
    mw_buf_addf(&out, ",\"duration_ms\":%.3f,\"result\":", (double)jobs[i].duration_ns / 1e6);
    if (jobs[i].result)
      mw_render_json(jobs[i].result, &out);
    else
      mw_buf_adds(&out, "null");
    mw_buf_add(&out, "}", 1);
  }
  mw_buf_adds(&out, "],\"services\":[");
  for (i = 0; i < nservices; i++) {
    mw_buf_adds(&out, i ? ",{\"name\":" : "{\"name\":");
    mw_json_string(&out, services[i].svc->name);
    mw_buf_addf(&out,
                ",\"state\":\"%s\",\"exit_code\":%d,\"members\":%zu,\"summary\":", services[i].word,
                (int)mw_result_get_state(services[i].result), services[i].svc->nmembers);
    mw_json_string(&out, mw_result_get_summary(services[i].result));
    mw_buf_add(&out, "}", 1);
  }
  mw_buf_adds(&out, "]}\n");
  if (out.failed)
    result = -1;
  else
    fputs(mw_buf_str(&out), stdout);
  mw_buf_free(&out);
  return result;
}

static const struct mw_instance *find_instance(const struct mw_config *cfg, const char *name)
{
  size_t i;

  for (i = 0; i < cfg->ninstances; i++) {
    if (strcmp(cfg->instances[i].name, name) == 0)
      return &cfg->instances[i];
  }
  return NULL;
}

int cmd_run(int argc, char **argv)
{
  struct mw_args *opts = mw_args_new(run_options);
  struct mw_config cfg;
  struct mw_plugin_set loaded = {NULL, 0};
  const struct mw_instance **insts = NULL;
  struct mw_job *jobs = NULL;
  struct service_row *services = NULL;
  int nservices = 0;
  const char *default_timeout = NULL;
  char timeout_text[64];
  char err[MW_ERR_MAX];
  size_t n = 0;
  size_t i;
  bool abandoned = false;
  enum mw_state worst;
  int first;
  int result = MW_UNKNOWN;

  memset(&cfg, 0, sizeof(cfg));
  if (!opts)
    return cli_fail("MCPWATCH", "out of memory");
  first = mw_args_parse_argv(opts, argc, argv, err, sizeof(err));
  if (first < 0) {
    result = cli_fail("MCPWATCH", "%s (see 'mcpwatch run --help')", err);
    goto cleanup;
  }
  if (mw_args_bool(opts, "help")) {
    cli_help(run_options, mw_common_options, "Usage: mcpwatch run [OPTIONS] [NAME...]\n\n%s\n",
             run_description);
    result = 0;
    goto cleanup;
  }
  if (mw_config_load(mw_args_str(opts, "config"), &cfg, err, sizeof(err)) != 0) {
    result = cli_fail("MCPWATCH", "%s", err);
    goto cleanup;
  }
  if (forward_check_notifiers(&cfg, err, sizeof(err)) != 0) {
    result = cli_fail("MCPWATCH", "%s", err);
    goto cleanup;
  }
  if (mw_args_given(opts, "timeout")) {
    default_timeout = mw_args_str(opts, "timeout");
  } else if (cfg.timeout > 0) {
    mw_format_number(cfg.timeout, timeout_text, sizeof(timeout_text));
    default_timeout = timeout_text;
  }

  insts = calloc(cfg.ninstances + (size_t)argc, sizeof(*insts));
  jobs = calloc(cfg.ninstances + (size_t)argc, sizeof(*jobs));
  if (!insts || !jobs) {
    result = cli_fail("MCPWATCH", "out of memory");
    goto cleanup;
  }
  if (first < argc) {
    for (i = (size_t)first; i < (size_t)argc; i++) {
      const struct mw_instance *inst = find_instance(&cfg, argv[i]);
      if (!inst) {
        result =
            cli_fail("MCPWATCH", "no check instance named '%.80s' in the configuration", argv[i]);
        goto cleanup;
      }
      insts[n++] = inst;
    }
  } else {
    for (i = 0; i < cfg.ninstances; i++)
      insts[n++] = &cfg.instances[i];
  }
  if (n == 0) {
    result = cli_fail("MCPWATCH", "%s defines no checks", mw_args_str(opts, "config"));
    goto cleanup;
  }
  for (i = 0; i < n; i++) {
    const struct mw_check *check = mw_plugin_set_get(&loaded, insts[i]->check, err, sizeof(err));
    if (!check) {
      result = cli_fail("MCPWATCH", "%s:%d: %s", insts[i]->file, insts[i]->line, err);
      goto cleanup;
    }
    jobs[i].check = check;
    jobs[i].args = mw_instance_args(insts[i], check, default_timeout, err, sizeof(err));
    if (!jobs[i].args) {
      result = cli_fail("MCPWATCH", "%s", err);
      goto cleanup;
    }
  }

  worst = mw_run_jobs(jobs, n);
  for (i = 0; i < n; i++)
    abandoned = abandoned || jobs[i].abandoned;
  services = calloc(cfg.nservices + 1, sizeof(*services));
  nservices = services ? judge_services(&cfg, insts, jobs, n, services) : -1;
  if (nservices < 0) {
    result = cli_fail("MCPWATCH", "out of memory");
    goto cleanup;
  }
  for (i = 0; i < (size_t)nservices; i++)
    worst = mw_state_worst(worst, mw_result_get_state(services[i].result));
  if (strcmp(mw_args_str(opts, "format"), "json") == 0) {
    if (print_json(insts, jobs, n, services, (size_t)nservices, worst) != 0)
      worst = (enum mw_state)cli_fail("MCPWATCH", "output too large");
  } else {
    print_table(insts, jobs, n, services, (size_t)nservices, mw_args_verbosity(opts));
  }
  result = (int)worst;
  if (mw_args_bool(opts, "notify"))
    forward_jobs(&cfg, insts, jobs, n, mw_args_duration(opts, "notify-wait"),
                 mw_args_verbosity(opts));
  if (abandoned) {
    /* A thread still runs inside a plugin with its args: leave them to the exit. */
    fflush(stdout);
    exit(result);
  }

cleanup:
  for (i = 0; services && i < cfg.nservices; i++)
    mw_result_free(services[i].result);
  free(services);
  for (i = 0; jobs && i < n; i++) {
    mw_result_free(jobs[i].result);
    mw_args_free((struct mw_args *)jobs[i].args);
  }
  free(jobs);
  free(insts);
  mw_plugin_set_free(&loaded);
  mw_config_free(&cfg);
  mw_args_free(opts);
  return result;
}
