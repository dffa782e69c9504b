/* SPDX-License-Identifier: MIT */
/* event.c - state-change events: building, cutting, the text they are spooled as, and the small
 * helpers every notifier shares. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "mw_core.h"

#define EVENT_MAGIC "mcpwatch-event 1"
#define EVENT_KEY_MAX 255

void mw_format_iso8601(int64_t unix_seconds, char *out, size_t outlen)
{
  time_t t = (time_t)unix_seconds;
  struct tm tm;

  if (!gmtime_r(&t, &tm) || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(out, outlen, "1970-01-01T00:00:00Z");
}

size_t mw_utf8_prefix(const char *text, size_t max)
{
  size_t len = strlen(text);

  if (len <= max)
    return len;
  len = max;
  /* Step back over continuation bytes so the cut lands before a sequence's first byte. */
  while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
    len--;
  return len;
}

static uint64_t fnv1a(const char *text, uint64_t hash)
{
  for (; *text; text++) {
    hash ^= (unsigned char)*text;
    hash *= 1099511628211ull;
  }
  return hash;
}

void mw_event_key(const struct mw_event *event, char *out, size_t outlen)
{
  struct mw_buf key;
  uint64_t hash;
  size_t keep;

  mw_buf_init(&key, 1 << 20);
  mw_buf_addf(&key, "mcpwatch/%s/%s", event->host, event->service);
  if (key.failed || key.len <= EVENT_KEY_MAX) {
    snprintf(out, outlen, "%s", key.failed ? "mcpwatch/overlong" : mw_buf_str(&key));
    mw_buf_free(&key);
    return;
  }
  hash = fnv1a(event->service, fnv1a("/", fnv1a(event->host, 14695981039346656037ull)));
  keep = mw_utf8_prefix(key.data, EVENT_KEY_MAX - 17);
  snprintf(out, outlen, "%.*s~%016llx", (int)keep, key.data, (unsigned long long)hash);
  mw_buf_free(&key);
}

enum mw_delivery mw_delivery_for_status(long status)
{
  if (status >= 200 && status < 300)
    return MW_DELIVERED;
  if (status == 0 || status == 408 || status == 425 || status == 429 || status == 420 ||
      status >= 500)
    return MW_RETRY;
  return MW_REJECTED;
}

double mw_retry_after_parse(const char *value)
{
  struct tm tm;
  char *end;
  double seconds;
  time_t when;

  if (!value || !*value)
    return 0;
  seconds = strtod(value, &end);
  if (end != value && *end == '\0')
    return seconds > 0 && seconds <= MW_DURATION_MAX ? seconds : 0;
  memset(&tm, 0, sizeof(tm));
  end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end)
    return 0;
  when = timegm(&tm);
  seconds = difftime(when, time(NULL));
  return seconds > 0 && seconds <= MW_DURATION_MAX ? seconds : 0;
}

