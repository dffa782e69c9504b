/* SPDX-License-Identifier: MIT */
/* tls_expiry.c - days until the certificates a TLS server presents (or a PEM file holds)
 * expire, with the chain's soonest expiry deciding, verification, protocol and key checks. */
#include "config.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_expiry.h"

static const char *const starttls_choices[] = {"none", "postgres", "smtp", NULL};
static const char *const versions[] = {"1.0", "1.1", "1.2", "1.3", NULL};

static const struct mw_option tls_options[] = {
    {"host", 'H', MW_OPT_STRING, 0, "HOST", NULL,
     "Server name: connected to, sent as SNI and matched against the certificate.", NULL, NULL},
    {"port", 'p', MW_OPT_INT, 0, "PORT", "443", "Server port.", NULL, NULL},
    {"sni", 0, MW_OPT_STRING, 0, "NAME", NULL, "SNI name to send instead of --host.", NULL, NULL},
    {"ip", 0, MW_OPT_STRING, 0, "ADDRESS", NULL,
     "Connect to this address rather than resolving --host (the name is still validated).", NULL,
     NULL},
    {"warning", 'w', MW_OPT_DAYS, 0, "DAYS", "30",
     "WARNING when a certificate expires sooner: days (30, 7.5) or a duration with a unit (12h, "
     "2d, 90m).",
     NULL, NULL},
    {"critical", 'c', MW_OPT_DAYS, 0, "DAYS", "7",
     "CRITICAL when a certificate expires sooner: days or a duration with a unit.", NULL, NULL},
    {"leaf-only", 0, MW_OPT_BOOL, 0, NULL, NULL,
     "Only the server's own certificate decides; the chain is listed.", NULL, NULL},
    {"verify", 0, MW_OPT_BOOL, 0, NULL, NULL,
     "Verify the chain and the host name (system store or --ca-cert); a failure is CRITICAL.", NULL,
     NULL},
    {"ca-cert", 0, MW_OPT_STRING, 0, "FILE", NULL, "PEM file of the CAs --verify trusts.", NULL,
     NULL},
    {"min-tls-version", 0, MW_OPT_STRING, 0, "VERSION", NULL,
     "Refuse to negotiate below this version: 1.0, 1.1, 1.2 or 1.3 (a server that cannot is "
     "CRITICAL).",
     NULL, versions},
    {"match-san", 0, MW_OPT_STRING, 0, "NAME", NULL,
     "The server's certificate must cover NAME (CRITICAL otherwise).", NULL, NULL},
    {"max-validity", 0, MW_OPT_DAYS, 0, "DAYS", NULL,
     "WARNING when the server's certificate is valid for longer (398 for public CAs).", NULL, NULL},
    {"key-size-min", 0, MW_OPT_INT, 0, "BITS", "2048",
     "WARNING for RSA and DSA keys smaller than this (EC keys: below 224 bits).", NULL, NULL},
    {"starttls", 0, MW_OPT_STRING, 0, "PROTOCOL", "none",
     "Speak this protocol before TLS: postgres (SSLRequest) or smtp.", NULL, starttls_choices},
    {"file", 'f', MW_OPT_STRING, 0, "FILE", NULL,
     "Check the certificates of a PEM file instead of a server (the first is the leaf).", NULL,
     NULL},
    {NULL, 0, MW_OPT_STRING, 0, NULL, NULL, NULL, NULL, NULL}};

static const char tls_description[] =
    "Connects (after STARTTLS for postgres or smtp when asked), completes a TLS handshake with\n"
    "SNI and reads the chain the server presents; or reads a PEM file. Each certificate gets a\n"
    "line: subject, issuer, expiry, days left, key and signature. The soonest expiry in the\n"
    "chain decides the state (--leaf-only: the server's own certificate). Expired or not yet\n"
    "valid is CRITICAL; a SHA-1 signature (below a root) or a small key is WARNING. Perfdata\n"
    "'days' and 'days_N' per element carry the thresholds as 30: and 7: (alert below).\n"
    "Handshake failures, plain-text servers and unreadable files are CRITICAL with OpenSSL's\n"
    "reason; a timeout takes --timeout-state.\n";

static void tls_close(void *state)
{
  free(state);
}

static int parse_version(const char *text)
{
  if (!text)
    return 0;
  return strcmp(text, "1.0") == 0   ? TLS1_VERSION
         : strcmp(text, "1.1") == 0 ? TLS1_1_VERSION
         : strcmp(text, "1.2") == 0 ? TLS1_2_VERSION
                                    : TLS1_3_VERSION;
}

static bool is_address(const char *host)
{
  unsigned char buf[sizeof(struct in6_addr)];

  return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int tls_open(const struct mw_args *args, void **state, struct mw_result *err)
{
  struct tls_expiry *t = calloc(1, sizeof(*t));
  const char *starttls = mw_args_str(args, "starttls");
  long long port = mw_args_int(args, "port");

  if (!t) {
    mw_result_summary(err, "out of memory");
    return -1;
  }
  t->target.host = mw_args_str(args, "host");
  t->target.connect = mw_args_given(args, "ip") ? mw_args_str(args, "ip") : t->target.host;
  t->target.port = (int)port;
  t->target.sni = mw_args_given(args, "sni") ? mw_args_str(args, "sni") : t->target.host;
  t->target.starttls = strcmp(starttls, "postgres") == 0 ? STARTTLS_POSTGRES
                       : strcmp(starttls, "smtp") == 0   ? STARTTLS_SMTP
                                                         : STARTTLS_NONE;
  t->target.min_version = parse_version(mw_args_str(args, "min-tls-version"));
  t->target.verify = mw_args_bool(args, "verify");
  t->target.ca_cert = mw_args_str(args, "ca-cert");
  t->file = mw_args_str(args, "file");
  t->warn_days = mw_args_days(args, "warning");
  t->crit_days = mw_args_days(args, "critical");
  t->leaf_only = mw_args_bool(args, "leaf-only");
  t->match_san = mw_args_str(args, "match-san");
  t->max_validity = mw_args_given(args, "max-validity") ? mw_args_days(args, "max-validity") : NAN;
  t->key_size_min = mw_args_int(args, "key-size-min");
  t->timeout_state = mw_args_state(args, "timeout-state");
  /* An address literal is not a valid SNI name. */
  if (t->target.sni && is_address(t->target.sni))
    t->target.sni = NULL;
  if (!t->file && !t->target.host) {
    mw_result_summary(err, "--host (or --file) is required");
    goto fail;
  }
  if (port < 1 || port > 65535) {
    mw_result_summary(err, "--port must be between 1 and 65535");
    goto fail;
  }
  if (t->crit_days > t->warn_days) {
    mw_result_summary(err, "-c (%g days) must not be more than -w (%g days)", t->crit_days,
                      t->warn_days);
    goto fail;
  }
  if (t->file && (mw_args_given(args, "starttls") || mw_args_given(args, "ip"))) {
    mw_result_summary(err, "--file reads certificates from disk: --starttls and --ip do not apply");
    goto fail;
  }
  if (t->target.ca_cert && !t->target.verify) {
    mw_result_summary(err, "--ca-cert is for --verify");
    goto fail;
  }
  *state = t;
  return 0;
fail:
  free(t);
  return -1;
}

static const struct mw_check tls_check = {
    MW_CHECK_ABI,    "tls-expiry", "TLS certificates: days to expiry, chain, verification, keys",
    tls_description, tls_options,  tls_open,
    tls_expiry_run,  tls_close};

const struct mw_check *mw_check_entry(void)
{
  return &tls_check;
}
