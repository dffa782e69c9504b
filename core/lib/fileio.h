/* SPDX-License-Identifier: MIT */
/* fileio.h - the file operations the spool and the state folder are built on, inside
 * libmcpwatch (not exported): every write durable (temporary file, fsync, rename, fsync of the
 * folder), every read bounded, and trust decided by owner and mode. */
#ifndef MW_FILEIO_H
#define MW_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_REALTIME in milliseconds. */
int64_t clock_realtime_ms(void);
/* "DIR/NAME", or NULL when too long or out of memory. */
char *fileio_path_join(const char *dir, const char *name);
int fileio_make_dir(const char *path, char *err, size_t errlen);
int fileio_fsync_dir(const char *dir);
/* Whether a folder or file of the spool or the state folder may be believed: owned by this user or
 * root (shared: or by a group this process belongs to, as the spool folder the packages share
 * between the agent and Nagios is), not writable by every user, and (follow false) not a symbolic
 * link. 0, or -1 with the reason in err. */
int fileio_trust(const char *path, bool follow, bool shared, char *err, size_t errlen);
/* The whole of a small file, NUL-terminated; NULL with errno set (EFBIG past max). */
char *fileio_read(const char *path, size_t max, size_t *len);
/* Writes data to dir/final through a temporary file, fsync and rename, then fsyncs dir. */
int fileio_write_durably(const char *dir, const char *final, const char *data, size_t len,
                         char *err, size_t errlen);
/* FNV-1a: short names for long texts (queue names, state file names). */
uint32_t fnv1a32(const char *text);

/* MCPWATCH_CRASH_AT=NAME[:N]: the process kills itself (SIGKILL) at the Nth pass through the
 * point NAME, so tests can stop a writer at every step. */
void crash_point(const char *name);

#endif
