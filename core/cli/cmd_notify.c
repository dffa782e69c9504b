/* SPDX-License-Identifier: MIT */
/* cmd_notify.c - `mcpwatch notify` (a Nagios/Icinga notification command) and `mcpwatch flush`
 * (deliver what is pending, for cron): both go through the spool, so nothing is lost when the
 * receiver is down, slow or refusing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mw_spool.h"

#define NOTIFY_SERVICE "NOTIFY"

/* Event fields first: their values never go into the destination file. */
static const struct mw_option notify_options[] = {
    {"host", 'H', MW_OPT_STRING, MW_OPT_CLI_ONLY, "NAME", NULL,
     "Host of the event (default $NAGIOS_HOSTNAME, else this machine's name).", NULL, NULL},
    {"service", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "NAME", NULL,
     "Service or check instance (default $NAGIOS_SERVICEDESC; none: a host event).", NULL, NULL},
    {"state", 'S', MW_OPT_STRING, MW_OPT_CLI_ONLY, "STATE", NULL,
     "OK, WARNING, CRITICAL, UNKNOWN (or UP, DOWN, UNREACHABLE, 0-3); default "
     "$NAGIOS_SERVICESTATE or $NAGIOS_HOSTSTATE.",
     NULL, NULL},
    {"output", 'o', MW_OPT_STRING, MW_OPT_CLI_ONLY, "TEXT", NULL,
     "Status line (default $NAGIOS_SERVICEOUTPUT or $NAGIOS_HOSTOUTPUT).", NULL, NULL},
    {"long-output", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "TEXT", NULL,
     "Long output (default $NAGIOS_LONGSERVICEOUTPUT).", NULL, NULL},
    {"perfdata", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "TEXT", NULL,
     "Performance data (default $NAGIOS_SERVICEPERFDATA).", NULL, NULL},
    {"type", 'T', MW_OPT_STRING, MW_OPT_CLI_ONLY, "TYPE", NULL,
     "PROBLEM, RECOVERY, ACKNOWLEDGEMENT, CUSTOM, FLAPPINGSTART, DOWNTIMESTART... (default "
     "$NAGIOS_NOTIFICATIONTYPE, else from the state).",
     NULL, NULL},
    {"previous-state", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "STATE", NULL,
     "State before (default $NAGIOS_LASTSERVICESTATE).", NULL, NULL},
    {"check", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "TYPE", NULL,
     "Check type behind the service, when known.", NULL, NULL},
    {"origin", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "NAME", NULL,
     "What saw the change: nagios (when NAGIOS_ variables are set), icinga2, cli...", NULL, NULL},
    {"spool-dir", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "DIR", MW_DEFAULT_SPOOL,
     "Spool folder (also $MCPWATCH_SPOOL_DIR).", NULL, NULL},
    {"destination", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "NAME", NULL,
     "Queue name under the spool (default TYPE-HASH of the options).", NULL, NULL},
    {"spool-max", 0, MW_OPT_INT, MW_OPT_CLI_ONLY, "EVENTS", "10000",
     "Refuse (loudly) to queue past this many pending events.", NULL, NULL},
    {"wait", 0, MW_OPT_DURATION, MW_OPT_CLI_ONLY, "DURATION", "10",
     "Keep retrying this long before leaving the event queued for 'mcpwatch flush'.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const struct mw_option flush_options[] = {
    {"spool-dir", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "DIR", MW_DEFAULT_SPOOL,
     "Spool folder (also $MCPWATCH_SPOOL_DIR).", NULL, NULL},
    {"wait", 0, MW_OPT_DURATION, MW_OPT_CLI_ONLY, "DURATION", "60",
     "Keep retrying this long in all before leaving events queued.", NULL, NULL},
    {"now", 0, MW_OPT_BOOL, MW_OPT_CLI_ONLY, NULL, NULL,
     "Try at once, ignoring the backoff earlier failures recorded.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char *spool_dir_of(const struct mw_args *args)
{
  const char *env = getenv("MCPWATCH_SPOOL_DIR");

  if (!mw_args_given(args, "spool-dir") && env && *env)
    return env;
  return mw_args_str(args, "spool-dir");
}

/* The argument, else the Nagios environment macro, else "". */
static const char *field(const struct mw_args *args, const char *name, const char *macro,
                         const char *host_macro, bool host_event)
{
  const char *value = mw_args_str(args, name);

  if (!value && macro)
    value = getenv(host_event && host_macro ? host_macro : macro);
  return value ? value : "";
}

static int parse_any_state(const char *text, enum mw_state *state)
{
  if (strcasecmp(text, "UP") == 0) {
    *state = MW_OK;
    return 0;
  }
  if (strcasecmp(text, "DOWN") == 0 || strcasecmp(text, "UNREACHABLE") == 0) {
    *state = MW_CRITICAL;
    return 0;
  }
  return mw_state_parse(text, state);
}

static int event_from_args(const struct mw_args *args, struct mw_event *ev, char *hostbuf,
                           size_t hostlen, char *prevbuf, size_t prevlen, char *err, size_t errlen)
{
  bool nagios = getenv("NAGIOS_HOSTNAME") != NULL;
  bool host_event;
  enum mw_state prev;
  const char *state_text;
  const char *prev_text;

  memset(ev, 0, sizeof(*ev));
  ev->service = field(args, "service", "NAGIOS_SERVICEDESC", NULL, false);
  host_event = !*ev->service;
  ev->host = field(args, "host", "NAGIOS_HOSTNAME", NULL, false);
  if (!*ev->host) {
    if (gethostname(hostbuf, hostlen) != 0)
      snprintf(hostbuf, hostlen, "localhost");
    hostbuf[hostlen - 1] = '\0';
    ev->host = hostbuf;
  }
  state_text = field(args, "state", "NAGIOS_SERVICESTATE", "NAGIOS_HOSTSTATE", host_event);
  if (!*state_text) {
    snprintf(err, errlen,
             "no state: give --state, or run as a Nagios notification command with "
             "environment macros");
    return -1;
  }
  if (parse_any_state(state_text, &ev->state) != 0) {
    snprintf(err, errlen, "--state '%.40s' is not OK, WARNING, CRITICAL, UNKNOWN, UP or DOWN",
             state_text);
    return -1;
  }
  prev_text =
      field(args, "previous-state", "NAGIOS_LASTSERVICESTATE", "NAGIOS_LASTHOSTSTATE", host_event);
  snprintf(prevbuf, prevlen, "%s",
           *prev_text && parse_any_state(prev_text, &prev) == 0 ? mw_state_name(prev) : "");
  ev->previous = prevbuf;
  ev->output = field(args, "output", "NAGIOS_SERVICEOUTPUT", "NAGIOS_HOSTOUTPUT", host_event);
  ev->long_output =
      field(args, "long-output", "NAGIOS_LONGSERVICEOUTPUT", "NAGIOS_LONGHOSTOUTPUT", host_event);
  ev->perfdata =
      field(args, "perfdata", "NAGIOS_SERVICEPERFDATA", "NAGIOS_HOSTPERFDATA", host_event);
  ev->type = field(args, "type", "NAGIOS_NOTIFICATIONTYPE", NULL, false);
  if (!*ev->type)
    ev->type = ev->state == MW_OK ? "RECOVERY" : "PROBLEM";
  ev->check = field(args, "check", NULL, NULL, false);
  ev->origin = field(args, "origin", NULL, NULL, false);
  if (!*ev->origin)
    ev->origin = nagios ? "nagios" : "cli";
  return 0;
}

static void print_notify_help(const struct mw_notifier *n, const struct mw_option *merged)
{
  struct mw_buf text;

  mw_buf_init(&text, 1 << 20);
  mw_buf_addf(&text,
              "Usage: mcpwatch notify %s [OPTIONS]\n%s.\n\n%s\n"
              "The event is written to the spool first and delivered from there: exit 0 when\n"
              "the receiver accepted it, 1 when it is queued for a later 'mcpwatch flush' (or\n"
              "the agent), 2 when the receiver refused it for good (kept in DEST/dead), 3 when\n"
              "it could not even be queued. Secrets come from files or the environment only.\n\n"
              "Options:\n",
              n->name, n->summary, n->description ? n->description : "");
  mw_options_help(merged, &text);
  mw_buf_adds(&text, "\nCommon options:\n");
  mw_options_help(mw_notifier_common_options, &text);
  fputs(mw_buf_str(&text), stdout);
  mw_buf_free(&text);
}

static void print_notify_usage(void)
{
  char **names = NULL;
  size_t count = 0;
  size_t i;

  printf("Usage: mcpwatch notify NOTIFIER [OPTIONS]    queue and deliver one event\n"
         "       mcpwatch flush [OPTIONS] [DEST...]    deliver what is queued\n\n"
         "Notifiers installed in %s:",
         mw_notifier_dir());
  if (mw_plugin_names(mw_notifier_dir(), &names, &count) == 0) {
    for (i = 0; i < count; i++)
      printf(" %s", names[i]);
  }
  printf("%s\n'mcpwatch notify NOTIFIER --help' shows a notifier's options.\n",
         count ? "" : " none");
  mw_names_free(names, count);
}

/* notify_options then the notifier's, in one table. */
static struct mw_option *merge_tables(const struct mw_option *notifier_options)
{
  size_t a = 0;
  size_t b = 0;
  struct mw_option *merged;

  while (notify_options[a].name)
    a++;
  while (notifier_options[b].name)
    b++;
  merged = calloc(a + b + 1, sizeof(*merged));
  if (!merged)
    return NULL;
  memcpy(merged, notify_options, a * sizeof(*merged));
  memcpy(merged + a, notifier_options, b * sizeof(*merged));
  return merged;
}

int cmd_notify(int argc, char **argv)
{
  struct mw_notifier_plugin plugin = {NULL, NULL};
  struct mw_option *merged = NULL;
  struct mw_args *args = NULL;
  struct mw_destination *dest = NULL;
  struct mw_event_data data;
  struct mw_event ev;
  struct mw_deliver_report report;
  char err[MW_ERR_MAX];
  char host[256];
  char prev[16];
  char file[96];
  int verbosity;
  int first;
  int result = 3;

  memset(&data, 0, sizeof(data));
  if (argc < 2 || argv[1][0] == '-') {
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
      print_notify_usage();
      return 0;
    }
    return cli_fail(NOTIFY_SERVICE, "which notifier? (see 'mcpwatch notify --help')");
  }
  if (mw_notifier_load(argv[1], &plugin, err, sizeof(err)) != 0)
    return cli_fail(NOTIFY_SERVICE, "%s", err);
  merged = merge_tables(plugin.notifier->options);
  if (!merged) {
    result = cli_fail(NOTIFY_SERVICE, "out of memory");
    goto cleanup;
  }
  if (mw_options_validate_with(merged, mw_notifier_common_options, err, sizeof(err)) != 0) {
    result = cli_fail(NOTIFY_SERVICE, "notifier %s: %s", argv[1], err);
    goto cleanup;
  }
  args = mw_args_new_with(mw_notifier_common_options, merged);
  if (!args) {
    result = cli_fail(NOTIFY_SERVICE, "out of memory");
    goto cleanup;
  }
  first = mw_args_parse_argv(args, argc - 1, argv + 1, err, sizeof(err));
  if (first < 0) {
    result = cli_fail(NOTIFY_SERVICE, "%s (see 'mcpwatch notify %s --help')", err, argv[1]);
    goto cleanup;
  }
  if (mw_args_bool(args, "help")) {
    print_notify_help(plugin.notifier, merged);
    result = 0;
    goto cleanup;
  }
  if (first < argc - 1) {
    result = cli_fail(NOTIFY_SERVICE, "unexpected argument '%.80s'", argv[first + 1]);
    goto cleanup;
  }
  verbosity = mw_args_verbosity(args);
  if (event_from_args(args, &ev, host, sizeof(host), prev, sizeof(prev), err, sizeof(err)) != 0 ||
      mw_event_copy(&ev, &data) != 0) {
    result = cli_fail(NOTIFY_SERVICE, "%s", data.texts || err[0] == '\0' ? "out of memory" : err);
    goto cleanup;
  }
  if (mw_destination_open(spool_dir_of(args), mw_args_str(args, "destination"), argv[1], NULL, 0,
                          args, &dest, err, sizeof(err)) != 0) {
    result = cli_fail(NOTIFY_SERVICE, "%s", err);
    goto cleanup;
  }
  args = NULL; /* the destination owns it now */
  if (mw_spool_enqueue(dest, &data.event, (size_t)mw_args_int(dest->args, "spool-max"), file,
                       sizeof(file), err, sizeof(err)) != 0) {
    fprintf(stderr, "mcpwatch: error: %s\n", err);
    result = cli_fail(NOTIFY_SERVICE, "%s", err);
    goto cleanup;
  }
  {
    mw_deadline deadline = mw_now_ns() + (int64_t)(mw_args_duration(dest->args, "wait") * 1e9);
    do {
      mw_spool_deliver(dest, deadline, MW_DELIVER_WAIT, mw_log_stderr, &verbosity, &report);
      if (!report.busy || mw_spool_where(dest, file) != 0)
        break;
      {
        struct timespec pause = {0, 20 * 1000000};
        nanosleep(&pause, NULL);
      }
    } while (!mw_deadline_passed(deadline));
  }
  switch (mw_spool_where(dest, file)) {
  case 1:
    printf("%s OK - %s (%s %s) delivered to %s\n", NOTIFY_SERVICE, data.event.id,
           *data.event.service ? data.event.service : data.event.host,
           mw_state_name(data.event.state), dest->name);
    result = 0;
    break;
  case 2:
    printf("%s CRITICAL - %s refused by %s for good; kept in %s/dead\n", NOTIFY_SERVICE,
           data.event.id, dest->name, dest->folder);
    result = 2;
    break;
  default:
    printf("%s WARNING - %s queued in %s (%s); 'mcpwatch flush' delivers it\n", NOTIFY_SERVICE,
           data.event.id, dest->folder, report.reason[0] ? report.reason : "not yet delivered");
    result = 1;
    break;
  }
cleanup:
  mw_destination_close(dest);
  mw_event_data_free(&data);
  mw_args_free(args);
  free(merged);
  mw_notifier_unload(&plugin);
  return result;
}

int cmd_flush(int argc, char **argv)
{
  struct mw_args *args = mw_args_new_with(mw_notifier_common_options, flush_options);
  char **names = NULL;
  size_t count = 0;
  char err[MW_ERR_MAX];
  const char *spool;
  mw_deadline deadline;
  int verbosity;
  int first;
  int result = 0;
  size_t i;

  if (!args)
    return cli_fail("FLUSH", "out of memory");
  first = mw_args_parse_argv(args, argc, argv, err, sizeof(err));
  if (first < 0) {
    result = cli_fail("FLUSH", "%s (see 'mcpwatch flush --help')", err);
    goto cleanup;
  }
  if (mw_args_bool(args, "help")) {
    cli_help(flush_options, mw_notifier_common_options, "%s",
             "Usage: mcpwatch flush [OPTIONS] [DEST...]\n\n"
             "Delivers the events queued in the spool (every destination, or the DESTs\n"
             "named), in order, with the notifier and options recorded when they were queued.\n"
             "Run it from cron where no agent runs. Exit 0 when nothing is left, 1 when events\n"
             "are still pending or were refused (see DEST/dead), 3 on errors.\n\n");
    goto cleanup;
  }
  spool = spool_dir_of(args);
  verbosity = mw_args_verbosity(args);
  if (first < argc) {
    names = calloc((size_t)(argc - first), sizeof(char *));
    for (i = 0; names && i < (size_t)(argc - first); i++)
      names[count++] = strdup(argv[first + (int)i]);
  } else if (mw_spool_destinations(spool, &names, &count) != 0) {
    result = cli_fail("FLUSH", "cannot read the spool %s", spool);
    goto cleanup;
  }
  deadline = mw_now_ns() + (int64_t)(mw_args_duration(args, "wait") * 1e9);
  for (i = 0; i < count; i++) {
    struct mw_destination *dest = NULL;
    struct mw_deliver_report report;
    if (!names[i] || mw_destination_reopen(spool, names[i], &dest, err, sizeof(err)) != 0) {
      printf("%s: cannot deliver: %s\n", names[i] ? names[i] : "?", names[i] ? err : "no memory");
      result = 3;
      continue;
    }
    mw_spool_deliver(dest, deadline,
                     MW_DELIVER_WAIT | (mw_args_bool(args, "now") ? MW_DELIVER_NOW : 0),
                     mw_log_stderr, &verbosity, &report);
    printf("%s: %zu delivered, %zu refused, %zu pending%s%s%s\n", dest->name, report.delivered,
           report.rejected, report.pending, report.pending ? " (" : "",
           report.pending ? (report.reason[0] ? report.reason : "backing off") : "",
           report.pending ? ")" : "");
    if ((report.pending || report.rejected) && result == 0)
      result = 1;
    mw_destination_close(dest);
  }
  if (count == 0)
    printf("nothing queued in %s\n", spool);
cleanup:
  mw_names_free(names, count);
  mw_args_free(args);
  return result;
}
