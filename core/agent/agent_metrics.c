/* SPDX-License-Identifier: MIT */
/* agent_metrics.c - the agent's state as Prometheus metrics (text format 0.0.4, prom.c): each
 * instance's state, duration, last run and run counters, each service's state, and every
 * perfdata value of each instance's last result in base units, one family per unit. Rendered
 * under the agent's lock from what the workers published; nothing is computed per scrape
 * beyond formatting. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "agent_impl.h"
#ifdef HAVE_HISTORY
#include "history.h"
#endif

struct family {
  const char *name;
  const char *type;
  const char *help;
};

static const struct family perf_families[] = {
    {"mcpwatch_perfdata_seconds", "gauge", "A perfdata value of the last run, in seconds."},
    {"mcpwatch_perfdata_bytes", "gauge", "A perfdata value of the last run, in bytes."},
    {"mcpwatch_perfdata_ratio", "gauge", "A perfdata percentage of the last run, as a ratio."},
    {"mcpwatch_perfdata_total", "counter", "A perfdata counter of the last run."},
    {"mcpwatch_perfdata", "gauge", "A perfdata value of the last run, without a unit."},
};
static const char *const perf_units[] = {"seconds", "bytes", "ratio", "total", ""};

static void instance_sample(struct mw_buf *out, const char *name, const struct agent_inst *ai,
                            double value)
{
  const char *labels[] = {"instance", ai->inst->name, "check", ai->inst->check};

  mw_prom_sample(out, name, labels, 2, value);
}

/* Whether the label came earlier in ai's perfdata of the same unit (a series is written once). */
static bool seen_before(const struct agent_inst *ai, size_t index)
{
  size_t i;

  for (i = 0; i < index; i++)
    if (strcmp(ai->perf[i].unit, ai->perf[index].unit) == 0 &&
        strcmp(ai->perf[i].label, ai->perf[index].label) == 0)
      return true;
  return false;
}

static void perf_family(struct mw_buf *out, const struct agent *a, size_t family)
{
  bool any = false;
  size_t i;
  size_t j;

  for (i = 0; i < a->n; i++) {
    const struct agent_inst *ai = &a->insts[i];

    for (j = 0; j < ai->nperf; j++) {
      const char *labels[] = {"instance",      ai->inst->name, "check",
                              ai->inst->check, "label",        ai->perf[j].label};

      if (strcmp(ai->perf[j].unit, perf_units[family]) != 0 || seen_before(ai, j))
        continue;
      if (!any)
        mw_prom_family(out, perf_families[family].name, perf_families[family].type,
                       perf_families[family].help);
      any = true;
      mw_prom_sample(out, perf_families[family].name, labels, 3, ai->perf[j].value);
    }
  }
}

/* Each objective's figures, once judged (agent_slo.c). */
static void slo_families(struct mw_buf *out, const struct agent *a)
{
  static const char *const windows[MW_SLO_BURNS] = {"5m", "30m", "1h", "6h"};
  static const struct family families[] = {
      {"mcpwatch_slo_objective_ratio", "gauge", "The share of good runs the objective asks for."},
      {"mcpwatch_slo_availability_ratio", "gauge",
       "The share of runs OK or WARNING over the objective's window."},
      {"mcpwatch_slo_latency_ratio", "gauge",
       "The share of runs within the latency objective's time over its window."},
      {"mcpwatch_slo_error_budget_remaining_ratio", "gauge",
       "The error budget left over the window: 1 untouched, 0 spent, below 0 overspent."},
      {"mcpwatch_slo_burn_rate", "gauge",
       "How fast the error budget burns over a recent window (1: spent exactly at the window's "
       "end)."},
      {"mcpwatch_slo_state", "gauge",
       "The objective alert's state: 0 OK, 1 WARNING (slow burn or budget spent), 2 CRITICAL "
       "(fast burn)."},
  };
  size_t f;
  size_t i;
  int k;
  int w;

  if (a->nslos == 0)
    return;
  for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
    mw_prom_family(out, families[f].name, families[f].type, families[f].help);
    for (i = 0; i < a->nslos; i++) {
      const struct agent_slo *slo = &a->slos[i];

      if (f == 5) {
        const char *labels[] = {"name", slo->owner->name};

        mw_prom_sample(out, families[f].name, labels, 1, slo->computed ? (double)slo->state : NAN);
        continue;
      }
      for (k = 0; k < 2; k++) {
        const struct mw_slo_objective *o = &slo->obj[k];
        const char *labels[] = {
            "name", slo->owner->name, "objective", agent_slo_objective(k), "window", NULL};
        bool figures = slo->computed && o->runs > 0;

        if (!o->set || ((f == 1 || f == 2) && (size_t)k != f - 1))
          continue;
        if (f == 0)
          mw_prom_sample(out, families[f].name, labels, 2, o->target);
        else if (f == 1 || f == 2)
          mw_prom_sample(out, families[f].name, labels, 1, figures ? o->sli : NAN);
        else if (f == 3)
          mw_prom_sample(out, families[f].name, labels, 2, figures ? o->budget_left : NAN);
        else
          for (w = 0; w < MW_SLO_BURNS; w++) {
            labels[5] = windows[w];
            mw_prom_sample(out, families[f].name, labels, 3, figures ? o->burn[w] : NAN);
          }
      }
    }
  }
}

