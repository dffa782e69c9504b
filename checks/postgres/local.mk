# SPDX-License-Identifier: MIT
# checks/postgres: PostgreSQL (libpq, non-blocking within the deadline).
if BUILD_POSTGRES
checks_LTLIBRARIES += postgres.la
postgres_la_SOURCES = %reldir%/postgres.c %reldir%/postgres_check.h %reldir%/postgres_conn.c \
	%reldir%/postgres_conn.h %reldir%/postgres_modes.c %reldir%/postgres_pgbouncer.c $(COMMON_MODES)
postgres_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS)
postgres_la_LDFLAGS = $(CHECK_LDFLAGS)
postgres_la_LIBADD = $(CHECK_LIBADD) $(LIBPQ_LIBS)
endif
