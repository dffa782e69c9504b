/* SPDX-License-Identifier: MIT */
/* cli_commands.c - the entry point of mwagent.so: the commands the mcpwatch program hands to
 * it (cli_agent.c), so that only they map the agent's libraries. */
#include "config.h"

#include "cli.h"

static const struct mw_agent_command agent_commands[] = {{"run", cmd_run},
                                                         {"agent", cmd_agent},
                                                         {"status", cmd_status},
                                                         {"history", cmd_history},
                                                         {NULL, NULL}};

static const struct mw_agent_commands agent_table = {MW_AGENT_COMMANDS_ABI, PACKAGE_VERSION,
                                                     agent_commands};

const struct mw_agent_commands *mwagent_commands(void)
{
  return &agent_table;
}