static void new_event_id(char *out, size_t outlen)
{
  unsigned char raw[16];
  size_t i;
  size_t got = 0;

  while (got < sizeof(raw)) {
    ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  if (got < sizeof(raw)) {
    /* No entropy source: time and address still make a collision unlikely. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf((char *)raw, sizeof(raw), "%08lx%07lx", (long)ts.tv_sec, (long)ts.tv_nsec);
  }
  snprintf(out, outlen, "evt_");
  for (i = 0; i < sizeof(raw) && 4 + 2 * i + 2 < outlen; i++)
    snprintf(out + 4 + 2 * i, 3, "%02x", raw[i]);
}

/* The texts of an event in a fixed order, so copy, serialise and parse share one list. */
#define FIELD_COUNT 10
static const char *const field_names[FIELD_COUNT] = {"id",       "host",  "service", "check",
                                                     "previous", "type",  "output",  "long_output",
                                                     "perfdata", "origin"};

static const char **field_slot(struct mw_event *event, size_t index)
{
  const char **slots[FIELD_COUNT] = {
      &event->id,   &event->host,   &event->service,     &event->check,    &event->previous,
      &event->type, &event->output, &event->long_output, &event->perfdata, &event->origin};
  return slots[index];
}

static size_t field_max(size_t index)
{
  if (index == 7)
    return MW_EVENT_LONG_MAX;
  if (index == 6 || index == 8)
    return MW_EVENT_OUTPUT_MAX;
  return 1024;
}

/* Fills out->event's texts from values (NULL counts as ""), cut to their limits, in one block. */
static int own_texts(struct mw_event_data *out, const char *const values[FIELD_COUNT])
{
  size_t lens[FIELD_COUNT];
  size_t total = 0;
  size_t i;
  char *p;

  for (i = 0; i < FIELD_COUNT; i++) {
    lens[i] = values[i] ? mw_utf8_prefix(values[i], field_max(i)) : 0;
    total += lens[i] + 1;
  }
  out->texts = malloc(total);
  if (!out->texts)
    return -1;
  p = out->texts;
  for (i = 0; i < FIELD_COUNT; i++) {
    if (lens[i])
      memcpy(p, values[i], lens[i]);
    p[lens[i]] = '\0';
    *field_slot(&out->event, i) = p;
    p += lens[i] + 1;
  }
  return 0;
}

int mw_event_copy(const struct mw_event *src, struct mw_event_data *out)
{
  const char *values[FIELD_COUNT];
  char id[40];
  size_t i;

  memset(out, 0, sizeof(*out));
  for (i = 0; i < FIELD_COUNT; i++)
    values[i] = *field_slot((struct mw_event *)src, i);
  if (!values[0] || !*values[0]) {
    new_event_id(id, sizeof(id));
    values[0] = id;
  }
  if (own_texts(out, values) != 0)
    return -1;
  out->event.time = src->time > 0 ? src->time : (int64_t)time(NULL);
  out->event.state = src->state;
  return 0;
}

void mw_event_data_free(struct mw_event_data *data)
{
  free(data->texts);
  memset(data, 0, sizeof(*data));
}

/* One line per field: "name value", with backslash, newline and carriage return escaped. */
static void add_escaped(struct mw_buf *out, const char *text)
{
  const char *run = text;

  for (; *text; text++) {
    const char *esc = *text == '\\' ? "\\\\" : *text == '\n' ? "\\n" : *text == '\r' ? "\\r" : NULL;
    if (!esc)
      continue;
    mw_buf_add(out, run, (size_t)(text - run));
    mw_buf_adds(out, esc);
    run = text + 1;
  }
  mw_buf_adds(out, run);
}

int mw_event_serialize(const struct mw_event *event, struct mw_buf *out)
{
  size_t i;

  mw_buf_addf(out, "%s\ntime %lld\nstate %s\n", EVENT_MAGIC, (long long)event->time,
              mw_state_name(event->state));
  for (i = 0; i < FIELD_COUNT; i++) {
    const char *value = *field_slot((struct mw_event *)event, i);
    mw_buf_addf(out, "%s ", field_names[i]);
    add_escaped(out, value ? value : "");
    mw_buf_add(out, "\n", 1);
  }
  return out->failed ? -1 : 0;
}

/* Unescapes in place: the result is never longer than the input. */
static void unescape(char *text)
{
  char *w = text;

  for (; *text; text++) {
    if (*text == '\\' && text[1]) {
      text++;
      *w++ = *text == 'n' ? '\n' : *text == 'r' ? '\r' : *text;
    } else {
      *w++ = *text;
    }
  }
  *w = '\0';
}

int mw_event_parse(const char *text, size_t len, struct mw_event_data *out, char *err,
                   size_t errlen)
{
  const char *values[FIELD_COUNT] = {NULL};
  char *copy = NULL;
  char *line;
  char *next;
  long long when = 0;
  bool have_state = false;
  enum mw_state state = MW_UNKNOWN;
  int result = -1;
  size_t i;

  memset(out, 0, sizeof(*out));
  if (len < sizeof(EVENT_MAGIC) || memcmp(text, EVENT_MAGIC "\n", sizeof(EVENT_MAGIC)) != 0 ||
      memchr(text, '\0', len)) {
    snprintf(err, errlen, "not an mcpwatch event file");
    return -1;
  }
  copy = strndup(text + sizeof(EVENT_MAGIC), len - sizeof(EVENT_MAGIC));
  if (!copy) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (line = copy; line && *line; line = next) {
    char *value = strchr(line, ' ');
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    if (!value)
      continue;
    *value++ = '\0';
    if (strcmp(line, "time") == 0) {
      when = strtoll(value, NULL, 10);
    } else if (strcmp(line, "state") == 0) {
      have_state = mw_state_parse(value, &state) == 0;
    } else {
      for (i = 0; i < FIELD_COUNT; i++) {
        if (strcmp(line, field_names[i]) == 0) {
          unescape(value);
          values[i] = value;
        }
      }
    }
  }
  if (!have_state || when <= 0 || !values[0] || !*values[0]) {
    snprintf(err, errlen, "event file lacks its id, time or state");
    goto cleanup;
  }
  if (own_texts(out, values) != 0) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  out->event.time = when;
  out->event.state = state;
  result = 0;
cleanup:
  free(copy);
  return result;
}
