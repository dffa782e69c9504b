# SPDX-License-Identifier: MIT
# core/config: mwconfig.so, the configuration parser (libconfig), loaded only when a
# configuration is read: a single check run from Nagios then never maps libconfig. May include
# core/lib.
pkglib_LTLIBRARIES += mwconfig.la
mwconfig_la_SOURCES = %reldir%/config.c %reldir%/config_instance.c %reldir%/config_policy.c \
	%reldir%/config_json.c %reldir%/config_http.c %reldir%/config_history.c %reldir%/config_slo.c %reldir%/config_impl.h
mwconfig_la_CPPFLAGS = $(LIB_CPPFLAGS) -I$(srcdir)/%reldir% $(LIBCONFIG_CFLAGS)
mwconfig_la_LIBADD = libmcpwatch.la $(LIBCONFIG_LIBS)
mwconfig_la_LDFLAGS = -module -avoid-version -shared -export-symbols-regex '^mwconf_(load|free)$$'
EXTRA_DIST += %reldir%/README.md
