/* SPDX-License-Identifier: MIT */
/* values.c - a result as collectd values: every perfdata metric in the types.db type its unit
 * means, and the state as a gauge, or only the ones a Values line chose. */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include <math.h>

#include "mw_core.h"
#include "values.h"

#define PLUGIN "mcpwatch"

/* Values "time" "state": type instances as a read names them (a perfdata label, '/' as "root"
 * or '-', as the df plugin does; "state" for the state). */
int values_parse(const oconfig_item_t *item, struct value_filter *values, char *err, size_t errlen)
{
  int i;

  values->n = 0;
  if (item->values_num < 1 || item->values_num > VALUES_MAX) {
    snprintf(err, errlen, "Values takes 1 to %d names", VALUES_MAX);
    return -1;
  }
  for (i = 0; i < item->values_num; i++) {
    const char *name =
        item->values[i].type == OCONFIG_TYPE_STRING ? item->values[i].value.string : NULL;
    if (!name || !*name || strlen(name) >= DATA_MAX_NAME_LEN) {
      snprintf(err, errlen,
               "Values takes names in quotes (\"time\" \"state\"), each under %d bytes",
               DATA_MAX_NAME_LEN);
      return -1;
    }
    sstrncpy(values->names[values->n++], name, DATA_MAX_NAME_LEN);
  }
  return 0;
}

struct metric {
  const char *type;
  double value;
};

static bool has_prefix(const char *text, const char *prefix)
{
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

static bool is_response_time(const char *label)
{
  size_t len = strlen(label);

  return strcmp(label, "time") == 0 || has_prefix(label, "time_") ||
         (len > 5 && strcmp(label + len - 5, "_time") == 0);
}

/* A perfdata value as a types.db type and the unit that type means. */
static struct metric metric_of(const struct mw_perf *perf)
{
  static const struct {
    const char *uom;
    double factor;
  } byte_units[] = {
      {"B", 1}, {"KB", 1024}, {"MB", 1048576}, {"GB", 1073741824.0}, {"TB", 1099511627776.0}};
  struct metric m = {"gauge", perf->value};
  size_t i;

  if (strcmp(perf->uom, "%") == 0) {
    m.type = "percent";
  } else if (strcmp(perf->uom, "s") == 0 || strcmp(perf->uom, "ms") == 0 ||
             strcmp(perf->uom, "us") == 0) {
    if (perf->uom[0] == 'm')
      m.value /= 1e3;
    else if (perf->uom[0] == 'u')
      m.value /= 1e6;
    m.type = is_response_time(perf->label) ? "response_time" : "duration";
  } else if (strcmp(perf->uom, "c") == 0) {
    m.type = "derive";
  } else if (perf->uom[0] == '\0' && has_prefix(perf->label, "days")) {
    m.type = "timeleft"; /* tls-expiry's days left, in seconds as types.db's timeleft */
    m.value *= 86400.0;
  } else {
    for (i = 0; i < sizeof(byte_units) / sizeof(byte_units[0]); i++) {
      if (strcmp(perf->uom, byte_units[i].uom) == 0) {
        m.type = "bytes";
        m.value *= byte_units[i].factor;
      }
    }
  }
  return m;
}

static bool wanted(const struct value_filter *values, const char *type_instance)
{
  size_t i;

  if (values->n == 0)
    return true;
  for (i = 0; i < values->n; i++)
    if (strcmp(values->names[i], type_instance) == 0)
      return true;
  return false;
}

static void dispatch(const char *name, const char *type, const char *type_instance, double number)
{
  value_list_t vl = VALUE_LIST_INIT;
  value_t value;

  if (strcmp(type, "derive") == 0) {
    if (!isfinite(number))
      return;
    value.derive = (derive_t)llround(number);
  } else {
    value.gauge = isfinite(number) ? number : NAN;
  }
  vl.values = &value;
  vl.values_len = 1;
  sstrncpy(vl.plugin, PLUGIN, sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, name, sizeof(vl.plugin_instance));
  sstrncpy(vl.type, type, sizeof(vl.type));
  sstrncpy(vl.type_instance, type_instance, sizeof(vl.type_instance));
  plugin_dispatch_values(&vl);
}

/* A perfdata label as a type instance, named the way the df plugin names mounts: "/" is "root",
 * "/var/lib" is "var-lib", and "/ inodes" is "root_inodes". */
static void type_instance_of(const char *label, char *out, size_t outlen)
{
  size_t len = 0;

  if (label[0] == '/' && (label[1] == '\0' || label[1] == ' ')) {
    len = (size_t)snprintf(out, outlen, "root");
    label++;
  } else if (label[0] == '/') {
    label++;
  }
  for (; *label && len + 1 < outlen; label++, len++) {
    unsigned char c = (unsigned char)*label;
    out[len] = c == '/' ? '-' : (isalnum(c) || c == '-' || c == '.' || c >= 0x80) ? (char)c : '_';
  }
  out[len < outlen ? len : outlen - 1] = '\0';
}

static void dispatch_tree(const char *name, const struct value_filter *values,
                          const struct mw_result *res)
{
  const struct mw_result *child;
  struct mw_perf perf;
  char type_instance[DATA_MAX_NAME_LEN];
  size_t i;

  /* The filter first: a value not wanted costs its name only, not its type and unit. */
  for (i = 0; mw_result_perf_at(res, i, &perf) == 0; i++) {
    struct metric m;
    type_instance_of(perf.label, type_instance, sizeof(type_instance));
    if (!wanted(values, type_instance))
      continue;
    m = metric_of(&perf);
    dispatch(name, m.type, type_instance, m.value);
  }
  for (child = mw_result_first(res); child; child = mw_result_next(child))
    dispatch_tree(name, values, child);
}

void values_dispatch(const char *name, const struct value_filter *values,
                     const struct mw_result *res, enum mw_state state)
{
  dispatch_tree(name, values, res);
  if (wanted(values, "state"))
    dispatch(name, "gauge", "state", (double)state);
}
