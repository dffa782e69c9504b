# SPDX-License-Identifier: MIT
# checks/redis: Redis (hiredis over mcpwatch's deadline-bound sockets). TLS is a helper object
# beside redis.so, linked with OpenSSL and loaded only for --tls (see redis_tls.h).
if BUILD_REDIS
checks_LTLIBRARIES += redis.la
redis_la_SOURCES = %reldir%/redis.c %reldir%/redis_check.h %reldir%/redis_conn.c \
	%reldir%/redis_conn.h %reldir%/redis_info.c %reldir%/redis_info.h %reldir%/redis_modes.c \
	%reldir%/redis_slowlog.c %reldir%/redis_sentinel.c %reldir%/redis_cluster.c \
	%reldir%/redis_tls_load.c %reldir%/redis_tls.h $(COMMON_MODES)
redis_la_CPPFLAGS = $(AM_CPPFLAGS) $(HIREDIS_CFLAGS)
redis_la_LDFLAGS = $(CHECK_LDFLAGS)
redis_la_LIBADD = $(CHECK_LIBADD) $(HIREDIS_LIBS)
if BUILD_TLS
checks_LTLIBRARIES += redis_tls_helper.la
redis_tls_helper_la_SOURCES = %reldir%/redis_tls.c %reldir%/redis_tls.h
redis_tls_helper_la_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
redis_tls_helper_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^redis_tls_helper_entry$$'
redis_tls_helper_la_LIBADD = $(CHECK_LIBADD) $(OPENSSL_LIBS)
endif
endif
