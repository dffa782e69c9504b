/* SPDX-License-Identifier: MIT */
/* fuzz_mcp_tools.c - the mcp-tools check against a server that answers anything: server/discover
 * (modern) or initialize (legacy), tools/list pages, ping and a tool call, as JSON or as SSE
 * streams (fuzz_http.c cuts them at varying places), eras and sessions kept between the two
 * runs. An input that starts with "sse\n" uses the legacy HTTP+SSE transport (a GET stream and
 * POSTed messages). */
#include "config.h"

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

  fuzz_run_check_either(mw_check_entry(), "sse\n",
                        (int)(sizeof(streamable) / sizeof(streamable[0])), streamable,
                        (int)(sizeof(sse) / sizeof(sse[0])), sse, data, size);
  return 0;
}
