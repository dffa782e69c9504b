/* SPDX-License-Identifier: MIT */
/* agent.h - what the agent's files share (cmd_agent.c, agent_services.c). */
#ifndef MW_AGENT_H
#define MW_AGENT_H

#include <pthread.h>

#include "cli.h"

#define SUMMARY_MAX 200

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

struct agent {
  struct mw_config cfg;
  struct agent_service *services;
  size_t nservices;
  pthread_mutex_t service_lock; /* one service evaluation at a time */
  struct mw_plugin_set plugins;
  struct cli_forwarder *forwarder;
  struct cli_passive *passive;     /* NULL without nagios_command_file */
  struct cli_submitter *submitter; /* NULL without passive_results */
  struct mw_courier *courier;
  struct agent_inst *insts;
  size_t n;
  pthread_mutex_t lock;
  pthread_cond_t cond; /* CLOCK_MONOTONIC */
  pthread_t *workers;
  size_t nworkers;
  bool stopping;
  bool dirty;
  bool timer_waiter;   /* a worker sleeps until the next due run; the others until it hands over */
  int64_t timer_until; /* when that worker wakes (CLOCK_MONOTONIC) */
};

void agent_log(const char *fmt, ...) MW_PRINTF(1, 2);
/* One result to the Nagios command file and the passive_results receivers; slot is the
 * instance's index, or a->n + the service's. */
void agent_publish(struct agent *a, size_t slot, const struct mw_instance *inst,
                   const struct mw_result *res, enum mw_state previous);
/* The configuration's services over the loaded instances, their tracks from the state files. */
int agent_load_services(struct agent *a, char *err, size_t errlen);
/* After instance index ran: every service it belongs to, forwarded when its state changed. */
void agent_evaluate_services(struct agent *a, size_t index);
/* Closes everything the agent loaded and frees it (cmd_agent.c). */
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
