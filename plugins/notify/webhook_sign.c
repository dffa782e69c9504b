/* SPDX-License-Identifier: MIT */
/* webhook_sign.c - Standard Webhooks 1.0: webhook-signature is "v1," followed by the base64
 * HMAC-SHA256, under the base64-decoded secret, of "{webhook-id}.{webhook-timestamp}.{body}". */
#include "config.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webhook_sign.h"

#define SECRET_MAX 512

static int decode_secret(const char *secret, unsigned char *out, size_t outlen, size_t *len)
{
  size_t in = strlen(secret);
  int n;

  if (strncmp(secret, "whsec_", 6) == 0) {
    secret += 6;
    in -= 6;
  }
  if (in == 0 || in % 4 != 0 || in / 4 * 3 > outlen)
    return -1;
  n = EVP_DecodeBlock(out, (const unsigned char *)secret, (int)in);
  if (n < 0)
    return -1;
  /* EVP_DecodeBlock counts the padding as zero bytes. */
  if (secret[in - 1] == '=')
    n--;
  if (secret[in - 2] == '=')
    n--;
  *len = (size_t)n;
  return 0;
}

int webhook_signature(const char *secret, const char *id, long long timestamp, const char *body,
                      size_t body_len, char *out, size_t outlen)
{
  unsigned char key[SECRET_MAX];
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  unsigned char *content = NULL;
  char prefix[160];
  size_t key_len;
  int plen;
  int result = -1;

  if (decode_secret(secret, key, sizeof(key), &key_len) != 0)
    goto cleanup;
  plen = snprintf(prefix, sizeof(prefix), "%s.%lld.", id, timestamp);
  if (plen < 0 || (size_t)plen >= sizeof(prefix))
    goto cleanup;
  content = malloc((size_t)plen + body_len + 1);
  if (!content)
    goto cleanup;
  memcpy(content, prefix, (size_t)plen);
  if (body_len)
    memcpy(content + plen, body, body_len);
  if (!HMAC(EVP_sha256(), key, (int)key_len, content, (size_t)plen + body_len, mac, &mac_len))
    goto cleanup;
  if (outlen < 3 + 4 * ((mac_len + 2) / 3) + 1)
    goto cleanup;
  memcpy(out, "v1,", 3);
  EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)mac_len);
  result = 0;
cleanup:
  free(content);
  OPENSSL_cleanse(key, sizeof(key));
  return result;
}
