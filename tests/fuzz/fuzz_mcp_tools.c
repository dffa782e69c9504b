/* SPDX-License-Identifier: MIT */
/* fuzz_mcp_tools.c - the mcp-tools check against a server that answers anything: server/discover
 * (modern) or initialize (legacy), tools/list pages, ping and a tool call, as JSON or as SSE
 * streams (fuzz_http.c cuts them at varying places), eras and sessions kept between the two
 * runs. An input that starts with "sse\n" uses the legacy HTTP+SSE transport (a GET stream and
 * POSTed messages); one that starts with "oauth\n" a client credentials client (the 401, the
 * metadata, the token answer) that also expects a resource and reads it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

const struct mw_check *mw_check_entry(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *streamable[] = {"mcp-tools",
                              "--url",
                              "http://127.0.0.1:3001/mcp",
                              "--expect-tools",
                              "echo,add",
                              "--forbid-tools",
                              "shell",
                              "--call",
                              "echo",
                              "--call-args",
                              "{\"message\":\"hi\"}",
                              "--ping",
                              "--max-pages",
                              "3",
                              "--max-size",
                              "65536"};
  const char *sse[] = {"mcp-tools",   "--url",  "http://127.0.0.1:3001/sse",
                       "--transport", "sse",    "--expect-tools",
                       "echo",        "--ping", "--max-size",
                       "65536"};

  /* OAuth: a 401 and its challenge, the two metadata documents and the token answer come
   * from the input too. */
  const char *oauth[] = {"mcp-tools",
                         "--url",
                         "http://127.0.0.1:3001/mcp",
                         "--oauth-client-id",
                         "fuzz-client",
                         "--oauth-client-secret-env",
                         "FUZZ_OAUTH_SECRET",
                         "--expect-resources",
                         "file:///a",
                         "--read-resource",
                         "file:///a",
                         "--read-mime",
                         "text/plain",
                         "--max-size",
                         "65536"};

  setenv("FUZZ_OAUTH_SECRET", "fuzz-secret-value", 0);
  if (size >= 6 && memcmp(data, "oauth\n", 6) == 0) {
    fuzz_run_check(mw_check_entry(), (int)(sizeof(oauth) / sizeof(oauth[0])), oauth, data + 6,
                   size - 6);
    return 0;
  }
  fuzz_run_check_either(mw_check_entry(), "sse\n",
                        (int)(sizeof(streamable) / sizeof(streamable[0])), streamable,
                        (int)(sizeof(sse) / sizeof(sse[0])), sse, data, size);
  return 0;
}
