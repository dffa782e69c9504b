/* SPDX-License-Identifier: MIT */
/* downtime.c - recurring downtime windows and the ad-hoc downtimes of STATE_DIR/downtimes.
 *
 * The file is text, one downtime per line ("ID START END MEMBER COMMENT", times in seconds since
 * the epoch), replaced whole through a temporary file and rename under STATE_DIR/downtimes.lock,
 * so readers (every result of every front end) never see half a list and two writers never lose
 * each other's change. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mw_core.h"
#include "mw_downtime.h"
#include "fileio.h"

#define DOWNTIME_FILE "downtimes"
#define DOWNTIME_LOCK "downtimes.lock"
#define DOWNTIME_FILE_MAX (4 * 1024 * 1024)
#define DOWNTIME_TIME_MAX 253402300799LL /* 9999-12-31 23:59:59 UTC */

static const char *const day_names[] = {"sunday",   "monday", "tuesday", "wednesday",
                                        "thursday", "friday", "saturday"};

/* A day's name (3 letters or whole, any case) at *p; its number, or -1. */
static int parse_day(const char **p)
{
  size_t n = 0;
  int d;

  while (((*p)[n] >= 'a' && (*p)[n] <= 'z') || ((*p)[n] >= 'A' && (*p)[n] <= 'Z'))
    n++;
  for (d = 0; d < 7 && n >= 3; d++) {
    if ((n == 3 || n == strlen(day_names[d])) && strncasecmp(*p, day_names[d], n) == 0) {
      *p += n;
      return d;
    }
  }
  return -1;
}

static int parse_clock(const char **p, int *minutes)
{
  int h;
  int m;
  int used = 0;

  if (sscanf(*p, "%2d:%2d%n", &h, &m, &used) != 2 || used != 5 || h < 0 || h > 24 || m < 0 ||
      m > 59 || (h == 24 && m != 0))
    return -1;
  *p += used;
  *minutes = h * 60 + m;
  return 0;
}

int mw_window_parse(const char *text, struct mw_window *w, char *err, size_t errlen)
{
  const char *p = text;

  memset(w, 0, sizeof(*w));
  while (*p == ' ')
    p++;
  if (*p >= '0' && *p <= '9') {
    w->days = 0x7f; /* no days named: every day */
  } else if (strncasecmp(p, "daily ", 6) == 0) {
    w->days = 0x7f;
    p += 6;
  } else {
    for (;;) {
      int first = parse_day(&p);
      int last = first;
      if (first < 0)
        goto bad;
      if (*p == '-') {
        p++;
        if ((last = parse_day(&p)) < 0)
          goto bad;
      }
      for (int d = first;; d = (d + 1) % 7) { /* Fri-Mon wraps over the weekend */
        w->days |= 1u << d;
        if (d == last)
          break;
      }
      if (*p != ',')
        break;
      p++;
    }
  }
  while (*p == ' ')
    p++;
  if (parse_clock(&p, &w->start) != 0 || *p++ != '-' || parse_clock(&p, &w->end) != 0)
    goto bad;
  while (*p == ' ')
    p++;
  if (*p || w->start == 1440)
    goto bad;
  if (w->end == 0)
    w->end = 1440; /* "23:00-00:00": until midnight */
  if (w->start == w->end) {
    snprintf(err, errlen, "'%.80s': the window starts and ends at the same time", text);
    mw_one_line(err);
    return -1;
  }
  return 0;
bad:
  snprintf(err, errlen,
           "'%.80s' is not a window such as \"Sun 02:00-04:00\", \"Mon-Fri 22:00-06:00\" or "
           "\"daily 01:00-01:30\"",
           text);
  mw_one_line(err);
  return -1;
}

bool mw_window_active(const struct mw_window *w, const struct mw_tz *tz, int64_t now)
{
  int64_t local = now + mw_tz_offset(tz, now);
  int64_t day = local / 86400 - (local % 86400 < 0);
  int minute = (int)((local - day * 86400) / 60);
  int wday = mw_weekday_of_days(day);
  int yesterday = (wday + 6) % 7;

  if (w->start < w->end)
    return (w->days & (1u << wday)) && minute >= w->start && minute < w->end;
  return ((w->days & (1u << wday)) && minute >= w->start) ||
         ((w->days & (1u << yesterday)) && minute < w->end);
}

/* ---- the ad-hoc list ------------------------------------------------------------------------ */

static bool member_ok(const char *name)
{
  size_t n = strlen(name);

  if (n == 0 || n >= MW_DOWNTIME_MEMBER_MAX)
    return false;
  for (; *name; name++) {
    if ((unsigned char)*name <= ' ' || *name == 0x7f)
      return false;
  }
  return true;
}

static void clean_comment(char *out, size_t outlen, const char *comment)
{
  snprintf(out, outlen, "%s", comment ? comment : "");
  mw_one_line(out);
}

