/* SPDX-License-Identifier: MIT */
/* forward.c - collectd notifications through the mcpwatch spool to PagerDuty, status pages and
 * webhooks.
 *
 *   <Plugin mcpwatch>
 *     SpoolDir "/var/spool/mcpwatch"
 *     <Notifier "oncall">
 *       Type "pagerduty"
 *       RoutingKeyFile "/etc/mcpwatch/pagerduty.key"
 *     </Notifier>
 *   </Plugin>
 *
 * The notification callback only writes the event to each destination's spool (fsync'd) and
 * wakes the delivery thread, so a slow or dead receiver never holds a collectd thread. The
 * thread delivers in order, backs off on failure and keeps what it cannot deliver on disk,
 * where the next start (or `mcpwatch flush`) finds it.
 */
#include "forward.h"

#include <pthread.h>
#include <strings.h>

#include "forward_impl.h"
#include "mw_spool.h"

static struct mw_destination **dests; /* the opened ones, for the courier */
static size_t ndests;
static struct mw_destination **spec_dests; /* parallel to fwd.specs, NULL where opening failed */
pthread_rwlock_t dests_lock = PTHREAD_RWLOCK_INITIALIZER;
/* Notifications pass through state files (StateDir/collectd-SERVICE.state), so that only
 * changes go out: no recovery for what never failed (the threshold plugin says OKAY for every
 * value at start), no repeat of a problem already sent, and a recovery after a restart. */
static pthread_mutex_t track_lock = PTHREAD_MUTEX_INITIALIZER;

static struct mw_courier *courier;

/* ---- the notification callback ---- */

static const char *meta_string(const notification_t *n, const char *name)
{
  const notification_meta_t *m;

  for (m = n->meta; m; m = m->next) {
    if (m->type == NM_TYPE_STRING && strcmp(m->name, name) == 0)
      return m->nm_value.nm_string;
  }
  return NULL;
}

/* "plugin-instance/type-instance", as collectd names a value. */
static void identifier(const notification_t *n, char *out, size_t outlen)
{
  snprintf(out, outlen, "%s%s%s/%s%s%s", n->plugin, n->plugin_instance[0] ? "-" : "",
           n->plugin_instance, n->type, n->type_instance[0] ? "-" : "", n->type_instance);
}

static void log_collectd(void *ctx, enum mw_log_level level, const char *message);

/* The instance or service of the configuration file named name, or NULL. */
static const struct mw_instance *configured(const char *name)
{
  size_t i;

  for (i = 0; i < fwd.file_cfg.ninstances; i++) {
    if (strcmp(fwd.file_cfg.instances[i].name, name) == 0)
      return &fwd.file_cfg.instances[i];
  }
  for (i = 0; i < fwd.file_cfg.nservices; i++) {
    if (strcmp(fwd.file_cfg.services[i].name, name) == 0)
      return &fwd.file_cfg.services[i];
  }
  return NULL;
}

/* depends_on: a parent's problem is what its state file (collectd-PARENT) last said. */
static bool hold_by_parents(void *ctx, char *why, size_t whylen)
{
  const struct mw_instance *inst = ctx;
  const char *dir = fwd.state_dir ? fwd.state_dir : MW_DEFAULT_STATE;
  char name[8 * DATA_MAX_NAME_LEN];
  char err[ERR_MAX];
  size_t j;

  for (j = 0; j < inst->ndepends_on; j++) {
    struct mw_track parent;
    snprintf(name, sizeof(name), "collectd-%s", inst->depends_on[j]);
    if (mw_track_load(dir, name, &parent, err, sizeof(err)) != 0)
      continue;
    if (parent.hard != MW_OK) {
      snprintf(why, whylen, "%s is %s", inst->depends_on[j], mw_state_name(parent.hard));
      return true;
    }
  }
  return false;
}

/* One state of service (track file name) through the policy to the queues; true when its
 * problem is held (a downtime, a parent). Called with dests_lock read and track_lock held. */
