/* SPDX-License-Identifier: MIT */
/* agent_impl.h - what the agent's files share: the forwarder, the Nagios command file, the
 * passive receivers, the status file, and the agent's state with its workers. */
#ifndef MW_AGENT_IMPL_H
#define MW_AGENT_IMPL_H

#include <pthread.h>

#include "agent.h"
#include "mw_spool.h"

/* Nagios external commands (passive.c): each result as PROCESS_SERVICE_CHECK_RESULT. */
struct passive;
struct passive *passive_new(const char *path, const char *host);
void passive_result(struct passive *p, const char *service, const char *check,
                    const struct mw_result *res, int64_t now);
void passive_free(struct passive *p);
/* Passive results (submit.c): every result to each passive_results receiver, unspooled, the
 * newest per slot (one slot per instance and service) replacing one not yet sent. NULL when the
 * configuration has none (err "") or one cannot be opened (err set). log is the agent's. */
struct submitter;
struct submitter *submitter_new(const struct mw_config *cfg, const char *state_dir, size_t nslots,
                                void (*log)(const char *fmt, ...), char *err, size_t errlen);
void submitter_send(struct submitter *s, size_t slot, const struct mw_event *ev);
/* One line per receiver for the status file: passive, name, sent, refused, replaced, waiting,
 * why it is being retried (or ""), the last refusal (or ""), tab-separated. */
void submitter_report(struct submitter *s, struct mw_buf *out);
/* The receivers' number; with k below it, receiver k's name and its sent, refused, replaced and
 * waiting results. */
size_t submitter_count(struct submitter *s, size_t k, const char **name, unsigned long counts[4]);
/* Takes no more results; what is queued is still sent for up to wait seconds. */
void submitter_stop(struct submitter *s, double wait);
/* Stops taking results, sends what is queued until deadline (CLOCK_MONOTONIC ns) and waits for
 * the receivers' threads until then: true when they ended (everything is freed), false when one
 * was still waiting on its receiver (then nothing may be freed: the process is about to exit). */
bool submitter_finish(struct submitter *s, int64_t deadline);
/* Waits for the stop deadline (now when not stopped before), then closes everything. */
void submitter_free(struct submitter *s);
/* Output, long output and perfdata of a result as Nagios would have received them, pointing into
 * text (forward.c). */
void forward_describe(const struct mw_result *res, const char *check, struct mw_buf *text,
                      const char **perf, const char **long_output);
/* The agent's status file has one line per instance, service and passive receiver,
 * tab-separated (agent_status.c); status_field appends a tab and text with its
 * tabs and newlines as spaces. */
void status_field(struct mw_buf *out, const char *text);
/* Results to events (forward.c). A forwarder opens every notifier of the configuration (a
 * notifier that does not open is an error naming its file and line) and hands the changes each
 * result makes to its track to their queues (mw_track_forward). log takes the hand-off's lines. */
struct forwarder;
struct forwarder *forwarder_new(const struct mw_config *cfg, const char *origin, int verbosity,
                                mw_log_fn log, void *log_ctx, char *err, size_t errlen);
const char *forwarder_state_dir(const struct forwarder *fw);
const char *forwarder_host(const struct forwarder *fw);
/* The opened destinations, for a courier; the forwarder keeps owning them. */
size_t forwarder_destinations(struct forwarder *fw, struct mw_destination ***out);
/* What the last forwarder_destinations gave the courier, in its order (for /metrics: it
 * allocates nothing, so it is safe while the courier runs). */
size_t forwarder_opened(const struct forwarder *fw, struct mw_destination *const **out);
/* Applies res to track (saving its file when it changed) and spools the events the policy calls
 * for; *queued (if not NULL) is how many were, which a held problem released without a change of
 * state makes non-zero too. Safe from several threads for different instances once every
 * destination is open. */
enum mw_track_action forward_result(struct forwarder *fw, const struct mw_instance *inst,
                                    const struct mw_result *res, struct mw_track *track,
                                    int64_t now, size_t *queued);
/* For a caller that keeps each track in memory between results (the agent): a change to the
 * flap window alone is written at most every window_every_s seconds (mw_forward_spec). */
void forwarder_keep_tracks(struct forwarder *fw, int64_t window_every_s);
/* Delivers for up to wait seconds (0: not at all), closes everything; 1 when something failed. */
int forwarder_free(struct forwarder *fw, double wait);

#define SUMMARY_MAX 200
#define AGENT_PERF_MAX 32 /* perfdata values of an instance's last result kept for /metrics */
#define AGENT_PERF_LABEL_MAX 64

/* One perfdata value of the last result, in base units (mw_perf_base). */
struct agent_perf {
  char label[AGENT_PERF_LABEL_MAX];
  const char *unit; /* "seconds", "bytes", "ratio", "total" or "" (static strings) */
  double value;
};

