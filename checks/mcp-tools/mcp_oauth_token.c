/* SPDX-License-Identifier: MIT */
/* mcp_oauth_token.c - the client credentials token request (RFC 6749 §4.4 with the RFC 8707
 * resource) and what the discovery chain shares: challenge parameters, metadata GETs, the
 * https-or-loopback rule. The client secret lives on the stack for one request and is zeroed. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mcp_oauth.h"

#define CLIENT_ID_MAX 256 /* --oauth-client-id, checked at open */
#define FORM_MAX (3 * (MW_HTTP_TOKEN_MAX + CLIENT_ID_MAX + MCP_URL_MAX + MCP_OAUTH_SCOPE_MAX) + 128)
#define BASIC_MAX (4 * (3 * (MW_HTTP_TOKEN_MAX + CLIENT_ID_MAX) + 2) / 3 + 32)
#define DEFAULT_LIFETIME_S 3600L
#define MAX_LIFETIME_S (7 * 86400L)
#define REFRESH_MARGIN_NS (60 * (int64_t)1000000000)

bool mcp_oauth_param(const char *challenge, const char *name, char *out, size_t outlen)
{
  size_t name_len = strlen(name);
  const char *p = challenge;

  if (outlen == 0)
    return false;
  for (; (p = strcasestr(p, name)) != NULL; p += name_len) {
    const char *value = p + name_len;
    size_t used = 0;

    /* a parameter name starts the challenge or follows a space or a comma */
    if (p != challenge && p[-1] != ' ' && p[-1] != ',' && p[-1] != '\t')
      continue;
    while (*value == ' ' || *value == '\t')
      value++;
    if (*value++ != '=')
      continue;
    while (*value == ' ' || *value == '\t')
      value++;
    if (*value == '"') {
      for (value++; *value && *value != '"'; value++) {
        if (*value == '\\' && value[1])
          value++;
        if (used + 1 < outlen)
          out[used++] = *value;
      }
    } else {
      for (; *value && *value != ',' && *value != ' ' && *value != '\t'; value++)
        if (used + 1 < outlen)
          out[used++] = *value;
    }
    out[used] = '\0';
    return true;
  }
  return false;
}

bool mcp_oauth_url_safe(const char *url)
{
  const char *host;
  size_t len;
  size_t i;

  if (strncmp(url, "https://", 8) == 0)
    return url[8] != '\0';
  if (strncmp(url, "http://", 7) != 0)
    return false;
  host = url + 7;
  if (strchr(host, '@') && strchr(host, '@') < host + strcspn(host, "/?#"))
    return false; /* user info: the host is after it, and such a URL is no endpoint */
  if (strncmp(host, "[::1]", 5) == 0)
    return strchr(":/?#", host[5]) != NULL;
  len = strcspn(host, ":/?#");
  if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
    return true;
  /* 127.0.0.0/8 written as four decimal numbers */
  if (len < 9 || strncmp(host, "127.", 4) != 0)
    return false;
  for (i = 4; i < len; i++)
    if (!isdigit((unsigned char)host[i]) && host[i] != '.')
      return false;
  return true;
}

int mcp_oauth_get_json(struct mw_http *http, const char *url, mw_deadline deadline, json_t **doc,
                       long *status, char *err, size_t errlen)
{
  static const char *const headers[] = {"Accept: application/json"};
  struct mw_http_request req = {.url = url, .headers = headers, .n_headers = 1};
  struct mw_http_response resp = {0};
  enum mw_http_status got;
  char why[256];
  int result = -1;

  *doc = NULL;
  *status = 0;
  got = mw_http_perform(http, &req, &resp, deadline, why, sizeof(why));
  *status = resp.status;
  if (got == MW_HTTP_TIMED_OUT) {
    snprintf(err, errlen, "no answer in time at %.200s", url);
  } else if (got != MW_HTTP_DONE) {
    snprintf(err, errlen, "%s at %.200s", why, url);
  } else if (resp.status != 200) {
    snprintf(err, errlen, "HTTP %ld at %.200s", resp.status, url);
  } else if (!(*doc = json_loadb(resp.body, resp.body_len, JSON_REJECT_DUPLICATES, NULL)) ||
             !json_is_object(*doc)) {
    json_decref(*doc);
    *doc = NULL;
    snprintf(err, errlen, "no JSON object at %.200s", url);
  } else {
    result = 0;
  }
  mw_http_response_free(&resp);
  return result;
}

