/* SPDX-License-Identifier: MIT */
/*
 * mw_http.h - the HTTP client every HTTP-speaking check and notifier shares (libmwhttp, over
 * libcurl). Only parts that speak HTTP link it, so a disk check never maps libcurl.
 *
 * A client owns one curl handle and its connection cache: kept between runs (the agent, collectd)
 * it reuses connections. Every request is bounded by the run's deadline (resolve, connect, TLS,
 * transfer) and its body by a hard size cap. TLS is verified unless insecure is set.
 */
#ifndef MW_HTTP_H
#define MW_HTTP_H

#include "mw_check.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MW_HTTP_MAX_SIZE_DEFAULT (1024 * 1024)

/* Fixed for the client's life; usually straight from the check's options (mw_http_config). */
struct mw_http_config {
  const char *ca_cert;        /* PEM file of trusted CAs; NULL: the system store */
  const char *client_cert;    /* PEM client certificate, or NULL */
  const char *client_key;     /* its key; NULL: in client_cert */
  bool insecure;              /* no verification of peer and host name */
  const char *const *resolve; /* "HOST:PORT:ADDRESS" pins, as curl --resolve */
  size_t n_resolve;
  const char *http_version; /* "auto" (HTTP/2 over TLS when offered), "1.1" or "2"; NULL: auto */
  size_t max_size;          /* body cap in bytes; 0: MW_HTTP_MAX_SIZE_DEFAULT */
  long max_redirects;       /* 0: redirects are answers, not followed */
};

#define MW_HTTP_MAX_CAPTURE 4

struct mw_http_response;

/* Takes the body as it arrives instead of collecting it; resp already holds the status and the
 * content type. Returns 0 to go on, MW_HTTP_SINK_DONE once what was awaited has arrived, or
 * MW_HTTP_SINK_FAIL (the sink keeps its own reason). */
typedef int (*mw_http_sink)(void *ctx, const struct mw_http_response *resp, const char *data,
                            size_t len);
#define MW_HTTP_SINK_DONE 1
#define MW_HTTP_SINK_FAIL (-1)

struct mw_http_request {
  const char *method; /* NULL: GET, or POST when body is set */
  const char *url;
  const char *const *headers; /* "Name: value" */
  size_t n_headers;
  const char *body; /* NULL: none */
  size_t body_len;
  mw_http_sink sink; /* NULL: the body is collected into resp->body */
  void *sink_ctx;
  const char *const *capture; /* response header names whose values are wanted */
  size_t n_capture;           /* at most MW_HTTP_MAX_CAPTURE */
};

/* Seconds from the start of the request, as curl measures them; a reused connection has 0 for
 * dns, connect and tls. */
struct mw_http_timings {
  double dns;
  double connect;
  double tls;
  double first_byte;
  double total;
};

struct mw_http_response {
  long status; /* 0 when no response was read */
  char *body;  /* NUL-terminated (the body may hold NULs: use body_len); never NULL */
  size_t body_len;
  char content_type[128]; /* "" when absent */
  char version[8];        /* "1.0", "1.1", "2" */
  long redirects;         /* followed */
  bool reused;            /* no new connection was opened: one kept from an earlier request */
  bool stopped;           /* the sink said MW_HTTP_SINK_DONE and the transfer was ended */
  size_t received;        /* body bytes, collected or handed to the sink */
  char *captured[MW_HTTP_MAX_CAPTURE]; /* values of request->capture[i], or NULL */
  struct mw_http_timings time;
};

enum mw_http_status {
  MW_HTTP_DONE,      /* a response was read (any status code) */
  MW_HTTP_TIMED_OUT, /* the deadline passed */
  MW_HTTP_TOO_LARGE, /* the body passed max_size */
  MW_HTTP_FAILED     /* no response: the reason is in err */
};

struct mw_http;

/* NULL with a one-line reason in err when the configuration is unusable. */
struct mw_http *mw_http_new(const struct mw_http_config *config, char *err, size_t errlen);
/* Fills resp (free it with mw_http_response_free whatever the outcome). err gets a one-line
 * reason for anything but MW_HTTP_DONE. */
enum mw_http_status mw_http_perform(struct mw_http *http, const struct mw_http_request *req,
                                    struct mw_http_response *resp, mw_deadline deadline, char *err,
                                    size_t errlen);
void mw_http_response_free(struct mw_http_response *resp);
void mw_http_free(struct mw_http *http);

/* 0 when url is given and starts with http:// or https://; -1 with "OPTION is required" or
 * "OPTION must start with http:// or https://" in err. */
int mw_http_url_check(const char *url, const char *option, char *err, size_t errlen);
/* The --token-file and --token-env options of a check: at most one may be given. 0, or -1 with
 * the reason in err. */
int mw_http_token_options(const struct mw_args *args, const char **file, const char **env,
                          char *err, size_t errlen);

/* A header carrying a secret token, PREFIX followed by the token ("Authorization: Bearer ",
 * "X-Vault-Token: "), into out. The token is the first line of token_file, or else the value of
 * the environment variable token_env; read at every call, so a rotated token is picked up. 0, or
 * -1 with a one-line reason in err (never the token). */
