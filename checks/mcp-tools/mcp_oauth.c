/* SPDX-License-Identifier: MIT */
/* mcp_oauth.c - the OAuth options, the kept token and the discovery chain: protected resource
 * metadata (RFC 9728), then authorization server metadata (RFC 8414, then OpenID Connect
 * discovery), each link checked as the MCP authorization spec asks a client to. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mcp_oauth.h"

#define MAX_METADATA_URLS 3

const char *const mcp_oauth_methods[] = {"auto", "client_secret_basic", "client_secret_post", NULL};
const char *const mcp_oauth_option_names[] = {
    "oauth-client-id",   "oauth-client-secret-file", "oauth-client-secret-env",
    "oauth-scope",       "oauth-resource",           "oauth-issuer",
    "oauth-auth-method", "oauth-discovery-only",     NULL};

int mcp_oauth_open(struct mcp_oauth *oauth, const struct mw_args *args, char *err, size_t errlen)
{
  const char *method = mw_args_str(args, "oauth-auth-method");
  const char *names[] = {"oauth-resource", "oauth-issuer"};
  size_t i;

  oauth->client_id = mw_args_str(args, "oauth-client-id");
  oauth->scope = mw_args_str(args, "oauth-scope");
  oauth->resource = mw_args_str(args, "oauth-resource");
  oauth->issuer = mw_args_str(args, "oauth-issuer");
  oauth->discovery_only = mw_args_bool(args, "oauth-discovery-only");
  oauth->method = strcmp(method, "client_secret_basic") == 0  ? MCP_OAUTH_BASIC
                  : strcmp(method, "client_secret_post") == 0 ? MCP_OAUTH_POST
                                                              : MCP_OAUTH_AUTO;
  if (mw_http_secret_options(args, "oauth-client-secret-file", "oauth-client-secret-env", false,
                             &oauth->secret_file, &oauth->secret_env, err, errlen) != 0)
    return -1;
  if (oauth->discovery_only && oauth->client_id) {
    snprintf(err, errlen, "--oauth-discovery-only asks for no token: drop --oauth-client-id");
    return -1;
  }
  if (oauth->client_id && !oauth->secret_file && !oauth->secret_env) {
    snprintf(err, errlen,
             "--oauth-client-id needs --oauth-client-secret-file or "
             "--oauth-client-secret-env");
    return -1;
  }
  if (oauth->client_id && (!oauth->client_id[0] || strpbrk(oauth->client_id, "\r\n") ||
                           strlen(oauth->client_id) >= 256)) {
    snprintf(err, errlen, "--oauth-client-id must be one non-empty line under 256 bytes");
    return -1;
  }
  if (!oauth->client_id && (oauth->secret_file || oauth->secret_env || oauth->scope ||
                            mw_args_given(args, "oauth-auth-method"))) {
    snprintf(err, errlen,
             "the client secret, --oauth-scope and --oauth-auth-method need "
             "--oauth-client-id");
    return -1;
  }
  if (!mcp_oauth_enabled(oauth) && (oauth->resource || oauth->issuer)) {
    snprintf(err, errlen,
             "--oauth-resource and --oauth-issuer need --oauth-client-id or "
             "--oauth-discovery-only");
    return -1;
  }
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    const char *value = mw_args_str(args, names[i]);

    if (value && mw_http_url_check(value, names[i], err, errlen) != 0)
      return -1;
  }
  if (oauth->scope && (strlen(oauth->scope) >= MCP_OAUTH_SCOPE_MAX ||
                       strpbrk(oauth->scope, "\"\\\r\n") || !oauth->scope[0])) {
    snprintf(err, errlen, "--oauth-scope must be space-separated scope names, under %d bytes",
             MCP_OAUTH_SCOPE_MAX);
    return -1;
  }
  return 0;
}

void mcp_oauth_forget(struct mcp_oauth *oauth)
{
  explicit_bzero(oauth->header, sizeof(oauth->header));
  oauth->refresh_at = 0;
}

const char *mcp_oauth_kept(struct mcp_oauth *oauth, int64_t now)
{
  if (!oauth->header[0])
    return NULL;
  if (now >= oauth->refresh_at) {
    mcp_oauth_forget(oauth);
    return NULL;
  }
  return oauth->header;
}

/* url split into its origin ("https://host:port") and its path without query or fragment. */
static int split_url(const char *url, char *origin, size_t originlen, char *path, size_t pathlen)
{
  const char *host = strstr(url, "://");
  size_t origin_len;
  size_t path_len;

  if (!host)
    return -1;
  host += 3;
  origin_len = (size_t)(host - url) + strcspn(host, "/?#");
  path_len = strcspn(url + origin_len, "?#");
  if (origin_len >= originlen || path_len >= pathlen)
    return -1;
  memcpy(origin, url, origin_len);
  origin[origin_len] = '\0';
  memcpy(path, url + origin_len, path_len);
  path[path_len] = '\0';
  /* "/" and "" name the same: the well-known suffix is inserted without it */
  if (path_len > 0 && path[path_len - 1] == '/')
    path[path_len - 1] = '\0';
  return 0;
}

