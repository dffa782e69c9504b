/* SPDX-License-Identifier: MIT */
/* agent_page.c - GET /: the status page for people. Server-rendered HTML with its style inline
 * and response-time charts as inline SVG: no JavaScript, no external asset, one column on a
 * phone. What it shows comes from the status file (status_view.c: states, summaries, the
 * policy's notes: downtimes, held and flapping instances) and from the history (uptime over
 * 24 h, 7 d and 30 d, the last change, the last day's response times), read with a few grouped
 * queries for all instances at once, so the page costs the same few scans with 10 or 1,000. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "agent_impl.h"
#ifdef HAVE_HISTORY
#include "history.h"
#endif

#define POINTS 48 /* half hours of the last day */
#define CHART_W 240
#define CHART_H 36

struct page_row {
  const char *name;
  double avail[3];        /* 24 h, 7 d, 30 d; NaN without runs */
  double mean_ms[POINTS]; /* NaN: no run in that half hour */
  int worst[POINTS];      /* -1: no run */
  long long since_ms;     /* the last change of state; 0: unknown */
};

static const char *const style =
    "body{font-family:system-ui,sans-serif;margin:0;padding:1rem;color:#1b1f23;background:#f6f8fa}"
    "h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.2rem 0 .5rem}"
    ".badge{display:inline-block;padding:.1rem .45rem;border-radius:.3rem;font-weight:600;"
    "font-size:.8rem;color:#fff}"
    ".OK,.HEALTHY{background:#1a7f37}.WARNING,.DEGRADED{background:#9a6700}"
    ".CRITICAL,.UNHEALTHY{background:#cf222e}.UNKNOWN{background:#6e40c9}.PENDING{background:#"
    "6e7781}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.6rem}"
    ".card{background:#fff;border:1px solid #d0d7de;border-radius:.4rem;padding:.6rem}"
    ".card h3{font-size:1rem;margin:0 0 .3rem}.note{color:#9a6700;font-size:.85rem}"
    "table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}"
    "th,td{border-bottom:1px solid #d0d7de;padding:.35rem;text-align:left;vertical-align:top}"
    "td.out{max-width:28rem;overflow-wrap:anywhere}small{color:#57606a}"
    "svg.chart{width:100%;max-width:240px;height:36px}"
    "@media(max-width:700px){table,tbody,tr,td{display:block}thead,th{display:none}"
    "tr{margin-bottom:.6rem;border:1px solid #d0d7de}td{border:0}"
    "td[data-label]::before{content:attr(data-label) \": \";color:#57606a}}";

static void html(struct mw_buf *out, const char *text)
{
  for (; *text; text++) {
    switch (*text) {
    case '<':
      mw_buf_adds(out, "&lt;");
      break;
    case '>':
      mw_buf_adds(out, "&gt;");
      break;
    case '&':
      mw_buf_adds(out, "&amp;");
      break;
    case '"':
      mw_buf_adds(out, "&quot;");
      break;
    case '\'':
      mw_buf_adds(out, "&#39;");
      break;
    default:
      mw_buf_add(out, text, 1);
    }
  }
}

/* A state word as a class name: only the known ones, so a file's text never becomes markup. */
static const char *state_class(const char *word)
{
  static const char *const known[] = {"OK",      "WARNING",  "CRITICAL",  "UNKNOWN",
                                      "HEALTHY", "DEGRADED", "UNHEALTHY", "PENDING"};
  size_t i;

  for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strcmp(word, known[i]) == 0)
      return known[i];
  return "UNKNOWN";
}

static int by_name(const void *a, const void *b)
{
  return strcmp(((const struct page_row *)a)->name, ((const struct page_row *)b)->name);
}

static struct page_row *find(struct page_row *rows, size_t n, const char *name)
{
  struct page_row key;

  key.name = name;
  return bsearch(&key, rows, n, sizeof(*rows), by_name);
}

#ifdef HAVE_HISTORY
static const char *const uptime_sql =
    "SELECT s.name, sum(CASE WHEN x.t >= ?1 THEN x.n END), sum(CASE WHEN x.t >= ?1 THEN x.good "
    "END),"
    " sum(CASE WHEN x.t >= ?2 THEN x.n END), sum(CASE WHEN x.t >= ?2 THEN x.good END), sum(x.n),"
    " sum(x.good) FROM (SELECT series, t / 1000 AS t, 1 AS n, state <= 1 AS good FROM runs"
    " WHERE t >= ?3 * 1000 UNION ALL SELECT series, t, runs, ok + warning FROM agg WHERE t >= ?3) x"
    " JOIN series s ON s.id = x.series GROUP BY s.name";