static bool forward_state(const char *name, const char *service, struct mw_event *ev,
                          enum mw_state state, size_t *queued)
{
  struct mw_track_policy policy = {1, 0, 0.0, 0.0, NULL, NULL, NULL, 0};
  struct mw_track_target targets[MW_TRACK_DESTS_MAX];
  struct mw_forward_spec spec;
  struct mw_forward_report report;
  struct mw_downtime_list adhoc;
  struct mw_track track;
  const struct mw_instance *inst;
  char downtime[MW_TRACK_NOTE_MAX];
  char err[ERR_MAX];
  size_t i;

  memset(&spec, 0, sizeof(spec));
  for (i = 0; i < fwd.nspecs && spec.ntargets < MW_TRACK_DESTS_MAX; i++) {
    targets[spec.ntargets].name = fwd.specs[i].name;
    targets[spec.ntargets].dest = spec_dests ? spec_dests[i] : NULL;
    targets[spec.ntargets].routes = fwd.specs[i].routes;
    targets[spec.ntargets].renotify = fwd.specs[i].reminder;
    spec.ntargets++;
  }
  spec.state_dir = fwd.state_dir ? fwd.state_dir : MW_DEFAULT_STATE;
  spec.name = name;
  spec.targets = targets;
  spec.max_events = fwd.spool_max > 0 ? (size_t)fwd.spool_max : 0;
  spec.log = log_collectd;
  if (mw_downtime_load(spec.state_dir, &adhoc, NULL, err, sizeof(err)) != 0)
    WARNING(PLUGIN " plugin: %s (ad-hoc downtimes ignored)", err);
  if (mw_downtime_find(&fwd.file_cfg, &adhoc, service, ev->time, downtime, sizeof(downtime)))
    policy.downtime = downtime;
  mw_downtime_list_free(&adhoc);
  inst = configured(service);
  if (inst && inst->ndepends_on > 0) {
    policy.hold = hold_by_parents;
    policy.hold_ctx = (void *)inst;
  }
  if (inst && inst->flap_high > 0.0) {
    policy.flap_low = inst->flap_low;
    policy.flap_high = inst->flap_high;
    policy.flap_window = inst->flap_window;
  }
  if (mw_track_load(spec.state_dir, name, &track, err, sizeof(err)) != 0)
    WARNING(PLUGIN " plugin: %s (starting afresh)", err);
  mw_track_forward(&spec, &track, state, &policy, ev->time, ev, &report);
  *queued += report.queued;
  return strncmp(track.note, "held:", 5) == 0;
}

/* Held problems: collectd notifies on changes only, so one still there when its downtime ends
 * (or its parent recovers) would wait for the next change. Each is tried again at every read
 * interval until it goes out or resolves. Under track_lock. */
struct held {
  char *name;
  char *service;
  char *host;
  char *check;
  char *output;
  char *long_output;
  enum mw_state state;
};
static struct held *helds;
static size_t nhelds;

static void held_free(struct held *h)
{
  free(h->name);
  free(h->service);
  free(h->host);
  free(h->check);
  free(h->output);
  free(h->long_output);
}

static void held_forget(const char *name)
{
  size_t i;

  for (i = 0; i < nhelds; i++) {
    if (strcmp(helds[i].name, name) == 0) {
      held_free(&helds[i]);
      helds[i] = helds[--nhelds];
      return;
    }
  }
}

static void held_keep(const char *name, const struct mw_event *ev, enum mw_state state)
{
  struct held h = {strdup(name),
                   strdup(ev->service),
                   strdup(ev->host),
                   strdup(ev->check),
                   strdup(ev->output),
                   strdup(ev->long_output),
                   state};
  struct held *grown;

  held_forget(name);
  if (!h.name || !h.service || !h.host || !h.check || !h.output || !h.long_output ||
      !(grown = realloc(helds, (nhelds + 1) * sizeof(*grown)))) {
    ERROR(PLUGIN " plugin: %s: out of memory; its held problem goes out at its next change", name);
    held_free(&h);
    return;
  }
  helds = grown;
  helds[nhelds++] = h;
}

