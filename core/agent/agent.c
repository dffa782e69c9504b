/* SPDX-License-Identifier: MIT */
/* agent.c - the agent's life: a configuration loaded into a fresh agent (every instance's check
 * opened, notifiers and receivers opened, tracks read), workers started, SIGHUP building the next
 * agent while the running one goes on, and SIGTERM/SIGINT stopping within a budget.
 *
 * Worker threads (scheduler.c) pick the instance that is due soonest; the main thread only waits
 * for signals and writes the status file once a second. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_impl.h"
#ifdef HAVE_HISTORY
#include "history.h"
#endif

#define DEFAULT_INTERVAL 60.0
#define BACKOFF_MAX_DEFAULT 4 /* a hung server is probed at most every 4 intervals */
/* SIGTERM to exit, whatever a receiver does: the last deliveries get what is left of it. */
#define STOP_BUDGET_NS (4000LL * 1000000LL)
/* The tracks live in memory: a result that changes only their flap window is written at most
 * this often (a write and two fsyncs per result were most of the agent's system time). */
#define WINDOW_WRITE_EVERY_S 300

/* The agent's last word on whether it kept up: how late its runs started. */
static void log_lateness(struct agent *a)
{
  const struct agent_lateness *l = &a->lateness;

  if (l->runs == 0)
    return;
  agent_log("%llu runs started late by p50 %.1f ms, p99 %.1f ms, max %.1f ms (start minus due "
            "time)",
            l->runs, lateness_quantile(l, 0.5) * 1e3, lateness_quantile(l, 0.99) * 1e3,
            l->max_s * 1e3);
}
static void agent_close(struct agent *a)
{
  size_t i;

  for (i = 0; i < a->n; i++) {
    if (a->insts[i].state)
      a->insts[i].check->close(a->insts[i].state);
    mw_args_free(a->insts[i].args);
    mw_buf_free(&a->insts[i].row);
  }
  free(a->insts);
  free(a->queue);
  a->insts = NULL;
  a->n = 0;
  for (i = 0; i < a->nservices; i++)
    free(a->services[i].members);
  free(a->services);
  a->services = NULL;
  a->nservices = 0;
  agent_free_slos(a);
  mw_courier_stop(a->courier);
  a->courier = NULL;
  forwarder_free(a->forwarder, 0);
  a->forwarder = NULL;
  passive_free(a->passive);
  a->passive = NULL;
  submitter_free(a->submitter);
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
    char why[MW_ERR_MAX / 2];
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
    mw_buf_init(&ai->row, 1 << 16);
  }
  a->forwarder = forwarder_new(&a->cfg, "agent", 0, agent_log_forward, NULL, err, errlen);
  if (!a->forwarder)
    return -1;
  forwarder_keep_tracks(a->forwarder, WINDOW_WRITE_EVERY_S);
  if (a->cfg.nagios_command_file &&
      !(a->passive = passive_new(a->cfg.nagios_command_file, forwarder_host(a->forwarder)))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  /* The state folder holds the status file and the passive receivers' folders even before any
   * state changed. */
  if (mkdir(forwarder_state_dir(a->forwarder), 0750) != 0 && errno != EEXIST)
    agent_log("warning: cannot create %s: %s", forwarder_state_dir(a->forwarder), strerror(errno));
  a->submitter = submitter_new(&a->cfg, forwarder_state_dir(a->forwarder), a->n + a->cfg.nservices,
                               agent_log, err, errlen);
  if (!a->submitter && err[0])
    return -1;
  for (i = 0; i < a->n; i++) {
    struct agent_inst *ai = &a->insts[i];
    struct mw_result *why = mw_result_new();
    char msg[MW_ERR_MAX / 2];
    if (mw_track_load(forwarder_state_dir(a->forwarder), ai->inst->name, &ai->track, msg,
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
  size_t ndests = forwarder_destinations(a->forwarder, &dests);
  size_t i;

  if (ndests > 0) {
    a->courier = mw_courier_start(dests, ndests, agent_log_courier, NULL, err, errlen);
    if (!a->courier)
      return -1;
  }
  a->stopping = false;
  a->queue = calloc(a->n ? a->n : 1, sizeof(*a->queue));
  a->workers = calloc(nworkers, sizeof(*a->workers));
  if (!a->queue) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < a->n; i++)
    if (a->insts[i].state)
      agent_queue_push(a, i);
  if (!a->workers) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (agent_workers_open(a, err, errlen) != 0)
    return -1;
  for (i = 0; i < nworkers; i++) {
    if (pthread_create(&a->workers[i], NULL, agent_worker_main, a) != 0) {
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
  agent_workers_wake_all(a);
  pthread_mutex_unlock(&a->lock);
  for (i = 0; i < a->nworkers; i++)
    pthread_join(a->workers[i], NULL);
  free(a->workers);
  a->workers = NULL;
  a->nworkers = 0;
  agent_workers_close(a);
}

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
  mw_cond_init_monotonic(&a->clock_cond);
  a->watch_fd = -1;
  return a;
}

void agent_free(struct agent *a)
{
  if (!a)
    return;
  agent_close(a);
  agent_workers_close(a);
  pthread_cond_destroy(&a->clock_cond);
  pthread_cond_destroy(&a->cond);
  pthread_mutex_destroy(&a->service_lock);
  pthread_mutex_destroy(&a->lock);
  free(a);
}

/* http: { listen }: the agent's server, started before the workers so that a refusal is the only
 * line, and attached to a once they run. 0, or -1 with err (a build without
 * libmicrohttpd refuses the setting rather than ignore it). */
static int start_http(struct agent *a, const char *status_path, struct agent_http **http, char *err,
                      size_t errlen)
{
  if (a->cfg.http.nlisten == 0)
    return 0;
#ifdef HAVE_HTTPD
  *http = agent_http_start(&a->cfg.http, status_path, err, errlen);
  if (!*http)
    return -1;
  agent_log("http: serving /health and /metrics on %s%s%s%s", a->cfg.http.listen[0],
            a->cfg.http.nlisten > 1 ? " and more" : "", a->cfg.http.tls_cert ? ", over TLS" : "",
            a->cfg.http.token_file   ? ", bearer token required"
            : a->cfg.http.basic_file ? ", Basic credentials required"
                                     : "");
  return 0;
#else
  (void)http;
  (void)status_path;
  snprintf(err, errlen,
           "http: this mcpwatch was built without libmicrohttpd (configure "
           "--enable-httpd)");
  return -1;
#endif
}

void agent_record(struct agent *a, const char *series, bool service, enum mw_state state,
                  int64_t took_ms, const char *output)
{
#ifdef HAVE_HISTORY
  struct timespec now;

  clock_gettime(CLOCK_REALTIME, &now);
  history_record(a->history, series, service, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000,
                 state, took_ms, output);
#else
  (void)a;
  (void)series;
  (void)service;
  (void)state;
  (void)took_ms;
  (void)output;
#endif
}

/* The history of the process, STATE_DIR/history.db, unless the configuration turns it off; NULL
 * without one. A build without SQLite refuses a history group rather than ignore it. */
static int start_history(struct agent *a, struct history **history, char *err, size_t errlen)
{
  *history = NULL;
  if (a->cfg.history.disabled)
    return 0;
#ifdef HAVE_HISTORY
  {
    struct mw_buf path;

    mw_buf_init(&path, 4096);
    mw_buf_addf(&path, "%s/%s", forwarder_state_dir(a->forwarder), HISTORY_FILE);
    if (path.failed) {
      mw_buf_free(&path);
      snprintf(err, errlen, "history: path too long");
      return -1;
    }
    *history = history_open(mw_buf_str(&path), &a->cfg.history, agent_log, err, errlen);
    mw_buf_free(&path);
    return *history ? 0 : -1;
  }
#else
  if (a->cfg.history.set) {
    snprintf(err, errlen,
             "history: this mcpwatch was built without SQLite (configure --enable-history); "
             "say history = false;");
    return -1;
  }
  return 0;
#endif
}

static void history_close_if(struct history *history)
{
#ifdef HAVE_HISTORY
  history_close(history);
#else
  (void)history;
#endif
}

static void agent_http_detach(struct agent_http *http)
{
#ifdef HAVE_HTTPD
  agent_http_attach(http, NULL);
#else
  (void)http;
#endif
}

static void agent_http_attach_to(struct agent_http *http, struct agent *a)
{
#ifdef HAVE_HTTPD
  agent_http_attach(http, a);
#else
  (void)http;
  (void)a;
#endif
}

static void agent_http_stop_if(struct agent_http *http)
{
#ifdef HAVE_HTTPD
  agent_http_stop(http);
#else
  (void)http;
#endif
}

int agent_run(const char *config, size_t workers, const char *status_file, char *err, size_t errlen)
{
  struct agent *a = NULL;
  sigset_t signals;
  char *status_path = NULL;
  mw_deadline stop_deadline;
  struct agent_http *http = NULL;
  struct history *history = NULL;
  char history_path[4200] = "";
  bool finished;
  int result = 1;

  /* Signals are taken by the main thread alone: every thread started later inherits the mask. */
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, NULL);
  /* A command FIFO whose reader went away must be an error to handle, not the end. */
  signal(SIGPIPE, SIG_IGN);

  agent_log_open();
  agent_reaper_init();
  a = agent_new();
  if (!a || agent_load(a, config, err, errlen) != 0) {
    if (!a)
      snprintf(err, errlen, "out of memory");
    agent_log("error: %s", err);
    result = -1;
    goto cleanup;
  }
  status_path = agent_status_path(status_file, &a->cfg);
  if (!status_path) {
    agent_log("error: out of memory");
    goto cleanup;
  }
  if (start_history(a, &history, err, errlen) != 0) {
    agent_log("error: %s", err);
    goto cleanup;
  }
  a->history = history;
  snprintf(history_path, sizeof(history_path), "%s/history.db", forwarder_state_dir(a->forwarder));
  if (agent_load_slos(a, err, errlen) != 0 || start_http(a, status_path, &http, err, errlen) != 0) {
    agent_log("error: %s", err);
    goto cleanup;
  }
  if (agent_start(a, workers, err, errlen) != 0) {
    agent_log("error: %s", err);
    agent_stop_workers(a);
    goto cleanup;
  }
  agent_http_attach_to(http, a);
  /* A status at once (every instance PENDING): `mcpwatch status` and /api/v1/status answer
   * from the first moment /health does. */
  pthread_mutex_lock(&a->lock);
  a->dirty = true; /* the workers run already */
  pthread_mutex_unlock(&a->lock);
  agent_write_status(a, status_path);
  for (;;) {
    struct timespec second = {1, 0};
    int sig = sigtimedwait(&signals, NULL, &second);
    agent_slo_tick(a, history_path);
    agent_write_status(a, status_path);
    agent_reap(0);
    if (sig == SIGHUP) {
      struct agent *next = agent_new();
      agent_log("SIGHUP: reloading %s", config);
      if (!next || agent_load(next, config, err, errlen) != 0) {
        agent_log("error: reload failed: %s; the running configuration stays",
                  next ? err : "out of memory");
        agent_free(next);
        continue;
      }
      /* The old instances finish their runs; tracks and queued events are on disk, so the
       * new ones take over from there. Whatever the old notifiers are still sending is left
       * to them, on a thread of their own. */
      next->history = history;
      if (agent_load_slos(next, err, errlen) != 0) {
        agent_log("error: reload failed: %s; the running configuration stays", err);
        agent_free(next);
        continue;
      }
      agent_http_detach(http);
      agent_stop_workers(a);
      agent_reload_tracks(next);
      agent_retire(a);
      a = next;
      a->dirty = true;
      if (agent_start(a, workers, err, errlen) != 0) {
        agent_log("error: %s", err);
        break;
      }
      /* The server started with the first configuration stays (a changed listen takes a
       * restart); it reads the new agent once that runs. */
      agent_http_attach_to(http, a);
      continue;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      agent_log("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      result = 0;
      break;
    }
  }
  stop_deadline = mw_now_ns() + STOP_BUDGET_NS;
  agent_http_stop_if(http);
  http = NULL;
  agent_stop_workers(a);
  log_lateness(a);
  a->dirty = true;
  agent_write_status(a, status_path);
  history_close_if(history);
  history = NULL;
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
  agent_http_stop_if(http);
  history_close_if(history);
  agent_free(a);
  agent_log_close();
  free(status_path);
  return result;
}
