/* SPDX-License-Identifier: MIT */
/* email.c - the email notifier: one message per event over SMTP with libcurl, with implicit TLS
 * (smtps://) or STARTTLS (smtp://, required unless --starttls no), the server's certificate
 * verified, AUTH with a password read from a file at every send, several recipients.
 *
 * A problem's first message opens a thread; its reminders and its recovery answer it
 * (In-Reply-To, References), so a mail client shows one conversation per problem. The thread
 * is kept in the destination's folder, one small file per host and service.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "email_message.h"
#include "mw_notify.h"

#define PASSWORD_MAX 1024
#define MESSAGE_MAX (1024 * 1024)
#define ADDRESS_MAX 254

static const char *const starttls_modes[] = {"required", "no", NULL};

static const struct mw_option options[] = {
    {"url", 0, MW_OPT_STRING, 0, "URL", "smtp://localhost",
     "smtps://HOST[:465] (TLS from the start) or smtp://HOST[:PORT] (STARTTLS, see --starttls).",
     NULL, NULL},
    {"from", 0, MW_OPT_STRING, 0, "ADDRESS", NULL, "The sender (envelope and From:). Required.",
     NULL, NULL},
    {"to", 0, MW_OPT_STRING, MW_OPT_REPEAT, "ADDRESS", NULL,
     "A recipient; repeat for several. At least one.", NULL, NULL},
    {"starttls", 0, MW_OPT_STRING, 0, "MODE", "required",
     "smtp:// only: required (refuse a server without STARTTLS) or no (plain text, for a relay "
     "on this machine).",
     NULL, starttls_modes},
    {"user", 0, MW_OPT_STRING, 0, "NAME", NULL, "AUTH as this user (with --password-file).", NULL,
     NULL},
    {"password-file", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "File whose first line is the SMTP password (read at every send).", NULL, NULL},
    {"password-env", 0, MW_OPT_STRING, 0, "VAR", NULL,
     "Environment variable holding the password when no file is given.", NULL, NULL},
    {"ca-cert", 0, MW_OPT_STRING, 0, "FILE", NULL,
     "PEM file of the CAs to trust instead of the system store.", NULL, NULL},
    {"domain", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "Right-hand side of Message-IDs; default: the domain of --from.", NULL, NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

struct email {
  const char *url;
  const char *from;
  const char **to;
  size_t nto;
  bool plain; /* --starttls no on smtp:// */
  const char *user;
  const char *password_file;
  const char *password_env;
  const char *ca_cert;
  const char *domain;
  char *data_dir;
};

/* local@domain, printable ASCII without spaces, brackets, quotes, commas or semicolons. */
static bool address_ok(const char *a)
{
  const char *at = strchr(a, '@');
  const char *p;

  if (!at || at == a || !at[1] || strchr(at + 1, '@') || strlen(a) > ADDRESS_MAX)
    return false;
  for (p = a; *p; p++) {
    if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("<>()[]\\,;:\"", *p))
      return false;
  }
  return true;
}

static void email_close(void *state)
{
  struct email *em = state;

  if (!em)
    return;
  free(em->to);
  free(em->data_dir);
  free(em);
}

