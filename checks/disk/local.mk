# SPDX-License-Identifier: MIT
# checks/disk: free space and inodes of mounted file systems (statvfs bounded by the deadline).
checks_LTLIBRARIES += disk.la
disk_la_SOURCES = %reldir%/disk.c %reldir%/mounts.c %reldir%/mounts.h
disk_la_LDFLAGS = $(CHECK_LDFLAGS)
disk_la_LIBADD = $(CHECK_LIBADD)