static const char *const chart_sql =
    "SELECT s.name, (r.t / 1000 - ?1) / 1800, avg(r.ms), max(r.state) FROM runs r"
    " JOIN series s ON s.id = r.series WHERE r.t >= ?1 * 1000 GROUP BY 1, 2";
static const char *const since_sql =
    "SELECT s.name, max(c.t) FROM changes c JOIN series s ON s.id = c.series GROUP BY s.name";

/* The history's figures into rows (sorted by name); rows stay NaN where it has none. */
static void read_history(const char *path, struct page_row *rows, size_t n, long long now_s)
{
  char err[MW_ERR_MAX];
  sqlite3 *db = history_reader_open(path, err, sizeof(err));
  sqlite3_stmt *st = NULL;

  if (!db)
    return;
  if (sqlite3_prepare_v2(db, uptime_sql, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, now_s - 86400);
    sqlite3_bind_int64(st, 2, now_s - 7 * 86400);
    sqlite3_bind_int64(st, 3, now_s - 30 * 86400);
    while (sqlite3_step(st) == SQLITE_ROW) {
      struct page_row *row = find(rows, n, (const char *)sqlite3_column_text(st, 0));
      int k;

      for (k = 0; row && k < 3; k++) {
        double runs = sqlite3_column_double(st, 1 + 2 * k);

        row->avail[k] = runs > 0 ? sqlite3_column_double(st, 2 + 2 * k) / runs : NAN;
      }
    }
  }
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_prepare_v2(db, chart_sql, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, now_s - 86400);
    while (sqlite3_step(st) == SQLITE_ROW) {
      struct page_row *row = find(rows, n, (const char *)sqlite3_column_text(st, 0));
      int point = sqlite3_column_int(st, 1);

      if (row && point >= 0 && point < POINTS) {
        row->mean_ms[point] = sqlite3_column_double(st, 2);
        row->worst[point] = sqlite3_column_int(st, 3);
      }
    }
  }
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_prepare_v2(db, since_sql, -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      struct page_row *row = find(rows, n, (const char *)sqlite3_column_text(st, 0));

      if (row)
        row->since_ms = sqlite3_column_int64(st, 1);
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}
#endif

static void percent(struct mw_buf *out, const char *label, double ratio)
{
  if (isnan(ratio))
    mw_buf_addf(out, "<td data-label=\"%s\">&ndash;</td>", label);
  else
    mw_buf_addf(out, "<td data-label=\"%s\">%.*f%%</td>", label,
                ratio >= 0.9995 && ratio < 1 ? 3 : 2, 100.0 * ratio);
}

/* The last day's mean response time per half hour as a line over bands that mark the half hours
 * with a CRITICAL or UNKNOWN run. */
static void chart(struct mw_buf *out, const struct page_row *row)
{
  double top = 0;
  bool any = false;
  int p;

  for (p = 0; p < POINTS; p++) {
    if (!isnan(row->mean_ms[p]) && row->mean_ms[p] > top)
      top = row->mean_ms[p];
    any |= row->worst[p] >= 0;
  }
  if (!any) {
    mw_buf_adds(out, "<td><small>no runs in 24 h</small></td>");
    return;
  }
  if (top <= 0)
    top = 1;
  mw_buf_addf(
      out,
      "<td data-label=\"response time\"><svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
      "preserveAspectRatio=\"none\"><title>mean response time per half hour, last 24 h "
      "(top %.0f ms)</title><rect width=\"%d\" height=\"%d\" fill=\"#f6f8fa\"/>",
      CHART_W, CHART_H, top, CHART_W, CHART_H);
  for (p = 0; p < POINTS; p++)
    if (row->worst[p] >= 2)
      mw_buf_addf(out, "<rect class=\"bad\" x=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffcecb\"/>",
                  p * CHART_W / POINTS, CHART_W / POINTS, CHART_H);
  mw_buf_adds(out, "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.5\" points=\"");
  for (p = 0; p < POINTS; p++)
    if (!isnan(row->mean_ms[p]))
      mw_buf_addf(out, "%d,%.1f ", p * CHART_W / POINTS + CHART_W / POINTS / 2,
                  CHART_H - 2 - (CHART_H - 4) * row->mean_ms[p] / top);
  mw_buf_adds(out, "\"/>");
  /* A dot per half hour too: a line needs two, and a new instance has one. */
  for (p = 0; p < POINTS; p++)
    if (!isnan(row->mean_ms[p]))
      mw_buf_addf(out, "<circle cx=\"%d\" cy=\"%.1f\" r=\"1.8\" fill=\"#0969da\"/>",
                  p * CHART_W / POINTS + CHART_W / POINTS / 2,
                  CHART_H - 2 - (CHART_H - 4) * row->mean_ms[p] / top);
  mw_buf_adds(out, "</svg></td>");
}

