/* SPDX-License-Identifier: MIT */
/* fuzz_vault.c - the vault check on a server that answers anything: /v1/sys/health first, then
 * the token lookup. The input is the server's script (fuzz_http.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"

const struct mw_check *mw_check_entry(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char token_file[128];
  const char *argv[] = {"vault",
                        "--url",
                        "http://127.0.0.1:8200",
                        "--token-file",
                        token_file,
                        "--token-ttl-warning",
                        "1h",
                        "--token-ttl-critical",
                        "10m",
                        "--expect-version",
                        "1.15",
                        "--skew-warning",
                        "5s",
                        "--max-size",
                        "65536"};

  if (!token_file[0])
    snprintf(token_file, sizeof(token_file), "%s", fuzz_file("token", "hvs.fuzz-token\n"));
  fuzz_run_check(mw_check_entry(), (int)(sizeof(argv) / sizeof(argv[0])), argv, data, size);
  return 0;
}
