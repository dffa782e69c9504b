# SPDX-License-Identifier: MIT
# core/agent: the agent and the forwarding `run --notify` shares with it, linked into
# mwagent.so (core/cli), never into the mcpwatch program. May include core/spool and core/lib.
AGENT_CPPFLAGS = $(SPOOL_CPPFLAGS) -I$(srcdir)/%reldir%
noinst_LTLIBRARIES += %reldir%/libmwagent.la
%canon_reldir%_libmwagent_la_SOURCES = %reldir%/agent.c %reldir%/agent_log.c \
	%reldir%/scheduler.c %reldir%/workers.c %reldir%/agent_services.c %reldir%/agent_status.c %reldir%/status_view.c \
	%reldir%/agent_stop.c %reldir%/agent_slo.c %reldir%/agent_lateness.c %reldir%/forward.c %reldir%/passive.c %reldir%/submit.c \
	%reldir%/agent.h %reldir%/agent_impl.h
%canon_reldir%_libmwagent_la_CPPFLAGS = $(AGENT_CPPFLAGS) $(SQLITE_CFLAGS)
%canon_reldir%_libmwagent_la_LIBADD =
if BUILD_HTTPD
%canon_reldir%_libmwagent_la_SOURCES += %reldir%/agent_http.c %reldir%/agent_http_auth.c \
	%reldir%/agent_metrics.c %reldir%/agent_page.c
%canon_reldir%_libmwagent_la_CPPFLAGS += $(MHD_CFLAGS) $(SQLITE_CFLAGS)
%canon_reldir%_libmwagent_la_LIBADD += $(MHD_LIBS)
endif
if BUILD_HISTORY
%canon_reldir%_libmwagent_la_SOURCES += %reldir%/history.c %reldir%/history_hist.c \
	%reldir%/history_query.c %reldir%/history_series.c %reldir%/history.h %reldir%/history_series.h
%canon_reldir%_libmwagent_la_CPPFLAGS += $(SQLITE_CFLAGS)
%canon_reldir%_libmwagent_la_LIBADD += $(SQLITE_LIBS)
endif
EXTRA_DIST += %reldir%/README.md
