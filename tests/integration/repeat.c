/* SPDX-License-Identifier: MIT */
/* repeat.c - runs one check instance several times on one state, as the agent and collectd
 * will: open once, run N times, close. Prints the first line of each run's output, so a test
 * can see what a kept state (connections, MCP sessions) does.
 *
 *   repeat N CHECK [OPTIONS...]
 *
 * REPEAT_BETWEEN, when set, is a shell command run between two runs (a server replaced under a
 * kept state, say); its output goes to stderr. REPEAT_VERBOSE=1 prints each run's whole output.
 * REPEAT_AUDIT=1 prints "audit: fds=N children=N" after each run: the descriptors open
 * (/proc/self/fd) and the processes whose parent is this one, zombies included, so that a test
 * sees a check that leaks either.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mw_core.h"

static int count_fds(void)
{
  DIR *dir = opendir("/proc/self/fd");
  struct dirent *entry;
  int n = 0;

  if (!dir)
    return -1;
  while ((entry = readdir(dir)) != NULL)
    n += entry->d_name[0] != '.';
  closedir(dir);
  return n - 1; /* the listing's own */
}

static int count_children(void)
{
  DIR *dir = opendir("/proc");
  struct dirent *entry;
  int n = 0;

  if (!dir)
    return -1;
  while ((entry = readdir(dir)) != NULL) {
    char path[300];
    char stat[512];
    FILE *file;
    const char *after;
    int ppid;

    if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
      continue;
    snprintf(path, sizeof(path), "/proc/%s/stat", entry->d_name);
    file = fopen(path, "r");
    if (!file)
      continue;
    /* "pid (comm) state ppid ...": comm may hold anything, the last ')' ends it. */
    if (fgets(stat, sizeof(stat), file) && (after = strrchr(stat, ')')) != NULL &&
        sscanf(after + 1, " %*c %d", &ppid) == 1 && ppid == (int)getpid())
      n++;
    fclose(file);
  }
  closedir(dir);
  return n;
}

int main(int argc, char **argv)
{
  struct mw_plugin plugin = {NULL, NULL};
  struct mw_args *args = NULL;
  struct mw_result *err_res = NULL;
  void *state = NULL;
  char err[512];
  int runs;
  int i;
  int result = 1;

  if (argc < 3) {
    fprintf(stderr, "usage: repeat N CHECK [OPTIONS...]\n");
    return 2;
  }
  runs = atoi(argv[1]);
  if (mw_plugin_load(argv[2], &plugin, err, sizeof(err)) != 0) {
    fprintf(stderr, "repeat: %s\n", err);
    return 1;
  }
  args = mw_args_new(plugin.check->options);
  err_res = mw_result_new();
  if (!args || !err_res || mw_args_parse_argv(args, argc - 2, argv + 2, err, sizeof(err)) < 0) {
    fprintf(stderr, "repeat: %s\n", args ? err : "out of memory");
    goto done;
  }
  if (plugin.check->open(args, &state, err_res) != 0) {
    printf("open: %s\n", mw_result_get_summary(err_res));
    goto done;
  }
  for (i = 0; i < runs; i++) {
    struct mw_result *res;
    struct mw_buf out;
    mw_deadline deadline;

    if (i > 0 && getenv("REPEAT_BETWEEN")) {
      fflush(stdout);
      if (system(getenv("REPEAT_BETWEEN")) != 0)
        fprintf(stderr, "repeat: REPEAT_BETWEEN failed\n");
    }
    res = mw_result_new();
    deadline = mw_now_ns() + (int64_t)(mw_args_duration(args, "timeout") * 1e9);

    mw_buf_init(&out, 1 << 20);
    plugin.check->run(state, res, deadline);
    mw_render_nagios(res, plugin.check->name, &out);
    if (getenv("REPEAT_VERBOSE"))
      printf("%s", mw_buf_str(&out));
    else
      printf("%.*s\n", (int)strcspn(mw_buf_str(&out), "\n"), mw_buf_str(&out));
    if (getenv("REPEAT_AUDIT"))
      printf("audit: fds=%d children=%d\n", count_fds(), count_children());
    mw_buf_free(&out);
    mw_result_free(res);
  }
  plugin.check->close(state);
  result = 0;
done:
  mw_result_free(err_res);
  mw_args_free(args);
  mw_plugin_unload(&plugin);
  return result;
}
