/* SPDX-License-Identifier: MIT */
/*
 * mw_spool.h - events on disk, their delivery, and the state tracking that decides when there
 * is an event at all. Used by `mcpwatch notify/flush/run --notify`, the collectd plugin and the
 * agent, so every engine forwards the same way.
 *
 * SPOOL/DEST/ holds one file per pending event, named by the time it was queued so that a sorted
 * listing is delivery order. A file appears by rename only after it was written and fsync'd, and
 * is deleted only after the receiver accepted it. SPOOL/DEST/destination names the notifier and
 * its options, so `mcpwatch flush` can deliver without any other configuration; dead/ keeps what
 * a receiver refused, each with the reason.
 */
#ifndef MW_SPOOL_H
#define MW_SPOOL_H

#include "mw_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- destinations ------------------------------------------------------------------------- */

/* A notifier with its options, opened on one spool folder. */
struct mw_destination {
  char *name;   /* folder name under the spool */
  char *folder; /* SPOOL/NAME */
  char *saved;  /* the destination file's text: "type=..." then option lines */
  struct mw_notifier_plugin plugin;
  struct mw_args *args;
  void *state;
  bool unsettled; /* staged or temporary files were left that a later pass must settle */
};

#define MW_SPOOL_DEFAULT_MAX 10000

/* A destination NAME of notifier TYPE from "key value" settings (config, collectd, argv already
 * parsed into args: pass args and no settings). Creates SPOOL/NAME and writes its destination
 * file. name NULL: TYPE-HASH of the options, so two differently configured notifiers never
 * share a queue. 0, or -1 with a one-line reason in err. */
int mw_destination_open(const char *spool_dir, const char *name, const char *type,
                        const struct mw_setting *settings, size_t nsettings, struct mw_args *args,
                        struct mw_destination **out, char *err, size_t errlen);
/* A notifier opened for direct sends, without a queue (the agent's passive results): data_dir
 * is the folder it may keep files in; no destination file is written. */
int mw_destination_open_direct(const char *data_dir, const char *name, const char *type,
                               const struct mw_setting *settings, size_t nsettings,
                               struct mw_destination **out, char *err, size_t errlen);
/* Validates a notifier block without creating anything: the notifier loads, every option is
 * known and valid, and the notifier's open accepts them. 0, or -1 with the reason in err. */
int mw_destination_check(const char *spool_dir, const char *name, const char *type,
                         const struct mw_setting *settings, size_t nsettings, char *err,
                         size_t errlen);
/* Opens the destination an earlier run left in SPOOL/NAME, from its destination file. */
int mw_destination_reopen(const char *spool_dir, const char *name, struct mw_destination **out,
                          char *err, size_t errlen);
void mw_destination_close(struct mw_destination *dest);
/* Every secret of dest (secret options, the contents of its -file options, the values of the
 * variables its -env options name) replaced in text by "[secret]": a receiver that echoes the
 * request in its error must not put the key into a log, the output or dead/. */
void mw_destination_scrub(const struct mw_destination *dest, char *text, size_t size);
/* Names of the destination folders in spool_dir, sorted; free with mw_names_free. */
int mw_spool_destinations(const char *spool_dir, char ***names, size_t *count);

/* ---- spool -------------------------------------------------------------------------------- */

/* Writes the event into the destination's queue: temporary file, fsync, rename, fsync of the
 * folder. Safe with any number of concurrent writers. Refuses (-1, "spool full ...") when
 * max_events are already pending, never dropping what is there. 0, or -1 with err set. */
int mw_spool_enqueue(struct mw_destination *dest, const struct mw_event *event, size_t max_events,
                     char *name, size_t namelen, char *err, size_t errlen);
/* Where the event file name from mw_spool_enqueue (name NULL: any) is now: 0 still queued, 1
 * gone (delivered), 2 in dead/. */
int mw_spool_where(const struct mw_destination *dest, const char *name);

#define MW_DELIVER_WAIT 0x1u /* wait out backoff and Retry-After while the deadline allows */
#define MW_DELIVER_NOW 0x2u  /* ignore the backoff an earlier run recorded */

struct mw_deliver_report {
  size_t delivered;
  size_t rejected;         /* moved to dead/ */
  size_t pending;          /* left in the queue */
  bool busy;               /* another process is delivering this destination */
  int64_t next_attempt_ms; /* Unix ms before which no attempt will be made; 0 when none */
  char reason[256];        /* why something is pending */
};

/* Delivers the queue in order, one event at a time, until it is empty, an attempt must be
 * retried and the deadline does not allow waiting, or the deadline passes. A retry keeps the
 * event (same id, same dedup key) at the head; the backoff (exponential with jitter, at least
 * Retry-After) is recorded in the folder so later runs honour it. A rejected event goes to dead/
 * with its reason. Only one process delivers a destination at a time; one that finds it busy
 * leaves the work to the holder, which looks again before it lets go. */
