/* SPDX-License-Identifier: MIT */
/* redis_tls_load.c - finds and loads the TLS helper beside redis.so, only when --tls is asked
 * for, and refuses one of another ABI. */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "redis_check.h"
#include "redis_tls.h"

const struct redis_tls_helper *redis_tls_load(void **handle, char *err, size_t errlen)
{
  const struct redis_tls_helper *(*entry)(void);
  const struct redis_tls_helper *helper;
  char path[4096];
  char why[600];
  const char *slash;
  Dl_info self;

  *handle = NULL;
  /* this object's own file: the helper is installed (and built) in the same folder */
  if (!dladdr((void *)redis_tls_load, &self) || !self.dli_fname ||
      !(slash = strrchr(self.dli_fname, '/'))) {
    snprintf(err, errlen, "--tls: cannot tell where the redis check was loaded from");
    return NULL;
  }
  if (snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - self.dli_fname), self.dli_fname,
               REDIS_TLS_HELPER_FILE) >= (int)sizeof(path)) {
    snprintf(err, errlen, "--tls: the checks' folder has too long a name");
    return NULL;
  }
  if (mw_object_trusted(path, why, sizeof(why)) != 0) {
    snprintf(err, errlen, "--tls: %s%s", why,
             access(path, F_OK) != 0 ? " (is the check built with OpenSSL, configure --enable-tls?)"
                                     : "");
    return NULL;
  }
  *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!*handle) {
    const char *reason = dlerror();

    snprintf(err, errlen, "--tls: cannot load %.300s: %.200s", path,
             reason ? reason : "unknown reason");
    return NULL;
  }
  *(void **)&entry = dlsym(*handle, REDIS_TLS_HELPER_ENTRY);
  helper = entry ? entry() : NULL;
  if (!helper || helper->abi != REDIS_TLS_HELPER_ABI) {
    snprintf(err, errlen, "--tls: %.300s is not a TLS helper of this version (ABI %d wanted)", path,
             REDIS_TLS_HELPER_ABI);
    dlclose(*handle);
    *handle = NULL;
    return NULL;
  }
  return helper;
}

void redis_tls_unload(void *handle)
{
  if (handle)
    dlclose(handle);
}

int redis_tls_options(const struct mw_args *args, struct redis *r, struct mw_result *err)
{
  static const char *const needs_tls[] = {"ca-cert", "client-cert", "client-key", "sni"};
  struct redis_tls_config config = {mw_args_str(args, "ca-cert"), mw_args_str(args, "client-cert"),
                                    mw_args_str(args, "client-key"), mw_args_str(args, "sni"),
                                    mw_args_bool(args, "insecure")};
  bool tls = mw_args_bool(args, "tls");
  char reason[600];
  size_t i;

  for (i = 0; i < sizeof(needs_tls) / sizeof(needs_tls[0]); i++) {
    if (!tls && mw_args_str(args, needs_tls[i])) {
      mw_result_summary(err, "--%s needs --tls", needs_tls[i]);
      return -1;
    }
  }
  if (!tls && config.insecure) {
    mw_result_summary(err, "--insecure needs --tls");
    return -1;
  }
  if (!tls)
    return 0;
  if (r->target.socket) {
    mw_result_summary(err, "--tls needs --host and --port: Redis speaks TLS on TCP only");
    return -1;
  }
  if (!config.client_cert != !config.client_key) {
    mw_result_summary(err, config.client_cert ? "--client-cert needs --client-key"
                                              : "--client-key needs --client-cert");
    return -1;
  }
  if (config.insecure && config.ca_cert) {
    mw_result_summary(err, "--insecure and --ca-cert contradict each other: give one");
    return -1;
  }
  r->target.tls_helper = redis_tls_load(&r->tls_handle, reason, sizeof(reason));
  if (!r->target.tls_helper) {
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  r->target.tls = r->target.tls_helper->context_new(&config, reason, sizeof(reason));
  if (!r->target.tls) {
    mw_result_summary(err, "%s", reason);
    return -1;
  }
  return 0;
}

void redis_tls_close(struct redis *r)
{
  if (r->target.tls)
    r->target.tls_helper->context_free(r->target.tls);
  r->target.tls = NULL;
  r->target.tls_helper = NULL;
  redis_tls_unload(r->tls_handle);
  r->tls_handle = NULL;
}
