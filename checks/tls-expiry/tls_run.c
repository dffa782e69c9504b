/* SPDX-License-Identifier: MIT */
/* tls_run.c - one run of tls-expiry: the chain from a server or a file, one line per
 * certificate, and the verdict. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "problems.h"
#include "tls_expiry.h"

/* Thresholds as "N:" (alert below N), as graphing tools read days left. */
static void days_perf(struct mw_result *res, const char *label, double days,
                      const struct tls_expiry *t)
{
  struct mw_range warn = {t->warn_days, INFINITY, false, 0};
  struct mw_range crit = {t->crit_days, INFINITY, false, 0};
  struct mw_perf perf = {label, mw_round(days * 1000) / 1000, "", &warn, &crit, NAN, NAN};

  mw_result_perf(res, &perf);
}

/* One chain element: its line and its problems. Its expiry counts only when it decides (any
 * element, or the server's own with --leaf-only); a SHA-1 signature or a small key always. */
static void judge_cert(const struct tls_expiry *t, const struct cert_info *c, size_t index,
                       bool decides, struct mw_result *line, struct problems *v)
{
  enum mw_state expiry = MW_OK;
  enum mw_state other = MW_OK;
  const char *what = index == 0 ? "certificate" : "chain certificate";

  if (c->not_yet_valid)
    expiry = MW_CRITICAL;
  else if (c->days < t->crit_days)
    expiry = MW_CRITICAL;
  else if (c->days < t->warn_days)
    expiry = MW_WARNING;
  /* The server's own certificate is the first line's subject already: only its state counts. */
  if (decides && c->not_yet_valid)
    problems_add(v, expiry, "%s %s is not valid yet", what, c->subject);
  else if (decides && expiry != MW_OK && index > 0)
    problems_add(v, expiry, "%s %s %s %.1f days%s", what, c->subject,
                 c->days < 0 ? "expired" : "expires in", fabs(c->days), c->days < 0 ? " ago" : "");
  else if (decides)
    v->state = mw_state_worst(v->state, expiry);
  if (c->sha1 && !c->self_signed) {
    other = MW_WARNING;
    problems_add(v, MW_WARNING, "%s %s is signed with SHA-1", what, c->subject);
  }
  if ((c->key_weak_kind && c->key_bits < t->key_size_min) ||
      (strcmp(c->key_type, "EC") == 0 && c->key_bits < 224)) {
    other = MW_WARNING;
    problems_add(v, MW_WARNING, "%s %s has a %d-bit %s key", what, c->subject, c->key_bits,
                 c->key_type);
  }
  if (index == 0 && !isnan(t->max_validity) && c->validity > t->max_validity) {
    other = MW_WARNING;
    problems_add(v, MW_WARNING, "valid for %.0f days, more than %.0f", c->validity,
                 t->max_validity);
  }
  mw_result_state(line, decides ? mw_state_worst(expiry, other) : other);
  mw_result_summary(line, "[%zu] %s, issued by %s, expires %s (%.1f days), %s %d, %s", index + 1,
                    c->subject, c->issuer, c->not_after, c->days, c->key_type, c->key_bits,
                    c->signature);
}

/* The certificates of a PEM file, first one first. */
static STACK_OF(X509) * read_file(const char *path, char *err, size_t errlen)
{
  BIO *bio = BIO_new_file(path, "r");
  STACK_OF(X509) *chain = sk_X509_new_null();
  X509 *cert;

  if (!bio || !chain) {
    snprintf(err, errlen, "cannot read %s: %s", path, bio ? "out of memory" : strerror(errno));
    goto fail;
  }
  while (sk_X509_num(chain) < MAX_CHAIN && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
    if (!sk_X509_push(chain, cert)) {
      X509_free(cert);
      snprintf(err, errlen, "out of memory");
      goto fail;
    }
  }
  ERR_clear_error(); /* the end of the file reads as an error */
  if (sk_X509_num(chain) == 0) {
    snprintf(err, errlen, "%s holds no PEM certificate", path);
    goto fail;
  }
  BIO_free(bio);
  return chain;
fail:
  BIO_free(bio);
  sk_X509_pop_free(chain, X509_free);
  return NULL;
}

