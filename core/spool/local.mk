# SPDX-License-Identifier: MIT
# core/spool: the delivery pipeline (the other half of libmcpwatch). May include core/lib.
SPOOL_CPPFLAGS = $(LIB_CPPFLAGS) -I$(srcdir)/%reldir%
noinst_LTLIBRARIES += %reldir%/libmwspool.la
%canon_reldir%_libmwspool_la_SOURCES = %reldir%/spool.c %reldir%/destination.c \
	%reldir%/courier.c %reldir%/tracker.c %reldir%/staging.c %reldir%/handoff.c \
	%reldir%/mw_spool.h %reldir%/spool_impl.h
%canon_reldir%_libmwspool_la_CPPFLAGS = $(SPOOL_CPPFLAGS)
EXTRA_DIST += %reldir%/README.md