void mw_spool_deliver(struct mw_destination *dest, mw_deadline deadline, unsigned flags,
                      mw_log_fn log, void *log_ctx, struct mw_deliver_report *report);
/* Deletes the temporary files of writers that are gone (killed mid-write) from folder. */
void mw_spool_remove_stale(const char *folder);
/* Events waiting in dest's queue (-1 when the folder cannot be read). */
long mw_spool_pending(const struct mw_destination *dest);

/* A thread that delivers the queues of dests (which must outlive it) whenever woken, when a
 * retry is due, and once a minute. NULL with err set when it cannot start. Stopping waits for
 * the attempt in progress (bounded by its timeout). */
struct mw_courier;
struct mw_courier *mw_courier_start(struct mw_destination **dests, size_t ndests, mw_log_fn log,
                                    void *log_ctx, char *err, size_t errlen);
void mw_courier_wake(struct mw_courier *courier);
/* What the courier did for its i-th destination since it started (for /metrics). */
struct mw_courier_counts {
  unsigned long long delivered;
  unsigned long long rejected;        /* moved to dead/ */
  unsigned long long attempts_failed; /* rounds that left events to retry */
  long pending;                       /* after its last round (0 before one) */
};
void mw_courier_counts(struct mw_courier *courier, size_t i, struct mw_courier_counts *out);
void mw_courier_stop(struct mw_courier *courier);
/* Stops the courier after one last round that waits out backoffs until deadline, and waits for
 * it until then: true when it has ended (and is freed); false when an attempt was still waiting
 * on its receiver at the deadline: the courier and its destinations must then be left as they
 * are (the process is about to exit; the event stays queued on disk). */
bool mw_courier_finish(struct mw_courier *courier, mw_deadline deadline);

/* Backoff before retry number attempt (1, 2, ...): base 1 s doubling to 5 min, times a random
 * factor in [0.5, 1), and never less than retry_after. */
double mw_backoff_seconds(unsigned attempt, double retry_after, double random01);

/* ---- state tracking ----------------------------------------------------------------------- */

/* Most destinations one track remembers an open problem for (an instance notifying more
 * notifiers than this is refused when the configuration is loaded). */
#define MW_TRACK_DESTS_MAX 32
#define MW_DEST_NAME_MAX 64

/* What one destination was last told: the state of the last problem or recovery queued for it,
 * whether it was told that flapping started, and when it was last told a problem (reminders).
 * A destination not listed was told OK and no flapping, so only open problems take room. */
struct mw_track_told {
  char dest[MW_DEST_NAME_MAX + 1];
  enum mw_state state;
  bool flapping;
  int64_t at; /* Unix seconds; 0 in files of before reminders per destination */
};

#define MW_TRACK_NOTE_MAX 160

struct mw_track {
  enum mw_state hard;    /* last hard state; OK before the first run */
  enum mw_state last;    /* last result, soft or hard */
  int attempts;          /* consecutive problem results while soft */
  int64_t hard_since;    /* Unix seconds */
  int64_t last_notified; /* Unix seconds of the last notification, 0 when none */
  bool problem_notified; /* a problem was sent and no recovery yet */
  /* Write-ahead: the number of hand-offs to the spool this track has recorded. A staged event
   * carries the number its hand-off will have; it is committed only when the state file on
   * disk has reached it. */
  uint64_t seq;
  bool legacy; /* read from a file of before per-destination states: see problem_notified */
  size_t ntold;
  struct mw_track_told told[MW_TRACK_DESTS_MAX];
  size_t nhistory;                        /* recorded states, oldest first */
  unsigned char history[MW_FLAP_HISTORY]; /* enum mw_state values */
  double flap_percent;
  bool flapping;
  /* Why the last result's notifications were or were not sent ("held: downtime deploy",
   * "flapping (34.2% state change)", "WARNING: no notifier takes it"); "" when all went out. */
  char note[MW_TRACK_NOTE_MAX];
  /* Unix seconds this process last wrote the file or, with a window_every_s, first forwarded
   * a result of it (mw_track_forward); not in the file, 0 after a load. */
  int64_t written;
};

struct mw_track_policy {
  int max_attempts; /* results in a problem state before it is hard (>= 1) */
  double renotify;  /* seconds between notifications of an unresolved problem; 0 never */
  /* Flap detection: starts at flap_high percent, stops at flap_low; flap_high 0: off. */
  double flap_low;
  double flap_high;
  /* Asked (at most once per result) when a problem or reminder would be sent: true, with why
   * set ("main-db is CRITICAL"), while problems must be held. Recoveries are never held. NULL:
   * nothing holds. */
  bool (*hold)(void *ctx, char *why, size_t whylen);
  void *hold_ctx;
  /* The downtime the instance is in ("downtime 3 until ..."), or NULL: while in one, problems
   * and reminders are held as by hold, and the note says so even when nothing is due. */
  const char *downtime;
  /* States flap detection looks back over, 3 to MW_FLAP_HISTORY; 0: MW_FLAP_HISTORY. */
  int flap_window;
};

