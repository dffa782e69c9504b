/* SPDX-License-Identifier: MIT */
/* forward.c - results to events, for the command's schedulers (`mcpwatch run --notify`, the
 * agent): each result through its instance's state, and the hard changes into the spool of
 * every notifier the instance names. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_impl.h"

/* How stale the ad-hoc downtimes may be: `mcpwatch downtime add` holds results within this. */
#define DOWNTIMES_EVERY_NS 1000000000LL

struct forwarder {
  const struct mw_config *cfg;
  struct mw_destination **dests; /* parallel to cfg->notifiers */
  struct mw_destination **open;  /* the opened ones, for a courier */
  size_t nopen;
  const char *spool;
  const char *state_dir;
  const char *origin;
  char host[256];
  int verbosity;
  int failed;
  int downtimes_unreadable; /* said once until the list reads again */
  /* The ad-hoc downtimes, read again at most every DOWNTIMES_EVERY_NS: looking for the file on
   * every result was 4% of the agent's CPU at 1,000 instances (an lstat each). */
  pthread_mutex_t downtimes_lock;
  struct mw_downtime_list downtimes;
  int64_t downtimes_read_ns; /* mw_now_ns() of the last read; 0: never read */
  mw_log_fn log;
  void *log_ctx;
  int64_t window_every_s; /* mw_forward_spec's: 0 unless forwarder_keep_tracks */
};

/* "FILE:LINE: notifier 'NAME': why", with the line of the setting at fault when why names one. */
static void notifier_error(const struct mw_instance *n, const char *why, char *err, size_t errlen)
{
  int line = n->line;
  const char *rest = why;
  char *end;

  if (strncmp(why, "line ", 5) == 0) {
    long at = strtol(why + 5, &end, 10);
    if (end != why + 5 && strncmp(end, ": ", 2) == 0) {
      line = (int)at;
      rest = end + 2;
    }
  }
  snprintf(err, errlen, "%s:%d: notifier '%s': %s", n->file, line, n->name, rest);
}

int forward_check_notifiers(const struct mw_config *cfg, char *err, size_t errlen)
{
  const char *env = getenv("MCPWATCH_SPOOL_DIR");
  const char *spool = cfg->spool_dir ? cfg->spool_dir : env && *env ? env : MW_DEFAULT_SPOOL;
  char why[MW_ERR_MAX];
  size_t k;

  if (cfg->nnotifiers > MW_TRACK_DESTS_MAX) {
    snprintf(err, errlen, "%zu notifiers: at most %d are supported", cfg->nnotifiers,
             MW_TRACK_DESTS_MAX);
    return -1;
  }
  for (k = 0; k < cfg->nnotifiers; k++) {
    const struct mw_instance *n = &cfg->notifiers[k];
    if (mw_destination_check(spool, n->name, n->check, n->settings, n->nsettings, why,
                             sizeof(why)) != 0) {
      notifier_error(n, why, err, errlen);
      return -1;
    }
  }
  return 0;
}

