/* SPDX-License-Identifier: MIT */
/* mcpwatch.c - the collectd plugin: every mcpwatch check inside collectd.
 *
 *   LoadPlugin mcpwatch
 *   <Plugin mcpwatch>
 *     <Check "main-db">
 *       Type "postgres"       # the check
 *       Interval 30           # seconds between reads (collectd's interval when absent)
 *       Notify true           # notifications on state changes (default)
 *       Values "time" "state" # dispatch only these values (default: every perfdata and state)
 *       Host "127.0.0.1"      # any other key: the check's option, case and '-' ignored
 *       Mode "backends"
 *     </Check>
 *     ConfigFile "/etc/mcpwatch/mcpwatch.conf"   # the instances mcpwatch itself runs
 *   </Plugin>
 *
 * Each instance is opened once and registered as its own read callback, so its connections are
 * kept between reads. A read dispatches every perfdata metric, the state as a gauge, and a
 * notification when the state changed. It always returns 0: a target that is down is a state
 * to report, and a failing read callback would be suspended by collectd.
 *
 * Only this file and values.c include collectd's headers, and they call only what the daemon
 * exports.
 * The checks stay loaded until the last instance is freed (collectd frees read callbacks
 * before it calls shutdown callbacks, but this does not rely on it).
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include <math.h>
#include <pthread.h>
#include <strings.h>

#include "forward.h"
#include "mw_core.h"
#include "values.h"

#define PLUGIN "mcpwatch"
#define ERR_MAX 512
#define OUTPUT_MAX (64u * 1024u)

struct instance {
  char *name;
  struct value_filter values;
  const struct mw_check *check;
  struct mw_args *args;
  void *state;
  int64_t timeout_ns;
  char service[64];
  pthread_mutex_t lock; /* one read at a time on a check state */
  enum mw_state last;
  bool has_last;
  bool notify;
};

/* The checks, shared by every instance; freed when shutdown has come and no instance is left. */
static pthread_mutex_t plugins_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mw_plugin_set plugins;
static size_t live_instances;
static bool shutting_down;

static void release_plugins(bool at_shutdown)
{
  pthread_mutex_lock(&plugins_lock);
  if (at_shutdown)
    shutting_down = true;
  else
    live_instances--;
  if (shutting_down && live_instances == 0)
    mw_plugin_set_free(&plugins);
  pthread_mutex_unlock(&plugins_lock);
}

static const struct mw_check *check_named(const char *type, char *err, size_t errlen)
{
  const struct mw_check *check;

  pthread_mutex_lock(&plugins_lock);
  check = mw_plugin_set_get(&plugins, type, err, errlen);
  pthread_mutex_unlock(&plugins_lock);
  return check;
}

static void instance_free(void *data)
{
  struct instance *inst = data;

  if (!inst)
    return;
  if (inst->state)
    inst->check->close(inst->state);
  mw_args_free(inst->args);
  pthread_mutex_destroy(&inst->lock);
  free(inst->name);
  free(inst);
  release_plugins(false);
}

/* ---- notifications ------------------------------------------------------------------------ */

/* Cuts text to fit size bytes with "...", never inside a UTF-8 sequence. */
static void fit(char *out, size_t size, const char *text, size_t len)
{
  if (len < size) {
    memcpy(out, text, len);
    out[len] = '\0';
    return;
  }
  len = size - 4;
  while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
    len--;
  memcpy(out, text, len);
  memcpy(out + len, "...", 4);
}

static int severity_of(enum mw_state state)
{
  switch (state) {
  case MW_OK:
    return NOTIF_OKAY;
  case MW_WARNING:
    return NOTIF_WARNING;
  default:
    return NOTIF_FAILURE; /* CRITICAL, and UNKNOWN: the instance cannot be trusted */
  }
}

static void notify_change(const struct instance *inst, const struct mw_result *res,
                          enum mw_state state, bool had_last, enum mw_state last)
{
  notification_t n = {.severity = severity_of(state), .time = cdtime()};
  struct mw_buf output;
  const char *text;
  size_t line_len;