/* value, form-encoded (application/x-www-form-urlencoded), appended at *len. */
static int form_encode(char *form, size_t cap, size_t *len, const char *value)
{
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *c;

  for (c = (const unsigned char *)value; *c; c++) {
    if (*len + 4 >= cap)
      return -1;
    if (isalnum(*c) || strchr("-._~", *c)) {
      form[(*len)++] = (char)*c;
    } else if (*c == ' ') {
      form[(*len)++] = '+';
    } else {
      form[(*len)++] = '%';
      form[(*len)++] = hex[*c >> 4];
      form[(*len)++] = hex[*c & 15];
    }
  }
  form[*len] = '\0';
  return 0;
}

/* &name=value (no & first). */
static int form_add(char *form, size_t cap, size_t *len, const char *name, const char *value)
{
  if (*len + strlen(name) + 3 >= cap)
    return -1;
  *len += (size_t)snprintf(form + *len, cap - *len, "%s%s=", *len ? "&" : "", name);
  return form_encode(form, cap, len, value);
}

/* Text the authorization server sent, as one short line that never holds the secret. */
static void scrub(const char *text, const char *secret, char *out, size_t outlen)
{
  size_t used = 0;
  size_t secret_len = strlen(secret);

  for (; text && *text && used + 4 < outlen; text++) {
    if (secret_len >= 4 && strncmp(text, secret, secret_len) == 0) {
      memcpy(out + used, "***", 3);
      used += 3;
      text += secret_len - 1;
      continue;
    }
    out[used++] = (unsigned char)*text < 0x20 || *text == 0x7f ? ' ' : *text;
  }
  out[used] = '\0';
}

/* The token endpoint's answer into oauth->header: 0, or -1 with err. */
static int take_token(struct mcp_oauth *oauth, const struct mw_http_response *resp,
                      const char *secret, char *err, size_t errlen)
{
  json_t *doc = json_loadb(resp->body, resp->body_len, JSON_REJECT_DUPLICATES, NULL);
  const char *token = json_string_value(json_object_get(doc, "access_token"));
  const char *type = json_string_value(json_object_get(doc, "token_type"));
  json_t *expires = json_object_get(doc, "expires_in");
  char error[200];
  char description[200];
  int64_t now = mw_now_ns();
  int64_t lifetime;
  int result = -1;
  const char *c;

  if (resp->status != 200) {
    scrub(json_string_value(json_object_get(doc, "error")), secret, error, sizeof(error));
    scrub(json_string_value(json_object_get(doc, "error_description")), secret, description,
          sizeof(description));
    snprintf(err, errlen, "token request: HTTP %ld%s%s%s%s%s at %.200s", resp->status,
             error[0] ? " " : "", error, description[0] ? " (" : "", description,
             description[0] ? ")" : "", oauth->token_endpoint);
    goto cleanup;
  }
  if (!token || !token[0] || strlen(token) >= MW_HTTP_TOKEN_MAX) {
    snprintf(err, errlen, "token request: the answer from %.200s holds no usable access_token",
             oauth->token_endpoint);
    goto cleanup;
  }
  for (c = token; *c; c++)
    if (*c <= 0x20 || *c >= 0x7f) {
      snprintf(err, errlen,
               "token request: the access_token from %.200s is not a header-safe "
               "token",
               oauth->token_endpoint);
      goto cleanup;
    }
  if (!type || strcasecmp(type, "Bearer") != 0) {
    scrub(type, secret, error, sizeof(error));
    snprintf(err, errlen, "token request: token_type \"%s\" from %.200s is not Bearer",
             type ? error : "(none)", oauth->token_endpoint);
    goto cleanup;
  }
  oauth->lifetime_s = DEFAULT_LIFETIME_S;
  if (json_is_integer(expires) || json_is_real(expires)) {
    double seconds = json_number_value(expires);

    oauth->lifetime_s = seconds < 0 ? 0 : seconds > MAX_LIFETIME_S ? MAX_LIFETIME_S : (long)seconds;
  }
  lifetime = (int64_t)oauth->lifetime_s * 1000000000;
  snprintf(oauth->header, sizeof(oauth->header), "Authorization: Bearer %s", token);
  oauth->obtained = now;
  /* replaced shortly before it expires: a tenth of its life before, at most a minute */
  oauth->refresh_at =
      now + lifetime - (lifetime / 10 < REFRESH_MARGIN_NS ? lifetime / 10 : REFRESH_MARGIN_NS);
  result = 0;
cleanup:
  if (doc && token)
    explicit_bzero((char *)token, strlen(token));
  json_decref(doc);
  return result;
}