struct forwarder *forwarder_new(const struct mw_config *cfg, const char *origin, int verbosity,
                                mw_log_fn log, void *log_ctx, char *err, size_t errlen)
{
  struct forwarder *fw = calloc(1, sizeof(*fw));
  const char *env = getenv("MCPWATCH_SPOOL_DIR");
  char why[MW_ERR_MAX];
  size_t k;

  if (!fw || !(fw->dests = calloc(cfg->nnotifiers + 1, sizeof(*fw->dests)))) {
    snprintf(err, errlen, "out of memory");
    free(fw);
    return NULL;
  }
  pthread_mutex_init(&fw->downtimes_lock, NULL);
  fw->cfg = cfg;
  fw->origin = origin;
  fw->verbosity = verbosity;
  fw->log = log;
  fw->log_ctx = log_ctx;
  fw->spool = cfg->spool_dir ? cfg->spool_dir : env && *env ? env : MW_DEFAULT_SPOOL;
  fw->state_dir = cfg->state_dir ? cfg->state_dir : MW_DEFAULT_STATE;
  if (cfg->host)
    snprintf(fw->host, sizeof(fw->host), "%s", cfg->host);
  else if (gethostname(fw->host, sizeof(fw->host)) != 0)
    snprintf(fw->host, sizeof(fw->host), "localhost");
  fw->host[sizeof(fw->host) - 1] = '\0';
  if (cfg->nnotifiers > MW_TRACK_DESTS_MAX) {
    snprintf(err, errlen, "%zu notifiers: at most %d are supported", cfg->nnotifiers,
             MW_TRACK_DESTS_MAX);
    forwarder_free(fw, 0);
    return NULL;
  }
  /* Every notifier is opened (its options validated) before anything runs: a broken block is
   * a configuration error, not a page lost at the first state change. */
  for (k = 0; k < cfg->nnotifiers; k++) {
    const struct mw_instance *n = &cfg->notifiers[k];
    if (mw_destination_open(fw->spool, n->name, n->check, n->settings, n->nsettings, NULL,
                            &fw->dests[k], why, sizeof(why)) != 0) {
      notifier_error(n, why, err, errlen);
      forwarder_free(fw, 0);
      return NULL;
    }
  }
  if (cfg->nnotifiers > 0)
    mw_spool_remove_stale(fw->state_dir);
  return fw;
}

const char *forwarder_state_dir(const struct forwarder *fw)
{
  return fw->state_dir;
}

const char *forwarder_host(const struct forwarder *fw)
{
  return fw->host;
}

size_t forwarder_destinations(struct forwarder *fw, struct mw_destination ***out)
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
  fw->nopen = fw->open ? n : 0;
  return n;
}

size_t forwarder_opened(const struct forwarder *fw, struct mw_destination *const **out)
{
  *out = fw->open;
  return fw->nopen;
}

/* Whether inst sends to notifier, and what of it (*routes: its notify entry's states, else
 * the notifier's). */
static bool wants(const struct mw_instance *inst, const struct mw_instance *notifier,
                  unsigned *routes)
{
  size_t i;

  *routes = notifier->routes;
  if (inst->notify_none)
    return false;
  if (!inst->notify)
    return true;
  for (i = 0; i < inst->nnotify; i++) {
    if (strcmp(inst->notify[i], notifier->name) == 0) {
      if (inst->notify_routes && inst->notify_routes[i])
        *routes = inst->notify_routes[i];
      return true;
    }
  }
  return false;
}

