/* SPDX-License-Identifier: MIT */
/* mcp_oauth.h - OAuth for mcp-tools as a monitoring client: the discovery chain of the MCP
 * authorization spec (the 401 challenge's resource_metadata or the RFC 9728 well-known paths,
 * the protected resource metadata, the RFC 8414 / OpenID Connect authorization server metadata)
 * checked link by link, and an access token from the client credentials grant (RFC 6749 §4.4,
 * with the RFC 8707 resource), kept between runs until shortly before it expires.
 * mcp_oauth.c holds the options, the cache and the chain; mcp_oauth_token.c the token request
 * and what both share. */
#ifndef MCP_OAUTH_H
#define MCP_OAUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "mcp_client.h"

#define MCP_OAUTH_SCOPE_MAX 512

enum mcp_oauth_method { MCP_OAUTH_AUTO, MCP_OAUTH_BASIC, MCP_OAUTH_POST };

struct mcp_oauth {
  /* the options, owned by the check's arguments */
  const char *client_id;   /* --oauth-client-id; NULL: no token is requested */
  const char *secret_file; /* --oauth-client-secret-file, read at every token request */
  const char *secret_env;  /* --oauth-client-secret-env */
  const char *scope;       /* --oauth-scope; NULL: the challenge's, else scopes_supported */
  const char *resource;    /* --oauth-resource: what the metadata must name; NULL: the URL */
  const char *issuer;      /* --oauth-issuer: the only authorization server to trust, or NULL */
  enum mcp_oauth_method method;
  bool discovery_only;
  /* what the last discovery found */
  char prm_url[MCP_URL_MAX];
  char resource_found[MCP_URL_MAX]; /* the metadata's resource: the token's RFC 8707 resource */
  char issuer_found[MCP_URL_MAX];
  char token_endpoint[MCP_URL_MAX];
  char scope_used[MCP_OAUTH_SCOPE_MAX];
  enum mcp_oauth_method method_used;
  /* the token, kept between runs: "Authorization: Bearer ..." or "" */
  char header[MW_HTTP_TOKEN_MAX + 32];
  int64_t obtained;   /* mw_now_ns() when it came */
  int64_t refresh_at; /* past this it is not used: a new one is asked for */
  long lifetime_s;    /* its expires_in (an hour when the server gave none) */
};

/* The options of mcp_oauth, for the check's option table. */
/* clang-format off */
#define MCP_OAUTH_OPTIONS                                                                          \
  {"oauth-client-id", 0, MW_OPT_STRING, 0, "ID", NULL,                                             \
   "OAuth client credentials grant: on a 401, follow the discovery chain and get a token as "    \
   "this client (the token is kept until shortly before it expires).", NULL, NULL},              \
  {"oauth-client-secret-file", 0, MW_OPT_STRING, 0, "FILE", NULL,                                  \
   "File whose first line is the client secret (read at every token request).", NULL, NULL},    \
  {"oauth-client-secret-env", 0, MW_OPT_STRING, 0, "NAME", NULL,                                   \
   "Environment variable holding the client secret.", NULL, NULL},                               \
  {"oauth-scope", 0, MW_OPT_STRING, 0, "'SCOPE ...'", NULL,                                        \
   "Scopes to ask for; default: the challenge's scope, else the metadata's scopes_supported.",   \
   NULL, NULL},                                                                                   \
  {"oauth-resource", 0, MW_OPT_STRING, 0, "URL", NULL,                                             \
   "The resource the protected resource metadata must name (default: --url, exactly).",          \
   NULL, NULL},                                                                                   \
  {"oauth-issuer", 0, MW_OPT_STRING, 0, "URL", NULL,                                               \
   "The only authorization server to send the secret to; the metadata must list it.",            \
   NULL, NULL},                                                                                   \
  {"oauth-auth-method", 0, MW_OPT_STRING, 0, "METHOD", "auto",                                     \
   "client_secret_basic, client_secret_post, or auto (basic unless the metadata allows only "    \
   "post).", NULL, mcp_oauth_methods},                                                            \
  {"oauth-discovery-only", 0, MW_OPT_BOOL, 0, NULL, NULL,                                          \
   "Check the discovery chain on the server's 401 and stop there: no token (for servers whose "  \
   "users log in interactively).", NULL, NULL}
/* clang-format on */

extern const char *const mcp_oauth_methods[];
extern const char *const mcp_oauth_option_names[]; /* NULL-terminated, for --command's refusal */

/* Reads the options: 0, or -1 with a one-line reason. */
int mcp_oauth_open(struct mcp_oauth *oauth, const struct mw_args *args, char *err, size_t errlen);
/* Forgets the token (zeroed). */
void mcp_oauth_forget(struct mcp_oauth *oauth);
static inline bool mcp_oauth_enabled(const struct mcp_oauth *oauth)
{
  return oauth->client_id || oauth->discovery_only;
}
/* The kept header when the token is still good at now, else NULL (and it is forgotten). */
const char *mcp_oauth_kept(struct mcp_oauth *oauth, int64_t now);

/* The chain from the challenge a 401 carried (or none: the well-known paths), then a token
 * unless discovery_only. Each link that holds is a line through note(ctx, text); 0, or -1 with
 * err naming the failing link ("protected resource metadata: HTTP 404 at URL"). */
typedef void (*mcp_oauth_note)(void *ctx, const char *text);
int mcp_oauth_authorise(struct mcp_oauth *oauth, struct mw_http *http, const char *url,
                        const char *challenge, mw_deadline deadline, mcp_oauth_note note, void *ctx,
                        char *err, size_t errlen);

/* mcp_oauth_token.c */
/* The value of an auth-param of a WWW-Authenticate challenge (quoted or a token), into out:
 * true when present. */
bool mcp_oauth_param(const char *challenge, const char *name, char *out, size_t outlen);
/* Whether url is https, or http to a loopback host (127.0.0.0/8, ::1, localhost). */
bool mcp_oauth_url_safe(const char *url);
/* GET url as JSON: *doc (an object) with 0; -1 with "HTTP 404 at URL" or the like in err and
 * *status the HTTP status (0: none). */
int mcp_oauth_get_json(struct mw_http *http, const char *url, mw_deadline deadline, json_t **doc,
                       long *status, char *err, size_t errlen);
/* The client credentials request to oauth->token_endpoint for resource; the token into
 * oauth->header. 0, or -1 with "token request: ..." in err. */
int mcp_oauth_request_token(struct mcp_oauth *oauth, struct mw_http *http, const char *resource,
                            mw_deadline deadline, char *err, size_t errlen);

#endif
