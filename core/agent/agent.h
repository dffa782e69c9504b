/* SPDX-License-Identifier: MIT */
/* agent.h - what the command (core/cli) uses of core/agent: the agent itself, the status file's
 * path, and the forwarding of `run --notify`, which judges services and forwards state changes
 * the way the agent does. core/agent never includes core/cli. */
#ifndef MW_AGENT_H
#define MW_AGENT_H

#include <stdio.h>

#include "mw_core.h"

/* Runs every instance of the configuration at config on its own schedule with workers threads
 * until SIGTERM or SIGINT (SIGHUP reloads), writing its status file to status_file (NULL:
 * STATE_DIR/agent.status). 0 when stopped by a signal, 1 when it stopped on an error (logged),
 * -1 when the configuration could not be loaded (err says why). */
int agent_run(const char *config, size_t workers, const char *status_file, char *err,
              size_t errlen);
/* The agent's status file: status_file when set, else STATE_DIR/agent.status of cfg. */
char *agent_status_path(const char *status_file, const struct mw_config *cfg);
/* status_view.c: the status file read back, for `mcpwatch status` and the agent's server. An
 * instance row has STATUS_FIELDS fields (name, check, state, last run, next run, duration ms,
 * interval, backoff factor, summary, note, flap percent), a service 5 (name, word, summary,
 * note, flap percent), a passive receiver 7 (destination, sent, refused, replaced, waiting,
 * retrying, last refusal), an objective 11 (owner, availability or latency, state, target, the
 * share reached, budget left, burn rates over 5 min, 30 min, 1 h and 6 h, summary; the figures
 * empty before the first runs). */
#define STATUS_FIELDS 11
enum { STATUS_INSTANCE, STATUS_SERVICE, STATUS_PASSIVE, STATUS_SLO };
struct status_row {
  char *text;
  char *field[STATUS_FIELDS];
  int kind;
};
struct status_view {
  long pid;
  long long updated;
  bool running;
  bool stale;
  long long now;      /* set by the caller before reading: the time ages are measured at */
  double stale_after; /* set by the caller (0: twice the longest interval, at least 60 s) */
  struct status_row *rows;
  size_t n;
};
/* 0, or -1 with the reason in err (rows read so far stay, for status_view_free). */
int status_view_read(FILE *fp, struct status_view *st, char *err, size_t errlen);
/* The worst state shown: UNKNOWN when the agent is not running or the status is stale. */
enum mw_state status_view_worst(const struct status_view *st);
/* HEALTHY and PENDING count as OK, DEGRADED as WARNING, UNHEALTHY as CRITICAL. */
enum mw_state status_word_state(const char *word);
void status_view_json(const struct status_view *st, enum mw_state worst, struct mw_buf *out);
void status_view_free(struct status_view *st);

/* A service of nmembers of which bad are not OK (failing names them): its state and summary
 * into res (may be NULL); returns its word, HEALTHY, DEGRADED or UNHEALTHY. */
const char *service_judge(size_t nmembers, size_t bad, const char *failing, struct mw_result *res);
/* Every notifier block validated without creating anything (`mcpwatch run`). */
int forward_check_notifiers(const struct mw_config *cfg, char *err, size_t errlen);
/* `run --notify`: state tracking of every result and forwarding of the changes. Returns 0, or 1
 * when an event could not be queued. */
struct mw_job;
int forward_jobs(const struct mw_config *cfg, const struct mw_instance **insts,
                 const struct mw_job *jobs, size_t n, double wait, int verbosity);

#endif
