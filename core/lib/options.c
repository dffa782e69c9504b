/* SPDX-License-Identifier: MIT */
/* options.c - one option table drives the command line, configuration blocks and --help. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mw_core.h"

#define VALUE_MAX 65536

static const char *const format_choices[] = {"text", "json", NULL};

const struct mw_option mw_common_options[] = {
    {"help", 'h', MW_OPT_BOOL, MW_OPT_CLI_ONLY, NULL, NULL, "Show this help and exit.", NULL, NULL},
    {"version", 'V', MW_OPT_BOOL, MW_OPT_CLI_ONLY, NULL, NULL, "Show the version and exit.", NULL,
     NULL},
    {"verbose", 'v', MW_OPT_BOOL, MW_OPT_CLI_ONLY | MW_OPT_REPEAT, NULL, NULL,
     "More detail in the long output; may be repeated.", NULL, NULL},
    {"timeout", 't', MW_OPT_DURATION, 0, "DURATION", "10",
     "Give up after this long: 10, 2.5s, 500ms, 1m.", NULL, NULL},
    {"timeout-state", 0, MW_OPT_STATE, 0, "STATE", "critical",
     "State reported when the timeout is reached: ok, warning, critical or unknown.", NULL, NULL},
    {"format", 0, MW_OPT_STRING, MW_OPT_CLI_ONLY, "FORMAT", "text",
     "Output: text (Nagios plugin output) or json.", NULL, format_choices},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

const struct mw_option mw_notifier_common_options[] = {
    {"help", 'h', MW_OPT_BOOL, MW_OPT_CLI_ONLY, NULL, NULL, "Show this help and exit.", NULL, NULL},
    {"verbose", 'v', MW_OPT_BOOL, MW_OPT_CLI_ONLY | MW_OPT_REPEAT, NULL, NULL,
     "Log every delivery attempt, not only failures.", NULL, NULL},
    {"timeout", 't', MW_OPT_DURATION, 0, "DURATION", "10",
     "Give up on one delivery attempt after this long (it is then retried).", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

struct slot {
  const struct mw_option *option;
  char **values;
  size_t count;
};

struct mw_args {
  struct slot *slots;
  size_t nslots;
};

static size_t table_len(const struct mw_option *options)
{
  size_t n = 0;

  while (options && options[n].name)
    n++;
  return n;
}

/* Certificate ages are counted in days, as check_ssl_cert and check_http's -C do, so a plain
 * number stays days; a unit makes it any other duration. */
static int days_parse(const char *text, double *days)
{
  char *end;
  double v;
  double seconds;

  errno = 0;
  v = strtod(text, &end);
  if (end != text && *end == '\0' && errno == 0 && isfinite(v) && v >= 0) {
    *days = v;
    return 0;
  }
  if (mw_duration_parse(text, &seconds) != 0)
    return -1;
  *days = seconds / 86400;
  return 0;
}

static bool name_is_valid(const char *name)
{
  const char *p;

  if (!*name || *name == '-')
    return false;
  for (p = name; *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
      return false;
  }
  return true;
}

static const struct slot *find_slot(const struct mw_args *args, const char *name)
{
  size_t i;

  if (!args || !name)
    return NULL;
  for (i = 0; i < args->nslots; i++) {
    if (strcmp(args->slots[i].option->name, name) == 0)
      return &args->slots[i];
  }
  return NULL;
}

/* Checks one value against its option. On success *canonical may point at a replacement text
 * (booleans become "1"/"0"), else it stays NULL. */
