/* SPDX-License-Identifier: MIT */
/* tls_cert.c - dates, names, key and signature of one certificate. */
#include "config.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tls_cert.h"

static void name_text(const X509_NAME *name, char *out, size_t outlen)
{
  BIO *bio = BIO_new(BIO_s_mem());
  int len;

  out[0] = '\0';
  if (!bio)
    return;
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  len = BIO_read(bio, out, (int)outlen - 1);
  out[len > 0 ? len : 0] = '\0';
  BIO_free(bio);
}

/* Days from a to b (either NULL: now). */
static int days_between(const ASN1_TIME *a, const ASN1_TIME *b, double *days)
{
  int d = 0;
  int s = 0;

  if (!ASN1_TIME_diff(&d, &s, a, b))
    return -1;
  *days = d + s / 86400.0;
  return 0;
}

int cert_info_read(X509 *cert, struct cert_info *info)
{
  const ASN1_TIME *before = X509_get0_notBefore(cert);
  const ASN1_TIME *after = X509_get0_notAfter(cert);
  EVP_PKEY *key = X509_get0_pubkey(cert);
  int md = NID_undef;
  int pk = NID_undef;
  int sig = X509_get_signature_nid(cert);
  double since_start;
  struct tm tm;

  memset(info, 0, sizeof(*info));
  name_text(X509_get_subject_name(cert), info->subject, sizeof(info->subject));
  name_text(X509_get_issuer_name(cert), info->issuer, sizeof(info->issuer));
  if (!before || !after || days_between(NULL, after, &info->days) != 0 ||
      days_between(before, after, &info->validity) != 0 ||
      days_between(before, NULL, &since_start) != 0 || !ASN1_TIME_to_tm(after, &tm))
    return -1;
  info->not_yet_valid = since_start < 0;
  strftime(info->not_after, sizeof(info->not_after), "%Y-%m-%d %H:%M UTC", &tm);
  info->self_signed = X509_check_issued(cert, cert) == X509_V_OK;
  info->key_type = "unknown";
  if (key) {
    int type = EVP_PKEY_get_base_id(key);

    info->key_bits = EVP_PKEY_get_bits(key);
    info->key_weak_kind = type == EVP_PKEY_RSA || type == EVP_PKEY_DSA;
    info->key_type = type == EVP_PKEY_RSA       ? "RSA"
                     : type == EVP_PKEY_DSA     ? "DSA"
                     : type == EVP_PKEY_EC      ? "EC"
                     : type == EVP_PKEY_ED25519 ? "Ed25519"
                     : type == EVP_PKEY_ED448   ? "Ed448"
                                                : "other";
  }
  snprintf(info->signature, sizeof(info->signature), "%s",
           sig != NID_undef ? OBJ_nid2ln(sig) : "unknown");
  info->sha1 = OBJ_find_sigid_algs(sig, &md, &pk) && md == NID_sha1;
  return 0;
}
