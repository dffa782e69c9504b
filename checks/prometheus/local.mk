# SPDX-License-Identifier: MIT
# checks/prometheus: PromQL queries over Prometheus's HTTP API.
if BUILD_HTTP
checks_LTLIBRARIES += prometheus.la
prometheus_la_SOURCES = %reldir%/prometheus.c %reldir%/prom_query.c %reldir%/prom_query.h
prometheus_la_CPPFLAGS = $(HTTP_CPPFLAGS) $(JANSSON_CFLAGS)
prometheus_la_LDFLAGS = $(CHECK_LDFLAGS)
prometheus_la_LIBADD = $(HTTP_LIBADD)
endif
