/* forward.c - results to events, for the command's schedulers (`mcpwatch run --notify`, the
 * agent): each result through its instance's state, and the hard changes into the spool of
 * every notifier the instance names. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct cli_forwarder {
  const struct mw_config *cfg;
  struct mw_destination **dests; /* parallel to cfg->notifiers */
  struct mw_destination **open;  /* the opened ones, for a courier */
  const char *spool;
  const char *state_dir;
  const char *origin;
  char host[256];
  int verbosity;
  int failed;
  bool lazy; /* open a notifier on first use (one thread only) */
};

static struct mw_destination *destination(struct cli_forwarder *fw, size_t k)
{
  const struct mw_instance *n = &fw->cfg->notifiers[k];
  char err[ERR_MAX];

  if (!fw->dests[k] && fw->lazy &&
      mw_destination_open(fw->spool, n->name, n->check, n->settings, n->nsettings, NULL,
                          &fw->dests[k], err, sizeof(err)) != 0) {
    fprintf(stderr, "mcpwatch: error: notifier '%s' (%s:%d): %s\n", n->name, n->file, n->line, err);
    __atomic_store_n(&fw->failed, 1, __ATOMIC_RELAXED);
    return NULL;
  }
  return fw->dests[k];
}

struct cli_forwarder *cli_forwarder_new(const struct mw_config *cfg, const char *origin,
                                        int verbosity, bool open_all)
{
  struct cli_forwarder *fw = calloc(1, sizeof(*fw));
  const char *env = getenv("MCPWATCH_SPOOL_DIR");
  size_t k;

  if (!fw || !(fw->dests = calloc(cfg->nnotifiers + 1, sizeof(*fw->dests)))) {
    free(fw);
    return NULL;
  }
  fw->cfg = cfg;
  fw->origin = origin;
  fw->verbosity = verbosity;
  fw->spool = cfg->spool_dir ? cfg->spool_dir : env && *env ? env : MW_DEFAULT_SPOOL;
  fw->state_dir = cfg->state_dir ? cfg->state_dir : MW_DEFAULT_STATE;
  if (cfg->host)
    snprintf(fw->host, sizeof(fw->host), "%s", cfg->host);
  else if (gethostname(fw->host, sizeof(fw->host)) != 0)
    snprintf(fw->host, sizeof(fw->host), "localhost");
  fw->host[sizeof(fw->host) - 1] = '\0';
  fw->lazy = true;
  for (k = 0; open_all && k < cfg->nnotifiers; k++)
    destination(fw, k);
  /* Opened up front: shared by threads from here on, and never opened again. */
  fw->lazy = !open_all;
  return fw;
}

const char *cli_forwarder_state_dir(const struct cli_forwarder *fw)
{
  return fw->state_dir;
}

const char *cli_forwarder_host(const struct cli_forwarder *fw)
{
  return fw->host;
}

size_t cli_forwarder_destinations(struct cli_forwarder *fw, struct mw_destination ***out)
{
  size_t k;
  size_t n = 0;

  free(fw->open);
  fw->open = calloc(fw->cfg->nnotifiers + 1, sizeof(*fw->open));
  for (k = 0; fw->open && k < fw->cfg->nnotifiers; k++) {
    if (fw->dests[k])
      fw->open[n++] = fw->dests[k];
  }
  *out = fw->open;
  return n;
}

static bool wants(const struct mw_instance *inst, const char *notifier)
{
  size_t i;

  if (inst->notify_none)
    return false;
  if (!inst->notify)
    return true;
  for (i = 0; i < inst->nnotify; i++) {
    if (strcmp(inst->notify[i], notifier) == 0)
      return true;
  }
  return false;
}

/* Output, long output and perfdata of a result, as Nagios would have received them. */
void cli_describe(const struct mw_result *res, const char *check, struct mw_buf *text,
                  const char **perf, const char **long_output)
{
  char service[80];
  char *nl;
  char *bar;

  mw_service_name(check, service, sizeof(service));
  mw_render_nagios(res, service, text);
  mw_buf_add(text, "", 0);
  *perf = "";
  *long_output = "";
  if (!text->data)
    return;
  nl = strchr(text->data, '\n');
  if (nl) {
    *nl = '\0';
    *long_output = nl + 1;
  }
  bar = strstr(text->data, " | ");
  if (bar) {
    *bar = '\0';
    *perf = bar + 3;
  }
}