static void notef(mcp_oauth_note note, void *ctx, const char *fmt, ...) MW_PRINTF(3, 4);
static void notef(mcp_oauth_note note, void *ctx, const char *fmt, ...)
{
  char text[200];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  note(ctx, text);
}

/* origin + middle + tail into out (MCP_URL_MAX): 0, or -1 when it does not fit. */
static int build_url(char *out, const char *origin, const char *middle, const char *tail)
{
  int len = snprintf(out, MCP_URL_MAX, "%s%s%s", origin, middle, tail);

  return len < 0 || len >= MCP_URL_MAX ? -1 : 0;
}

/* The protected resource metadata of url: from the challenge's resource_metadata, else the
 * path-aware well-known URL, then the root one. Its resource must be what is expected, its
 * authorization_servers must hold the issuer to use. */
static int resource_metadata(struct mcp_oauth *oauth, struct mw_http *http, const char *url,
                             const char *challenge, mw_deadline deadline, json_t **doc,
                             char *origin_only, char *err, size_t errlen)
{
  char origin[MCP_URL_MAX];
  char path[MCP_URL_MAX];
  char tried[MAX_METADATA_URLS][MCP_URL_MAX];
  char failures[400] = "";
  size_t n = 0;
  size_t i;
  long status = 0;

  if (challenge && mcp_oauth_param(challenge, "resource_metadata", tried[0], sizeof(tried[0]))) {
    if (strncmp(tried[0], "https://", 8) != 0 && strncmp(tried[0], "http://", 7) != 0) {
      snprintf(err, errlen,
               "protected resource metadata: the challenge's resource_metadata "
               "is no http(s) URL");
      return -1;
    }
    n = 1;
  } else {
    if (split_url(url, origin, sizeof(origin), path, sizeof(path)) != 0 ||
        (path[0] && build_url(tried[n++], origin, "/.well-known/oauth-protected-resource", path)) ||
        build_url(tried[n++], origin, "/.well-known/oauth-protected-resource", "")) {
      snprintf(err, errlen, "protected resource metadata: --url is too long");
      return -1;
    }
  }
  for (i = 0; i < n; i++) {
    char why[300];

    if (mcp_oauth_get_json(http, tried[i], deadline, doc, &status, why, sizeof(why)) == 0) {
      snprintf(oauth->prm_url, sizeof(oauth->prm_url), "%s", tried[i]);
      /* RFC 9728 §3.3: the root URL was built from the origin, which may be the resource */
      origin_only[0] = '\0';
      if (n == 2 && i == 1)
        snprintf(origin_only, MCP_URL_MAX, "%s", origin);
      return 0;
    }
    snprintf(failures + strlen(failures), sizeof(failures) - strlen(failures), "%s%s",
             failures[0] ? "; " : "", why);
    /* Only a 404 (or another 4xx) says "not here": anything else is the answer. */
    if (status < 400 || status > 499)
      break;
  }
  snprintf(err, errlen, "protected resource metadata: %s%s", failures,
           n == 1 && challenge ? " (from the 401's resource_metadata)" : "");
  return -1;
}

/* Whether resource is what the metadata may name: --oauth-resource when given, else the URL
 * (RFC 9728 §3.3 for a challenge's or the path-aware URL), or the origin the root URL was built
 * from ("http://host" and "http://host/" are the same URL). */
static bool resource_matches(const struct mcp_oauth *oauth, const char *resource, const char *url,
                             const char *origin_only)
{
  size_t len = strlen(origin_only);

  if (oauth->resource)
    return strcmp(resource, oauth->resource) == 0;
  if (strcmp(resource, url) == 0)
    return true;
  return len > 0 && strncmp(resource, origin_only, len) == 0 &&
         (resource[len] == '\0' || strcmp(resource + len, "/") == 0);
}

