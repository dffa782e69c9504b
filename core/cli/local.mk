# SPDX-License-Identifier: MIT
# core/cli: the mcpwatch command. May include core/agent, core/spool and core/lib.
bin_PROGRAMS += mcpwatch
mcpwatch_SOURCES = %reldir%/mcpwatch.c %reldir%/cli.c %reldir%/cmd_run.c %reldir%/cmd_notify.c \
	%reldir%/cmd_agent.c %reldir%/cmd_status.c %reldir%/cmd_downtime.c %reldir%/cmd_history.c \
	%reldir%/cli.h
mcpwatch_CPPFLAGS = $(AGENT_CPPFLAGS) -I$(srcdir)/%reldir% $(SQLITE_CFLAGS)
mcpwatch_LDADD = agent/libmwagent.la libmcpwatch.la
EXTRA_DIST += %reldir%/README.md
