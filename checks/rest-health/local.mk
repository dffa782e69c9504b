# SPDX-License-Identifier: MIT
# checks/rest-health: REST health endpoints (status, body, JSON health documents).
if BUILD_HTTP
checks_LTLIBRARIES += rest_health.la
rest_health_la_SOURCES = %reldir%/rest_health.c %reldir%/rest_health.h %reldir%/rest_body.c \
	$(COMMON_JSON_RULE) $(COMMON_PROBLEMS)
rest_health_la_CPPFLAGS = $(HTTP_CPPFLAGS) $(JANSSON_CFLAGS)
rest_health_la_LDFLAGS = $(CHECK_LDFLAGS)
rest_health_la_LIBADD = $(HTTP_LIBADD)
endif