int mcp_oauth_request_token(struct mcp_oauth *oauth, struct mw_http *http, const char *resource,
                            mw_deadline deadline, char *err, size_t errlen)
{
  static const char *const capture[] = {"WWW-Authenticate"};
  char secret[MW_HTTP_TOKEN_MAX];
  char form[FORM_MAX];
  char basic[BASIC_MAX];
  const char *headers[3] = {"Content-Type: application/x-www-form-urlencoded",
                            "Accept: application/json"};
  struct mw_http_request req = {.method = "POST",
                                .url = oauth->token_endpoint,
                                .headers = headers,
                                .n_headers = 2,
                                .capture = capture,
                                .n_capture = 1};
  struct mw_http_response resp = {0};
  enum mw_http_status got;
  size_t len = 0;
  char why[256];
  int result = -1;

  secret[0] = '\0';
  if (mw_http_token_header("", oauth->secret_file, oauth->secret_env, secret, sizeof(secret), why,
                           sizeof(why)) != 0) {
    snprintf(err, errlen, "token request: the client secret: %s", why);
    goto cleanup;
  }
  if (oauth->method_used != MCP_OAUTH_POST) {
    /* RFC 6749 §2.3.1: id and secret form-encoded, joined with ':', Base64-encoded. */
    if (form_encode(form, sizeof(form), &len, oauth->client_id) != 0 || len + 2 >= sizeof(form))
      goto too_long;
    form[len++] = ':';
    if (form_encode(form, sizeof(form), &len, secret) != 0)
      goto too_long;
    memcpy(basic, "Authorization: Basic ", 21);
    if (mw_base64(form, len, basic + 21, sizeof(basic) - 21) == 0)
      goto too_long;
    headers[req.n_headers++] = basic;
    explicit_bzero(form, sizeof(form));
    len = 0;
  }
  if (form_add(form, sizeof(form), &len, "grant_type", "client_credentials") != 0 ||
      (oauth->scope_used[0] &&
       form_add(form, sizeof(form), &len, "scope", oauth->scope_used) != 0) ||
      form_add(form, sizeof(form), &len, "resource", resource) != 0)
    goto too_long;
  if (oauth->method_used == MCP_OAUTH_POST &&
      (form_add(form, sizeof(form), &len, "client_id", oauth->client_id) != 0 ||
       form_add(form, sizeof(form), &len, "client_secret", secret) != 0))
    goto too_long;
  req.body = form;
  req.body_len = len;
  got = mw_http_perform(http, &req, &resp, deadline, why, sizeof(why));
  if (got == MW_HTTP_TIMED_OUT) {
    snprintf(err, errlen, "token request: no answer in time at %.200s", oauth->token_endpoint);
    goto cleanup;
  }
  if (got != MW_HTTP_DONE) {
    snprintf(err, errlen, "token request: %s at %.200s", why, oauth->token_endpoint);
    goto cleanup;
  }
  result = take_token(oauth, &resp, secret, err, errlen);
  goto cleanup;
too_long:
  snprintf(err, errlen, "token request: the client id, secret, scope and resource are too long");
cleanup:
  explicit_bzero(secret, sizeof(secret));
  explicit_bzero(form, sizeof(form));
  explicit_bzero(basic, sizeof(basic));
  if (resp.body)
    explicit_bzero(resp.body, resp.body_len);
  mw_http_response_free(&resp);
  return result;
}