static int parse_line(char *line, struct mw_downtime *d)
{
  char member[MW_DOWNTIME_MEMBER_MAX];
  long long start;
  long long end;
  int used = 0;

  memset(d, 0, sizeof(*d));
  if (sscanf(line, "%ld %lld %lld %127s%n", &d->id, &start, &end, member, &used) != 4 ||
      d->id <= 0 || start < 0 || end <= start || end > DOWNTIME_TIME_MAX || !member_ok(member))
    return -1;
  d->start = start;
  d->end = end;
  memcpy(d->member, member, sizeof(member));
  clean_comment(d->comment, sizeof(d->comment), line[used] == ' ' ? line + used + 1 : "");
  return 0;
}

void mw_downtime_list_free(struct mw_downtime_list *list)
{
  free(list->items);
  list->items = NULL;
  list->n = 0;
}

int mw_downtime_parse(char *data, struct mw_downtime_list *out, size_t *skipped)
{
  char *line;
  char *save = NULL;
  size_t cap = 0;

  memset(out, 0, sizeof(*out));
  for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    struct mw_downtime d;
    if (line[0] == '#')
      continue;
    if (parse_line(line, &d) != 0 || out->n >= MW_DOWNTIME_MAX) {
      if (skipped)
        (*skipped)++;
      continue;
    }
    if (out->n == cap) {
      size_t ncap = cap ? cap * 2 : 8;
      struct mw_downtime *grown = realloc(out->items, ncap * sizeof(*grown));
      if (!grown) {
        mw_downtime_list_free(out);
        return -1;
      }
      out->items = grown;
      cap = ncap;
    }
    out->items[out->n++] = d;
  }
  return 0;
}

/* Whether the ad-hoc list at path may be believed: 1 when there is none, 0 when it may, -1 (err
 * says why) when another user could have written it: its folder or the list writable by every
 * user, or the list not a regular file. Owners are not asked, unlike the spool's: the list can
 * only hold problems back, never make mcpwatch read or send a file, and collectd runs as root
 * while the list is written by the mcpwatch user (`sudo -u mcpwatch mcpwatch downtime add`). A
 * refused list holds nothing back: the problems are sent. */
static int trust_list(const char *state_dir, const char *path, char *err, size_t errlen)
{
  struct stat st;

  if (lstat(path, &st) != 0) {
    if (errno == ENOENT)
      return 1;
    snprintf(err, errlen, "cannot check %s: %s", path, strerror(errno));
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "refusing the downtimes: %s is not a regular file", path);
    return -1;
  }
  if (st.st_mode & S_IWOTH) {
    snprintf(err, errlen, "refusing the downtimes: every user can write %s (chmod o-w %s)", path,
             path);
    return -1;
  }
  if (stat(state_dir, &st) != 0 || (st.st_mode & S_IWOTH)) {
    snprintf(err, errlen, "refusing the downtimes: every user can write %s (chmod o-w %s)",
             state_dir, state_dir);
    return -1;
  }
  return 0;
}

int mw_downtime_load(const char *state_dir, struct mw_downtime_list *out, size_t *skipped,
                     char *err, size_t errlen)
{
  char *path = NULL;
  char *data = NULL;
  size_t len = 0;
  int result = -1;

  memset(out, 0, sizeof(*out));
  if (skipped)
    *skipped = 0;
  if (!(path = fileio_path_join(state_dir, DOWNTIME_FILE))) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  switch (trust_list(state_dir, path, err, errlen)) {
  case 1:
    result = 0;
    goto cleanup;
  case -1:
    goto cleanup;
  }
  if (!(data = fileio_read(path, DOWNTIME_FILE_MAX, &len))) {
    if (errno == ENOENT) {
      result = 0;
      goto cleanup;
    }
    snprintf(err, errlen, "cannot read %s: %s", path,
             errno == EFBIG ? "larger than 4 MiB" : strerror(errno));
    goto cleanup;
  }
  if (mw_downtime_parse(data, out, skipped) != 0) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  result = 0;
cleanup:
  free(path);
  free(data);
  return result;
}

/* Writes the list, without the downtimes ended by now, in place of the file. */
static int save_list(const char *state_dir, const struct mw_downtime_list *list, int64_t now,
                     char *err, size_t errlen)
{
  struct mw_buf text;
  size_t i;
  int result;

  mw_buf_init(&text, DOWNTIME_FILE_MAX);
  mw_buf_adds(&text, "# mcpwatch downtimes (mcpwatch downtime): ID START END MEMBER COMMENT\n");
  for (i = 0; i < list->n; i++) {
    const struct mw_downtime *d = &list->items[i];
    if (d->end <= now)
      continue;
    mw_buf_addf(&text, "%ld %lld %lld %s %s\n", d->id, (long long)d->start, (long long)d->end,
                d->member, d->comment);
  }
  if (text.failed) {
    snprintf(err, errlen, "the downtime list would pass 4 MiB");
    result = -1;
  } else {
    result =
        fileio_write_durably(state_dir, DOWNTIME_FILE, mw_buf_str(&text), text.len, err, errlen);
  }
  mw_buf_free(&text);
  return result;
}

