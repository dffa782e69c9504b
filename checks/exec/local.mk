# SPDX-License-Identifier: MIT
# checks/exec: any Nagios plugin, run with posix_spawn in a process group of its own.
checks_LTLIBRARIES += exec.la
exec_la_SOURCES = %reldir%/exec.c %reldir%/exec_output.c %reldir%/exec_output.h $(COMMON_SPAWN)
exec_la_LDFLAGS = $(CHECK_LDFLAGS)
exec_la_LIBADD = $(CHECK_LIBADD)
