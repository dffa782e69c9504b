/* SPDX-License-Identifier: MIT */
/* webhook_sign.h - Standard Webhooks 1.0 signatures (HMAC-SHA256), apart so unit tests reach it. */
#ifndef MW_WEBHOOK_SIGN_H
#define MW_WEBHOOK_SIGN_H

#include <stddef.h>

/* "v1,BASE64" for secret ("whsec_BASE64" or plain BASE64), id, timestamp and body, into out.
 * 0, or -1 when the secret is not base64 or out is too small. */
int webhook_signature(const char *secret, const char *id, long long timestamp, const char *body,
                      size_t body_len, char *out, size_t outlen);

#endif
