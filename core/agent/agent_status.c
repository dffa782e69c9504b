/* SPDX-License-Identifier: MIT */
/* agent_status.c - the agent's status file, which `mcpwatch status` reads: one line per
 * instance, service and passive receiver, written to a temporary file and renamed, at most once
 * a second and only when something changed. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_impl.h"
#include "mw_core.h"

void status_field(struct mw_buf *out, const char *text)
{
  mw_buf_add(out, "\t", 1);
  /* Whole runs between separators: a character at a time was a tenth of writing the file. */
  while (*text) {
    size_t run = strcspn(text, "\t\n");

    mw_buf_add(out, text, run);
    text += run;
    if (*text) {
      mw_buf_add(out, " ", 1);
      text++;
    }
  }
}

/* A tab and n in decimal: the status file's numbers without vfprintf, which was most of writing
 * it once a second at 1,000 instances. */
static void number_field(struct mw_buf *out, long long n)
{
  mw_buf_add(out, "\t", 1);
  mw_buf_add_int(out, n);
}

/* The percent state change of flap detection, empty when it is off. */
static void flap_field(struct mw_buf *out, double flap)
{
  if (flap >= 0.0)
    mw_buf_addf(out, "\t%.1f", flap);
  else
    mw_buf_add(out, "\t", 1);
}

/* An instance's line, kept between writes until it runs again or its next run moves: at 1,000
 * instances every 10 s a tenth of them ran since the last write, and formatting the others again
 * was most of writing the file. Under a->lock. */
static void instance_row(struct agent_inst *ai, int64_t next_run)
{
  struct mw_buf *row = &ai->row;
  double every = ai->interval * ai->factor;

  mw_buf_reset(row);
  mw_buf_adds(row, ai->inst->name);
  mw_buf_add(row, "\t", 1);
  mw_buf_adds(row, ai->inst->check);
  mw_buf_add(row, "\t", 1);
  mw_buf_adds(row, ai->last_run ? mw_state_name(ai->last_state) : "PENDING");
  number_field(row, (long long)ai->last_run);
  number_field(row, (long long)next_run);
  number_field(row, (long long)ai->last_ms);
  /* What %g prints for a whole number of seconds below a million. */
  if (every >= 0.0 && every < 1e6 && every == (double)(long long)every)
    number_field(row, (long long)every);
  else
    mw_buf_addf(row, "\t%g", every);
  number_field(row, (long long)ai->factor);
  status_field(row, ai->summary);
  status_field(row, ai->note);
  flap_field(row, ai->flap);
  mw_buf_add(row, "\n", 1);
  ai->row_current = !row->failed;
  ai->row_next_run = next_run;
}

char *agent_status_path(const char *status_file, const struct mw_config *cfg)
{
  struct mw_buf path;

  mw_buf_init(&path, 4096);
  if (status_file)
    mw_buf_adds(&path, status_file);
  else
    mw_buf_addf(&path, "%s/agent.status", cfg->state_dir ? cfg->state_dir : MW_DEFAULT_STATE);
  return path.failed ? (mw_buf_free(&path), NULL) : path.data;
}

void agent_write_status(struct agent *a, const char *path)
{
  struct mw_buf text;
  int64_t mono = mw_now_ns();
  int64_t wall = (int64_t)time(NULL);
  size_t i;

  pthread_mutex_lock(&a->lock);
  if (!a->dirty) {
    pthread_mutex_unlock(&a->lock);
    return;
  }
  a->dirty = false;
  mw_buf_init(&text, 16u << 20);
  mw_buf_addf(&text, "mcpwatch-agent-status 1\tpid %ld\tupdated %lld\n", (long)getpid(),
              (long long)wall);
  for (i = 0; i < a->n; i++) {
    struct agent_inst *ai = &a->insts[i];
    int64_t next_run = wall + (ai->next_ns - mono) / 1000000000LL;

    if (!ai->row_current || ai->row_next_run != next_run)
      instance_row(ai, next_run);
    mw_buf_add(&text, ai->row.data, ai->row.len);
  }
  for (i = 0; i < a->nservices; i++) {
    mw_buf_addf(&text, "service\t%s\t%s", a->services[i].svc->name, a->services[i].word);
    status_field(&text, a->services[i].summary);
    status_field(&text, a->services[i].note);
    flap_field(&text, a->services[i].flap);
    mw_buf_add(&text, "\n", 1);
  }
  for (i = 0; i < a->nslos; i++) {
    const struct agent_slo *slo = &a->slos[i];
    int k;

    for (k = 0; k < 2; k++) {
      const struct mw_slo_objective *o = &slo->obj[k];

      if (!o->set)
        continue;
      mw_buf_addf(&text, "slo\t%s\t%s\t%s\t%.6g", slo->owner->name, agent_slo_objective(k),
                  slo->computed ? mw_state_name(slo->state) : "PENDING", o->target);
      if (slo->computed && o->runs > 0)
        mw_buf_addf(&text, "\t%.6f\t%.6f\t%.4g\t%.4g\t%.4g\t%.4g", o->sli, o->budget_left,
                    o->burn[0], o->burn[1], o->burn[2], o->burn[3]);
      else
        mw_buf_adds(&text, "\t\t\t\t\t\t");
      status_field(&text, slo->summary);
      mw_buf_add(&text, "\n", 1);
    }
  }
  pthread_mutex_unlock(&a->lock);
  submitter_report(a->submitter, &text);
  /* One write(2), not stdio's 4 KiB at a time; not synced: the file is rewritten within a second,
   * and a crash leaves the previous one. */
  if (mw_file_replace(path, mw_buf_str(&text), text.len, 0666) != 0) {
    static bool said;
    if (!said)
      agent_log("error: cannot write the status file %s: %s", path, strerror(errno));
    said = true;
  }
  mw_buf_free(&text);
}
