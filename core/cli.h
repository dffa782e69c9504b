/* cli.h - pieces shared by the mcpwatch command's files. */
#ifndef MW_CLI_H
#define MW_CLI_H

#include "mw_core.h"

#define ERR_MAX 512

/* Prints "SERVICE UNKNOWN - message" on stdout and returns 3: the one line Nagios shows. */
int cli_fail(const char *service, const char *fmt, ...) MW_PRINTF(2, 3);
int cmd_run(int argc, char **argv);

#endif