/* Checks the protected resource metadata and picks the authorization server. */
static int check_resource(struct mcp_oauth *oauth, json_t *doc, const char *url,
                          const char *origin_only, char *err, size_t errlen)
{
  const char *expected = oauth->resource ? oauth->resource : url;
  const char *resource = json_string_value(json_object_get(doc, "resource"));
  json_t *servers = json_object_get(doc, "authorization_servers");
  json_t *server;
  size_t i;

  if (!resource) {
    snprintf(err, errlen, "protected resource metadata at %.200s has no resource", oauth->prm_url);
    return -1;
  }
  /* RFC 9728 §3.3 and the MCP spec: the very URL, no trailing slash added or taken away. */
  if (!resource_matches(oauth, resource, url, origin_only)) {
    snprintf(err, errlen, "protected resource metadata: resource \"%.200s\" is not \"%.200s\"%s",
             resource, expected, oauth->resource ? " (--oauth-resource)" : " (the --url)");
    return -1;
  }
  snprintf(oauth->resource_found, sizeof(oauth->resource_found), "%s", resource);
  if (!json_is_array(servers) || json_array_size(servers) == 0) {
    snprintf(err, errlen, "protected resource metadata at %.200s lists no authorization_servers",
             oauth->prm_url);
    return -1;
  }
  oauth->issuer_found[0] = '\0';
  json_array_foreach(servers, i, server)
  {
    const char *issuer = json_string_value(server);

    if (!issuer || (oauth->issuer && strcmp(issuer, oauth->issuer) != 0))
      continue;
    snprintf(oauth->issuer_found, sizeof(oauth->issuer_found), "%s", issuer);
    break;
  }
  if (!oauth->issuer_found[0]) {
    snprintf(err, errlen, "protected resource metadata: authorization_servers %s%.200s",
             oauth->issuer ? "does not list --oauth-issuer " : "holds no string",
             oauth->issuer ? oauth->issuer : "");
    return -1;
  }
  if (!mcp_oauth_url_safe(oauth->issuer_found) || strpbrk(oauth->issuer_found, "?#")) {
    snprintf(err, errlen,
             "protected resource metadata: authorization server %.200s is no https URL without "
             "query or fragment",
             oauth->issuer_found);
    return -1;
  }
  return 0;
}

/* RFC 8414 §3.1 and OpenID Connect Discovery, in the order the MCP spec gives. */
static size_t metadata_urls(const char *issuer, char (*urls)[MCP_URL_MAX])
{
  char origin[MCP_URL_MAX];
  char path[MCP_URL_MAX];

  if (split_url(issuer, origin, sizeof(origin), path, sizeof(path)) != 0)
    return 0;
  if (!path[0])
    return build_url(urls[0], origin, "/.well-known/oauth-authorization-server", "") ||
                   build_url(urls[1], origin, "/.well-known/openid-configuration", "")
               ? 0
               : 2;
  return build_url(urls[0], origin, "/.well-known/oauth-authorization-server", path) ||
                 build_url(urls[1], origin, "/.well-known/openid-configuration", path) ||
                 build_url(urls[2], origin, path, "/.well-known/openid-configuration")
             ? 0
             : 3;
}

/* The authorization server metadata: its issuer the very one the URL was built from, a usable
 * token endpoint, and (for a token) the client credentials grant and an auth method both take. */
static int server_metadata(struct mcp_oauth *oauth, struct mw_http *http, mw_deadline deadline,
                           char *where, size_t wherelen, char *err, size_t errlen)
{
  char urls[MAX_METADATA_URLS][MCP_URL_MAX];
  char failures[400] = "";
  size_t n = metadata_urls(oauth->issuer_found, urls);
  size_t i;
  long status = 0;
  json_t *doc = NULL;
  const char *issuer;
  const char *endpoint;
  int result = -1;

  if (n == 0) {
    snprintf(err, errlen, "authorization server metadata: the issuer URL is too long");
    return -1;
  }
  for (i = 0; i < n && !doc; i++) {
    char why[300];

    if (mcp_oauth_get_json(http, urls[i], deadline, &doc, &status, why, sizeof(why)) == 0) {
      snprintf(where, wherelen, "%s", urls[i]);
      break;
    }
    snprintf(failures + strlen(failures), sizeof(failures) - strlen(failures), "%s%s",
             failures[0] ? "; " : "", why);
    if (status < 400 || status > 499)
      break;
  }
  if (!doc) {
    snprintf(err, errlen, "authorization server metadata: %s", failures);
    return -1;
  }
  issuer = json_string_value(json_object_get(doc, "issuer"));
  endpoint = json_string_value(json_object_get(doc, "token_endpoint"));
  /* RFC 8414 §3.3: a simple string comparison, no normalisation. */
  if (!issuer || strcmp(issuer, oauth->issuer_found) != 0) {
    snprintf(err, errlen,
             "authorization server metadata at %.200s: issuer \"%.200s\" is not "
             "\"%.200s\"",
             where, issuer ? issuer : "(none)", oauth->issuer_found);
    goto cleanup;
  }
  if (!endpoint || !mcp_oauth_url_safe(endpoint) ||
      strlen(endpoint) >= sizeof(oauth->token_endpoint)) {
    snprintf(err, errlen, "authorization server metadata at %.200s: token_endpoint %s", where,
             endpoint ? "is no https URL" : "is missing");
    goto cleanup;
  }
  snprintf(oauth->token_endpoint, sizeof(oauth->token_endpoint), "%s", endpoint);
  if (oauth->client_id) {
    json_t *grants = json_object_get(doc, "grant_types_supported");
    json_t *methods = json_object_get(doc, "token_endpoint_auth_methods_supported");
    bool basic = !methods; /* RFC 8414: client_secret_basic when not given */
    bool post = false;
    json_t *item;

    if (grants) {
      bool found = false;

      json_array_foreach(grants, i, item) found |=
          json_is_string(item) && strcmp(json_string_value(item), "client_credentials") == 0;
      if (!found) {
        snprintf(err, errlen,
                 "authorization server metadata at %.200s: grant_types_supported "
                 "lacks client_credentials",
                 where);
        goto cleanup;
      }
    }
    json_array_foreach(methods, i, item)
    {
      basic |= json_is_string(item) && strcmp(json_string_value(item), "client_secret_basic") == 0;
      post |= json_is_string(item) && strcmp(json_string_value(item), "client_secret_post") == 0;
    }
    oauth->method_used = oauth->method != MCP_OAUTH_AUTO ? oauth->method
                         : basic                         ? MCP_OAUTH_BASIC
                                                         : MCP_OAUTH_POST;
    if ((oauth->method_used == MCP_OAUTH_BASIC && !basic) ||
        (oauth->method_used == MCP_OAUTH_POST && !post)) {
      snprintf(err, errlen,
               "authorization server metadata at %.200s: "
               "token_endpoint_auth_methods_supported has %s",
               where,
               oauth->method == MCP_OAUTH_AUTO    ? "neither client_secret_basic nor _post"
               : oauth->method == MCP_OAUTH_BASIC ? "no client_secret_basic"
                                                  : "no client_secret_post");
      goto cleanup;
    }
  }
  result = 0;
cleanup:
  json_decref(doc);
  return result;
}

