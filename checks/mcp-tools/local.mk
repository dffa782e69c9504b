# SPDX-License-Identifier: MIT
# checks/mcp-tools: an MCP server's tools/list (and calls) over Streamable HTTP.
if BUILD_HTTP
checks_LTLIBRARIES += mcp_tools.la
mcp_tools_la_SOURCES = %reldir%/mcp_tools.c %reldir%/mcp_help.c %reldir%/mcp_tools.h %reldir%/mcp_run.c \
	%reldir%/mcp_client.c %reldir%/mcp_post.c %reldir%/mcp_legacy.c %reldir%/mcp_stdio.c %reldir%/mcp_argv.c %reldir%/mcp_xheader.c \
	%reldir%/mcp_catalog.c %reldir%/mcp_baseline.c %reldir%/mcp_baseline_scan.c %reldir%/mcp_drift.c %reldir%/mcp_lint.c \
	%reldir%/mcp_sha256.c %reldir%/mcp_calls.c %reldir%/mcp_oauth.c %reldir%/mcp_oauth_token.c %reldir%/mcp_resources.c %reldir%/mcp_oauth.h %reldir%/mcp_contract.h %reldir%/mcp_stdio.h %reldir%/mcp_client.h %reldir%/sse.c \
	%reldir%/sse.h $(COMMON_PROBLEMS) $(COMMON_JSON_RULE) $(COMMON_SPAWN)
mcp_tools_la_CPPFLAGS = $(HTTP_CPPFLAGS) $(JANSSON_CFLAGS)
mcp_tools_la_LDFLAGS = $(CHECK_LDFLAGS)
mcp_tools_la_LIBADD = $(HTTP_LIBADD)
endif
