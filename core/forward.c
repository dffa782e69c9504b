/* forward.c - `mcpwatch run --notify`: each result through its instance's state file, and the
 * hard state changes into the spool of every notifier the instance names, then delivered. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mw_spool.h"

struct forward {
  const struct mw_config *cfg;
  struct mw_destination **dests; /* parallel to cfg->notifiers, opened on first use */
  const char *spool;
  int verbosity;
  int failed;
};

static struct mw_destination *destination(struct forward *fw, size_t k)
{
  const struct mw_instance *n = &fw->cfg->notifiers[k];
  char err[ERR_MAX];

  if (!fw->dests[k] && mw_destination_open(fw->spool, n->name, n->check, n->settings, n->nsettings,
                                           NULL, &fw->dests[k], err, sizeof(err)) != 0) {
    fprintf(stderr, "mcpwatch: error: notifier '%s' (%s:%d): %s\n", n->name, n->file, n->line, err);
    fw->failed = 1;
    return NULL;
  }
  return fw->dests[k];
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
static void describe(const struct mw_result *res, const char *check, struct mw_buf *text,
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

static void forward_one(struct forward *fw, const struct mw_instance *inst, const char *host,
                        const struct mw_job *job, const char *state_dir, int64_t now)
{
  struct mw_track_policy policy = {inst->max_attempts, inst->renotify};
  struct mw_track track;
  enum mw_track_action action;
  enum mw_state state = mw_result_get_state(job->result);
  enum mw_state before;
  struct mw_buf text;
  struct mw_event ev;
  const char *long_output;
  const char *perf;
  char err[ERR_MAX];
  size_t k;

  if (mw_track_load(state_dir, inst->name, &track, err, sizeof(err)) != 0)
    fprintf(stderr, "mcpwatch: warning: %s (starting afresh)\n", err);
  before = track.hard;
  action = mw_track_update(&track, state, &policy, now);
  if (mw_track_save(state_dir, inst->name, &track, err, sizeof(err)) != 0) {
    fprintf(stderr, "mcpwatch: error: %s\n", err);
    fw->failed = 1;
  }
  if (action == MW_TRACK_NONE || !job->result)
    return;
  mw_buf_init(&text, 1 << 20);
  describe(job->result, inst->check, &text, &perf, &long_output);
  memset(&ev, 0, sizeof(ev));
  ev.time = now;
  ev.host = host;
  ev.service = inst->name;
  ev.check = inst->check;
  ev.state = state;
  ev.previous = mw_state_name(action == MW_TRACK_RENOTIFY ? state : before);
  ev.type = action == MW_TRACK_RECOVERY ? "RECOVERY" : "PROBLEM";
  ev.output = mw_buf_str(&text);
  ev.long_output = long_output;
  ev.perfdata = perf;
  ev.origin = "run";
  for (k = 0; k < fw->cfg->nnotifiers; k++) {
    struct mw_destination *dest;
    struct mw_event_data data;
    if (!wants(inst, fw->cfg->notifiers[k].name) || !(dest = destination(fw, k)))
      continue;
    /* One id per destination copy: each receiver sees its own delivery. */
    if (mw_event_copy(&ev, &data) != 0 ||
        mw_spool_enqueue(dest, &data.event,
                         fw->cfg->spool_max > 0 ? (size_t)fw->cfg->spool_max : MW_SPOOL_DEFAULT_MAX,
                         NULL, 0, err, sizeof(err)) != 0) {
      fprintf(stderr, "mcpwatch: error: %s: %s %s not queued: %s\n", dest->name, inst->name,
              mw_state_name(state), data.texts ? err : "out of memory");
      fw->failed = 1;
    }
    mw_event_data_free(&data);
  }
  mw_buf_free(&text);
}

int cli_forward(const struct mw_config *cfg, const struct mw_instance **insts,
                const struct mw_job *jobs, size_t n, double wait, int verbosity)
{
  struct forward fw;
  const char *env = getenv("MCPWATCH_SPOOL_DIR");
  const char *state_dir = cfg->state_dir ? cfg->state_dir : MW_DEFAULT_STATE;
  char host[256];
  int64_t now = (int64_t)time(NULL);
  mw_deadline deadline = mw_now_ns() + (int64_t)(wait * 1e9);
  size_t i;

  memset(&fw, 0, sizeof(fw));
  fw.cfg = cfg;
  fw.verbosity = verbosity;
  fw.spool = cfg->spool_dir ? cfg->spool_dir : env && *env ? env : MW_DEFAULT_SPOOL;
  fw.dests = calloc(cfg->nnotifiers + 1, sizeof(*fw.dests));
  if (!fw.dests) {
    fprintf(stderr, "mcpwatch: error: out of memory\n");
    return 1;
  }
  if (cfg->host) {
    snprintf(host, sizeof(host), "%s", cfg->host);
  } else if (gethostname(host, sizeof(host)) != 0) {
    snprintf(host, sizeof(host), "localhost");
  }
  host[sizeof(host) - 1] = '\0';
  for (i = 0; i < n; i++)
    forward_one(&fw, insts[i], host, &jobs[i], state_dir, now);
  for (i = 0; i < cfg->nnotifiers; i++) {
    struct mw_deliver_report report;
    if (!fw.dests[i])
      continue;
    mw_spool_deliver(fw.dests[i], deadline, MW_DELIVER_WAIT, cli_log_stderr, &fw.verbosity,
                     &report);
    if (report.pending)
      fprintf(stderr,
              "mcpwatch: warning: %s: %zu events queued in %s (%s); 'mcpwatch flush' "
              "delivers them\n",
              fw.dests[i]->name, report.pending, fw.dests[i]->folder,
              report.reason[0] ? report.reason : "not yet delivered");
    mw_destination_close(fw.dests[i]);
  }
  free(fw.dests);
  return fw.failed;
}