#define MW_HTTP_TOKEN_MAX 4096
int mw_http_token_header(const char *prefix, const char *token_file, const char *token_env,
                         char *out, size_t outlen, char *err, size_t errlen);

/* "Authorization: Basic BASE64(user:password)" into out, the password read as
 * mw_http_token_header reads a token. 0, or -1 with a one-line reason in err (never the
 * password). */
int mw_http_basic_header(const char *user, const char *password_file, const char *password_env,
                         char *out, size_t outlen, char *err, size_t errlen);

/* ref (absolute, or relative such as "/message?sessionId=1") resolved against base, into out:
 * 0, or -1 when either is not a usable http(s) URL or out is too small. */
int mw_http_resolve_url(const char *base, const char *ref, char *out, size_t outlen);
/* True when both are http(s) URLs of the same origin: scheme, host (any case) and port (the
 * scheme's default when none is written). Credentials stay with their origin on redirects. */
bool mw_http_same_origin(const char *a, const char *b);

/* A long GET whose body is read a piece at a time while other requests are made on the client
 * (MCP's legacy HTTP+SSE transport). mw_http_stream_open starts it and reads until its sink
 * says MW_HTTP_SINK_DONE; mw_http_stream_pump reads on until the sink says so again. Both give
 * MW_HTTP_DONE then, MW_HTTP_FAILED when the stream ended or failed (reason in err),
 * MW_HTTP_TIMED_OUT or MW_HTTP_TOO_LARGE. resp (status, captured headers) belongs to the
 * stream until mw_http_stream_close; the request is copied, but what it points to (sink_ctx, the
 * capture names) must outlive the stream. */
struct mw_http_stream;

enum mw_http_status mw_http_stream_open(struct mw_http *http, const struct mw_http_request *req,
                                        struct mw_http_response *resp,
                                        struct mw_http_stream **stream, mw_deadline deadline,
                                        char *err, size_t errlen);
enum mw_http_status mw_http_stream_pump(struct mw_http_stream *stream, mw_deadline deadline,
                                        char *err, size_t errlen);
void mw_http_stream_close(struct mw_http_stream *stream);

/* Option table entries every HTTP check offers: ca-cert, client-cert, client-key, insecure,
 * resolve, http-version, max-size. Put MW_HTTP_OPTIONS in a check's table and read them with
 * mw_http_config_from_args. */
extern const char *const mw_http_versions[];
/* clang-format off */
#define MW_HTTP_OPTIONS                                                                            \
  {"ca-cert", 0, MW_OPT_STRING, 0, "FILE", NULL,                                                   \
   "PEM file of the CAs to trust instead of the system store.", NULL, NULL},                      \
  {"client-cert", 0, MW_OPT_STRING, 0, "FILE", NULL,                                               \
   "PEM client certificate (the key too, unless --client-key).", NULL, NULL},                     \
  {"client-key", 0, MW_OPT_STRING, 0, "FILE", NULL, "PEM key of --client-cert.", NULL, NULL},      \
  {"insecure", 'k', MW_OPT_BOOL, 0, NULL, NULL,                                                    \
   "Do not verify the server's certificate (said in the output).", NULL, NULL},                   \
  {"resolve", 0, MW_OPT_STRING, MW_OPT_REPEAT, "HOST:PORT:ADDR", NULL,                             \
   "Connect to ADDR for HOST:PORT, keeping the name for TLS (SNI and verification).", NULL, NULL},\
  {"http-version", 0, MW_OPT_STRING, 0, "VERSION", "auto",                                         \
   "auto (HTTP/2 when the TLS server offers it), 1.1 or 2.", NULL, mw_http_versions},             \
  {"max-size", 0, MW_OPT_INT, 0, "BYTES", "1048576",                                               \
   "A larger response body is not read and is CRITICAL.", NULL, NULL}
/* clang-format on */

/* The configuration MW_HTTP_OPTIONS describe; pointers stay owned by args. 0, or -1 with a
 * one-line reason in err (a --resolve that is not HOST:PORT:ADDR, a bad --max-size). */
int mw_http_config_from_args(const struct mw_args *args, struct mw_http_config *config,
                             const char **resolve_store, size_t resolve_max, char *err,
                             size_t errlen);

/* ---- for notifiers (mw_notify.h) ---------------------------------------------------------- */

struct mw_send_status;

/* One delivery attempt: status says delivered (2xx), retry (no answer, 408, 425, 429, 5xx, with
 * Retry-After) or rejected (other codes), with a reason quoting the receiver. keep, when not
 * NULL, receives the response (free it with mw_http_response_free); else it is freed. */
void mw_http_deliver(struct mw_http *http, const struct mw_http_request *req, mw_deadline deadline,
                     struct mw_send_status *status, struct mw_http_response *keep);
/* A secret given as --FILE_OPTION or --ENV_OPTION (the env option may have a default, which a
 * file option overrides). 0 with at most one of file/env set, or -1 with err set; required: one
 * must lead somewhere. */
int mw_http_secret_options(const struct mw_args *args, const char *file_option,
                           const char *env_option, bool required, const char **file,
                           const char **env, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* MW_HTTP_H */
