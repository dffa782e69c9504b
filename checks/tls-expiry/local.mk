# SPDX-License-Identifier: MIT
# checks/tls-expiry: TLS certificates (OpenSSL over mcpwatch's deadline-bound sockets).
if BUILD_TLS
checks_LTLIBRARIES += tls_expiry.la
tls_expiry_la_SOURCES = %reldir%/tls_expiry.c %reldir%/tls_expiry.h %reldir%/tls_run.c \
	%reldir%/tls_conn.c %reldir%/tls_conn.h %reldir%/tls_cert.c %reldir%/tls_cert.h \
	$(COMMON_PROBLEMS)
tls_expiry_la_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
tls_expiry_la_LDFLAGS = $(CHECK_LDFLAGS)
tls_expiry_la_LIBADD = $(CHECK_LIBADD) $(OPENSSL_LIBS)
endif