/* Output, long output and perfdata of a result, as Nagios would have received them. */
void forward_describe(const struct mw_result *res, const char *check, struct mw_buf *text,
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

struct describe_ctx {
  const struct mw_result *res;
  const char *check;
  struct mw_buf text;
};

static void describe(void *ctx, struct mw_event *ev)
{
  struct describe_ctx *d = ctx;

  if (!d->res) {
    ev->output = "out of memory";
    return;
  }
  forward_describe(d->res, d->check, &d->text, &ev->perfdata, &ev->long_output);
  ev->output = mw_buf_str(&d->text);
}

struct hold_ctx {
  const struct forwarder *fw;
  const struct mw_instance *inst;
};

/* Problems are held while a parent (depends_on) has a problem, hard or soft: its state file,
 * written by whichever front end ran it, is what every front end reads. */
static bool hold_by_parents(void *ctx, char *why, size_t whylen)
{
  const struct hold_ctx *h = ctx;
  char err[MW_ERR_MAX];
  size_t j;

  for (j = 0; j < h->inst->ndepends_on; j++) {
    struct mw_track parent;
    enum mw_state worst;
    if (mw_track_load(h->fw->state_dir, h->inst->depends_on[j], &parent, err, sizeof(err)) != 0)
      continue; /* unreadable: nothing is known to hold for */
    worst = parent.hard != MW_OK ? parent.hard : parent.last;
    if (worst != MW_OK) {
      snprintf(why, whylen, "%s is %s%s", h->inst->depends_on[j], mw_state_name(worst),
               parent.hard == MW_OK ? " (soft)" : "");
      return true;
    }
  }
  return false;
}

/* With downtimes_lock held: the ad-hoc list read again when it is older than a second. */
static void refresh_downtimes(struct forwarder *fw)
{
  struct mw_downtime_list adhoc;
  char err[MW_ERR_MAX];
  int64_t mono = mw_now_ns();

  if (fw->downtimes_read_ns != 0 && mono - fw->downtimes_read_ns < DOWNTIMES_EVERY_NS)
    return;
  fw->downtimes_read_ns = mono ? mono : 1;
  if (mw_downtime_load(fw->state_dir, &adhoc, NULL, err, sizeof(err)) != 0) {
    /* A list that does not read holds nothing back, as before it was kept. */
    mw_downtime_list_free(&fw->downtimes);
    if (!fw->downtimes_unreadable && fw->log) {
      char message[MW_ERR_MAX + 64];
      snprintf(message, sizeof(message), "%s (ad-hoc downtimes ignored until it reads)", err);
      fw->log(fw->log_ctx, MW_LOG_WARNING, message);
    }
    fw->downtimes_unreadable = 1;
    return;
  }
  fw->downtimes_unreadable = 0;
  mw_downtime_list_free(&fw->downtimes);
  fw->downtimes = adhoc;
}

/* The downtime inst is in now, described in why; NULL when none. */
static const char *downtime_of(struct forwarder *fw, const struct mw_instance *inst, int64_t now,
                               char *why, size_t whylen)
{
  /* OWNER.slo (agent_slo.c) is in its owner's downtimes: names never hold a dot. */
  char owner[512];
  const char *dot = strchr(inst->name, '.');
  size_t len = dot ? (size_t)(dot - inst->name) : strlen(inst->name);
  bool in;

  snprintf(owner, sizeof(owner), "%.*s", (int)(len < sizeof(owner) ? len : sizeof(owner) - 1),
           inst->name);
  pthread_mutex_lock(&fw->downtimes_lock);
  refresh_downtimes(fw);
  in = mw_downtime_find(fw->cfg, &fw->downtimes, owner, now, why, whylen);
  pthread_mutex_unlock(&fw->downtimes_lock);
  return in ? why : NULL;
}

enum mw_track_action forward_result(struct forwarder *fw, const struct mw_instance *inst,
                                    const struct mw_result *res, struct mw_track *track,
                                    int64_t now, size_t *queued)
{
  struct hold_ctx hold = {fw, inst};
  struct mw_track_policy policy = {inst->max_attempts,
                                   inst->renotify,
                                   inst->flap_low,
                                   inst->flap_high,
                                   inst->ndepends_on ? hold_by_parents : NULL,
                                   &hold,
                                   NULL,
                                   inst->flap_window};
  struct mw_track_target targets[MW_TRACK_DESTS_MAX];
  struct describe_ctx ctx = {res, inst->check, {0}};
  struct mw_forward_spec spec;
  struct mw_forward_report report;
  enum mw_track_action action;
  enum mw_state state = res && !mw_result_failed(res) ? mw_result_get_state(res) : MW_UNKNOWN;
  struct mw_event ev;
  char downtime[MW_TRACK_NOTE_MAX];
  size_t k;

  policy.downtime = downtime_of(fw, inst, now, downtime, sizeof(downtime));
  memset(&spec, 0, sizeof(spec));
  for (k = 0; k < fw->cfg->nnotifiers && spec.ntargets < MW_TRACK_DESTS_MAX; k++) {
    unsigned routes;
    if (!wants(inst, &fw->cfg->notifiers[k], &routes))
      continue;
    targets[spec.ntargets].name = fw->cfg->notifiers[k].name;
    targets[spec.ntargets].dest = fw->dests[k];
    targets[spec.ntargets].routes = routes;
    targets[spec.ntargets].renotify = fw->cfg->notifiers[k].reminder;
    spec.ntargets++;
  }
  spec.state_dir = fw->state_dir;
  spec.name = inst->name;
  spec.targets = targets;
  spec.max_events = fw->cfg->spool_max > 0 ? (size_t)fw->cfg->spool_max : 0;
  spec.describe = describe;
  spec.describe_ctx = &ctx;
  spec.log = fw->log;
  spec.log_ctx = fw->log_ctx;
  spec.window_every_s = fw->window_every_s;
  mw_buf_init(&ctx.text, 1 << 20);
  memset(&ev, 0, sizeof(ev));
  ev.time = now;
  ev.host = fw->host;
  ev.service = inst->name;
  ev.check = inst->check;
  ev.output = "";
  ev.long_output = "";
  ev.perfdata = "";
  ev.origin = fw->origin;
  action = mw_track_forward(&spec, track, state, &policy, now, &ev, &report);
  if (report.not_queued || report.save_failed)
    __atomic_store_n(&fw->failed, 1, __ATOMIC_RELAXED);
  if (queued)
    *queued = report.queued;
  mw_buf_free(&ctx.text);
  return action;
}

void forwarder_keep_tracks(struct forwarder *fw, int64_t window_every_s)
{
  fw->window_every_s = window_every_s;
}

int forwarder_free(struct forwarder *fw, double wait)
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
      mw_spool_deliver(fw->dests[i], deadline, MW_DELIVER_WAIT, mw_log_stderr, &fw->verbosity,
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
  mw_downtime_list_free(&fw->downtimes);
  pthread_mutex_destroy(&fw->downtimes_lock);
  free(fw->open);
  free(fw->dests);
  free(fw);
  return failed;
}

/* run --notify says what it queued, one line per event, even without -v: a cron job's mail then
 * shows what was sent. */
static void log_run_handoff(void *ctx, enum mw_log_level level, const char *message)
{
  if (level == MW_LOG_INFO)
    fprintf(stderr, "mcpwatch: %s\n", message);
  else
    mw_log_stderr(ctx, level, message);
}

/* Whether every parent of insts[i] that runs now has been forwarded. */
static bool parents_done(const struct mw_instance **insts, const bool *done, size_t n, size_t i)
{
  size_t j;
  size_t k;

  for (j = 0; j < insts[i]->ndepends_on; j++) {
    for (k = 0; k < n; k++) {
      if (!done[k] && strcmp(insts[k]->name, insts[i]->depends_on[j]) == 0)
        return false;
    }
  }
  return true;
}

int forward_jobs(const struct mw_config *cfg, const struct mw_instance **insts,
                 const struct mw_job *jobs, size_t n, double wait, int verbosity)
{
  struct forwarder *fw;
  int64_t now = (int64_t)time(NULL);
  char err[MW_ERR_MAX];
  bool *done;
  size_t left;
  size_t i;

  fw = forwarder_new(cfg, "run", verbosity, log_run_handoff, &verbosity, err, sizeof(err));
  if (!fw) {
    fprintf(stderr, "mcpwatch: error: %s\n", err);
    return 1;
  }
  done = calloc(n + 1, sizeof(*done));
  if (!done) {
    fprintf(stderr, "mcpwatch: error: out of memory\n");
    forwarder_free(fw, 0);
    return 1;
  }
  /* Parents before the instances that depend on them, so that a child's problem is judged
   * against its parent's result of this run (the configuration has no cycles). */
  for (left = n; left > 0;) {
    size_t before = left;
    for (i = 0; i < n; i++) {
      struct mw_track track;
      if (done[i] || !parents_done(insts, done, n, i))
        continue;
      if (mw_track_load(fw->state_dir, insts[i]->name, &track, err, sizeof(err)) != 0)
        fprintf(stderr, "mcpwatch: warning: %s (starting afresh)\n", err);
      forward_result(fw, insts[i], jobs[i].result, &track, now, NULL);
      done[i] = true;
      left--;
    }
    if (left == before)
      break; /* cannot happen with a checked configuration */
  }
  free(done);
  return forwarder_free(fw, wait);
}