static int validate(const struct mw_option *opt, const char *value, const char **canonical,
                    char *err, size_t errlen)
{
  char *end;
  const char *const *choice;
  struct mw_range range;
  enum mw_state state;
  double d;
  char why[200];

  *canonical = NULL;
  if (strlen(value) >= VALUE_MAX) {
    snprintf(err, errlen, "value of --%s is longer than %d bytes", opt->name, VALUE_MAX - 1);
    return -1;
  }
  switch (opt->type) {
  case MW_OPT_STRING:
    if (!opt->choices)
      return 0;
    for (choice = opt->choices; *choice; choice++) {
      if (strcmp(*choice, value) == 0)
        return 0;
    }
    snprintf(err, errlen, "--%s must be one of", opt->name);
    for (choice = opt->choices; *choice; choice++) {
      size_t used = strlen(err);
      snprintf(err + used, errlen - used, "%s %s", choice == opt->choices ? "" : ",", *choice);
    }
    return -1;
  case MW_OPT_SECRET:
  case MW_OPT_LIST:
    return 0;
  case MW_OPT_INT:
    errno = 0;
    (void)strtoll(value, &end, 10);
    if (end == value || *end || errno) {
      snprintf(err, errlen, "--%s expects an integer, not '%s'", opt->name, value);
      return -1;
    }
    return 0;
  case MW_OPT_DOUBLE:
    errno = 0;
    d = strtod(value, &end);
    if (end == value || *end || errno || !isfinite(d)) {
      snprintf(err, errlen, "--%s expects a number, not '%s'", opt->name, value);
      return -1;
    }
    return 0;
  case MW_OPT_BOOL:
    if (!strcasecmp(value, "1") || !strcasecmp(value, "true") || !strcasecmp(value, "yes") ||
        !strcasecmp(value, "on")) {
      *canonical = "1";
      return 0;
    }
    if (!strcasecmp(value, "0") || !strcasecmp(value, "false") || !strcasecmp(value, "no") ||
        !strcasecmp(value, "off")) {
      *canonical = "0";
      return 0;
    }
    snprintf(err, errlen, "--%s expects true or false, not '%s'", opt->name, value);
    return -1;
  case MW_OPT_RANGE:
    if (mw_range_parse(value, opt->units, &range, why, sizeof(why)) != 0) {
      snprintf(err, errlen, "--%s: %s", opt->name, why);
      return -1;
    }
    return 0;
  case MW_OPT_DURATION:
    if (mw_duration_parse(value, &d) != 0 || d <= 0) {
      snprintf(err, errlen, "--%s expects a duration such as 10, 2.5s or 500ms, not '%s'",
               opt->name, value);
      return -1;
    }
    return 0;
  case MW_OPT_DAYS:
    if (days_parse(value, &d) != 0) {
      snprintf(err, errlen,
               "--%s expects days (30, 7.5) or a duration with a unit (12h, 2d, 90m), "
               "not '%s'",
               opt->name, value);
      return -1;
    }
    return 0;
  case MW_OPT_STATE:
    if (mw_state_parse(value, &state) != 0) {
      snprintf(err, errlen, "--%s expects ok, warning, critical or unknown, not '%s'", opt->name,
               value);
      return -1;
    }
    return 0;
  }
  snprintf(err, errlen, "--%s has an unknown type", opt->name);
  return -1;
}

static int validate_table(const struct mw_option *options, const struct mw_option *others,
                          char *err, size_t errlen)
{
  size_t i;
  size_t j;
  const char *canonical;
  char why[256];

  for (i = 0; options[i].name; i++) {
    const struct mw_option *opt = &options[i];
    if (!name_is_valid(opt->name)) {
      snprintf(err, errlen, "option name '%s' is not lower-case letters, digits and '-'",
               opt->name);
      return -1;
    }
    if (!opt->help) {
      snprintf(err, errlen, "option --%s has no help text", opt->name);
      return -1;
    }
    if (opt->type != MW_OPT_BOOL && !opt->metavar) {
      snprintf(err, errlen, "option --%s takes a value but has no metavar", opt->name);
      return -1;
    }
    if (opt->def && validate(opt, opt->def, &canonical, why, sizeof(why)) != 0) {
      snprintf(err, errlen, "default of --%s is invalid: %s", opt->name, why);
      return -1;
    }
    for (j = 0; others && others[j].name; j++) {
      if (strcmp(others[j].name, opt->name) == 0 ||
          (opt->short_name && others[j].short_name == opt->short_name)) {
        snprintf(err, errlen, "option --%s clashes with the common option --%s", opt->name,
                 others[j].name);
        return -1;
      }
    }
    for (j = 0; j < i; j++) {
      if (strcmp(options[j].name, opt->name) == 0 ||
          (opt->short_name && options[j].short_name == opt->short_name)) {
        snprintf(err, errlen, "options --%s and --%s clash", options[j].name, opt->name);
        return -1;
      }
    }
  }
  return 0;
}

