/* SPDX-License-Identifier: MIT */
/* prom_query.c - the Prometheus HTTP API's answers: {"status": "success", "data":
 * {"resultType": ..., "result": ...}} or {"status": "error", "errorType", "error"}. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"
#include "prom_query.h"

bool prom_value(const char *text, double *out)
{
  char *end;

  if (!text)
    return false;
  if (strcmp(text, "NaN") == 0) {
    *out = NAN;
    return true;
  }
  if (strcmp(text, "+Inf") == 0 || strcmp(text, "Inf") == 0) {
    *out = INFINITY;
    return true;
  }
  if (strcmp(text, "-Inf") == 0) {
    *out = -INFINITY;
    return true;
  }
  *out = strtod(text, &end);
  return end != text && *end == '\0' && isfinite(*out);
}

bool prom_form_encode(const char *text, char *out, size_t outlen)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t n = 0;

  for (; *text; text++) {
    unsigned char c = (unsigned char)*text;

    if (n + 4 > outlen)
      return false;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-_.~", c)) {
      out[n++] = (char)c;
    } else {
      out[n++] = '%';
      out[n++] = hex[c >> 4];
      out[n++] = hex[c & 15];
    }
  }
  if (n + 1 > outlen)
    return false;
  out[n] = '\0';
  return true;
}

/* A [time, "value"] pair's value. */
static bool pair_value(json_t *pair, double *out)
{
  return json_is_array(pair) && json_array_size(pair) == 2 &&
         prom_value(json_string_value(json_array_get(pair, 1)), out);
}

static void series_name(json_t *metric, const struct prom_judge *j, struct prom_series *s)
{
  struct mw_buf name, values;
  const char *key;
  json_t *value;
  size_t i;

  mw_buf_init(&name, sizeof(s->name) - 1);
  mw_buf_init(&values, sizeof(s->perf) - 1);
  if (j->nkeys > 0) {
    for (i = 0; i < j->nkeys; i++) {
      const char *v = json_string_value(json_object_get(metric, j->keys[i]));

      mw_buf_addf(&name, "%s%s", i ? "," : "", v ? v : "");
    }
  } else {
    json_object_foreach(metric, key, value)
    {
      if (strcmp(key, "__name__") == 0 && json_object_size(metric) > 1)
        continue; /* the metric's name says nothing the query did not */
      mw_buf_addf(&name, "%s%s=%s", name.len ? "," : "", key,
                  json_is_string(value) ? json_string_value(value) : "?");
      mw_buf_addf(&values, "%s%s", values.len ? "," : "",
                  json_is_string(value) ? json_string_value(value) : "?");
    }
  }
  snprintf(s->name, sizeof(s->name), "%s", name.len ? mw_buf_str(&name) : "value");
  snprintf(s->perf, sizeof(s->perf), "%s",
           j->nkeys     ? s->name
           : values.len ? mw_buf_str(&values)
                        : "value");
  mw_buf_free(&name);
  mw_buf_free(&values);
}

static enum mw_state judge_value(const struct prom_judge *j, double v)
{
  if (isnan(v))
    return MW_UNKNOWN;
  return mw_range_state(j->warn, j->crit, v);
}

/* A vector's or a matrix's series. */
static int read_series(json_t *item, bool matrix, const struct prom_judge *j, struct prom_series *s)
{
  json_t *values;
  size_t i;

  memset(s, 0, sizeof(*s));
  series_name(json_object_get(item, "metric"), j, s);
  if (!matrix) {
    if (!pair_value(json_object_get(item, "value"), &s->value))
      return -1;
    s->samples = 1;
    s->state = judge_value(j, s->value);
    s->held = true;
    return 0;
  }
  values = json_object_get(item, "values");
  if (!json_is_array(values) || json_array_size(values) == 0)
    return -1;
  s->state = MW_CRITICAL;
  for (i = 0; i < json_array_size(values); i++) {
    enum mw_state st;

    if (!pair_value(json_array_get(values, i), &s->value))
      return -1;
    /* as an alert's `for`: the mildest sample decides; NaN breaks the hold */
    st = isnan(s->value) ? MW_OK : mw_range_state(j->warn, j->crit, s->value);
    if (st < s->state)
      s->state = st;
  }
  s->samples = json_array_size(values);
  s->held = s->samples >= j->window_samples;
  if (!s->held)
    s->state = MW_OK;
  return 0;
}

