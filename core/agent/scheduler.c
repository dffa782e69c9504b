/* SPDX-License-Identifier: MIT */
/* cmd_agent.c - `mcpwatch agent`: every configured instance on its own schedule, its check state
 * (connections, sessions) kept between runs, state changes forwarded through the spool, and
 * `mcpwatch status` reading what it last wrote.
 *
 * Worker threads pick the instance that is due soonest; the main thread only waits for
 * signals (SIGHUP reloads, SIGTERM and SIGINT stop) and writes the status file once a second.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define DEFAULT_INTERVAL 60.0
#define BREAKER_AFTER 5       /* problem results in a row before the breaker opens */
#define BACKOFF_MAX_DEFAULT 4 /* a hung server is probed at most every 4 intervals */
/* SIGTERM to exit, whatever a receiver does: the last deliveries get what is left of it. */
#define STOP_BUDGET_NS (4000LL * 1000000LL)
#define SCHEDULE_SLACK_NS (100LL * 1000000LL)
#define LOG_HOLDOFF_FIRST_S 60.0
#define LOG_HOLDOFF_MAX_S 3600.0

static const struct mw_option agent_options[] = {
    {"config", 0, MW_OPT_STRING, 0, "FILE", MW_DEFAULT_CONFIG,
     "Main configuration file; every *.conf in its conf_dir is read after it.", NULL, NULL},
    {"workers", 0, MW_OPT_INT, MW_OPT_CLI_ONLY, "N", "4",
     "Threads running checks; a check waiting on a slow server holds one.", NULL, NULL},
    {"status-file", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FILE", NULL,
     "Where the agent writes every instance's state each second (default "
     "STATE_DIR/agent.status).",
     NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

/* Errors and warnings that repeat word for word (a receiver down, a file that cannot be
 * written) are held back: written once, then after 1 min, 2, 4, ... up to once an hour. */
static struct mw_ratelog *log_limiter;

void agent_log(const char *fmt, ...)
{
  char line[1024];
  unsigned long held = 0;
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  if (log_limiter && (strncmp(line, "error:", 6) == 0 || strncmp(line, "warning:", 8) == 0) &&
      !mw_ratelog_allow(log_limiter, line, mw_now_ns(), &held))
    return;
  if (held)
    fprintf(stderr, "mcpwatch agent: %s (%lu more like this held back)\n", line, held);
  else
    fprintf(stderr, "mcpwatch agent: %s\n", line);
}

static void log_courier(void *ctx, enum mw_log_level level, const char *message)
{
  (void)ctx;
  if (level != MW_LOG_INFO)
    agent_log("%s: %s", level == MW_LOG_ERROR ? "error" : "warning", message);
}

/* The hand-off's lines: errors and warnings held back when repeated, one line per event queued. */
static void log_forward(void *ctx, enum mw_log_level level, const char *message)
{
  (void)ctx;
  agent_log("%s%s",
            level == MW_LOG_ERROR     ? "error: "
            : level == MW_LOG_WARNING ? "warning: "
                                      : "",
            message);
}

/* ---- running --------------------------------------------------------------------------------- */

/* With a->lock held: the interval until this instance's next run. An open breaker probes at the
 * normal interval (no soft retries: the problem is known), stretched only while probes hang. */
static double next_interval(const struct agent_inst *ai)
{
  bool soft = ai->track.last != MW_OK && ai->track.hard != ai->track.last;
  double interval = soft && !ai->breaker_open ? ai->retry_interval : ai->interval;

  return interval * ai->factor;
}

/* The circuit breaker. Closed: runs at the interval, soft problems retried at retry_interval.
 * Open, after BREAKER_AFTER failures in a row: each run is one probe (the half-open state while
 * it runs) whose result decides; a success closes the breaker at once, so a server that comes
 * back is seen within one interval. A probe that used up its whole timeout (the server hangs
 * and would hold a worker every time) doubles the wait, up to backoff_max intervals; a probe
 * that fails fast (refused, 5xx) costs nothing and keeps the interval. */
static void update_breaker(struct agent_inst *ai, enum mw_state state, int64_t took_ns)
{
  bool failed = state == MW_CRITICAL || state == MW_UNKNOWN;
  bool hung = failed && took_ns >= ai->timeout_ns - ai->timeout_ns / 20;
  unsigned factor = ai->factor;

  ai->failures = failed ? ai->failures + 1 : 0;
  if (!failed) {
    if (ai->breaker_open)
      agent_log("%s: answering again: circuit breaker closed, checking every %gs", ai->inst->name,
                ai->interval);
    ai->breaker_open = false;
    ai->factor = 1;
    return;
  }
  if (ai->failures < BREAKER_AFTER)
    return;
  if (!ai->breaker_open) {
    ai->breaker_open = true;
    agent_log("%s: %u failures in a row: circuit breaker open, one probe every %gs decides",
              ai->inst->name, ai->failures, ai->interval);
  }
  factor = hung ? (factor * 2 > ai->backoff_max ? ai->backoff_max : factor * 2) : 1;
  if (factor != ai->factor) {
    if (factor > 1)
      agent_log("%s: the probe timed out; probing every %gs instead of every %gs (backoff_max %u)",
                ai->inst->name, ai->interval * factor, ai->interval, ai->backoff_max);
    else
      agent_log("%s: the probe failed fast; probing every %gs again", ai->inst->name, ai->interval);
    ai->factor = factor;
  }
}

/* Runs due within the slack are taken together, but never more than a quarter of an interval
 * early: with an interval under the slack an instance would be due again as soon as it ended,
 * and ran back to back (found by tests/bench/soak at 50 ms). */
static int64_t agent_slack(double interval_s)
{
  int64_t quarter = (int64_t)(interval_s * 1e9 / 4);

  return quarter < SCHEDULE_SLACK_NS ? quarter : SCHEDULE_SLACK_NS;
}

static void run_one(struct agent *a, struct agent_inst *ai)
{
  struct mw_result *res = mw_result_new();
  int64_t start = mw_now_ns();
  enum mw_track_action action;
  enum mw_state before = ai->track.hard;
  enum mw_state state;
  size_t queued = 0;

  if (res)
    ai->check->run(ai->state, res, start + ai->timeout_ns);
  state = res && !mw_result_failed(res) ? mw_result_get_state(res) : MW_UNKNOWN;
  action =
      cli_forward_result(a->forwarder, ai->inst, res, &ai->track, (int64_t)time(NULL), &queued);
  agent_publish(a, (size_t)(ai - a->insts), ai->inst, res, ai->last_state);
  if (action != MW_TRACK_NONE) {
    agent_log("%s: %s -> %s (%s)", ai->inst->name, mw_state_name(before), mw_state_name(state),
              action == MW_TRACK_RECOVERY   ? "recovery"
              : action == MW_TRACK_RENOTIFY ? "reminder"
                                            : "problem");
  }
  if (queued > 0)
    mw_courier_wake(a->courier);
  pthread_mutex_lock(&a->lock);
  ai->last_run = (int64_t)time(NULL);
  ai->last_ms = (mw_now_ns() - start) / 1000000;
  ai->last_state = state;
  ai->hard = ai->track.hard;
  snprintf(ai->summary, sizeof(ai->summary), "%s",
           res ? mw_result_get_summary(res) : "out of memory");
  memcpy(ai->note, ai->track.note, sizeof(ai->note));
  ai->flap = ai->inst->flap_high > 0.0 ? ai->track.flap_percent : -1.0;
  update_breaker(ai, state, mw_now_ns() - start);
  ai->next_ns = start + (int64_t)(next_interval(ai) * 1e9);
  ai->early_ns = agent_slack(next_interval(ai));
  ai->running = false;
  a->dirty = true;
  /* The worker on the clock chose its wake-up while this instance was running, without it: if
   * this run is due before then (few instances, short intervals), it must choose again. */
  if (a->timer_waiter && ai->next_ns - ai->early_ns < a->timer_until)
    pthread_cond_broadcast(&a->cond);
  pthread_mutex_unlock(&a->lock);
  mw_result_free(res);
  agent_evaluate_services(a, (size_t)(ai - a->insts));
}

void agent_publish(struct agent *a, size_t slot, const struct mw_instance *inst,
                   const struct mw_result *res, enum mw_state previous)
{
  int64_t now = (int64_t)time(NULL);
  struct mw_buf text;
  struct mw_event ev;
  const char *long_output;
  const char *perf;

  cli_passive_result(a->passive, inst->name, inst->check, res, now);
  if (!a->submitter || !res)
    return;
  mw_buf_init(&text, 1 << 20);
  cli_describe(res, inst->check, &text, &perf, &long_output);
  memset(&ev, 0, sizeof(ev));
  ev.id = "";
  ev.time = now;
  ev.host = cli_forwarder_host(a->forwarder);
  ev.service = inst->name;
  ev.check = inst->check;
  ev.state = mw_result_get_state(res);
  ev.previous = mw_state_name(previous);
  ev.type = "RESULT";
  ev.output = mw_buf_str(&text);
  ev.long_output = long_output;
  ev.perfdata = perf;
  ev.origin = "agent";
  cli_submit(a->submitter, slot, &ev);
  mw_buf_free(&text);
}

static void *worker_main(void *arg)
{
  struct agent *a = arg;

  pthread_mutex_lock(&a->lock);
  while (!a->stopping) {
    struct agent_inst *due = NULL;
    /* Runs due within the slack are taken together when the first of them is due: a thousand
     * instances spread over an interval would otherwise wake a worker for every one. */
    int64_t now = mw_now_ns();
    int64_t soonest = now + 1000000000LL;
    struct timespec until;
    size_t i;
    for (i = 0; i < a->n; i++) {
      struct agent_inst *ai = &a->insts[i];
      if (ai->running || !ai->state)
        continue;
      if (ai->next_ns - ai->early_ns <= now && (!due || ai->next_ns < due->next_ns))
        due = ai;
      else if (ai->next_ns < soonest)
        soonest = ai->next_ns;
    }
    if (due) {
      due->running = true;
      /* Someone must keep watching the clock while this one runs. */
      if (!a->timer_waiter)
        pthread_cond_signal(&a->cond);
      pthread_mutex_unlock(&a->lock);
      run_one(a, due);
      pthread_mutex_lock(&a->lock);
      continue;
    }
    /* One worker sleeps until the next run is due; the others sleep until it hands over, so
     * the clock wakes one thread, not all of them. */
    if (a->timer_waiter) {
      pthread_cond_wait(&a->cond, &a->lock);
      continue;
    }
    a->timer_waiter = true;
    a->timer_until = soonest;
    until.tv_sec = (time_t)(soonest / 1000000000LL);
    until.tv_nsec = (long)(soonest % 1000000000LL);
    pthread_cond_timedwait(&a->cond, &a->lock, &until);
    a->timer_waiter = false;
  }
  pthread_mutex_unlock(&a->lock);
  return NULL;
}

/* ---- start and stop ---------------------------------------------------------------------------
 */

static void agent_close(struct agent *a)
{
  size_t i;

  for (i = 0; i < a->n; i++) {
    if (a->insts[i].state)
      a->insts[i].check->close(a->insts[i].state);
    mw_args_free(a->insts[i].args);
  }
  free(a->insts);
  a->insts = NULL;
  a->n = 0;
  for (i = 0; i < a->nservices; i++)
    free(a->services[i].members);
  free(a->services);
  a->services = NULL;
  a->nservices = 0;
  mw_courier_stop(a->courier);
  a->courier = NULL;
  cli_forwarder_free(a->forwarder, 0);
  a->forwarder = NULL;
  cli_passive_free(a->passive);
  a->passive = NULL;
  cli_submitter_free(a->submitter);
  a->submitter = NULL;
  mw_plugin_set_free(&a->plugins);
  mw_config_free(&a->cfg);
}

/* Loads path into a fresh agent: every instance's check and options validated and opened. */
static int agent_load(struct agent *a, const char *path, char *err, size_t errlen)
{
  const char *default_timeout = NULL;
  char timeout_text[64];
  size_t i;

  memset(&a->cfg, 0, sizeof(a->cfg));
  memset(&a->plugins, 0, sizeof(a->plugins));
  if (mw_config_load(path, &a->cfg, err, errlen) != 0)
    return -1;
  if (a->cfg.ninstances == 0) {
    snprintf(err, errlen, "%s defines no checks", path);
    return -1;
  }
  if (a->cfg.timeout > 0) {
    mw_format_number(a->cfg.timeout, timeout_text, sizeof(timeout_text));
    default_timeout = timeout_text;
  }
  a->insts = calloc(a->cfg.ninstances, sizeof(*a->insts));
  if (!a->insts) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < a->cfg.ninstances; i++) {
    const struct mw_instance *inst = &a->cfg.instances[i];
    struct agent_inst *ai = &a->insts[a->n];
    char why[ERR_MAX / 2];
    ai->inst = inst;
    ai->check = mw_plugin_set_get(&a->plugins, inst->check, why, sizeof(why));
    if (!ai->check) {
      snprintf(err, errlen, "%s:%d: %s", inst->file, inst->line, why);
      return -1;
    }
    ai->args = mw_instance_args(inst, ai->check, default_timeout, err, errlen);
    if (!ai->args)
      return -1;
    a->n++;
    ai->timeout_ns = (int64_t)(mw_args_duration(ai->args, "timeout") * 1e9);
    ai->interval = inst->interval > 0 ? inst->interval : DEFAULT_INTERVAL;
    ai->retry_interval = inst->retry_interval > 0 ? inst->retry_interval : ai->interval;
    ai->factor = 1;
    ai->backoff_max = (unsigned)(inst->backoff_max > 0    ? inst->backoff_max
                                 : a->cfg.backoff_max > 0 ? a->cfg.backoff_max
                                                          : BACKOFF_MAX_DEFAULT);
    ai->last_state = MW_UNKNOWN;
  }
  a->forwarder = cli_forwarder_new(&a->cfg, "agent", 0, log_forward, NULL, err, errlen);
  if (!a->forwarder)
    return -1;
  if (a->cfg.nagios_command_file &&
      !(a->passive =
            cli_passive_new(a->cfg.nagios_command_file, cli_forwarder_host(a->forwarder)))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  /* The state folder holds the status file and the passive receivers' folders even before any
   * state changed. */
  if (mkdir(cli_forwarder_state_dir(a->forwarder), 0750) != 0 && errno != EEXIST)
    agent_log("warning: cannot create %s: %s", cli_forwarder_state_dir(a->forwarder),
              strerror(errno));
  a->submitter = cli_submitter_new(&a->cfg, cli_forwarder_state_dir(a->forwarder),
                                   a->n + a->cfg.nservices, agent_log, err, errlen);
  if (!a->submitter && err[0])
    return -1;
  for (i = 0; i < a->n; i++) {
    struct agent_inst *ai = &a->insts[i];
    struct mw_result *why = mw_result_new();
    char msg[ERR_MAX / 2];
    if (mw_track_load(cli_forwarder_state_dir(a->forwarder), ai->inst->name, &ai->track, msg,
                      sizeof(msg)) != 0)
      agent_log("warning: %s (starting afresh)", msg);
    if (!why || ai->check->open(ai->args, &ai->state, why) != 0) {
      snprintf(err, errlen, "%s:%d: check '%s': %s", ai->inst->file, ai->inst->line, ai->inst->name,
               why ? mw_result_get_summary(why) : "out of memory");
      ai->state = NULL;
      mw_result_free(why);
      return -1;
    }
    mw_result_free(why);
    /* Spread the first runs over one interval, so many instances do not fire at once. */
    ai->next_ns = mw_now_ns() + (int64_t)(mw_random01() * ai->interval * 1e9);
    ai->early_ns = agent_slack(ai->interval);
    ai->hard = ai->track.hard;
  }
  return agent_load_services(a, err, errlen);
}

static int agent_start(struct agent *a, size_t nworkers, char *err, size_t errlen)
{
  struct mw_destination **dests;
  size_t ndests = cli_forwarder_destinations(a->forwarder, &dests);
  size_t i;

  if (ndests > 0) {
    a->courier = mw_courier_start(dests, ndests, log_courier, NULL, err, errlen);
    if (!a->courier)
      return -1;
  }
  a->stopping = false;
  a->workers = calloc(nworkers, sizeof(*a->workers));
  if (!a->workers) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < nworkers; i++) {
    if (pthread_create(&a->workers[i], NULL, worker_main, a) != 0) {
      snprintf(err, errlen, "cannot start worker threads");
      break;
    }
    a->nworkers++;
  }
  agent_log("running %zu instances on %zu workers, %zu notifiers", a->n, a->nworkers, ndests);
  return a->nworkers > 0 ? 0 : -1;
}

/* Lets the running checks finish (each bounded by its timeout) and joins the workers. */
static void agent_stop_workers(struct agent *a)
{
  size_t i;

  pthread_mutex_lock(&a->lock);
  a->stopping = true;
  pthread_cond_broadcast(&a->cond);
  pthread_mutex_unlock(&a->lock);
  for (i = 0; i < a->nworkers; i++)
    pthread_join(a->workers[i], NULL);
  free(a->workers);
  a->workers = NULL;
  a->nworkers = 0;
}

/* ---- the command ------------------------------------------------------------------------------
 */

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

/* An agent with its locks; everything it runs is loaded by agent_load. Heap-allocated, since a
 * reload builds the next one while this one still runs, and the forwarder keeps a pointer to its
 * configuration. */
static struct agent *agent_new(void)
{
  struct agent *a = calloc(1, sizeof(*a));

  if (!a)
    return NULL;
  pthread_mutex_init(&a->lock, NULL);
  pthread_mutex_init(&a->service_lock, NULL);
  mw_cond_init_monotonic(&a->cond);
  return a;
}

void agent_free(struct agent *a)
{
  if (!a)
    return;
  agent_close(a);
  pthread_cond_destroy(&a->cond);
  pthread_mutex_destroy(&a->service_lock);
  pthread_mutex_destroy(&a->lock);
  free(a);
}

int cmd_agent(int argc, char **argv)
{
  struct mw_args *opts = mw_args_new(agent_options);
  struct agent *a = NULL;
  sigset_t signals;
  char *status_path = NULL;
  mw_deadline stop_deadline;
  bool finished;
  char err[ERR_MAX];
  const char *config;
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
    struct mw_buf text;
    mw_buf_init(&text, 1 << 20);
    mw_buf_addf(&text, "Usage: mcpwatch agent [OPTIONS]\n\n%s\nOptions:\n", agent_description);
    mw_options_help(agent_options, &text);
    fputs(mw_buf_str(&text), stdout);
    mw_buf_free(&text);
    result = 0;
    goto cleanup;
  }
  workers = mw_args_int(opts, "workers");
  if (workers < 1 || workers > 256) {
    result = cli_fail("AGENT", "--workers must be 1 to 256");
    goto cleanup;
  }
  config = mw_args_str(opts, "config");
  /* Signals are taken by the main thread alone: every thread started later inherits the mask. */
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, NULL);
  /* A command FIFO whose reader went away must be an error to handle, not the end. */
  signal(SIGPIPE, SIG_IGN);

  log_limiter = mw_ratelog_new(LOG_HOLDOFF_FIRST_S, LOG_HOLDOFF_MAX_S);
  agent_reaper_init();
  a = agent_new();
  if (!a || agent_load(a, config, err, sizeof(err)) != 0) {
    agent_log("error: %s", a ? err : "out of memory");
    result = cli_fail("AGENT", "%s", a ? err : "out of memory");
    goto cleanup;
  }
  status_path = cli_status_path(opts, &a->cfg);
  if (!status_path || agent_start(a, (size_t)workers, err, sizeof(err)) != 0) {
    agent_log("error: %s", status_path ? err : "out of memory");
    agent_stop_workers(a);
    goto cleanup;
  }
  for (;;) {
    struct timespec second = {1, 0};
    int sig = sigtimedwait(&signals, NULL, &second);
    agent_write_status(a, status_path);
    agent_reap(0);
    if (sig == SIGHUP) {
      struct agent *next = agent_new();
      agent_log("SIGHUP: reloading %s", config);
      if (!next || agent_load(next, config, err, sizeof(err)) != 0) {
        agent_log("error: reload failed: %s; the running configuration stays",
                  next ? err : "out of memory");
        agent_free(next);
        continue;
      }
      /* The old instances finish their runs; tracks and queued events are on disk, so the
       * new ones take over from there. Whatever the old notifiers are still sending is left
       * to them, on a thread of their own. */
      agent_stop_workers(a);
      agent_reload_tracks(next);
      agent_retire(a);
      a = next;
      a->dirty = true;
      if (agent_start(a, (size_t)workers, err, sizeof(err)) != 0) {
        agent_log("error: %s", err);
        break;
      }
      continue;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      agent_log("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      result = 0;
      break;
    }
  }
  stop_deadline = mw_now_ns() + STOP_BUDGET_NS;
  agent_stop_workers(a);
  a->dirty = true;
  agent_write_status(a, status_path);
  finished = agent_finish(a, stop_deadline);
  if (!agent_reap(stop_deadline) || !finished) {
    /* Everything queued is on disk: a send still waiting on its receiver is abandoned, as a
     * kill would, and its event goes out at the next start or 'mcpwatch flush'. */
    agent_log("stopped; a delivery still waiting on its receiver was abandoned (its event stays "
              "queued)");
    fflush(stdout);
    fflush(stderr);
    _exit(result);
  }
  agent_log("stopped");
cleanup:
  agent_free(a);
  mw_ratelog_free(log_limiter);
  log_limiter = NULL;
  free(status_path);
  mw_args_free(opts);
  return result;
}