  mw_buf_init(&output, OUTPUT_MAX);
  mw_render_nagios(res, inst->service, &output);
  text = output.failed ? "output too large" : mw_buf_str(&output);
  /* The status line without perfdata: summaries cannot hold '|', so the first one starts it. */
  line_len = strcspn(text, "|\n");
  while (line_len > 0 && text[line_len - 1] == ' ')
    line_len--;
  fit(n.message, sizeof(n.message), text, line_len);
  sstrncpy(n.host, hostname_g, sizeof(n.host));
  sstrncpy(n.plugin, PLUGIN, sizeof(n.plugin));
  sstrncpy(n.plugin_instance, inst->name, sizeof(n.plugin_instance));
  sstrncpy(n.type, "gauge", sizeof(n.type));
  sstrncpy(n.type_instance, "state", sizeof(n.type_instance));
  plugin_notification_meta_add_string(&n, "check", inst->check->name);
  plugin_notification_meta_add_string(&n, "state", mw_state_name(state));
  if (had_last)
    plugin_notification_meta_add_string(&n, "previous_state", mw_state_name(last));
  plugin_notification_meta_add_string(&n, "output", text);
  plugin_dispatch_notification(&n);
  plugin_notification_meta_free(n.meta);
  mw_buf_free(&output);
}

/* ---- reading ------------------------------------------------------------------------------ */

static int instance_read(user_data_t *user_data)
{
  struct instance *inst = user_data->data;
  struct mw_result *res = mw_result_new();
  enum mw_state state;
  enum mw_state last;
  bool had_last;
  mw_deadline deadline;

  if (!res) {
    ERROR(PLUGIN " plugin: %s: out of memory", inst->name);
    return 0;
  }
  pthread_mutex_lock(&inst->lock);
  deadline = mw_now_ns() + inst->timeout_ns;
  inst->check->run(inst->state, res, deadline);
  state = mw_result_failed(res) ? MW_UNKNOWN : mw_result_get_state(res);
  last = inst->last;
  had_last = inst->has_last;
  inst->last = state;
  inst->has_last = true;
  pthread_mutex_unlock(&inst->lock);

  values_dispatch(inst->name, &inst->values, res, state);
  if (inst->notify)
    forward_own_result(inst->name, inst->check->name, res, state);
  /* A first OK is no news; a first problem is. */
  if (had_last ? state != last : state != MW_OK) {
    INFO(PLUGIN " plugin: %s: %s%s%s", inst->name, had_last ? mw_state_name(last) : "",
         had_last ? " -> " : "", mw_state_name(state));
    if (inst->notify)
      notify_change(inst, res, state, had_last, last);
  }
  mw_result_free(res);
  return 0;
}

/* ---- configuration ------------------------------------------------------------------------ */

/* Opens the check on args (taken over) and registers the instance's read callback. */
static void instance_start(const char *name, const struct mw_check *check, struct mw_args *args,
                           double interval, bool notify, const struct value_filter *values)
{
  struct instance *inst = calloc(1, sizeof(*inst));
  struct mw_result *why = mw_result_new();
  char callback[DATA_MAX_NAME_LEN + 16];
  user_data_t user_data = {0};

  if (!inst || !why || !(inst->name = strdup(name))) {
    ERROR(PLUGIN " plugin: check \"%s\": out of memory", name);
    mw_args_free(args);
    mw_result_free(why);
    if (inst)
      free(inst->name);
    free(inst);
    return;
  }
  inst->check = check;
  inst->args = args;
  inst->notify = notify;
  if (values)
    inst->values = *values;
  inst->timeout_ns = (int64_t)(mw_args_duration(args, "timeout") * 1e9);
  mw_service_name(check->name, inst->service, sizeof(inst->service));
  pthread_mutex_init(&inst->lock, NULL);
  pthread_mutex_lock(&plugins_lock);
  live_instances++;
  pthread_mutex_unlock(&plugins_lock);
  if (check->open(args, &inst->state, why) != 0) {
    ERROR(PLUGIN " plugin: check \"%s\": %s", name,
          *mw_result_get_summary(why) ? mw_result_get_summary(why) : "invalid options");
    inst->state = NULL;
    goto fail;
  }
  snprintf(callback, sizeof(callback), PLUGIN "/%s", name);
  user_data.data = inst;
  user_data.free_func = instance_free;
  /* On failure collectd 5.12 has already called free_func (its header says otherwise). */
  if (plugin_register_complex_read(PLUGIN, callback, instance_read, DOUBLE_TO_CDTIME_T(interval),
                                   &user_data) != 0) {
    ERROR(PLUGIN " plugin: check \"%s\": not loaded: collectd refused its read callback (is "
                 "the name used twice?)",
          name);
    mw_result_free(why);
    return;
  }
  mw_result_free(why);
  return;
fail:
  mw_result_free(why);
  instance_free(inst);
}

