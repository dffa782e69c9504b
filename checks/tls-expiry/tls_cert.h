/* SPDX-License-Identifier: MIT */
/* tls_cert.h - what the tls-expiry check reads from one certificate. */
#ifndef TLS_CERT_H
#define TLS_CERT_H

#include <openssl/x509.h>
#include <stdbool.h>

struct cert_info {
  char subject[256];
  char issuer[256];
  char not_after[32]; /* "2027-01-20 12:00 UTC" */
  double days;        /* until notAfter, in days; negative once expired */
  double validity;    /* notBefore to notAfter, in days */
  bool not_yet_valid;
  bool self_signed;
  const char *key_type; /* "RSA", "EC", "Ed25519", ... */
  int key_bits;
  bool key_weak_kind; /* RSA or DSA: judged by --key-size-min */
  char signature[64]; /* "sha256WithRSAEncryption" */
  bool sha1;
};

/* 0, or -1 when the certificate lacks dates. */
int cert_info_read(X509 *cert, struct cert_info *info);

#endif