static int release_held(user_data_t *unused)
{
  size_t queued = 0;
  size_t i;

  (void)unused;
  pthread_rwlock_rdlock(&dests_lock);
  pthread_mutex_lock(&track_lock);
  for (i = 0; i < nhelds;) {
    struct held *h = &helds[i];
    struct mw_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.time = (int64_t)time(NULL);
    ev.host = h->host;
    ev.service = h->service;
    ev.check = h->check;
    ev.output = h->output;
    ev.long_output = h->long_output;
    ev.perfdata = "";
    ev.origin = "collectd";
    if (forward_state(h->name, h->service, &ev, h->state, &queued)) {
      i++;
      continue;
    }
    INFO(PLUGIN " plugin: %s: no longer held", h->service);
    held_forget(h->name);
  }
  pthread_mutex_unlock(&track_lock);
  pthread_rwlock_unlock(&dests_lock);
  if (queued)
    mw_courier_wake(courier);
  return 0;
}

/* Whether the plugin's own instance named name has flap detection on: its every result then
 * comes through forward_own_result, and its notifications pass by. Under dests_lock. */
static bool takes_every_result(const char *name)
{
  const struct mw_instance *inst = fwd.nspecs > 0 ? configured(name) : NULL;

  return inst && inst->flap_high > 0.0;
}

void forward_own_result(const char *instance, const char *check, const struct mw_result *res,
                        enum mw_state state)
{
  char name[8 * DATA_MAX_NAME_LEN];
  struct mw_buf output;
  struct mw_event ev;
  size_t queued = 0;
  const char *text;
  char line[NOTIF_MAX_MSG_LEN];
  size_t len;

  pthread_rwlock_rdlock(&dests_lock);
  if (!takes_every_result(instance)) {
    pthread_rwlock_unlock(&dests_lock);
    return;
  }
  mw_buf_init(&output, 1 << 20);
  mw_render_nagios(res, instance, &output);
  text = output.failed ? "output too large" : mw_buf_str(&output);
  len = strcspn(text, "|\n");
  while (len > 0 && text[len - 1] == ' ')
    len--;
  snprintf(line, sizeof(line), "%.*s", (int)len, text);
  snprintf(name, sizeof(name), "collectd-%s", instance);
  memset(&ev, 0, sizeof(ev));
  ev.time = (int64_t)time(NULL);
  ev.host = hostname_g;
  ev.service = instance;
  ev.check = check;
  ev.output = line;
  ev.long_output = text;
  ev.perfdata = "";
  ev.origin = "collectd";
  pthread_mutex_lock(&track_lock);
  if (forward_state(name, instance, &ev, state, &queued))
    held_keep(name, &ev, state);
  else
    held_forget(name);
  pthread_mutex_unlock(&track_lock);
  pthread_rwlock_unlock(&dests_lock);
  mw_buf_free(&output);
  if (queued)
    mw_courier_wake(courier);
}

static int forward_notification(const notification_t *n, user_data_t *unused)
{
  bool own = strcmp(n->plugin, PLUGIN) == 0 && meta_string(n, "check") != NULL;
  char service[6 * DATA_MAX_NAME_LEN];
  char name[8 * DATA_MAX_NAME_LEN];
  struct mw_event ev;
  enum mw_state state;
  size_t queued = 0;

  (void)unused;
  memset(&ev, 0, sizeof(ev));
  if (own)
    snprintf(service, sizeof(service), "%s", n->plugin_instance);
  else
    identifier(n, service, sizeof(service));
  snprintf(name, sizeof(name), "collectd-%s", service);
  ev.time = (int64_t)CDTIME_T_TO_TIME_T(n->time);
  ev.host = n->host;
  ev.service = service;
  ev.check = own ? meta_string(n, "check") : n->plugin;
  state = n->severity == NOTIF_OKAY      ? MW_OK
          : n->severity == NOTIF_WARNING ? MW_WARNING
                                         : MW_CRITICAL;
  ev.output = n->message;
  ev.long_output = own && meta_string(n, "output") ? meta_string(n, "output") : "";
  ev.perfdata = "";
  ev.origin = "collectd";
  pthread_rwlock_rdlock(&dests_lock);
  if (own && takes_every_result(service)) {
    pthread_rwlock_unlock(&dests_lock); /* forward_own_result had it, with every other result */
    return 0;
  }
  /* One notification per service at a time: its track is read, changed and written whole. */
  pthread_mutex_lock(&track_lock);
  if (forward_state(name, service, &ev, state, &queued))
    held_keep(name, &ev, state);
  else
    held_forget(name);
  pthread_mutex_unlock(&track_lock);
  pthread_rwlock_unlock(&dests_lock);
  if (queued)
    mw_courier_wake(courier);
  return 0;
}