static void spool_event(struct cli_forwarder *fw, const struct mw_instance *inst,
                        const struct mw_event *ev)
{
  char err[ERR_MAX];
  size_t k;

  for (k = 0; k < fw->cfg->nnotifiers; k++) {
    struct mw_destination *dest;
    struct mw_event_data data;
    if (!wants(inst, fw->cfg->notifiers[k].name) || !(dest = destination(fw, k)))
      continue;
    /* One id per destination copy: each receiver sees its own delivery. */
    if (mw_event_copy(ev, &data) != 0 ||
        mw_spool_enqueue(dest, &data.event,
                         fw->cfg->spool_max > 0 ? (size_t)fw->cfg->spool_max : MW_SPOOL_DEFAULT_MAX,
                         NULL, 0, err, sizeof(err)) != 0) {
      fprintf(stderr, "mcpwatch: error: %s: %s %s not queued: %s\n", dest->name, inst->name,
              mw_state_name(ev->state), data.texts ? err : "out of memory");
      __atomic_store_n(&fw->failed, 1, __ATOMIC_RELAXED);
    }
    mw_event_data_free(&data);
  }
}

enum mw_track_action cli_forward_result(struct cli_forwarder *fw, const struct mw_instance *inst,
                                        const struct mw_result *res, struct mw_track *track,
                                        int64_t now)
{
  struct mw_track_policy policy = {inst->max_attempts, inst->renotify};
  struct mw_track before = *track;
  enum mw_track_action action;
  enum mw_state state = res ? mw_result_get_state(res) : MW_UNKNOWN;
  struct mw_buf text;
  struct mw_event ev;
  const char *long_output;
  const char *perf;
  char err[ERR_MAX];

  action = mw_track_update(track, state, &policy, now);
  if (memcmp(&before, track, sizeof(before)) != 0 &&
      mw_track_save(fw->state_dir, inst->name, track, err, sizeof(err)) != 0) {
    fprintf(stderr, "mcpwatch: error: %s\n", err);
    __atomic_store_n(&fw->failed, 1, __ATOMIC_RELAXED);
  }
  if (action == MW_TRACK_NONE || !res)
    return action;
  mw_buf_init(&text, 1 << 20);
  cli_describe(res, inst->check, &text, &perf, &long_output);
  memset(&ev, 0, sizeof(ev));
  ev.time = now;
  ev.host = fw->host;
  ev.service = inst->name;
  ev.check = inst->check;
  ev.state = state;
  ev.previous = mw_state_name(action == MW_TRACK_RENOTIFY ? state : before.hard);
  ev.type = action == MW_TRACK_RECOVERY ? "RECOVERY" : "PROBLEM";
  ev.output = mw_buf_str(&text);
  ev.long_output = long_output;
  ev.perfdata = perf;
  ev.origin = fw->origin;
  spool_event(fw, inst, &ev);
  mw_buf_free(&text);
  return action;
}

int cli_forwarder_free(struct cli_forwarder *fw, double wait)
{
  mw_deadline deadline = mw_now_ns() + (int64_t)(wait * 1e9);
  int failed;
  size_t i;

  if (!fw)
    return 0;
  for (i = 0; i < fw->cfg->nnotifiers; i++) {
    struct mw_deliver_report report;
    if (!fw->dests[i])
      continue;
    if (wait > 0) {
      mw_spool_deliver(fw->dests[i], deadline, MW_DELIVER_WAIT, cli_log_stderr, &fw->verbosity,
                       &report);
      if (report.pending)
        fprintf(stderr,
                "mcpwatch: warning: %s: %zu events queued in %s (%s); 'mcpwatch flush' "
                "delivers them\n",
                fw->dests[i]->name, report.pending, fw->dests[i]->folder,
                report.reason[0] ? report.reason : "not yet delivered");
    }
    mw_destination_close(fw->dests[i]);
  }
  failed = fw->failed;
  free(fw->open);
  free(fw->dests);
  free(fw);
  return failed;
}

int cli_forward(const struct mw_config *cfg, const struct mw_instance **insts,
                const struct mw_job *jobs, size_t n, double wait, int verbosity)
{
  struct cli_forwarder *fw = cli_forwarder_new(cfg, "run", verbosity, false);
  int64_t now = (int64_t)time(NULL);
  char err[ERR_MAX];
  size_t i;

  if (!fw) {
    fprintf(stderr, "mcpwatch: error: out of memory\n");
    return 1;
  }
  for (i = 0; i < n; i++) {
    struct mw_track track;
    if (mw_track_load(fw->state_dir, insts[i]->name, &track, err, sizeof(err)) != 0)
      fprintf(stderr, "mcpwatch: warning: %s (starting afresh)\n", err);
    cli_forward_result(fw, insts[i], jobs[i].result, &track, now);
  }
  return cli_forwarder_free(fw, wait);
}