enum mw_track_action { MW_TRACK_NONE, MW_TRACK_PROBLEM, MW_TRACK_RECOVERY, MW_TRACK_RENOTIFY };

void mw_track_init(struct mw_track *track);
/* Applies one result as Nagios does: a problem becomes hard after max_attempts results, a change
 * between problem states and a recovery are immediate, and a recovery is sent only for a
 * problem that was sent. Records hard states in the flap history and updates flapping. Says
 * what to notify. */
enum mw_track_action mw_track_update(struct mw_track *track, enum mw_state state,
                                     const struct mw_track_policy *policy, int64_t now);
/* Nagios's weighted percent state change of history (n states, oldest first, n <= 21): each
 * change counts 0.75 (oldest) to 1.25 (newest) of one in twenty. */
double mw_flap_percent(const unsigned char *history, size_t n);
/* The same over a window of window states (3 to MW_FLAP_HISTORY): weights from 0.75 (oldest
 * change) to 1.25 (newest) spread over window - 1 changes. */
double mw_flap_percent_in(const unsigned char *history, size_t n, size_t window);
/* STATE_DIR/NAME.state; a missing file gives a fresh track. 0, or -1 with err set. */
int mw_track_load(const char *state_dir, const char *name, struct mw_track *track, char *err,
                  size_t errlen);
int mw_track_save(const char *state_dir, const char *name, const struct mw_track *track, char *err,
                  size_t errlen);
/* What dest was last told (MW_OK when nothing is open there). */
enum mw_state mw_track_told_state(const struct mw_track *track, const char *dest);
/* dest's whole entry into out (state OK, no flapping, at 0 when it has none). */
void mw_track_told_get(const struct mw_track *track, const char *dest, struct mw_track_told *out);
/* Records that dest was told state; -1 when the table is full. */
int mw_track_set_told(struct mw_track *track, const char *dest, enum mw_state state);
/* Records dest's whole entry (removed when it holds nothing: OK and not flapping). */
int mw_track_put_told(struct mw_track *track, const struct mw_track_told *told);

/* ---- hand-off: a result to its events, write-ahead ------------------------------------------ */

/* One destination an instance notifies; dest NULL when it could not be opened (its events wait
 * in the track until it can). */
struct mw_track_target {
  const char *name;
  struct mw_destination *dest;
  unsigned routes; /* MW_ROUTE_* it takes; 0: all */
  double renotify; /* reminders for this destination, seconds; < 0: the policy's; 0: never */
};

struct mw_forward_spec {
  const char *state_dir;
  const char *name; /* the track's name: STATE_DIR/NAME.state */
  const struct mw_track_target *targets;
  size_t ntargets;
  size_t max_events; /* per destination queue; 0: MW_SPOOL_DEFAULT_MAX */
  /* Fills output, long_output and perfdata of ev the first time an event is needed. */
  void (*describe)(void *ctx, struct mw_event *ev);
  void *describe_ctx;
  mw_log_fn log; /* errors, and one INFO line per event queued ("NAME: STATE for DEST: ID") */
  void *log_ctx;
  /* A change to the flap window alone (the states flap detection looks back over) is written
   * at most this often, seconds (0: with every result). For a caller that keeps the track in
   * memory between results (the agent): flap detection on made every result a write and two
   * fsyncs; after a kill -9 or a reload the window misses at most this much. */
  int64_t window_every_s;
};

struct mw_forward_report {
  size_t queued;     /* events handed to queues */
  size_t not_queued; /* destinations that still wait for this state (full, unwritable) */
  bool save_failed;  /* the state file could not be written: nothing was queued */
};

/* Applies one result to track (mw_track_update) and tells every target that was not yet told
 * the current hard state (a problem, a change of problem, a recovery of a problem it was told,
 * a reminder), write-ahead: each event is staged in its queue, then the state file records
 * the hand-off, then the staged files are committed. A crash at any point either leaves the
 * old state and no event (the next run sees the change again) or the new state and the staged
 * events, which mw_spool_recover commits. A destination whose queue refused the event (full
 * disk, spool_max) keeps its old told state and is tried again at every later result. base
 * holds the host, service, check, origin and time; its state, type and previous are set per
 * destination. */
enum mw_track_action mw_track_forward(const struct mw_forward_spec *spec, struct mw_track *track,
                                      enum mw_state state, const struct mw_track_policy *policy,
                                      int64_t now, const struct mw_event *base,
                                      struct mw_forward_report *report);

#ifdef __cplusplus
}
#endif
#endif /* MW_SPOOL_H */
