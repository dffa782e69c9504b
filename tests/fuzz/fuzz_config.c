/* SPDX-License-Identifier: MIT */
/* fuzz_config.c - the configuration parser (mwconfig): any file is either loaded or refused
 * with a one-line reason, and a loaded one frees cleanly. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_module.h"
#include "fuzz_common.h"
#include "mw_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct mw_config cfg;
  char path[128];
  char err[512];
  char *text;

  if (size > 64 * 1024)
    return 0;
  text = malloc(size + 1);
  fuzz_expect(text != NULL, "out of memory", NULL);
  memcpy(text, data, size);
  text[size] = '\0';
  snprintf(path, sizeof(path), "%s", fuzz_file("mcpwatch.conf", text));
  free(text);
  memset(&cfg, 0, sizeof(cfg));
  err[0] = '\0';
  if (mwconf_load(path, &cfg, err, sizeof(err)) == 0)
    mwconf_free(&cfg);
  else
    fuzz_expect(err[0] != '\0' && !strchr(err, '\n'), "a refusal without a one-line reason", err);
  return 0;
}