/* The scope to ask for: --oauth-scope, else the challenge's, else scopes_supported. */
static void pick_scope(struct mcp_oauth *oauth, const char *challenge, json_t *prm)
{
  json_t *supported = json_object_get(prm, "scopes_supported");
  json_t *item;
  size_t i;

  oauth->scope_used[0] = '\0';
  if (oauth->scope) {
    snprintf(oauth->scope_used, sizeof(oauth->scope_used), "%s", oauth->scope);
    return;
  }
  if (challenge &&
      mcp_oauth_param(challenge, "scope", oauth->scope_used, sizeof(oauth->scope_used)))
    return;
  json_array_foreach(supported, i, item)
  {
    size_t used = strlen(oauth->scope_used);

    if (json_is_string(item))
      snprintf(oauth->scope_used + used, sizeof(oauth->scope_used) - used, "%s%s", used ? " " : "",
               json_string_value(item));
  }
}

int mcp_oauth_authorise(struct mcp_oauth *oauth, struct mw_http *http, const char *url,
                        const char *challenge, mw_deadline deadline, mcp_oauth_note note, void *ctx,
                        char *err, size_t errlen)
{
  char where[MCP_URL_MAX];
  char origin_only[MCP_URL_MAX] = "";
  json_t *prm = NULL;
  int result = -1;

  mcp_oauth_forget(oauth);
  if (challenge && !challenge[0])
    challenge = NULL;
  if (resource_metadata(oauth, http, url, challenge, deadline, &prm, origin_only, err, errlen) !=
          0 ||
      check_resource(oauth, prm, url, origin_only, err, errlen) != 0)
    goto cleanup;
  notef(note, ctx,
        "OAuth: protected resource metadata at %.80s: resource %.60s, authorization "
        "server %.60s",
        oauth->prm_url, oauth->resource_found, oauth->issuer_found);
  if (server_metadata(oauth, http, deadline, where, sizeof(where), err, errlen) != 0)
    goto cleanup;
  notef(note, ctx,
        "OAuth: authorization server metadata at %.80s: issuer matches, token "
        "endpoint %.80s",
        where, oauth->token_endpoint);
  if (oauth->discovery_only) {
    result = 0;
    goto cleanup;
  }
  pick_scope(oauth, challenge, prm);
  if (mcp_oauth_request_token(oauth, http, oauth->resource_found, deadline, err, errlen) != 0)
    goto cleanup;
  notef(note, ctx, "OAuth: token from %.80s (client %.40s, %s, scope %.60s), valid %.0f s",
        oauth->token_endpoint, oauth->client_id,
        oauth->method_used == MCP_OAUTH_POST ? "client_secret_post" : "client_secret_basic",
        oauth->scope_used[0] ? oauth->scope_used : "(none)", (double)oauth->lifetime_s);
  result = 0;
cleanup:
  json_decref(prm);
  return result;
}