/* "JsonPath", "json_path" and "json-path" all name --json-path. */
static bool key_matches(const char *key, const char *option)
{
  for (;;) {
    while (*key == '-' || *key == '_')
      key++;
    while (*option == '-' || *option == '_')
      option++;
    if (!*key || !*option)
      return !*key && !*option;
    if (tolower((unsigned char)*key) != tolower((unsigned char)*option))
      return false;
    key++;
    option++;
  }
}

static const struct mw_option *option_for_key(const struct mw_args *args, const char *key)
{
  const struct mw_option *opt;
  size_t i;

  for (i = 0; (opt = mw_args_option_at(args, i)) != NULL; i++) {
    if (!(opt->flags & MW_OPT_CLI_ONLY) && key_matches(key, opt->name))
      return opt;
  }
  return NULL;
}

static int value_text(const oconfig_value_t *value, char *out, size_t outlen)
{
  switch (value->type) {
  case OCONFIG_TYPE_STRING:
    snprintf(out, outlen, "%s", value->value.string);
    return strlen(value->value.string) < outlen ? 0 : -1;
  case OCONFIG_TYPE_NUMBER:
    mw_format_number(value->value.number, out, outlen);
    return 0;
  case OCONFIG_TYPE_BOOLEAN:
    snprintf(out, outlen, "%s", value->value.boolean ? "true" : "false");
    return 0;
  }
  return -1;
}

/* One option line of a <Check> block into args. */
int mcpwatch_set_option(struct mw_args *args, const oconfig_item_t *item, char *err, size_t errlen)
{
  const struct mw_option *opt = option_for_key(args, item->key);
  char text[4096];
  char why[256];
  int i;

  if (!opt) {
    snprintf(err, errlen, "no option \"%s\" (see 'mcpwatch CHECK --help')", item->key);
    return -1;
  }
  if (item->values_num == 0 && opt->type == MW_OPT_BOOL)
    return mw_args_set(args, opt->name, "true", err, errlen);
  if (item->values_num == 0) {
    snprintf(err, errlen, "%s needs a value", item->key);
    return -1;
  }
  for (i = 0; i < item->values_num; i++) {
    if (value_text(&item->values[i], text, sizeof(text)) != 0) {
      snprintf(err, errlen, "%s: value too long", item->key);
      return -1;
    }
    if (mw_args_set(args, opt->name, text, why, sizeof(why)) != 0) {
      snprintf(err, errlen, "%s: %s", item->key, why);
      return -1;
    }
  }
  return 0;
}

static const char *string_value(const oconfig_item_t *item)
{
  if (item->values_num != 1 || item->values[0].type != OCONFIG_TYPE_STRING)
    return NULL;
  return item->values[0].value.string;
}

