# SPDX-License-Identifier: MIT
# core/cli: the mcpwatch command, and mwagent.so, the module holding the commands that need the
# agent (run, agent, status, history): the program maps only libmcpwatch, so a single check run
# from Nagios does not pay for SQLite, libmicrohttpd and GnuTLS. May include core/agent,
# core/spool and core/lib.
bin_PROGRAMS += mcpwatch
mcpwatch_SOURCES = %reldir%/mcpwatch.c %reldir%/cli.c %reldir%/cli_agent.c %reldir%/cmd_notify.c \
	%reldir%/cmd_downtime.c %reldir%/cli.h
mcpwatch_CPPFLAGS = $(AGENT_CPPFLAGS) -I$(srcdir)/%reldir% \
	-DMW_AGENT_MODULE='"$(pkglibdir)/mwagent.so"'
mcpwatch_LDADD = libmcpwatch.la
if SANITIZERS
if BUILD_HTTPD
# The sanitizers intercept crypt_r and look the real one up when the program starts: libcrypt
# must be mapped then, not only by mwagent.so later, or the agent's first Basic credential
# check calls a null pointer. Sanitizer builds only: a release maps it with mwagent.so alone.
mcpwatch_LDADD += -lcrypt
endif
endif

pkglib_LTLIBRARIES += mwagent.la
mwagent_la_SOURCES = %reldir%/cli_commands.c %reldir%/cli.c %reldir%/cmd_run.c \
	%reldir%/cmd_agent.c %reldir%/cmd_status.c %reldir%/cmd_history.c %reldir%/cli.h
mwagent_la_CPPFLAGS = $(AGENT_CPPFLAGS) -I$(srcdir)/%reldir% $(SQLITE_CFLAGS)
mwagent_la_LIBADD = agent/libmwagent.la libmcpwatch.la
mwagent_la_LDFLAGS = -module -avoid-version -shared -export-symbols-regex '^mwagent_commands$$'
EXTRA_DIST += %reldir%/README.md
