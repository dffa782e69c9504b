/* SPDX-License-Identifier: MIT */
/* email_message.c - one event as an RFC 5322 message: a subject built as Nagios builds its
 * ("** PROBLEM Service Alert: web1/api is CRITICAL **"), the output and long output in a plain
 * text body, and Message-ID/In-Reply-To/References so that a problem's reminders and its
 * recovery land in its thread. Texts from checks never reach a header unfolded: control
 * characters become spaces and non-ASCII subjects are RFC 2047 encoded. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "email_message.h"

#define LINE_MAX_SMTP 998

static void add_base64(struct mw_buf *out, const unsigned char *data, size_t len)
{
  char chunk[4 * 64 + 1];
  size_t at;

  /* 48 bytes at a time: whole groups of three, so the pieces join into one encoding. */
  for (at = 0; at < len; at += 48) {
    size_t n = len - at < 48 ? len - at : 48;
    mw_buf_add(out, chunk, mw_base64(data + at, n, chunk, sizeof(chunk)));
  }
}

/* text in one header line: control characters as spaces, at most max bytes (UTF-8 kept whole). */
static void one_line(char *out, size_t outlen, const char *text, size_t max)
{
  size_t n = mw_utf8_prefix(text, max < outlen - 1 ? max : outlen - 1);
  size_t i;

  memcpy(out, text, n);
  out[n] = '\0';
  for (i = 0; i < n; i++) {
    if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
      out[i] = ' ';
  }
}

static void add_subject(struct mw_buf *out, const char *subject)
{
  const unsigned char *p;
  size_t len = strlen(subject);
  size_t at = 0;

  for (p = (const unsigned char *)subject; *p && *p < 0x80; p++)
    ;
  if (!*p) {
    mw_buf_addf(out, "Subject: %s\r\n", subject);
    return;
  }
  /* Encoded words of at most 45 bytes each (60 base64 characters), folded, never splitting a
   * UTF-8 sequence (RFC 2047 section 5). */
  mw_buf_adds(out, "Subject:");
  while (at < len) {
    size_t n = mw_utf8_prefix(subject + at, 45);
    if (n == 0)
      n = 1;
    mw_buf_adds(out, at ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?");
    add_base64(out, (const unsigned char *)subject + at, n);
    mw_buf_adds(out, "?=");
    at += n;
  }
  mw_buf_adds(out, "\r\n");
}

/* Body text: LF or CRLF line ends as CRLF, a lone CR as a space, lines cut at 998 bytes. */
static void add_body_text(struct mw_buf *out, const char *text)
{
  size_t col = 0;

  for (; *text; text++) {
    if (*text == '\r' && text[1] == '\n')
      continue;
    if (*text == '\n') {
      mw_buf_add(out, "\r\n", 2);
      col = 0;
      continue;
    }
    if (col == LINE_MAX_SMTP) {
      mw_buf_add(out, "\r\n", 2);
      col = 0;
    }
    mw_buf_add(out, *text == '\r' || *text == '\0' ? " " : text, 1);
    col++;
  }
  if (col > 0)
    mw_buf_add(out, "\r\n", 2);
}

static const char *host_state(enum mw_state state)
{
  return state == MW_OK ? "UP" : state == MW_UNKNOWN ? "UNREACHABLE" : "DOWN";
}

void email_message_id(const struct mw_event *ev, const char *domain, char *out, size_t outlen)
{
  snprintf(out, outlen, "<%s.%lld@%s>", ev->id, (long long)ev->time, domain);
}

int email_message_build(const struct email_message *m, const struct mw_event *ev,
                        struct mw_buf *out)
{
  char subject[1200];
  char host[256];
  char service[512];
  char type[64];
  char date[64];
  char id[320];
  time_t when = (time_t)ev->time;
  struct tm tm;
  size_t i;

  one_line(host, sizeof(host), ev->host, 200);
  one_line(service, sizeof(service), ev->service, 400);
  one_line(type, sizeof(type), *ev->type ? ev->type : "PROBLEM", 40);
  if (*ev->service)
    snprintf(subject, sizeof(subject), "** %s Service Alert: %s/%s is %s **", type, host, service,
             mw_state_name(ev->state));
  else
    snprintf(subject, sizeof(subject), "** %s Host Alert: %s is %s **", type, host,
             host_state(ev->state));
  if (!gmtime_r(&when, &tm) ||
      strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
    snprintf(date, sizeof(date), "Thu, 01 Jan 1970 00:00:00 +0000");
  email_message_id(ev, m->domain, id, sizeof(id));
  mw_buf_addf(out, "From: %s\r\nTo: ", m->from);
  for (i = 0; i < m->nto; i++)
    mw_buf_addf(out, "%s%s", i ? ",\r\n " : "", m->to[i]);
  mw_buf_addf(out, "\r\nDate: %s\r\n", date);
  add_subject(out, subject);
  mw_buf_addf(out, "Message-ID: %s\r\n", id);
  if (m->thread && *m->thread)
    mw_buf_addf(out, "In-Reply-To: %s\r\nReferences: %s\r\n", m->thread, m->thread);
  mw_buf_addf(out,
              "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
              "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n"
              "X-Mcpwatch-Event: %s\r\n\r\n",
              ev->id);
  mw_buf_addf(out, "***** mcpwatch *****\r\n\r\nNotification Type: %s\r\n", type);
  if (*ev->service)
    mw_buf_addf(out, "Service: %s\r\n", service);
  mw_buf_addf(out, "Host: %s\r\nState: %s", host,
              *ev->service ? mw_state_name(ev->state) : host_state(ev->state));
  if (*ev->previous)
    mw_buf_addf(out, " (was %s)", ev->previous);
  mw_buf_addf(out, "\r\n");
  if (*ev->check)
    mw_buf_addf(out, "Check: %s\r\n", ev->check);
  mw_buf_addf(out, "Date/Time: %s\r\n", date);
  if (*ev->origin)
    mw_buf_addf(out, "Seen by: %s\r\n", ev->origin);
  mw_buf_adds(out, "\r\nOutput:\r\n");
  add_body_text(out, ev->output);
  if (*ev->long_output) {
    mw_buf_adds(out, "\r\nLong output:\r\n");
    add_body_text(out, ev->long_output);
  }
  if (*ev->perfdata) {
    mw_buf_adds(out, "\r\nPerformance data:\r\n");
    add_body_text(out, ev->perfdata);
  }
  return out->failed ? -1 : 0;
}
