/* SPDX-License-Identifier: MIT */
/* cli.h - what the mcpwatch command's files share: the commands main() dispatches to, the one
 * way they fail, their --help and --format (cli.c). Included by core/cli only. */
#ifndef MW_CLI_H
#define MW_CLI_H

#include "mw_core.h"

/* Prints "SERVICE UNKNOWN - message" on stdout and returns 3: the one line Nagios shows. */
int cli_fail(const char *service, const char *fmt, ...) MW_PRINTF(2, 3);
/* --help on stdout in one write: fmt (usage and description, ending in a blank line), then
 * "Options:" and the option tables options and more (more may be NULL). */
void cli_help(const struct mw_option *options, const struct mw_option *more, const char *fmt, ...)
    MW_PRINTF(3, 4);
/* The values of a --format option: a table for people, or JSON for programs. */
extern const char *const cli_formats[];
/* In the mcpwatch program. */
int cmd_notify(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_downtime(int argc, char **argv);

/* In mwagent.so (cli_commands.c): the commands that need the agent and its libraries (SQLite,
 * libmicrohttpd with GnuTLS, libcrypt). Mapping those at every start cost a single check from
 * Nagios 6 ms of CPU and 200 page faults before it did anything, and widened the scope every
 * check module's symbols were looked up in. */
int cmd_run(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_history(int argc, char **argv);

/* The module's one export: a table of its commands, refused when its abi is not this one. */
#define MW_AGENT_COMMANDS_ABI 1u
#define MW_AGENT_ENTRY_SYMBOL "mwagent_commands"
struct mw_agent_command {
  const char *name; /* as typed after mcpwatch */
  int (*main)(int argc, char **argv);
};
struct mw_agent_commands {
  unsigned abi;
  const char *version; /* PACKAGE_VERSION of the build, which must be this program's */
  const struct mw_agent_command *commands; /* ended by a NULL name */
};
const struct mw_agent_commands *mwagent_commands(void);

/* In the mcpwatch program (cli_agent.c): runs the command NAME (argv[0]) of mwagent.so, found
 * at MCPWATCH_AGENT_MODULE when set, else where it was installed, under the loader's rules for
 * a check (mw_object_trusted). Returns its exit status, or 3 with one line when it cannot. */
bool cli_is_agent_command(const char *name);
int cli_agent_command(int argc, char **argv);

#endif