int mw_options_validate(const struct mw_option *options, char *err, size_t errlen)
{
  if (!options) {
    snprintf(err, errlen, "no option table");
    return -1;
  }
  return validate_table(options, mw_common_options, err, errlen);
}

int mw_options_validate_with(const struct mw_option *options, const struct mw_option *common,
                             char *err, size_t errlen)
{
  if (!options) {
    snprintf(err, errlen, "no option table");
    return -1;
  }
  return validate_table(options, common, err, errlen);
}

struct mw_args *mw_args_new(const struct mw_option *check_options)
{
  return mw_args_new_with(mw_common_options, check_options);
}

struct mw_args *mw_args_new_with(const struct mw_option *common,
                                 const struct mw_option *check_options)
{
  size_t ncommon = table_len(common);
  size_t ncheck = table_len(check_options);
  struct mw_args *args = calloc(1, sizeof(*args));
  size_t i;

  if (!args)
    return NULL;
  args->slots = calloc(ncommon + ncheck, sizeof(struct slot));
  if (!args->slots) {
    free(args);
    return NULL;
  }
  args->nslots = ncommon + ncheck;
  for (i = 0; i < ncommon; i++)
    args->slots[i].option = &common[i];
  for (i = 0; i < ncheck; i++)
    args->slots[ncommon + i].option = &check_options[i];
  return args;
}

void mw_args_free(struct mw_args *args)
{
  size_t i;
  size_t j;

  if (!args)
    return;
  for (i = 0; i < args->nslots; i++) {
    for (j = 0; j < args->slots[i].count; j++)
      free(args->slots[i].values[j]);
    free(args->slots[i].values);
  }
  free(args->slots);
  free(args);
}

const struct mw_option *mw_args_option(const struct mw_args *args, const char *name)
{
  const struct slot *slot = find_slot(args, name);

  return slot ? slot->option : NULL;
}

const struct mw_option *mw_args_option_at(const struct mw_args *args, size_t index)
{
  return args && index < args->nslots ? args->slots[index].option : NULL;
}

static int slot_append(struct slot *slot, const char *value, size_t len)
{
  char **grown;
  char *copy;

  copy = strndup(value, len);
  if (!copy)
    return -1;
  grown = realloc(slot->values, (slot->count + 1) * sizeof(char *));
  if (!grown) {
    free(copy);
    return -1;
  }
  slot->values = grown;
  slot->values[slot->count++] = copy;
  return 0;
}

static void slot_clear(struct slot *slot)
{
  size_t i;

  for (i = 0; i < slot->count; i++)
    free(slot->values[i]);
  slot->count = 0;
}

static int set_list(struct slot *slot, const char *value, char *err, size_t errlen)
{
  const char *p = value;

  while (*p) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    while (len && (*p == ' ' || *p == '\t')) {
      p++;
      len--;
    }
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
      len--;
    if (len && slot_append(slot, p, len) != 0) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    if (!comma)
      break;
    p = comma + 1;
  }
  return 0;
}

