/* SPDX-License-Identifier: MIT */
/* slowdns.c - LD_PRELOAD shim for faults.sh where no mount namespace can give a check a resolver
 * of its own (a chroot): getaddrinfo() of a name ending in ".hang.invalid" blocks for 30 s, as
 * glibc's does against a DNS server that never answers; every other name goes to the real one. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
  static const char suffix[] = ".hang.invalid";
  int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
  size_t len = node ? strlen(node) : 0;

  /* A numeric-only lookup never asks DNS (and fails at once for a name), as glibc's. */
  bool numeric_only = hints && (hints->ai_flags & AI_NUMERICHOST);

  if (!numeric_only && len >= sizeof(suffix) - 1 &&
      strcmp(node + len - (sizeof(suffix) - 1), suffix) == 0) {
    sleep(30);
    return EAI_AGAIN;
  }
  *(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
  return real ? real(node, service, hints, res) : EAI_FAIL;
}