static void since_cell(struct mw_buf *out, long long since_ms)
{
  char when[32];
  time_t secs = (time_t)(since_ms / 1000);
  struct tm tm;

  if (since_ms <= 0) {
    mw_buf_adds(out, "<td data-label=\"since\">&ndash;</td>");
    return;
  }
  gmtime_r(&secs, &tm);
  strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
  mw_buf_addf(out, "<td data-label=\"since\">%s</td>", when);
}

/* "members: a, b" of the service called name in a. */
static void members(struct mw_buf *out, struct agent *a, const char *name)
{
  size_t i;
  size_t m;

  for (i = 0; a && i < a->nservices; i++) {
    const struct agent_service *sv = &a->services[i];

    if (strcmp(sv->svc->name, name) != 0)
      continue;
    mw_buf_adds(out, "<p><small>members: ");
    for (m = 0; m < sv->nmembers; m++) {
      mw_buf_adds(out, m ? ", " : "");
      html(out, a->insts[sv->members[m]].inst->name);
    }
    mw_buf_adds(out, "</small></p>");
  }
}

static void services(struct mw_buf *out, const struct status_view *st, struct agent *a)
{
  bool any = false;
  size_t i;

  for (i = 0; i < st->n; i++) {
    const struct status_row *r = &st->rows[i];

    if (r->kind != STATUS_SERVICE)
      continue;
    if (!any)
      mw_buf_adds(out, "<h2>Services</h2><div class=\"cards\">");
    any = true;
    mw_buf_adds(out, "<div class=\"card\"><h3>");
    html(out, r->field[0]);
    mw_buf_addf(out, " <span class=\"badge %s\">%s</span></h3><p>", state_class(r->field[1]),
                state_class(r->field[1]));
    html(out, r->field[2]);
    mw_buf_adds(out, "</p>");
    members(out, a, r->field[0]);
    if (*r->field[3]) {
      mw_buf_adds(out, "<p class=\"note\">");
      html(out, r->field[3]);
      mw_buf_adds(out, "</p>");
    }
    mw_buf_adds(out, "</div>");
  }
  if (any)
    mw_buf_adds(out, "</div>");
}

static void instances(struct mw_buf *out, const struct status_view *st, struct page_row *rows,
                      size_t n)
{
  size_t i;

  mw_buf_adds(out, "<h2>Instances</h2><table><thead><tr><th>State</th><th>Name</th>"
                   "<th>Since</th><th>24 h</th><th>7 d</th><th>30 d</th>"
                   "<th>Response time, 24 h</th><th>Last output</th></tr></thead><tbody>");
  for (i = 0; i < st->n; i++) {
    const struct status_row *r = &st->rows[i];
    struct page_row *row;

    if (r->kind != STATUS_INSTANCE)
      continue;
    row = find(rows, n, r->field[0]);
    mw_buf_addf(out, "<tr><td><span class=\"badge %s\">%s</span></td><td>",
                state_class(r->field[2]), state_class(r->field[2]));
    html(out, r->field[0]);
    mw_buf_adds(out, "<br><small>");
    html(out, r->field[1]);
    mw_buf_adds(out, "</small></td>");
    since_cell(out, row ? row->since_ms : 0);
    percent(out, "up 24 h", row ? row->avail[0] : NAN);
    percent(out, "up 7 d", row ? row->avail[1] : NAN);
    percent(out, "up 30 d", row ? row->avail[2] : NAN);
    if (row)
      chart(out, row);
    else
      mw_buf_adds(out, "<td></td>");
    mw_buf_adds(out, "<td class=\"out\">");
    if (*r->field[9]) {
      mw_buf_adds(out, "<span class=\"note\">[");
      html(out, r->field[9]);
      mw_buf_adds(out, "]</span> ");
    }
    html(out, r->field[8]);
    mw_buf_adds(out, "</td></tr>");
  }
  mw_buf_adds(out, "</tbody></table>");
}