int mw_args_set(struct mw_args *args, const char *name, const char *value, char *err, size_t errlen)
{
  struct slot *slot = (struct slot *)find_slot(args, name);
  const char *canonical;

  if (!slot) {
    snprintf(err, errlen, "unknown option '%s'", name);
    return -1;
  }
  if (validate(slot->option, value, &canonical, err, errlen) != 0)
    return -1;
  if (slot->option->type == MW_OPT_LIST)
    return set_list(slot, value, err, errlen);
  if (!(slot->option->flags & MW_OPT_REPEAT))
    slot_clear(slot);
  if (canonical)
    value = canonical;
  if (slot_append(slot, value, strlen(value)) != 0) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

/* ---- getters ---- */

size_t mw_args_count(const struct mw_args *args, const char *name)
{
  const struct slot *slot = find_slot(args, name);

  if (!slot)
    return 0;
  if (slot->count)
    return slot->count;
  return slot->option->def ? 1 : 0;
}

bool mw_args_given(const struct mw_args *args, const char *name)
{
  const struct slot *slot = find_slot(args, name);

  return slot && slot->count > 0;
}

const char *mw_args_str_at(const struct mw_args *args, const char *name, size_t index)
{
  const struct slot *slot = find_slot(args, name);

  if (!slot)
    return NULL;
  if (slot->count)
    return index < slot->count ? slot->values[index] : NULL;
  return index == 0 ? slot->option->def : NULL;
}

const char *mw_args_str(const struct mw_args *args, const char *name)
{
  const struct slot *slot = find_slot(args, name);

  if (!slot)
    return NULL;
  if (slot->count)
    return slot->values[slot->count - 1];
  return slot->option->def;
}

long long mw_args_int(const struct mw_args *args, const char *name)
{
  const char *text = mw_args_str(args, name);

  return text ? strtoll(text, NULL, 10) : 0;
}

double mw_args_double(const struct mw_args *args, const char *name)
{
  const char *text = mw_args_str(args, name);

  return text ? strtod(text, NULL) : 0;
}

bool mw_args_bool(const struct mw_args *args, const char *name)
{
  const char *text = mw_args_str(args, name);
  const struct mw_option *opt = mw_args_option(args, name);
  const char *canonical = NULL;
  char err[8];

  if (!text || !opt)
    return false;
  if (validate(opt, text, &canonical, err, sizeof(err)) != 0 || !canonical)
    return false;
  return canonical[0] == '1';
}

double mw_args_days(const struct mw_args *args, const char *name)
{
  const char *text = mw_args_str(args, name);
  double days = 0;

  if (text && days_parse(text, &days) != 0)
    days = 0;
  return days;
}

double mw_args_duration(const struct mw_args *args, const char *name)
{
  const char *text = mw_args_str(args, name);
  double seconds = 0;

  if (text && mw_duration_parse(text, &seconds) != 0)
    seconds = 0;
  return seconds;
}

enum mw_state mw_args_state(const struct mw_args *args, const char *name)
{
  const char *text = mw_args_str(args, name);
  enum mw_state state = MW_UNKNOWN;

  if (text)
    mw_state_parse(text, &state);
  return state;
}

int mw_args_verbosity(const struct mw_args *args)
{
  const struct slot *slot = find_slot(args, "verbose");

  return slot ? (int)slot->count : 0;
}

bool mw_args_range(const struct mw_args *args, const char *name, struct mw_range *out)
{
  const struct mw_option *opt = mw_args_option(args, name);
  const char *text = mw_args_str(args, name);
  char err[8];

  if (!opt || !text || opt->type != MW_OPT_RANGE)
    return false;
  return mw_range_parse(text, opt->units, out, err, sizeof(err)) == 0;
}

struct mw_args *mw_instance_args(const struct mw_instance *inst, const struct mw_check *check,
                                 const char *default_timeout, char *err, size_t errlen)
{
  struct mw_args *args = mw_args_new(check->options);
  char why[256];
  size_t i;

  if (!args) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (default_timeout && mw_args_set(args, "timeout", default_timeout, why, sizeof(why)) != 0) {
    snprintf(err, errlen, "%s", why);
    goto fail;
  }
  for (i = 0; i < inst->nsettings; i++) {
    const struct mw_setting *s = &inst->settings[i];
    const struct mw_option *opt = mw_args_option(args, s->key);
    if (!opt || (opt->flags & MW_OPT_CLI_ONLY)) {
      snprintf(err, errlen, "%s:%d: check '%s' (%s) has no option '%s'", inst->file, s->line,
               inst->name, check->name, s->key);
      goto fail;
    }
    if (mw_args_set(args, s->key, s->value, why, sizeof(why)) != 0) {
      snprintf(err, errlen, "%s:%d: %s", inst->file, s->line, why);
      goto fail;
    }
  }
  return args;
fail:
  mw_args_free(args);
  return NULL;
}