static void config_check_block(const oconfig_item_t *block)
{
  const char *name = string_value(block);
  const char *type = NULL;
  const struct mw_check *check;
  struct mw_args *args = NULL;
  double interval = 0;
  bool notify = true;
  struct value_filter values = {.n = 0};
  char err[ERR_MAX];
  int i;

  if (!name || !*name) {
    ERROR(PLUGIN " plugin: <Check> needs a name: <Check \"main-db\">");
    return;
  }
  for (i = 0; i < block->children_num; i++) {
    if (strcasecmp(block->children[i].key, "Type") == 0)
      type = string_value(&block->children[i]);
  }
  if (!type) {
    ERROR(PLUGIN " plugin: check \"%s\": needs a line Type \"CHECK\" ('mcpwatch list' shows "
                 "them)",
          name);
    return;
  }
  check = check_named(type, err, sizeof(err));
  if (!check || !(args = mw_args_new(check->options))) {
    ERROR(PLUGIN " plugin: check \"%s\": %s", name, check ? "out of memory" : err);
    return;
  }
  for (i = 0; i < block->children_num; i++) {
    const oconfig_item_t *item = &block->children[i];
    int status = 0;
    if (strcasecmp(item->key, "Type") == 0)
      continue;
    if (strcasecmp(item->key, "Interval") == 0) {
      status = item->values_num == 1 && item->values[0].type == OCONFIG_TYPE_NUMBER &&
                       item->values[0].value.number > 0
                   ? 0
                   : -1;
      if (status == 0)
        interval = item->values[0].value.number;
      else
        snprintf(err, sizeof(err), "Interval must be a number of seconds");
    } else if (strcasecmp(item->key, "Values") == 0) {
      status = values_parse(item, &values, err, sizeof(err));
    } else if (strcasecmp(item->key, "Notify") == 0) {
      status = item->values_num == 1 && item->values[0].type == OCONFIG_TYPE_BOOLEAN ? 0 : -1;
      if (status == 0)
        notify = item->values[0].value.boolean;
      else
        snprintf(err, sizeof(err), "Notify must be true or false");
    } else {
      status = mcpwatch_set_option(args, item, err, sizeof(err));
    }
    if (status != 0) {
      ERROR(PLUGIN " plugin: check \"%s\": %s; the check is not loaded", name, err);
      mw_args_free(args);
      return;
    }
  }
  instance_start(name, check, args, interval, notify, &values);
}

static void config_file(const oconfig_item_t *item)
{
  const char *path = string_value(item);
  struct mw_config cfg;
  char timeout[64];
  char err[ERR_MAX];
  size_t i;

  memset(&cfg, 0, sizeof(cfg));
  if (!path) {
    ERROR(PLUGIN " plugin: ConfigFile needs one file name");
    return;
  }
  if (mw_config_load(path, &cfg, err, sizeof(err)) != 0) {
    ERROR(PLUGIN " plugin: %s", err);
    mw_config_free(&cfg);
    return;
  }
  if (cfg.timeout > 0)
    mw_format_number(cfg.timeout, timeout, sizeof(timeout));
  for (i = 0; i < cfg.ninstances; i++) {
    const struct mw_instance *inst = &cfg.instances[i];
    const struct mw_check *check = check_named(inst->check, err, sizeof(err));
    struct mw_args *args;
    if (!check) {
      ERROR(PLUGIN " plugin: %s:%d: check \"%s\": %s", inst->file, inst->line, inst->name, err);
      continue;
    }
    args = mw_instance_args(inst, check, cfg.timeout > 0 ? timeout : NULL, err, sizeof(err));
    if (!args) {
      ERROR(PLUGIN " plugin: check \"%s\": %s; the check is not loaded", inst->name, err);
      continue;
    }
    instance_start(inst->name, check, args, inst->interval, true, NULL);
  }
  forward_config_file(&cfg);
  mw_config_free(&cfg);
}

/* Errors in one instance are logged and skip that instance only: collectd would refuse to start
 * over a non-zero return, and the other instances are still worth running. */
static int config(oconfig_item_t *ci)
{
  int i;

  for (i = 0; i < ci->children_num; i++) {
    const oconfig_item_t *item = &ci->children[i];
    if (strcasecmp(item->key, "Check") == 0)
      config_check_block(item);
    else if (strcasecmp(item->key, "ConfigFile") == 0)
      config_file(item);
    else if (strcasecmp(item->key, "Notifier") == 0)
      forward_config_notifier(item);
    else if (strcasecmp(item->key, "SpoolDir") == 0 || strcasecmp(item->key, "SpoolMax") == 0 ||
             strcasecmp(item->key, "StateDir") == 0)
      forward_config_spool(item);
    else
      ERROR(PLUGIN " plugin: unknown option \"%s\" (Check, Notifier, ConfigFile, SpoolDir, "
                   "SpoolMax and StateDir are known)",
            item->key);
  }
  return 0;
}

static int shutdown_plugin(void)
{
  forward_shutdown();
  release_plugins(true);
  return 0;
}

void module_register(void)
{
  plugin_register_complex_config(PLUGIN, config);
  plugin_register_init(PLUGIN, forward_init);
  plugin_register_shutdown(PLUGIN, shutdown_plugin);
}
