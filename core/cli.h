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
/* Delivery log lines on stderr; ctx points to the verbosity (info lines need -v). */
void cli_log_stderr(void *ctx, enum mw_log_level level, const char *message);
/* `run --notify`: state tracking of every result and forwarding of the changes. Returns 0, or 1
 * when an event could not be queued. */
struct mw_job;
int cli_forward(const struct mw_config *cfg, const struct mw_instance **insts,
                const struct mw_job *jobs, size_t n, double wait, int verbosity);

#endif