/* --verify for a file: the first certificate against the store, the others as intermediates. */
static long verify_file(const struct tls_expiry *t, STACK_OF(X509) * chain)
{
  X509_STORE *store = X509_STORE_new();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  long result = X509_V_ERR_UNSPECIFIED;

  if (store && ctx &&
      (t->target.ca_cert ? X509_STORE_load_file(store, t->target.ca_cert)
                         : X509_STORE_set_default_paths(store)) &&
      X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), chain) &&
      (!t->target.host ||
       X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), t->target.host, 0))) {
    result = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  }
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  ERR_clear_error();
  return result;
}

static void judge_chain(const struct tls_expiry *t, STACK_OF(X509) * chain, long verify_result,
                        const char *where, const char *protocol, struct mw_result *res)
{
  struct problems v = {MW_OK, ""};
  struct cert_info leaf;
  double soonest = INFINITY;
  int n = sk_X509_num(chain);
  int i;

  if (n > MAX_CHAIN)
    n = MAX_CHAIN;
  for (i = 0; i < n; i++) {
    struct cert_info c;
    struct mw_result *line = mw_result_child(res);
    char label[16];

    if (cert_info_read(sk_X509_value(chain, i), &c) != 0) {
      mw_result_state(line, MW_CRITICAL);
      mw_result_summary(line, "[%d] a certificate without readable dates", i + 1);
      problems_add(&v, MW_CRITICAL, "certificate %d has no readable dates", i + 1);
      continue;
    }
    if (i == 0)
      leaf = c;
    judge_cert(t, &c, (size_t)i, i == 0 || !t->leaf_only, line, &v);
    if ((i == 0 || !t->leaf_only) && c.days < soonest)
      soonest = c.days;
    snprintf(label, sizeof(label), "days_%d", i + 1);
    days_perf(line, label, c.days, t);
  }
  if (t->target.verify && verify_result != X509_V_OK)
    problems_add(&v, MW_CRITICAL, "verification failed: %s",
                 X509_verify_cert_error_string(verify_result));
  if (t->match_san && X509_check_host(sk_X509_value(chain, 0), t->match_san, 0, 0, NULL) != 1)
    problems_add(&v, MW_CRITICAL, "the certificate does not cover %s", t->match_san);
  mw_result_state(res, v.state);
  if (isinf(soonest)) {
    mw_result_summary(res, "%s: no certificate could be read%s", where, v.text);
    return;
  }
  mw_result_summary(res, "%s: %s %s %.1f days%s (%s)%s%s%s", where, leaf.subject,
                    leaf.days < 0 ? "expired" : "expires in", fabs(leaf.days),
                    leaf.days < 0 ? " ago" : "", leaf.not_after, protocol ? ", " : "",
                    protocol ? protocol : "", v.text);
  days_perf(res, "days", soonest, t);
}

void tls_expiry_run(void *state, struct mw_result *res, mw_deadline deadline)
{
  struct tls_expiry *t = state;
  struct tls_session session;
  char err[512];
  char where[300];
  char protocol[128];
  enum tls_status status;

  if (t->file) {
    STACK_OF(X509) *chain = read_file(t->file, err, sizeof(err));

    if (!chain) {
      mw_result_state(res, MW_CRITICAL);
      mw_result_summary(res, "%s", err);
      return;
    }
    judge_chain(t, chain, t->target.verify ? verify_file(t, chain) : X509_V_OK, t->file, NULL, res);
    sk_X509_pop_free(chain, X509_free);
    return;
  }
  snprintf(where, sizeof(where), "%s:%d", t->target.host, t->target.port);
  status = tls_session_open(&session, &t->target, deadline, err, sizeof(err));
  if (status != TLS_DONE) {
    mw_result_state(res, status == TLS_TIMED_OUT ? t->timeout_state : MW_CRITICAL);
    mw_result_summary(res, "%s: %s", where, err);
  } else {
    snprintf(protocol, sizeof(protocol), "%s %s", SSL_get_version(session.ssl),
             SSL_get_cipher_name(session.ssl));
    judge_chain(t, session.chain, session.verify_result, where, protocol, res);
  }
  tls_session_close(&session);
}
