/* SPDX-License-Identifier: MIT */
/* spool_io.h - file helpers shared by the spool's parts inside libmcpwatch (not exported). */
#ifndef MW_SPOOL_IO_H
#define MW_SPOOL_IO_H

#include "mw_spool.h"

#define DEST_FILE "destination"
#define DEAD_DIR "dead"
#define EVENT_FILE_MAX (1024 * 1024)
#define DEST_NAME_MAX 64
#define ERR_MAX_SPOOL 512

int64_t spool_realtime_ms(void);
/* "DIR/NAME", or NULL when too long or out of memory. */
char *spool_path_join(const char *dir, const char *name);
int spool_make_dir(const char *path, char *err, size_t errlen);
int spool_fsync_dir(const char *dir);
/* Whether the spool may believe path: owned by this user or root (shared: or by a group this
 * process belongs to, as the spool folder the packages share between the agent and Nagios is),
 * not writable by every user, and (follow false) not a symbolic link. 0, or -1 with the reason
 * in err. */
int spool_trust(const char *path, bool follow, bool shared, char *err, size_t errlen);
/* The whole of a small file, NUL-terminated; NULL with errno set (EFBIG past max). */
char *spool_read_file(const char *path, size_t max, size_t *len);
/* Writes data to dir/final through a temporary file, fsync and rename, then fsyncs dir. */
int spool_write_durably(const char *dir, const char *final, const char *data, size_t len, char *err,
                        size_t errlen);

/* The destination's folder and file still trusted (spool_trust); destination.c. */
int spool_check_destination(const struct mw_destination *dest, char *err, size_t errlen);

/* "E<ns>-<pid>-<n>.event": names that sort in the order they were made. */
void spool_event_name(char *out, size_t outlen);

/* Write-ahead staging (staging.c): an event under a name delivery skips, then committed into
 * the queue by rename, or discarded. */
int spool_stage(struct mw_destination *dest, const struct mw_event *event, size_t max_events,
                const char *track_path, uint64_t seq, char *staged, size_t stagedlen, char *err,
                size_t errlen);
int spool_commit(struct mw_destination *dest, const char *staged, char *err, size_t errlen);
void spool_discard(struct mw_destination *dest, const char *staged);
/* Settles what writers that are gone left in dest's folder; the number of events queued. */
size_t spool_recover(struct mw_destination *dest, mw_log_fn log, void *log_ctx);
/* MCPWATCH_CRASH_AT=NAME[:N]: the process kills itself (SIGKILL) at the Nth pass through the
 * point NAME, so tests can stop a writer at every step. */
void spool_crash_point(const char *name);

/* tracker.c: the state file of a track, and the hand-off number recorded in one. */
char *spool_track_path(const char *state_dir, const char *name);
uint64_t spool_track_seq(const char *path, bool *found);

/* FNV-1a: short names for long texts (queue names, state file names). */
uint32_t spool_hash32(const char *text);

#endif