/* The lock every writer takes for its read-modify-write; -1 with err. */
static int lock_list(const char *state_dir, char *err, size_t errlen)
{
  char *path = fileio_path_join(state_dir, DOWNTIME_LOCK);
  int fd;

  if (!path) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (fileio_make_dir(state_dir, err, errlen) != 0) {
    free(path);
    return -1;
  }
  fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0 || flock(fd, LOCK_EX) != 0) {
    snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
    if (fd >= 0)
      close(fd);
    fd = -1;
  }
  free(path);
  return fd;
}

int mw_downtime_add(const char *state_dir, const char *const *members, size_t nmembers,
                    int64_t start, int64_t end, const char *comment, long *first_id, char *err,
                    size_t errlen)
{
  struct mw_downtime_list list = {NULL, 0};
  struct mw_downtime *grown;
  long next = 1;
  size_t i;
  int fd;
  int result = -1;

  for (i = 0; i < nmembers; i++) {
    if (!member_ok(members[i])) {
      snprintf(err, errlen, "'%.80s' is not a name of an instance or service", members[i]);
      mw_one_line(err);
      return -1;
    }
  }
  if (end <= start) {
    snprintf(err, errlen, "a downtime must end after it starts");
    return -1;
  }
  if ((fd = lock_list(state_dir, err, errlen)) < 0)
    return -1;
  if (mw_downtime_load(state_dir, &list, NULL, err, errlen) != 0)
    goto cleanup;
  if (list.n + nmembers > MW_DOWNTIME_MAX) {
    snprintf(err, errlen, "more than %d downtimes", MW_DOWNTIME_MAX);
    goto cleanup;
  }
  for (i = 0; i < list.n; i++) {
    if (list.items[i].id >= next)
      next = list.items[i].id + 1;
  }
  if (!(grown = realloc(list.items, (list.n + nmembers) * sizeof(*grown)))) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  list.items = grown;
  *first_id = next;
  for (i = 0; i < nmembers; i++) {
    struct mw_downtime *d = &list.items[list.n++];
    memset(d, 0, sizeof(*d));
    d->id = next++;
    d->start = start;
    d->end = end;
    snprintf(d->member, sizeof(d->member), "%s", members[i]);
    clean_comment(d->comment, sizeof(d->comment), comment);
  }
  result = save_list(state_dir, &list, (int64_t)time(NULL), err, errlen);
cleanup:
  mw_downtime_list_free(&list);
  close(fd);
  return result;
}

int mw_downtime_remove(const char *state_dir, long id, const char *member, size_t *removed,
                       char *err, size_t errlen)
{
  struct mw_downtime_list list = {NULL, 0};
  size_t i;
  size_t kept = 0;
  int fd;
  int result = -1;

  *removed = 0;
  if ((fd = lock_list(state_dir, err, errlen)) < 0)
    return -1;
  if (mw_downtime_load(state_dir, &list, NULL, err, errlen) != 0)
    goto cleanup;
  for (i = 0; i < list.n; i++) {
    const struct mw_downtime *d = &list.items[i];
    if ((id > 0 && d->id == id) || (member && strcmp(d->member, member) == 0))
      (*removed)++;
    else
      list.items[kept++] = *d;
  }
  list.n = kept;
  result = *removed > 0 ? save_list(state_dir, &list, (int64_t)time(NULL), err, errlen) : 0;
cleanup:
  mw_downtime_list_free(&list);
  close(fd);
  return result;
}

static bool has_member(char *const *members, size_t n, const char *name)
{
  size_t i;

  for (i = 0; i < n; i++) {
    if (strcmp(members[i], name) == 0)
      return true;
  }
  return false;
}

bool mw_downtime_find(const struct mw_config *cfg, const struct mw_downtime_list *adhoc,
                      const char *name, int64_t now, char *why, size_t whylen)
{
  size_t i;

  for (i = 0; adhoc && i < adhoc->n; i++) {
    const struct mw_downtime *d = &adhoc->items[i];
    if (strcmp(d->member, name) == 0 && now >= d->start && now < d->end) {
      char until[32];
      time_t end = (time_t)d->end;
      struct tm tm;
      if (!gmtime_r(&end, &tm) || strftime(until, sizeof(until), "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(until, sizeof(until), "%lld", (long long)d->end);
      snprintf(why, whylen, "downtime %ld until %s%s%s", d->id, until, d->comment[0] ? ": " : "",
               d->comment);
      return true;
    }
  }
  for (i = 0; cfg && i < cfg->ndowntimes; i++) {
    const struct mw_downtime_window *w = &cfg->downtimes[i];
    if (has_member(w->members, w->nmembers, name) && mw_window_active(&w->window, w->tz, now)) {
      snprintf(why, whylen, "downtime %s, %s%s%s", w->name, w->every, w->timezone ? " " : "",
               w->timezone ? w->timezone : "");
      return true;
    }
  }
  return false;
}