struct agent_inst {
  const struct mw_instance *inst;
  const struct mw_check *check;
  struct mw_args *args;
  void *state;
  int64_t timeout_ns;
  double interval;
  double retry_interval;
  struct mw_track track;
  /* Below: under agent.lock. */
  int64_t next_ns;  /* CLOCK_MONOTONIC */
  int64_t due_ns;   /* the next_ns of the run under way */
  int64_t early_ns; /* how much sooner it may run, taken with others due (agent_slack) */
  int64_t last_run; /* Unix seconds, 0 before the first */
  int64_t last_ms;  /* duration of the last run */
  enum mw_state last_state;
  char summary[SUMMARY_MAX];
  char note[MW_TRACK_NOTE_MAX]; /* why notifications went out or not (held, flapping...) */
  double flap;                  /* percent state change; < 0: flap detection is off */
  enum mw_state hard;           /* the track's hard state, for services */
  unsigned failures;            /* problem results in a row */
  bool breaker_open;    /* after BREAKER_AFTER failures: every run is a probe that decides */
  unsigned factor;      /* interval multiplier while open: grows only with probes that time out */
  unsigned backoff_max; /* the largest factor */
  bool running;
  struct agent_perf perf[AGENT_PERF_MAX]; /* the last result's, for /metrics */
  size_t nperf;
  unsigned long long runs;     /* since the agent started */
  unsigned long long problems; /* runs that were not OK */
  /* The status file's line (agent_status.c), current until the instance runs again. */
  struct mw_buf row;
  bool row_current;
  int64_t row_next_run;
};

/* A group of instances: HEALTHY when every member's hard state is OK, UNHEALTHY when none is,
 * DEGRADED in between; forwarded as OK, WARNING and CRITICAL. */
struct agent_service {
  const struct mw_instance *svc;
  size_t *members; /* indices into agent.insts */
  size_t nmembers;
  struct mw_track track; /* under agent.service_lock */
  const char *word;      /* under agent.lock */
  char summary[SUMMARY_MAX];
  char note[MW_TRACK_NOTE_MAX];
  double flap;
};

struct agent;

/* An instance's or a service's objectives (agent_slo.c); figures under agent.lock. */
struct agent_slo {
  const struct mw_instance *owner;
  bool service;
  struct mw_instance alert; /* the owner's policy, named OWNER.slo, check "slo" */
  char *name;
  struct mw_track track;
  bool computed;
  enum mw_state state;
  char summary[SUMMARY_MAX];
  struct mw_slo_objective obj[2]; /* availability, latency */
};
int agent_load_slos(struct agent *a, char *err, size_t errlen);
void agent_free_slos(struct agent *a);
/* From the main thread every second: judges the objectives when slo_interval has passed. */
void agent_slo_tick(struct agent *a, const char *history_path);
const char *agent_slo_objective(int objective);

/* agent_lateness.c: a histogram of how late runs start (start minus due time). Under
 * agent.lock. */
#define LATENESS_BUCKETS 61
struct agent_lateness {
  unsigned long long count[LATENESS_BUCKETS];
  unsigned long long runs;
  double sum_s;
  double max_s;
};
void lateness_add(struct agent_lateness *l, int64_t late_ns);
/* The q quantile in seconds (interpolated within its bucket); NaN before the first run. */
double lateness_quantile(const struct agent_lateness *l, double q);
/* mcpwatch_agent_run_lateness_seconds as a Prometheus histogram. */
void lateness_metrics(const struct agent_lateness *l, struct mw_buf *out);

struct history;
struct sqlite3;

/* An entry of the workers' queue: when the instance is due, which instance. */
struct agent_due {
  int64_t next_ns;
  size_t index;
};

struct agent {
  struct mw_config cfg;
  struct history *history; /* the process's (it outlives a reload); NULL: none kept */
  struct agent_service *services;
  size_t nservices;
  pthread_mutex_t service_lock; /* one service evaluation at a time */
  struct mw_plugin_set plugins;
  struct forwarder *forwarder;
  struct passive *passive;     /* NULL without nagios_command_file */
  struct submitter *submitter; /* NULL without passive_results */
  struct mw_courier *courier;
  struct agent_inst *insts;
  size_t n;
  /* The instances not running, a heap on next_ns (scheduler.c). Each entry holds its own copy
   * of next_ns: comparing through insts[] touched a 6 KiB struct at every step of the heap. */
  struct agent_due *queue;
  size_t nqueue;
  pthread_mutex_t lock;
  /* The workers' roles (workers.c), on CLOCK_MONOTONIC. */
  pthread_cond_t cond;       /* idle workers */
  pthread_cond_t clock_cond; /* the worker on the clock */
  pthread_t *workers;
  size_t nworkers;
  bool stopping;
  bool dirty;
  bool clock_waiter;   /* a worker sleeps until the next run is due */
  int64_t clock_until; /* when it wakes (CLOCK_MONOTONIC) */
  bool backup_waiter;  /* a worker waits for watch_fd: a run overdue by its slack */
  int watch_fd;        /* the backup's timer (timerfd), -1 when the workers are not started */
  int64_t watch_ns;    /* when it fires (CLOCK_MONOTONIC), 0: stopped */
  struct agent_lateness lateness;
  struct agent_slo *slos;
  size_t nslos;
  double slo_every_s;
  int64_t slo_next_s;     /* Unix seconds */
  struct sqlite3 *slo_db; /* read-only, main thread only */
};

