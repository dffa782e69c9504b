/* SPDX-License-Identifier: MIT */
/* http_auth.c - secrets on their way into request headers: read from a file or an environment
 * variable at every use (so a rotated secret is picked up), checked to be one line, wiped after
 * use, and never put into an error message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"
#include "mw_http.h"

int mw_http_token_header(const char *prefix, const char *token_file, const char *token_env,
                         char *out, size_t outlen, char *err, size_t errlen)
{
  char token[MW_HTTP_TOKEN_MAX];
  const char *value = token;
  int result = -1;

  if (token_file) {
    if (mw_read_secret_file(token_file, token, sizeof(token), err, errlen) != 0)
      goto cleanup;
  } else {
    value = token_env ? getenv(token_env) : NULL;
    if (!value || !*value) {
      snprintf(err, errlen, "the environment variable %s holds no token",
               token_env ? token_env : "(none)");
      goto cleanup;
    }
  }
  if (strpbrk(value, "\r\n") || (size_t)snprintf(out, outlen, "%s%s", prefix, value) >= outlen) {
    snprintf(err, errlen, "the token is not a single line of at most %d bytes",
             MW_HTTP_TOKEN_MAX - 1);
    explicit_bzero(out, outlen);
    goto cleanup;
  }
  result = 0;
cleanup:
  explicit_bzero(token, sizeof(token));
  return result;
}

int mw_http_url_check(const char *url, const char *option, char *err, size_t errlen)
{
  if (!url) {
    snprintf(err, errlen, "%s is required", option);
    return -1;
  }
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
    snprintf(err, errlen, "%s must start with http:// or https://", option);
    return -1;
  }
  return 0;
}

int mw_http_secret_options(const struct mw_args *args, const char *file_option,
                           const char *env_option, bool required, const char **file,
                           const char **env, char *err, size_t errlen)
{
  *file = mw_args_str(args, file_option);
  *env = mw_args_str(args, env_option);
  if (*file && *env && mw_args_given(args, env_option)) {
    snprintf(err, errlen, "--%s and --%s: give one", file_option, env_option);
    return -1;
  }
  if (*file)
    *env = NULL;
  if (required && !*file && (!*env || !getenv(*env) || !*getenv(*env))) {
    if (*env)
      snprintf(err, errlen, "--%s is required (or the environment variable %s)", file_option, *env);
    else
      snprintf(err, errlen, "--%s or --%s is required", file_option, env_option);
    return -1;
  }
  return 0;
}

int mw_http_token_options(const struct mw_args *args, const char **file, const char **env,
                          char *err, size_t errlen)
{
  return mw_http_secret_options(args, "token-file", "token-env", false, file, env, err, errlen);
}

int mw_http_basic_header(const char *user, const char *password_file, const char *password_env,
                         char *out, size_t outlen, char *err, size_t errlen)
{
  static const char prefix[] = "Authorization: Basic ";
  char pair[MW_HTTP_TOKEN_MAX + 256];
  size_t ulen = strlen(user);
  int result = -1;

  if (strchr(user, ':') || strpbrk(user, "\r\n") || ulen >= 256) {
    snprintf(err, errlen, "the user name must be one line of at most 255 bytes without ':'");
    return -1;
  }
  memcpy(pair, user, ulen);
  pair[ulen] = ':';
  if (mw_http_token_header("", password_file, password_env, pair + ulen + 1,
                           sizeof(pair) - ulen - 1, err, errlen) != 0)
    goto cleanup;
  if (outlen <= sizeof(prefix) ||
      mw_base64(pair, strlen(pair), out + sizeof(prefix) - 1, outlen - sizeof(prefix) + 1) == 0) {
    snprintf(err, errlen, "the user name and password are too long");
    explicit_bzero(out, outlen);
    goto cleanup;
  }
  memcpy(out, prefix, sizeof(prefix) - 1);
  result = 0;
cleanup:
  explicit_bzero(pair, sizeof(pair));
  return result;
}
