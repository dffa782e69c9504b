/* SPDX-License-Identifier: MIT */
/* config_http.c - the agent's own HTTP server settings: http: { listen = [...]; ... }; off
 * unless given. An address that is not loopback must have credentials (a Basic password file or
 * a bearer token file): /metrics and the status page name every service the agent watches. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"

/* "HOST:PORT" or "[V6]:PORT" with a port of 1 to 65535: the host's length, or 0. */
static size_t split_listen(const char *text, long *port)
{
  const char *colon;
  char *end;
  size_t host_len;

  if (text[0] == '[') {
    const char *close = strchr(text, ']');

    if (!close || close[1] != ':')
      return 0;
    colon = close + 1;
  } else {
    colon = strrchr(text, ':');
    if (!colon || memchr(text, ':', (size_t)(colon - text)))
      return 0;
  }
  host_len = (size_t)(colon - text);
  *port = strtol(colon + 1, &end, 10);
  if (host_len == 0 || *end || colon[1] == '\0' || *port < 1 || *port > 65535)
    return 0;
  return host_len;
}

static bool loopback(const char *host, size_t len)
{
  size_t i;

  if ((len == 9 && strncmp(host, "localhost", 9) == 0) ||
      (len == 5 && strncmp(host, "[::1]", 5) == 0))
    return true;
  if (len < 9 || strncmp(host, "127.", 4) != 0)
    return false;
  for (i = 4; i < len; i++)
    if ((host[i] < '0' || host[i] > '9') && host[i] != '.')
      return false;
  return true;
}

static int take_string(const config_setting_t *s, const char *file, char **slot, char *err,
                       size_t errlen)
{
  if (config_setting_type(s) != CONFIG_TYPE_STRING || !*config_setting_get_string(s)) {
    snprintf(err, errlen, "%s:%d: http: %s must be a non-empty string", file,
             config_setting_source_line(s), config_setting_name(s));
    return -1;
  }
  free(*slot);
  *slot = strdup(config_setting_get_string(s));
  if (!*slot) {
    snprintf(err, errlen, "%s: out of memory", file);
    return -1;
  }
  return 0;
}

int conf_load_http(const config_setting_t *group, const char *file, struct mw_config *cfg,
                   char *err, size_t errlen)
{
  struct mw_http_server_conf *http = &cfg->http;
  int line = config_setting_source_line(group);
  bool exposed = false;
  int n;
  int i;

  if (!config_setting_is_group(group)) {
    snprintf(err, errlen,
             "%s:%d: 'http' must be a group: http: { listen = [\"127.0.0.1:9464\"]; };", file,
             line);
    return -1;
  }
  http->degraded_status = 200;
  n = config_setting_length(group);
  for (i = 0; i < n; i++) {
    config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
    const char *name = config_setting_name(s);

    if (strcmp(name, "listen") == 0) {
      int rc = conf_load_name_list(s, file, "listen", "HOST:PORT", &http->listen, &http->nlisten,
                                   err, errlen);

      if (rc == -2)
        snprintf(err, errlen, "%s: out of memory", file);
      if (rc != 0)
        return -1;
    } else if (strcmp(name, "basic_file") == 0) {
      if (take_string(s, file, &http->basic_file, err, errlen) != 0)
        return -1;
    } else if (strcmp(name, "token_file") == 0) {
      if (take_string(s, file, &http->token_file, err, errlen) != 0)
        return -1;
    } else if (strcmp(name, "tls_cert") == 0) {
      if (take_string(s, file, &http->tls_cert, err, errlen) != 0)
        return -1;
    } else if (strcmp(name, "tls_key") == 0) {
      if (take_string(s, file, &http->tls_key, err, errlen) != 0)
        return -1;
    } else if (strcmp(name, "degraded") == 0) {
      if (config_setting_type(s) != CONFIG_TYPE_INT ||
          (config_setting_get_int(s) != 200 && config_setting_get_int(s) != 503)) {
        snprintf(err, errlen,
                 "%s:%d: http: degraded must be 200 or 503 (the /health status of a "
                 "DEGRADED service)",
                 file, config_setting_source_line(s));
        return -1;
      }
      http->degraded_status = config_setting_get_int(s);
    } else {
      snprintf(err, errlen,
               "%s:%d: unknown key '%s' in http (listen, basic_file, token_file, "
               "tls_cert, tls_key, degraded)",
               file, config_setting_source_line(s), name);
      return -1;
    }
  }
  if (http->nlisten == 0) {
    snprintf(err, errlen, "%s:%d: http has no listen = [\"127.0.0.1:9464\"];", file, line);
    return -1;
  }
  for (i = 0; i < (int)http->nlisten; i++) {
    long port;
    size_t host_len = split_listen(http->listen[i], &port);

    if (host_len == 0) {
      snprintf(err, errlen,
               "%s:%d: http: listen \"%s\" is not HOST:PORT ([V6]:PORT, port 1 to "
               "65535)",
               file, line, http->listen[i]);
      return -1;
    }
    exposed |= !loopback(http->listen[i], host_len);
  }
  if (http->basic_file && http->token_file) {
    snprintf(err, errlen, "%s:%d: http: basic_file and token_file: give one", file, line);
    return -1;
  }
  if (exposed && !http->basic_file && !http->token_file) {
    snprintf(err, errlen,
             "%s:%d: http: an address other than loopback needs basic_file or "
             "token_file",
             file, line);
    return -1;
  }
  if (!http->tls_cert != !http->tls_key) {
    snprintf(err, errlen, "%s:%d: http: tls_cert and tls_key go together", file, line);
    return -1;
  }
  return 0;
}

void conf_free_http(struct mw_config *cfg)
{
  size_t i;

  for (i = 0; i < cfg->http.nlisten; i++)
    free(cfg->http.listen[i]);
  free(cfg->http.listen);
  free(cfg->http.basic_file);
  free(cfg->http.token_file);
  free(cfg->http.tls_cert);
  free(cfg->http.tls_key);
  memset(&cfg->http, 0, sizeof(cfg->http));
}