/* One result of an instance or a service into the history (nothing without one). */
void agent_record(struct agent *a, const char *series, bool service, enum mw_state state,
                  int64_t took_ms, const char *output);

/* agent_http.c (with libmicrohttpd): the server of http: { listen }; NULL when none is
 * configured (err "") or it cannot start (err set). It reads the attached agent (NULL while
 * none is: a reload) under its own lock. */
struct agent_http;
struct agent_http *agent_http_start(const struct mw_http_server_conf *conf, const char *status_path,
                                    char *err, size_t errlen);
void agent_http_attach(struct agent_http *h, struct agent *a);
void agent_http_stop(struct agent_http *h);
/* agent_page.c: the status page from the status file, the history (history_path NULL: none) and
 * the services' members of a (may be NULL); 0, or -1 when there is no status to show. */
int agent_render_page(struct agent *a, const char *status_path, const char *history_path,
                      struct mw_buf *out);
/* agent_http_auth.c: the credentials of token_file or basic_file, read once; NULL with the
 * reason in err. http_auth_allows(NULL, ...) allows every request (loopback without
 * credentials). */
struct http_auth;
struct http_auth *http_auth_load(const struct mw_http_server_conf *conf, char *err, size_t errlen);
bool http_auth_allows(struct http_auth *auth, const char *authorization);
const char *http_auth_challenge(const struct http_auth *auth);
void http_auth_free(struct http_auth *auth);
/* agent_metrics.c: the agent's state as Prometheus text (0.0.4) into out, under a->lock. 0, or
 * -1 when out is full. */
int agent_render_metrics(const struct agent *a, struct mw_buf *out);

/* agent_log.c: the agent's lines on stderr; errors and warnings repeated word for word held back
 * between agent_log_open and agent_log_close. The courier's and the hand-off's lines go through
 * it as mw_log_fn. */
void agent_log(const char *fmt, ...) MW_PRINTF(1, 2);
void agent_log_open(void);
void agent_log_close(void);
void agent_log_courier(void *ctx, enum mw_log_level level, const char *message);
void agent_log_forward(void *ctx, enum mw_log_level level, const char *message);
/* scheduler.c: one run of an instance taken from the queue (not under agent.lock); how much
 * sooner than due an instance of this interval may run when taken with others. */
void agent_run_one(struct agent *a, struct agent_inst *ai);
int64_t agent_slack(double interval_s);
/* An instance into the workers' queue, or the one due soonest out of it, with agent.lock held
 * (or before the workers start). */
void agent_queue_push(struct agent *a, size_t index);
size_t agent_queue_pop(struct agent *a);
/* workers.c: a worker thread (arg: the agent). open before the first starts, close after the
 * last is joined; the others with agent.lock held: wake_all once a->stopping is set, pushed after
 * an instance went back into the queue. */
void *agent_worker_main(void *arg);
int agent_workers_open(struct agent *a, char *err, size_t errlen);
void agent_workers_close(struct agent *a);
void agent_workers_wake_all(struct agent *a);
void agent_workers_pushed(struct agent *a, const struct agent_inst *ai);
/* One result to the Nagios command file and the passive_results receivers; slot is the
 * instance's index, or a->n + the service's. */
void agent_publish(struct agent *a, size_t slot, const struct mw_instance *inst,
                   const struct mw_result *res, enum mw_state previous);
/* The configuration's services over the loaded instances, their tracks from the state files. */
int agent_load_services(struct agent *a, char *err, size_t errlen);
/* After instance index ran: every service it belongs to, forwarded when its state changed. */
void agent_evaluate_services(struct agent *a, size_t index);
/* Closes everything the agent loaded and frees it (agent.c). */
void agent_free(struct agent *a);
/* agent_stop.c: tracks read again from the state files (after the old workers of a reload
 * stopped); an old agent freed on a thread of its own; the reapers that are done joined, the
 * others waited for until deadline (0: not at all; at a deadline the ones left are let go),
 * true when none is left; the last deliveries of a stopping agent until deadline, false when
 * one was still waiting on its receiver (nothing was freed: the process must exit). */
void agent_reaper_init(void);
void agent_reload_tracks(struct agent *a);
void agent_retire(struct agent *old);
bool agent_reap(mw_deadline deadline);
bool agent_finish(struct agent *a, mw_deadline deadline);
/* The status file at path rewritten when something changed since the last call (agent_status.c). */
void agent_write_status(struct agent *a, const char *path);

#endif