static int email_open(const struct mw_args *args, const char *data_dir, void **state, char *err,
                      size_t errlen)
{
  struct email *em = calloc(1, sizeof(*em));
  size_t i;

  if (!em || !(em->data_dir = strdup(data_dir ? data_dir : ""))) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  em->url = mw_args_str(args, "url");
  em->from = mw_args_str(args, "from");
  em->user = mw_args_str(args, "user");
  em->password_file = mw_args_str(args, "password-file");
  em->password_env = mw_args_str(args, "password-env");
  em->ca_cert = mw_args_str(args, "ca-cert");
  if (strncasecmp(em->url, "smtps://", 8) != 0 && strncasecmp(em->url, "smtp://", 7) != 0) {
    snprintf(err, errlen, "--url must start with smtps:// or smtp://");
    goto fail;
  }
  em->plain =
      strncasecmp(em->url, "smtp://", 7) == 0 && strcmp(mw_args_str(args, "starttls"), "no") == 0;
  if (!em->from || !address_ok(em->from)) {
    snprintf(err, errlen, "--from needs an address such as mcpwatch@example.com");
    goto fail;
  }
  em->nto = mw_args_given(args, "to") ? mw_args_count(args, "to") : 0;
  if (em->nto == 0) {
    snprintf(err, errlen, "--to needs at least one address");
    goto fail;
  }
  if (!(em->to = calloc(em->nto, sizeof(*em->to)))) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  for (i = 0; i < em->nto; i++) {
    em->to[i] = mw_args_str_at(args, "to", i);
    if (!address_ok(em->to[i])) {
      snprintf(err, errlen, "--to '%.80s' is not an address such as oncall@example.com", em->to[i]);
      goto fail;
    }
  }
  if ((em->password_file || em->password_env) && !em->user) {
    snprintf(err, errlen, "--password-file and --password-env need --user");
    goto fail;
  }
  if (em->password_file && em->password_env) {
    snprintf(err, errlen, "give --password-file or --password-env, not both");
    goto fail;
  }
  if (em->user && !em->password_file && !em->password_env) {
    snprintf(err, errlen, "--user needs --password-file (or --password-env)");
    goto fail;
  }
  if (em->user && em->plain) {
    snprintf(err, errlen, "AUTH is never sent in plain text: --user needs smtps:// or STARTTLS");
    goto fail;
  }
  em->domain =
      mw_args_str(args, "domain") ? mw_args_str(args, "domain") : strchr(em->from, '@') + 1;
  *state = em;
  return 0;
fail:
  email_close(em);
  return -1;
}

/* ---- the thread of a problem ---------------------------------------------------------------- */

