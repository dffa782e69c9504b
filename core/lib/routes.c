/* SPDX-License-Identifier: MIT */
/* routes.c - what the notification policy shares with its front ends: the route words of a
 * notifier's 'states'. */
#include "config.h"

#include <strings.h>

#include "mw_core.h"

unsigned mw_route_parse(const char *word)
{
  static const struct {
    const char *word;
    unsigned bit;
  } words[] = {
      {"warning", MW_ROUTE_WARNING},   {"critical", MW_ROUTE_CRITICAL},
      {"unknown", MW_ROUTE_UNKNOWN},   {"recovery", MW_ROUTE_RECOVERY},
      {"flapping", MW_ROUTE_FLAPPING},
  };
  size_t i;

  for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
    if (strcasecmp(word, words[i].word) == 0)
      return words[i].bit;
  }
  return 0;
}

unsigned mw_route_of_state(enum mw_state state)
{
  switch (state) {
  case MW_WARNING:
    return MW_ROUTE_WARNING;
  case MW_CRITICAL:
    return MW_ROUTE_CRITICAL;
  case MW_UNKNOWN:
    return MW_ROUTE_UNKNOWN;
  default:
    return 0;
  }
}
