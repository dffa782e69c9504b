/* SPDX-License-Identifier: MIT */
/* mcpwatch.c - the command: one check as a Nagios plugin, every configured check, or a list. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_usage(FILE *fp)
{
  fprintf(fp,
          "Usage: mcpwatch CHECK [OPTIONS]       run one check as a Nagios/Icinga plugin\n"
          "       mcpwatch run [--config FILE] [--format text|json] [-v] [NAME...]\n"
          "                                      run every configured check instance in parallel\n"
          "       mcpwatch notify NOTIFIER [OPTIONS]\n"
          "                                      queue and deliver one event (Nagios/Icinga)\n"
          "       mcpwatch flush [DEST...]       deliver the queued events (cron)\n"
          "       mcpwatch agent [--config FILE] run every instance on its schedule (systemd)\n"
          "       mcpwatch status                what the agent last saw of each instance\n"
          "       mcpwatch downtime add|list|remove\n"
          "                                      hold the problems of instances for a while\n"
          "       mcpwatch history NAME          runs and changes the agent kept (--since 7d)\n"
          "       mcpwatch list                  list the installed checks\n"
          "       mcpwatch help [CHECK]          this text, or a check's options\n"
          "       mcpwatch --version\n"
          "\n"
          "A check prints one status line with perfdata, sub-results as long output, and exits\n"
          "0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN. 'mcpwatch CHECK --help' lists its options.\n"
          "'mcpwatch run --help' explains the configuration.\n"
          "\n"
          "Environment:\n"
          "  MCPWATCH_CHECK_DIR     load checks from this folder instead of %s\n"
          "  MCPWATCH_NOTIFIER_DIR  load notifiers from this folder instead of %s\n"
          "  MCPWATCH_SPOOL_DIR     the spool, instead of %s\n"
          "  MCPWATCH_AGENT_MODULE  run, agent, status and history from this module instead of\n"
          "                         %s\n",
          MW_CHECK_DIR, MW_NOTIFIER_DIR, MW_DEFAULT_SPOOL, MW_AGENT_MODULE);
}

static void print_check_help(const struct mw_check *check)
{
  struct mw_buf text;

  mw_buf_init(&text, 1 << 20);
  mw_buf_addf(&text, "Usage: mcpwatch %s [OPTIONS]\n%s.\n\n", check->name, check->summary);
  if (check->description)
    mw_buf_addf(&text, "%s\n", check->description);
  mw_buf_adds(&text, "Options:\n");
  mw_options_help(check->options, &text);
  mw_buf_adds(&text, "\nCommon options:\n");
  mw_options_help(mw_common_options, &text);
  mw_buf_adds(&text, "\nExit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also after --help).\n"
                     "Ranges follow the Nagios guidelines: 10 alerts outside 0..10, 10: below 10,\n"
                     "~:10 above 10, 10:20 outside 10..20, @10:20 inside 10..20.\n");
  fputs(mw_buf_str(&text), stdout);
  mw_buf_free(&text);
}

static int cmd_list(void)
{
  const char *dir = mw_check_dir();
  char **names;
  size_t count;
  size_t i;
  int result = 0;

  if (mw_plugin_names(dir, &names, &count) != 0)
    return cli_fail("MCPWATCH", "cannot read the check directory %s", dir);
  for (i = 0; i < count; i++) {
    struct mw_plugin plugin;
    char err[MW_ERR_MAX];
    if (mw_plugin_load(names[i], &plugin, err, sizeof(err)) != 0) {
      printf("%-14s (not loadable: %s)\n", names[i], err);
      result = MW_UNKNOWN;
      continue;
    }
    printf("%-14s %s\n", plugin.check->name, plugin.check->summary);
    mw_plugin_unload(&plugin);
  }
  if (count == 0)
    printf("no checks installed in %s\n", dir);
  mw_names_free(names, count);
  return result;
}

static int render_single(const struct mw_job *job, const char *service, const char *format)
{
  struct mw_buf out;
  int state;

  if (!job->result)
    return cli_fail(service, "out of memory");
  state = (int)mw_result_get_state(job->result);
  mw_buf_init(&out, 16u << 20);
  if (strcmp(format, "json") == 0) {
    mw_render_json(job->result, &out);
    mw_buf_add(&out, "\n", 1);
  } else {
    mw_render_nagios(job->result, service, &out);
  }
  if (out.failed) {
    mw_buf_free(&out);
    return cli_fail(service, "output too large");
  }
  fputs(mw_buf_str(&out), stdout);
  mw_buf_free(&out);
  return state;
}

static int cmd_check(const char *name, int argc, char **argv)
{
  struct mw_plugin plugin;
  struct mw_args *args = NULL;
  struct mw_job job;
  char service[80];
  char err[MW_ERR_MAX];
  int first;
  int result;

  mw_service_name(name, service, sizeof(service));
  if (mw_plugin_load(name, &plugin, err, sizeof(err)) != 0)
    return cli_fail("MCPWATCH", "%s", err);
  args = mw_args_new(plugin.check->options);
  if (!args) {
    result = cli_fail(service, "out of memory");
    goto cleanup;
  }
  first = mw_args_parse_argv(args, argc, argv, err, sizeof(err));
  if (first < 0) {
    result = cli_fail(service, "%s (see 'mcpwatch %s --help')", err, name);
    goto cleanup;
  }
  if (mw_args_bool(args, "help")) {
    print_check_help(plugin.check);
    result = MW_UNKNOWN;
    goto cleanup;
  }
  if (mw_args_bool(args, "version")) {
    printf("mcpwatch %s %s (check ABI %u)\n", name, PACKAGE_VERSION, MW_CHECK_ABI);
    result = MW_UNKNOWN;
    goto cleanup;
  }
  if (first < argc) {
    result = cli_fail(service, "unexpected argument '%.80s' (see 'mcpwatch %s --help')",
                      argv[first], name);
    goto cleanup;
  }
  memset(&job, 0, sizeof(job));
  job.check = plugin.check;
  job.args = args;
  mw_run_job_here(&job);
  result = render_single(&job, service, mw_args_str(args, "format"));
  mw_result_free(job.result);

cleanup:
  mw_args_free(args);
  mw_plugin_unload(&plugin);
  return result;
}

static int cmd_help(int argc, char **argv)
{
  struct mw_plugin plugin;
  char err[MW_ERR_MAX];

  if (argc < 2) {
    print_usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "flush") == 0) {
    char *sub_help[] = {argv[1], "--help", NULL};
    return argv[1][0] == 'r' ? cli_agent_command(2, sub_help) : cmd_flush(2, sub_help);
  }
  if (strcmp(argv[1], "notify") == 0) {
    char *notify_help[] = {"notify", argc > 2 ? argv[2] : "--help", "--help", NULL};
    return cmd_notify(argc > 2 ? 3 : 2, notify_help);
  }
  if (mw_plugin_load(argv[1], &plugin, err, sizeof(err)) != 0)
    return cli_fail("MCPWATCH", "%s", err);
  print_check_help(plugin.check);
  mw_plugin_unload(&plugin);
  return 0;
}

int main(int argc, char **argv)
{
  const char *command;

  if (argc < 2) {
    print_usage(stdout);
    return MW_UNKNOWN;
  }
  command = argv[1];
  if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0)
    return cmd_help(1, argv + 1);
  if (strcmp(command, "help") == 0)
    return cmd_help(argc - 1, argv + 1);
  if (strcmp(command, "-V") == 0 || strcmp(command, "--version") == 0) {
    printf("mcpwatch %s (check ABI %u)\n", PACKAGE_VERSION, MW_CHECK_ABI);
    return 0;
  }
  if (strcmp(command, "list") == 0) {
    if (argc > 2)
      return cli_fail("MCPWATCH", "'list' takes no arguments");
    return cmd_list();
  }
  if (cli_is_agent_command(command)) {
    if (strcmp(command, "agent") != 0)
      mw_loader_keep_loaded();
    return cli_agent_command(argc - 1, argv + 1);
  }
  if (strcmp(command, "notify") == 0) {
    mw_loader_keep_loaded();
    return cmd_notify(argc - 1, argv + 1);
  }
  if (strcmp(command, "flush") == 0)
    return cmd_flush(argc - 1, argv + 1);
  if (strcmp(command, "downtime") == 0)
    return cmd_downtime(argc - 1, argv + 1);
  if (command[0] == '-')
    return cli_fail("MCPWATCH", "unknown option '%.80s' (see 'mcpwatch --help')", command);
  mw_loader_keep_loaded();
  return cmd_check(command, argc - 1, argv + 1);
}