static void thread_path(const struct email *em, const struct mw_event *ev, char *out, size_t outlen)
{
  char key[256];
  uint64_t h = 1469598103934665603ULL;
  const unsigned char *p;

  mw_event_key(ev, key, sizeof(key));
  for (p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 1099511628211ULL;
  snprintf(out, outlen, "%s/thread-%016llx", em->data_dir, (unsigned long long)h);
}

static void thread_read(const char *path, char *out, size_t outlen)
{
  if (mw_file_first_line(path, out, outlen) != 0 || out[0] != '<' || !strchr(out, '>'))
    out[0] = '\0';
  else
    strchr(out, '>')[1] = '\0';
}

static void thread_write(const char *path, const char *id)
{
  char line[512];
  int n = snprintf(line, sizeof(line), "%s\n", id);

  /* Not written: the next message starts a thread of its own, nothing is lost. */
  if (n > 0 && (size_t)n < sizeof(line))
    (void)mw_file_replace(path, line, (size_t)n, 0640);
}

/* ---- sending -------------------------------------------------------------------------------- */

struct reader {
  const char *data;
  size_t len;
  size_t at;
};

static size_t read_message(char *buffer, size_t size, size_t nitems, void *ctx)
{
  struct reader *r = ctx;
  size_t n = size * nitems;

  if (n > r->len - r->at)
    n = r->len - r->at;
  memcpy(buffer, r->data + r->at, n);
  r->at += n;
  return n;
}

static void outcome(CURLcode rc, long code, const char *detail, struct mw_send_status *status)
{
  if (rc == CURLE_OK) {
    status->outcome = MW_DELIVERED;
    snprintf(status->reason, sizeof(status->reason), "SMTP %ld: accepted", code);
    return;
  }
  /* A 5xx refusal of the sender, a recipient or the message is final; a refused login (535),
   * TLS and network failures are the operator's to fix, and the message waits for that. */
  status->outcome = code >= 500 && code <= 599 && rc != CURLE_LOGIN_DENIED ? MW_REJECTED : MW_RETRY;
  if (code > 0)
    snprintf(status->reason, sizeof(status->reason), "SMTP %ld: %s", code,
             *detail ? detail : curl_easy_strerror(rc));
  else
    snprintf(status->reason, sizeof(status->reason), "%s",
             *detail ? detail : curl_easy_strerror(rc));
}

static void email_send(void *state, const struct mw_event *ev, mw_deadline deadline,
                       struct mw_send_status *status)
{
  struct email *em = state;
  struct email_message msg = {em->from, em->to, em->nto, em->domain, NULL};
  struct curl_slist *rcpt = NULL;
  struct reader reader;
  struct mw_buf text;
  char password[PASSWORD_MAX];
  char envelope[ADDRESS_MAX + 3];
  char detail[CURL_ERROR_SIZE];
  char path[4200];
  char thread[320];
  char id[320];
  bool recovery = ev->state == MW_OK || strcasecmp(ev->type, "RECOVERY") == 0;
  CURLcode rc = CURLE_OK;
  CURL *curl = NULL;
  long code = 0;
  int left = mw_deadline_left_ms(deadline);
  size_t i;

  memset(status, 0, sizeof(*status));
  password[0] = '\0';
  detail[0] = '\0';
  mw_buf_init(&text, MESSAGE_MAX);
  if (em->password_file && mw_read_secret_file(em->password_file, password, sizeof(password),
                                               detail, sizeof(detail)) != 0) {
    status->outcome = MW_RETRY; /* the file may be restored: keep the message */
    snprintf(status->reason, sizeof(status->reason), "password: %s", detail);
    goto cleanup;
  }
  if (em->password_env && !getenv(em->password_env)) {
    status->outcome = MW_RETRY;
    snprintf(status->reason, sizeof(status->reason), "password: $%s is not set", em->password_env);
    goto cleanup;
  }
  if (em->password_env)
    snprintf(password, sizeof(password), "%s", getenv(em->password_env));
  thread_path(em, ev, path, sizeof(path));
  thread_read(path, thread, sizeof(thread));
  msg.thread = thread[0] ? thread : NULL;
  if (email_message_build(&msg, ev, &text) != 0) {
    status->outcome = MW_REJECTED;
    snprintf(status->reason, sizeof(status->reason), "message larger than 1 MiB");
    goto cleanup;
  }
  snprintf(envelope, sizeof(envelope), "<%s>", em->from);
  for (i = 0; i < em->nto; i++) {
    char to[ADDRESS_MAX + 3];
    struct curl_slist *grown;
    snprintf(to, sizeof(to), "<%s>", em->to[i]);
    if (!(grown = curl_slist_append(rcpt, to))) {
      status->outcome = MW_RETRY;
      snprintf(status->reason, sizeof(status->reason), "out of memory");
      goto cleanup;
    }
    rcpt = grown;
  }
  if (left <= 0 || !(curl = curl_easy_init())) {
    status->outcome = MW_RETRY;
    snprintf(status->reason, sizeof(status->reason), left <= 0 ? "no time left" : "out of memory");
    goto cleanup;
  }
  reader = (struct reader){text.data, text.len, 0};
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_URL, em->url);
  curl_easy_setopt(curl, CURLOPT_USE_SSL, em->plain ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (em->ca_cert)
    curl_easy_setopt(curl, CURLOPT_CAINFO, em->ca_cert);
  if (em->user) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, em->user);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, envelope);
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
  curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)text.len);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)left);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
  rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  outcome(rc, code, detail, status);
  if (rc == CURLE_OK) {
    if (recovery) {
      unlink(path); /* the problem's thread is closed */
    } else if (!msg.thread) {
      email_message_id(ev, em->domain, id, sizeof(id));
      thread_write(path, id);
    }
  }
cleanup:
  explicit_bzero(password, sizeof(password));
  if (curl)
    curl_easy_cleanup(curl);
  curl_slist_free_all(rcpt);
  mw_buf_free(&text);
}

static const struct mw_notifier email = {
    MW_NOTIFIER_ABI,
    "email",
    "Email over SMTP: one message per event, threaded per problem",
    "One RFC 5322 message per event to every --to, with a subject as Nagios builds it\n"
    "(** PROBLEM Service Alert: web1/api is CRITICAL **), the output, long output and\n"
    "performance data in a plain text body. A problem's reminders and its recovery answer its\n"
    "first message (In-Reply-To, References). TLS is required and verified: smtps:// from the\n"
    "start, smtp:// with STARTTLS (--starttls no only for a relay on this machine, and then\n"
    "without AUTH). A 5xx refusal of the sender, a recipient or the message is final; a refused\n"
    "login, TLS and network failures are retried.\n",
    options,
    email_open,
    email_send,
    email_close};

const struct mw_notifier *mw_notifier_entry(void)
{
  return &email;
}
