/* SPDX-License-Identifier: MIT */
/* agent_services.c - the agent's services: groups of instances whose members' hard states make
 * one state, HEALTHY (all OK), DEGRADED (some failing) or UNHEALTHY (all failing), forwarded as
 * OK, WARNING and CRITICAL events of their own (for status-page components, say). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_impl.h"

int agent_load_services(struct agent *a, char *err, size_t errlen)
{
  size_t s;
  size_t m;
  size_t i;

  a->services = calloc(a->cfg.nservices + 1, sizeof(*a->services));
  if (!a->services) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (s = 0; s < a->cfg.nservices; s++) {
    struct agent_service *sv = &a->services[s];
    char msg[MW_ERR_MAX / 2];
    sv->svc = &a->cfg.services[s];
    sv->word = "PENDING";
    a->nservices++;
    sv->members = calloc(sv->svc->nmembers + 1, sizeof(*sv->members));
    if (!sv->members) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    for (m = 0; m < sv->svc->nmembers; m++) {
      for (i = 0; i < a->n; i++) {
        if (strcmp(a->insts[i].inst->name, sv->svc->members[m]) == 0)
          sv->members[sv->nmembers++] = i;
      }
    }
    if (mw_track_load(forwarder_state_dir(a->forwarder), sv->svc->name, &sv->track, msg,
                      sizeof(msg)) != 0)
      agent_log("warning: %s (starting afresh)", msg);
  }
  return 0;
}

/* A service's state in its own words, in the log as in the status. */
static const char *service_word(enum mw_state state)
{
  switch (state) {
  case MW_OK:
    return "HEALTHY";
  case MW_WARNING:
    return "DEGRADED";
  case MW_CRITICAL:
    return "UNHEALTHY";
  default:
    return "UNKNOWN";
  }
}

const char *service_judge(size_t nmembers, size_t bad, const char *failing, struct mw_result *res)
{
  static const char *const words[] = {"HEALTHY", "DEGRADED", "UNHEALTHY"};
  int level = bad == 0 ? 0 : bad < nmembers ? 1 : 2;

  if (res) {
    mw_result_state(res, level == 0 ? MW_OK : level == 1 ? MW_WARNING : MW_CRITICAL);
    if (bad)
      mw_result_summary(res, "%s: %zu of %zu failing (%s)", words[level], bad, nmembers, failing);
    else
      mw_result_summary(res, "%s: all %zu members OK", words[level], nmembers);
  }
  return words[level];
}

static void evaluate_service(struct agent *a, struct agent_service *sv)
{
  struct mw_result *res = mw_result_new();
  struct mw_buf failing;
  enum mw_track_action action;
  size_t queued = 0;
  enum mw_state before = sv->track.hard;
  const char *word;
  size_t bad = 0;
  size_t m;

  mw_buf_init(&failing, SUMMARY_MAX);
  pthread_mutex_lock(&a->lock);
  for (m = 0; m < sv->nmembers; m++) {
    const struct agent_inst *ai = &a->insts[sv->members[m]];
    if (ai->hard != MW_OK) {
      mw_buf_addf(&failing, "%s%s %s", bad ? ", " : "", ai->inst->name, mw_state_name(ai->hard));
      bad++;
    }
  }
  pthread_mutex_unlock(&a->lock);
  word = service_judge(sv->nmembers, bad, mw_buf_str(&failing), res);
  agent_record(a, sv->svc->name, true, res ? mw_result_get_state(res) : MW_UNKNOWN, 0,
               res ? mw_result_get_summary(res) : "out of memory");
  action = forward_result(a->forwarder, sv->svc, res, &sv->track, (int64_t)time(NULL), &queued);
  agent_publish(a, a->n + (size_t)(sv - a->services), sv->svc, res, before);
  if (action != MW_TRACK_NONE)
    agent_log("service %s: %s -> %s", sv->svc->name, service_word(before), word);
  if (queued > 0)
    mw_courier_wake(a->courier);
  pthread_mutex_lock(&a->lock);
  if (sv->word != word)
    a->dirty = true;
  sv->word = word;
  snprintf(sv->summary, sizeof(sv->summary), "%s", res ? mw_result_get_summary(res) : "");
  if (strcmp(sv->note, sv->track.note) != 0)
    a->dirty = true;
  memcpy(sv->note, sv->track.note, sizeof(sv->note));
  sv->flap = sv->svc->flap_high > 0.0 ? sv->track.flap_percent : -1.0;
  pthread_mutex_unlock(&a->lock);
  mw_buf_free(&failing);
  mw_result_free(res);
}

/* After instance index ran: every service it belongs to. */
void agent_evaluate_services(struct agent *a, size_t index)
{
  size_t s;
  size_t m;

  pthread_mutex_lock(&a->service_lock);
  for (s = 0; s < a->nservices; s++) {
    for (m = 0; m < a->services[s].nmembers; m++) {
      if (a->services[s].members[m] == index) {
        evaluate_service(a, &a->services[s]);
        break;
      }
    }
  }
  pthread_mutex_unlock(&a->service_lock);
}