/* The notifiers' queues and deliveries, the passive receivers' results, the history's writes. */
static void pipeline_families(struct mw_buf *out, const struct agent *a)
{
  static const struct family notifier_families[] = {
      {"mcpwatch_notifier_queue_events", "gauge", "Events waiting in the notifier's spool."},
      {"mcpwatch_notifier_delivered_total", "counter",
       "Events the notifier's receiver accepted since the agent started."},
      {"mcpwatch_notifier_rejected_total", "counter",
       "Events the receiver refused for good (moved to dead/) since the agent started."},
      {"mcpwatch_notifier_retries_total", "counter",
       "Delivery rounds that left events to retry since the agent started."},
  };
  static const struct family passive_families[] = {
      {"mcpwatch_passive_sent_total", "counter", "Results the passive receiver accepted."},
      {"mcpwatch_passive_refused_total", "counter", "Results the passive receiver refused."},
      {"mcpwatch_passive_replaced_total", "counter",
       "Results replaced by a newer one before they could be sent."},
      {"mcpwatch_passive_queue_results", "gauge", "Results waiting for the passive receiver."},
  };
  struct mw_destination *const *dests;
  size_t ndests = forwarder_opened(a->forwarder, &dests);
  const char *first = NULL;
  unsigned long ignored[4];
  size_t nreceivers = submitter_count(a->submitter, 0, &first, ignored);
  size_t f;
  size_t i;

  for (f = 0; ndests > 0 && f < 4; f++) {
    mw_prom_family(out, notifier_families[f].name, notifier_families[f].type,
                   notifier_families[f].help);
    for (i = 0; i < ndests; i++) {
      struct mw_courier_counts counts;
      const char *labels[] = {"notifier", dests[i]->name};
      double value;

      mw_courier_counts(a->courier, i, &counts);
      value = f == 0   ? (double)mw_spool_pending(dests[i])
              : f == 1 ? (double)counts.delivered
              : f == 2 ? (double)counts.rejected
                       : (double)counts.attempts_failed;
      mw_prom_sample(out, notifier_families[f].name, labels, 1, value < 0 ? NAN : value);
    }
  }
  for (f = 0; nreceivers > 0 && f < 4; f++) {
    mw_prom_family(out, passive_families[f].name, passive_families[f].type,
                   passive_families[f].help);
    for (i = 0; i < nreceivers; i++) {
      const char *name = "";
      unsigned long counts[4] = {0};
      const char *labels[] = {"receiver", NULL};

      submitter_count(a->submitter, i, &name, counts);
      labels[1] = name;
      mw_prom_sample(out, passive_families[f].name, labels, 1, (double)counts[f]);
    }
  }
#ifdef HAVE_HISTORY
  if (a->history) {
    unsigned long long written;
    unsigned long long dropped;

    history_counts(a->history, &written, &dropped);
    mw_prom_family(out, "mcpwatch_history_written_total", "counter",
                   "Results written to the history since the agent started.");
    mw_prom_sample(out, "mcpwatch_history_written_total", NULL, 0, (double)written);
    mw_prom_family(out, "mcpwatch_history_dropped_total", "counter",
                   "Results the history could not keep (a full queue or a failed write).");
    mw_prom_sample(out, "mcpwatch_history_dropped_total", NULL, 0, (double)dropped);
  }
#endif
}

int agent_render_metrics(const struct agent *a, struct mw_buf *out)
{
  static const struct family inst_families[] = {
      {"mcpwatch_check_state", "gauge",
       "The state of the instance's last run: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."},
      {"mcpwatch_check_duration_seconds", "gauge", "How long the instance's last run took."},
      {"mcpwatch_check_last_run_timestamp_seconds", "gauge", "When the instance last ran."},
      {"mcpwatch_check_runs_total", "counter", "Runs of the instance since the agent started."},
      {"mcpwatch_check_problems_total", "counter",
       "Runs of the instance that were not OK since the agent started."},
  };
  const char *version[] = {"version", PACKAGE_VERSION};
  size_t f;
  size_t i;

  mw_prom_family(out, "mcpwatch_build_info", "gauge", "mcpwatch's version, as a label.");
  mw_prom_sample(out, "mcpwatch_build_info", version, 1, 1);
  for (f = 0; f < sizeof(inst_families) / sizeof(inst_families[0]); f++) {
    mw_prom_family(out, inst_families[f].name, inst_families[f].type, inst_families[f].help);
    for (i = 0; i < a->n; i++) {
      const struct agent_inst *ai = &a->insts[i];
      double value = f == 0   ? (ai->last_run ? (double)ai->last_state : NAN)
                     : f == 1 ? (ai->last_run ? (double)ai->last_ms / 1000.0 : NAN)
                     : f == 2 ? (double)ai->last_run
                     : f == 3 ? (double)ai->runs
                              : (double)ai->problems;

      instance_sample(out, inst_families[f].name, ai, value);
    }
  }
  if (a->nservices > 0) {
    mw_prom_family(out, "mcpwatch_service_state", "gauge",
                   "The state of the service: 0 HEALTHY, 1 DEGRADED, 2 UNHEALTHY.");
    for (i = 0; i < a->nservices; i++) {
      const char *labels[] = {"service", a->services[i].svc->name};
      const char *word = a->services[i].word;
      double value = strcmp(word, "HEALTHY") == 0     ? 0
                     : strcmp(word, "DEGRADED") == 0  ? 1
                     : strcmp(word, "UNHEALTHY") == 0 ? 2
                                                      : NAN;

      mw_prom_sample(out, "mcpwatch_service_state", labels, 1, value);
    }
  }
  for (f = 0; f < sizeof(perf_families) / sizeof(perf_families[0]); f++)
    perf_family(out, a, f);
  slo_families(out, a);
  pipeline_families(out, a);
  lateness_metrics(&a->lateness, out);
  return out->failed ? -1 : 0;
}
