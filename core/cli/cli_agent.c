/* SPDX-License-Identifier: MIT */
/* cli_agent.c - hands run, agent, status and history to mwagent.so, loaded only for them. */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const agent_command_names[] = {"run", "agent", "status", "history", NULL};

bool cli_is_agent_command(const char *name)
{
  size_t i;

  for (i = 0; agent_command_names[i]; i++)
    if (strcmp(agent_command_names[i], name) == 0)
      return true;
  return false;
}

static const struct mw_agent_command *find_command(const struct mw_agent_commands *table,
                                                   const char *name)
{
  const struct mw_agent_command *c;

  for (c = table->commands; c && c->name; c++)
    if (strcmp(c->name, name) == 0)
      return c;
  return NULL;
}

int cli_agent_command(int argc, char **argv)
{
  const char *env = getenv("MCPWATCH_AGENT_MODULE");
  const char *path = env && *env ? env : MW_AGENT_MODULE;
  const struct mw_agent_commands *(*entry)(void);
  const struct mw_agent_commands *table;
  const struct mw_agent_command *command;
  char err[MW_ERR_MAX];
  void *handle;
  int result;

  if (mw_object_trusted(path, err, sizeof(err)) != 0)
    return cli_fail("MCPWATCH", "%s", err);
  /* Never unmapped: the agent's detached threads (a receiver or a reaper that outlives its
   * deadline) may still be inside it when the command returns. */
  handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!handle) {
    const char *reason = dlerror();
    return cli_fail("MCPWATCH", "cannot load the agent module: %s", reason ? reason : path);
  }
  *(void **)&entry = dlsym(handle, MW_AGENT_ENTRY_SYMBOL);
  table = entry ? entry() : NULL;
  if (!table) {
    result = cli_fail("MCPWATCH", "%s is not the mcpwatch agent module", path);
    goto cleanup;
  }
  if (table->abi != MW_AGENT_COMMANDS_ABI || !table->version ||
      strcmp(table->version, PACKAGE_VERSION) != 0) {
    result = cli_fail("MCPWATCH", "%s is from mcpwatch %.40s, not %s: reinstall mcpwatch", path,
                      table->version ? table->version : "?", PACKAGE_VERSION);
    goto cleanup;
  }
  command = find_command(table, argv[0]);
  if (!command || !command->main) {
    result = cli_fail("MCPWATCH", "%s has no '%.40s' command: reinstall mcpwatch", path, argv[0]);
    goto cleanup;
  }
  result = command->main(argc, argv);
cleanup:
  dlclose(handle);
  return result;
}