/* ---- delivery ---- */

static void log_collectd(void *ctx, enum mw_log_level level, const char *message)
{
  (void)ctx;
  if (level == MW_LOG_ERROR)
    ERROR(PLUGIN " plugin: %s", message);
  else if (level == MW_LOG_WARNING)
    WARNING(PLUGIN " plugin: %s", message);
  else
    INFO(PLUGIN " plugin: %s", message);
}

int forward_init(void)
{
  const char *spool = fwd.spool_dir ? fwd.spool_dir : MW_DEFAULT_SPOOL;
  char err[ERR_MAX];
  size_t i;

  if (fwd.nspecs == 0)
    return 0;
  if (fwd.nspecs > MW_TRACK_DESTS_MAX) {
    ERROR(PLUGIN " plugin: %zu notifiers: at most %d are supported; none is loaded", fwd.nspecs,
          MW_TRACK_DESTS_MAX);
    return 0;
  }
  dests = calloc(fwd.nspecs, sizeof(*dests));
  spec_dests = calloc(fwd.nspecs, sizeof(*spec_dests));
  if (!dests || !spec_dests) {
    ERROR(PLUGIN " plugin: notifiers: out of memory");
    return 0;
  }
  mw_spool_remove_stale(fwd.state_dir ? fwd.state_dir : MW_DEFAULT_STATE);
  for (i = 0; i < fwd.nspecs; i++) {
    struct mw_args *args = fwd.specs[i].args;
    if (mw_destination_open(spool, fwd.specs[i].name, fwd.specs[i].type, NULL, 0, args,
                            &spec_dests[i], err, sizeof(err)) != 0) {
      /* Its notifications wait in the state files until it opens: none is lost. */
      ERROR(PLUGIN " plugin: notifier \"%s\": %s; notifications for it wait until it opens",
            fwd.specs[i].name, err);
      continue;
    }
    fwd.specs[i].args = NULL; /* the destination owns them now */
    dests[ndests++] = spec_dests[i];
    INFO(PLUGIN " plugin: notifier \"%s\" (%s): spool %s, %ld events pending", fwd.specs[i].name,
         fwd.specs[i].type, spec_dests[i]->folder, mw_spool_pending(spec_dests[i]));
  }
  if (ndests > 0) {
    courier = mw_courier_start(dests, ndests, log_collectd, NULL, err, sizeof(err));
    if (!courier)
      ERROR(PLUGIN " plugin: %s; events stay in the spool for 'mcpwatch flush'", err);
  }
  plugin_register_notification(PLUGIN, forward_notification, NULL);
  plugin_register_complex_read(PLUGIN, PLUGIN "-held", release_held, 0, NULL);
  return 0;
}

int forward_shutdown(void)
{
  size_t i;

  mw_courier_stop(courier);
  courier = NULL;
  pthread_mutex_lock(&track_lock);
  while (nhelds > 0)
    held_free(&helds[--nhelds]);
  free(helds);
  helds = NULL;
  pthread_mutex_unlock(&track_lock);
  pthread_rwlock_wrlock(&dests_lock);
  for (i = 0; i < ndests; i++)
    mw_destination_close(dests[i]);
  free(dests);
  dests = NULL;
  ndests = 0;
  free(spec_dests);
  spec_dests = NULL;
  pthread_rwlock_unlock(&dests_lock);
  forward_free_specs();
  mw_config_free(&fwd.file_cfg);
  free(fwd.spool_dir);
  fwd.spool_dir = NULL;
  free(fwd.state_dir);
  fwd.state_dir = NULL;
  return 0;
}