/* A ratio of the status file as a percentage ("" stays a dash). */
static void ratio_cell(struct mw_buf *out, const char *text)
{
  char *end;
  double v = strtod(text, &end);

  if (!*text || *end)
    mw_buf_adds(out, "<td>&ndash;</td>");
  else
    mw_buf_addf(out, "<td>%.3g%%</td>", 100.0 * v);
}

static void objectives(struct mw_buf *out, const struct status_view *st)
{
  bool any = false;
  size_t i;

  for (i = 0; i < st->n; i++) {
    const struct status_row *r = &st->rows[i];

    if (r->kind != STATUS_SLO)
      continue;
    if (!any)
      mw_buf_adds(out, "<h2>Objectives</h2><table class=\"slo\"><thead><tr><th>State</th>"
                       "<th>Name</th><th>Objective</th><th>Reached</th><th>Budget left</th>"
                       "<th>Burn 1 h</th><th>Burn 6 h</th></tr></thead><tbody>");
    any = true;
    mw_buf_addf(out, "<tr><td><span class=\"badge %s\">%s</span></td><td>",
                state_class(r->field[2]), state_class(r->field[2]));
    html(out, r->field[0]);
    mw_buf_adds(out, "</td><td>");
    html(out, r->field[1]);
    mw_buf_addf(out, " %.6g%%</td>", 100.0 * strtod(r->field[3], NULL));
    ratio_cell(out, r->field[4]);
    ratio_cell(out, r->field[5]);
    mw_buf_adds(out, "<td>");
    html(out, *r->field[8] ? r->field[8] : "-");
    mw_buf_adds(out, "</td><td>");
    html(out, *r->field[9] ? r->field[9] : "-");
    mw_buf_adds(out, "</td></tr>");
  }
  if (any)
    mw_buf_adds(out, "</tbody></table>");
}

int agent_render_page(struct agent *a, const char *status_path, const char *history_path,
                      struct mw_buf *out)
{
  struct status_view st;
  struct page_row *rows = NULL;
  char err[MW_ERR_MAX];
  enum mw_state worst;
  FILE *fp = fopen(status_path, "re");
  size_t n = 0;
  size_t i;
  int p;
  int result = -1;

  memset(&st, 0, sizeof(st));
  st.now = (long long)time(NULL);
  if (!fp || status_view_read(fp, &st, err, sizeof(err)) != 0)
    goto cleanup;
  rows = calloc(st.n ? st.n : 1, sizeof(*rows));
  if (!rows)
    goto cleanup;
  for (i = 0; i < st.n; i++) {
    if (st.rows[i].kind == STATUS_PASSIVE || st.rows[i].kind == STATUS_SLO)
      continue;
    rows[n].name = st.rows[i].field[0];
    rows[n].avail[0] = rows[n].avail[1] = rows[n].avail[2] = NAN;
    for (p = 0; p < POINTS; p++) {
      rows[n].mean_ms[p] = NAN;
      rows[n].worst[p] = -1;
    }
    n++;
  }
  qsort(rows, n, sizeof(*rows), by_name);
#ifdef HAVE_HISTORY
  if (history_path)
    read_history(history_path, rows, n, st.now);
#else
  (void)history_path;
#endif
  worst = status_view_worst(&st);
  mw_buf_addf(
      out,
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
      "content=\"width=device-width, initial-scale=1\"><title>mcpwatch: %s</title>"
      "<style>%s</style></head><body><h1>mcpwatch <span class=\"badge %s\">%s</span></h1>"
      "<p><small>agent pid %ld%s, status written %llds ago%s</small></p>",
      mw_state_name(worst), style, mw_state_name(worst), mw_state_name(worst), st.pid,
      st.running ? "" : " (not running)", st.now > st.updated ? st.now - st.updated : 0,
      st.stale ? " (stale)" : "");
  services(out, &st, a);
  objectives(out, &st);
  instances(out, &st, rows, n);
  mw_buf_adds(out, "<p><small>Uptime: the share of runs OK or WARNING. Notes in brackets: "
                   "downtimes, problems held for a parent, flapping. JSON: "
                   "<a href=\"/api/v1/status\">/api/v1/status</a>, "
                   "<a href=\"/health\">/health</a>, <a href=\"/metrics\">/metrics</a>."
                   "</small></p></body></html>\n");
  result = out->failed ? -1 : 0;
cleanup:
  if (fp)
    fclose(fp);
  free(rows);
  status_view_free(&st);
  return result;
}
