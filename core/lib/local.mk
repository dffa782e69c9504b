# SPDX-License-Identifier: MIT
# core/lib: the check contract and what every part shares (half of libmcpwatch). Includes its
# own headers only.
LIB_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/%reldir%
noinst_LTLIBRARIES += %reldir%/libmwlib.la
%canon_reldir%_libmwlib_la_SOURCES = %reldir%/buf.c %reldir%/format.c %reldir%/util.c %reldir%/range.c \
	%reldir%/result.c %reldir%/render.c %reldir%/options.c %reldir%/argv.c %reldir%/loader.c %reldir%/loader_bind.c \
	%reldir%/fsstat.c %reldir%/net.c %reldir%/resolve.c %reldir%/runner.c %reldir%/ratelog.c \
	%reldir%/event.c %reldir%/routes.c %reldir%/fileio.c %reldir%/tzinfo.c %reldir%/downtime.c %reldir%/prom.c \
	%reldir%/mw_check.h %reldir%/mw_core.h %reldir%/mw_notify.h %reldir%/mw_downtime.h \
	%reldir%/result_impl.h %reldir%/conf_module.h %reldir%/fileio.h %reldir%/loader_bind.h %reldir%/format.h
%canon_reldir%_libmwlib_la_CPPFLAGS = $(LIB_CPPFLAGS)
pkginclude_HEADERS += %reldir%/mw_check.h %reldir%/mw_notify.h
EXTRA_DIST += %reldir%/README.md
