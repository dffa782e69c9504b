/* SPDX-License-Identifier: MIT */
/* mw_downtime.h - downtimes: recurring windows of the configuration (local times of a zone) and
 * ad-hoc ones set from the command line, kept in the state folder. While an instance or service
 * is in downtime its checks go on, its problems are held (sent when the downtime ends if they
 * are still there) and its recoveries are sent as ever. */
#ifndef MW_DOWNTIME_H
#define MW_DOWNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mw_config;

/* ---- time zones (tzinfo.c) ----------------------------------------------------------------- */

struct mw_tz;
/* name: a zone of the system's database (Europe/Berlin; TZDIR overrides its folder), "UTC", or
 * NULL/"" for the system's own (/etc/localtime, UTC without one). 0, or -1 with err. */
int mw_tz_load(const char *name, struct mw_tz **out, char *err, size_t errlen);
/* A zone from the bytes of a TZif file; NULL when they are not one. */
struct mw_tz *mw_tz_from_tzif(const void *data, size_t len);
/* A zone of a POSIX TZ rule alone ("CET-1CEST,M3.5.0,M10.5.0/3"); NULL when malformed. */
struct mw_tz *mw_tz_from_rule(const char *rule);
void mw_tz_free(struct mw_tz *tz);
/* Seconds east of UTC at the instant t (NULL: UTC). */
int32_t mw_tz_offset(const struct mw_tz *tz, int64_t t);
/* 0 = Sunday for a day number since 1970-01-01. */
int mw_weekday_of_days(int64_t days);

/* ---- recurring windows ----------------------------------------------------------------------- */

struct mw_window {
  unsigned days; /* bit 0 Sunday .. bit 6 Saturday: the days a window starts on */
  int start;     /* minutes after local midnight */
  int end;       /* 1..1440; at or before start: the window ends on the next day */
};

/* "[DAYS] HH:MM-HH:MM": DAYS "daily" (or nothing), or names and ranges ("Sun", "Mon-Fri",
 * "Sat,Sun", full names too, any case). 0, or -1 with err. */
int mw_window_parse(const char *text, struct mw_window *w, char *err, size_t errlen);
/* Whether the local time of tz at now is inside the window. On a day whose clocks skip the
 * window's hours it is shorter, on one that repeats them longer: wall-clock time decides. */
bool mw_window_active(const struct mw_window *w, const struct mw_tz *tz, int64_t now);

/* ---- ad-hoc downtimes (STATE_DIR/downtimes) ------------------------------------------------ */

#define MW_DOWNTIME_MEMBER_MAX 128
#define MW_DOWNTIME_COMMENT_MAX 200
#define MW_DOWNTIME_MAX 10000

struct mw_downtime {
  long id;
  int64_t start;
  int64_t end;
  char member[MW_DOWNTIME_MEMBER_MAX];
  char comment[MW_DOWNTIME_COMMENT_MAX];
};

struct mw_downtime_list {
  struct mw_downtime *items;
  size_t n;
};

/* Reads the list (none when there is no file; lines that do not parse are skipped and counted
 * in *skipped if not NULL). 0, or -1 with err. */
int mw_downtime_load(const char *state_dir, struct mw_downtime_list *out, size_t *skipped,
                     char *err, size_t errlen);
void mw_downtime_list_free(struct mw_downtime_list *list);
/* The list in data (the file's text, NUL-terminated, changed in place); skipped counts lines that
 * do not parse (add to *skipped). 0, or -1 when out of memory. */
int mw_downtime_parse(char *data, struct mw_downtime_list *out, size_t *skipped);
/* Adds one downtime per member, from start to end, under a lock, written durably; ended ones
 * are dropped on the way. *first_id is the first new id. 0, or -1 with err. */
int mw_downtime_add(const char *state_dir, const char *const *members, size_t nmembers,
                    int64_t start, int64_t end, const char *comment, long *first_id, char *err,
                    size_t errlen);
/* Removes the downtime with id (id > 0) or every one of member (member not NULL); *removed says
 * how many. 0, or -1 with err. */
int mw_downtime_remove(const char *state_dir, long id, const char *member, size_t *removed,
                       char *err, size_t errlen);

/* The downtime name is in at now, from the configuration's windows or the ad-hoc list (either
 * may be NULL), described in why ("nightly-deploy, Sun 02:00-04:00 Europe/Berlin"). */
bool mw_downtime_find(const struct mw_config *cfg, const struct mw_downtime_list *adhoc,
                      const char *name, int64_t now, char *why, size_t whylen);

#ifdef __cplusplus
}
#endif
#endif /* MW_DOWNTIME_H */
