# SPDX-License-Identifier: MIT
# checks/host: the host's CPU, memory, load, swap and PSI pressure, read from /proc.
checks_LTLIBRARIES += host.la
host_la_SOURCES = %reldir%/host.c %reldir%/host_proc.c %reldir%/host_proc.h $(COMMON_MODES)
host_la_LDFLAGS = $(CHECK_LDFLAGS)
host_la_LIBADD = $(CHECK_LIBADD)