int prom_parse(const char *body, size_t len, const struct prom_judge *judge,
               struct prom_outcome *out, char *err, size_t errlen)
{
  json_error_t jerr;
  json_t *doc = json_loadb(body, len, 0, &jerr);
  json_t *data, *result, *warnings;
  const char *status, *type;
  int rc = -1;
  size_t i;

  memset(out, 0, sizeof(*out));
  if (!json_is_object(doc)) {
    snprintf(err, errlen, "the answer is not a JSON object (%s)", doc ? "other JSON" : jerr.text);
    goto done;
  }
  status = json_string_value(json_object_get(doc, "status"));
  if (!status || strcmp(status, "success") != 0) {
    const char *etype = json_string_value(json_object_get(doc, "errorType"));
    const char *emsg = json_string_value(json_object_get(doc, "error"));

    snprintf(err, errlen, "Prometheus: %s%s%.300s", etype ? etype : (status ? status : "no status"),
             emsg ? ": " : "", emsg ? emsg : "");
    goto done;
  }
  warnings = json_object_get(doc, "warnings");
  for (i = 0; json_is_array(warnings) && i < json_array_size(warnings); i++) {
    const char *w = json_string_value(json_array_get(warnings, i));
    size_t used = strlen(out->warnings);

    if (w)
      snprintf(out->warnings + used, sizeof(out->warnings) - used, "%s%s", used ? "; " : "", w);
  }
  data = json_object_get(doc, "data");
  type = json_string_value(json_object_get(data, "resultType"));
  result = json_object_get(data, "result");
  if (!type || !result) {
    snprintf(err, errlen, "the answer has no data.resultType and data.result");
    goto done;
  }
  if (strcmp(type, "scalar") == 0 || strcmp(type, "string") == 0) {
    out->type = type[1] == 'c' ? PROM_SCALAR : PROM_STRING;
    if (!json_is_array(result) || json_array_size(result) != 2 ||
        !json_is_string(json_array_get(result, 1))) {
      snprintf(err, errlen, "a %s result that is not [time, \"value\"]", type);
      goto done;
    }
    if (out->type == PROM_STRING) {
      snprintf(out->text, sizeof(out->text), "%s", json_string_value(json_array_get(result, 1)));
      rc = 0;
      goto done;
    }
    out->series = calloc(1, sizeof(*out->series));
    if (!out->series) {
      snprintf(err, errlen, "out of memory");
      goto done;
    }
    out->nseries = 1;
    snprintf(out->series[0].name, sizeof(out->series[0].name), "scalar");
    snprintf(out->series[0].perf, sizeof(out->series[0].perf), "scalar");
    if (!pair_value(result, &out->series[0].value)) {
      snprintf(err, errlen, "a scalar that is not a number");
      goto done;
    }
    out->series[0].samples = 1;
    out->series[0].held = true;
    out->series[0].state = judge_value(judge, out->series[0].value);
    rc = 0;
    goto done;
  }
  if ((strcmp(type, "vector") != 0 && strcmp(type, "matrix") != 0) || !json_is_array(result)) {
    snprintf(err, errlen, "a result of type '%.40s' this check does not read", type);
    goto done;
  }
  out->type = type[0] == 'v' ? PROM_VECTOR : PROM_MATRIX;
  if (json_array_size(result) > 0) {
    out->series = calloc(json_array_size(result), sizeof(*out->series));
    if (!out->series) {
      snprintf(err, errlen, "out of memory");
      goto done;
    }
  }
  for (i = 0; i < json_array_size(result); i++) {
    if (read_series(json_array_get(result, i), out->type == PROM_MATRIX, judge,
                    &out->series[out->nseries]) != 0) {
      snprintf(err, errlen, "series %zu of the result has no readable value", i);
      goto done;
    }
    out->nseries++;
  }
  rc = 0;
done:
  json_decref(doc);
  /* The server's words (a result type, an error, warnings, a string) end in one line of
   * output: found by fuzz_prom_query, a resultType holding a newline. */
  if (rc != 0) {
    mw_one_line(err);
    prom_outcome_free(out);
  } else {
    mw_one_line(out->warnings);
    mw_one_line(out->text);
  }
  return rc;
}

void prom_outcome_free(struct prom_outcome *out)
{
  free(out->series);
  out->series = NULL;
  out->nseries = 0;
}
