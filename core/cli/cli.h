/* SPDX-License-Identifier: MIT */
/* cli.h - pieces shared by the mcpwatch command's files. */
#ifndef MW_CLI_H
#define MW_CLI_H

#include "mw_core.h"
#include "mw_spool.h"

#define ERR_MAX 512

/* Prints "SERVICE UNKNOWN - message" on stdout and returns 3: the one line Nagios shows. */
int cli_fail(const char *service, const char *fmt, ...) MW_PRINTF(2, 3);
int cmd_run(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_downtime(int argc, char **argv);
/* Nagios external commands (passive.c): each result as PROCESS_SERVICE_CHECK_RESULT. */
struct cli_passive;
struct cli_passive *cli_passive_new(const char *path, const char *host);
void cli_passive_result(struct cli_passive *p, const char *service, const char *check,
                        const struct mw_result *res, int64_t now);
void cli_passive_free(struct cli_passive *p);
/* Passive results (submit.c): every result to each passive_results receiver, unspooled, the
 * newest per slot (one slot per instance and service) replacing one not yet sent. NULL when the
 * configuration has none (err "") or one cannot be opened (err set). log is the agent's. */
struct cli_submitter;
struct cli_submitter *cli_submitter_new(const struct mw_config *cfg, const char *state_dir,
                                        size_t nslots, void (*log)(const char *fmt, ...), char *err,
                                        size_t errlen);
void cli_submit(struct cli_submitter *s, size_t slot, const struct mw_event *ev);
/* One line per receiver for the status file: passive, name, sent, refused, replaced, waiting,
 * why it is being retried (or ""), the last refusal (or ""), tab-separated. */
void cli_submitter_report(struct cli_submitter *s, struct mw_buf *out);
/* Takes no more results; what is queued is still sent for up to wait seconds. */
void cli_submitter_stop(struct cli_submitter *s, double wait);
/* Stops taking results, sends what is queued until deadline (CLOCK_MONOTONIC ns) and waits for
 * the receivers' threads until then: true when they ended (everything is freed), false when one
 * was still waiting on its receiver (then nothing may be freed: the process is about to exit). */
bool cli_submitter_finish(struct cli_submitter *s, int64_t deadline);
/* Waits for the stop deadline (now when not stopped before), then closes everything. */
void cli_submitter_free(struct cli_submitter *s);
/* Output, long output and perfdata of a result as Nagios would have received them, pointing into
 * text (forward.c). */
void cli_describe(const struct mw_result *res, const char *check, struct mw_buf *text,
                  const char **perf, const char **long_output);
/* The agent's status file: --status-file, else STATE_DIR/agent.status. One line per instance,
 * service and passive receiver, tab-separated; cli_status_field appends a tab and text with its
 * tabs and newlines as spaces. */
void cli_status_field(struct mw_buf *out, const char *text);
/* The agent's status file: --status-file, else STATE_DIR/agent.status. */
char *cli_status_path(const struct mw_args *opts, const struct mw_config *cfg);
/* Delivery log lines on stderr; ctx points to the verbosity (info lines need -v). */
void cli_log_stderr(void *ctx, enum mw_log_level level, const char *message);
/* Results to events (forward.c). A forwarder opens every notifier of the configuration (a
 * notifier that does not open is an error naming its file and line) and hands the changes each
 * result makes to its track to their queues (mw_track_forward). log takes the hand-off's lines. */
struct cli_forwarder;
struct cli_forwarder *cli_forwarder_new(const struct mw_config *cfg, const char *origin,
                                        int verbosity, mw_log_fn log, void *log_ctx, char *err,
                                        size_t errlen);
/* Every notifier block validated without creating anything (`mcpwatch run`). */
int cli_notifiers_check(const struct mw_config *cfg, char *err, size_t errlen);
const char *cli_forwarder_state_dir(const struct cli_forwarder *fw);
const char *cli_forwarder_host(const struct cli_forwarder *fw);
/* The opened destinations, for a courier; the forwarder keeps owning them. */
size_t cli_forwarder_destinations(struct cli_forwarder *fw, struct mw_destination ***out);
/* Applies res to track (saving its file when it changed) and spools the events the policy calls
 * for; *queued (if not NULL) is how many were, which a held problem released without a change of
 * state makes non-zero too. Safe from several threads for different instances once every
 * destination is open. */
enum mw_track_action cli_forward_result(struct cli_forwarder *fw, const struct mw_instance *inst,
                                        const struct mw_result *res, struct mw_track *track,
                                        int64_t now, size_t *queued);
/* Delivers for up to wait seconds (0: not at all), closes everything; 1 when something failed. */
int cli_forwarder_free(struct cli_forwarder *fw, double wait);
/* `run --notify`: state tracking of every result and forwarding of the changes. Returns 0, or 1
 * when an event could not be queued. */
struct mw_job;
/* A service of nmembers of which bad are not OK (failing names them): its state and summary
 * into res (may be NULL); returns its word, HEALTHY, DEGRADED or UNHEALTHY. */
const char *cli_service_judge(size_t nmembers, size_t bad, const char *failing,
                              struct mw_result *res);
int cli_forward(const struct mw_config *cfg, const struct mw_instance **insts,
                const struct mw_job *jobs, size_t n, double wait, int verbosity);

#endif
