/* SPDX-License-Identifier: MIT */
/*
 * mw_notify.h - the contract between mcpwatch and its notifier plugins (pagerduty, statuspage,
 * webhook), and the spool every event passes through on its way to them.
 *
 * A notifier is a shared object that exports mw_notifier_entry() and nothing else. It turns one
 * event into one delivery attempt and says whether the receiver took it, wants it again later,
 * or refused it for good. It never retries, sleeps or stores events itself: the spool does that,
 * the same way whichever engine (Nagios, Icinga, collectd, `mcpwatch run`, the agent) saw the
 * state change.
 */
#ifndef MW_NOTIFY_H
#define MW_NOTIFY_H

#include <sys/types.h>

#include "mw_check.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bump on any change to the structs or the meaning of a function below. */
#define MW_NOTIFIER_ABI 1

/* One state change. Every text is NUL-terminated and never NULL ("" when unknown). */
struct mw_event {
  const char *id;       /* "evt_" + 32 hex digits: unique, kept across retries (webhook-id) */
  int64_t time;         /* Unix seconds of the state change */
  const char *host;     /* the monitored host */
  const char *service;  /* check instance or Nagios service description; "" for a host event */
  const char *check;    /* check type ("postgres") when known */
  enum mw_state state;  /* the new state; a host DOWN is CRITICAL, UP is OK */
  const char *previous; /* the state before, "OK" .. "UNKNOWN", or "" */
  const char *type;     /* PROBLEM, RECOVERY, ACKNOWLEDGEMENT, CUSTOM, FLAPPINGSTART, ... */
  const char *output;   /* the status line */
  const char *long_output;
  const char *perfdata;
  const char *origin; /* what saw it: nagios, icinga2, collectd, run, agent */
};

/* What came of one delivery attempt. */
enum mw_delivery {
  MW_DELIVERED, /* the receiver accepted it (or the notifier has nothing to send for it) */
  MW_RETRY,     /* not now: network error, timeout, 429, 5xx */
  MW_REJECTED   /* never: the receiver said the event is invalid or gone (400, 404, 410) */
};

struct mw_send_status {
  enum mw_delivery outcome;
  double retry_after; /* seconds the receiver asked to wait (Retry-After), 0 when it did not */
  char reason[256];   /* one line for logs: "HTTP 400: Event object is invalid"; never a secret */
};

struct mw_notifier {
  unsigned abi; /* MW_NOTIFIER_ABI */
  const char *name;
  const char *summary;
  const char *description;         /* paragraphs for --help, or NULL */
  const struct mw_option *options; /* ends with a NULL name; no secret values, only their files */
  /* Validate options once. data_dir is a folder the notifier may keep files in between runs
   * (the destination's spool folder). On failure return -1 with a one-line reason in err. */
  int (*open)(const struct mw_args *args, const char *data_dir, void **state, char *err,
              size_t errlen);
  /* One attempt, bounded by the deadline. Fills status. */
  void (*send)(void *state, const struct mw_event *event, mw_deadline deadline,
               struct mw_send_status *status);
  void (*close)(void *state);
};

#define MW_NOTIFIER_ENTRY_SYMBOL "mw_notifier_entry"
const struct mw_notifier *mw_notifier_entry(void);

/* ---- helpers notifiers share (libmcpwatch) ------------------------------------------------ */

/* Replaces the small file at path (in a notifier's data_dir) with data, through PATH.tmp and a
 * rename: readers see the old file or the new one, never a part. Not fsync'd. Never writes
 * through a link planted at either name. 0, or -1 with errno set. */
int mw_file_replace(const char *path, const void *data, size_t len, mode_t mode);

/* The first line of the regular file at path, without its newline, cut to outlen - 1 bytes; a
 * symbolic link at path is refused (ELOOP), anything but a regular file too (EINVAL). 0, or -1
 * with errno set and out empty. */
int mw_file_first_line(const char *path, char *out, size_t outlen);

/* JSON string literal of text, quotes included, appended to out. */
int mw_json_string(struct mw_buf *out, const char *text);
/* "2026-12-02T05:20:15Z" */
void mw_format_iso8601(int64_t unix_seconds, char *out, size_t outlen);
/* Cuts text to at most max bytes without splitting a UTF-8 sequence: the length to keep. */
size_t mw_utf8_prefix(const char *text, size_t max);
/* A deterministic key for one host and service, at most 255 bytes ("mcpwatch/HOST/SERVICE"; a
 * longer one is cut and ends in a hash of the whole): PagerDuty's dedup_key, a fingerprint. */
void mw_event_key(const struct mw_event *event, char *out, size_t outlen);
/* The delivery outcome HTTP status code means: 2xx delivered; 408, 425, 429 and 5xx (and 0, no
 * answer) retry; other codes rejected. */
enum mw_delivery mw_delivery_for_status(long status);
/* Seconds from a Retry-After value (delta-seconds or an HTTP date); 0 when absent or unusable. */
double mw_retry_after_parse(const char *value);

#ifdef __cplusplus
}
#endif
#endif /* MW_NOTIFY_H */
