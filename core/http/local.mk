# SPDX-License-Identifier: MIT
# core/http: libmwhttp, the HTTP client (libcurl) of every HTTP-speaking check and notifier: a
# library of its own so that only they map libcurl. May include core/lib.
if BUILD_HTTP
pkglib_LTLIBRARIES += libmwhttp.la
libmwhttp_la_SOURCES = %reldir%/http.c %reldir%/http_drive.c %reldir%/http_pin.c %reldir%/http_config.c \
	%reldir%/http_auth.c %reldir%/http_deliver.c %reldir%/http_impl.h %reldir%/mw_http.h
libmwhttp_la_CPPFLAGS = $(LIB_CPPFLAGS) -I$(srcdir)/%reldir% $(LIBCURL_CFLAGS)
libmwhttp_la_LIBADD = libmcpwatch.la $(LIBCURL_LIBS)
libmwhttp_la_LDFLAGS = -avoid-version -export-symbols-regex '^mw_http_'
endif
EXTRA_DIST += %reldir%/README.md
