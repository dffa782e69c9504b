/* SPDX-License-Identifier: MIT */
/* spool_impl.h - what the spool's files share inside libmcpwatch (not exported): its folder
 * layout, the write-ahead staging and the track files' sequence numbers. */
#ifndef MW_SPOOL_IMPL_H
#define MW_SPOOL_IMPL_H

#include "fileio.h"
#include "mw_spool.h"

#define DEST_FILE "destination"
#define DEAD_DIR "dead"
#define EVENT_FILE_MAX (1024 * 1024)
#define DEST_NAME_MAX 64
#define ERR_MAX_SPOOL 512

/* The destination's folder and file still trusted (fileio_trust); destination.c. */
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

/* tracker.c: the state file of a track, and the hand-off number recorded in one. */
char *spool_track_path(const char *state_dir, const char *name);
uint64_t spool_track_seq(const char *path, bool *found);

#endif
