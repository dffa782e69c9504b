/* SPDX-License-Identifier: MIT */
/* test_stdio.c - the stdio transport against hostile servers (tests/integration/fakestdio.py):
 * each exchange ends within its deadline, the stop within a second more, no child is left (not
 * even a zombie), no descriptor is left open (/proc/self/fd), and a child the server left
 * holding the pipes is gone. Also --command's word splitting. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcp_stdio.h"

#define RUN_NS 4000000000LL /* room for python3 to start and misbehave on a loaded machine */
#define DISCOVER                                                                                   \
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{\"_meta\":{"           \
  "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}"

static char log_path[256];

static int open_fds(void)
{
  DIR *dir = opendir("/proc/self/fd");
  struct dirent *entry;
  int n = 0;

  assert_non_null(dir);
  while ((entry = readdir(dir)) != NULL)
    if (entry->d_name[0] != '.')
      n++;
  closedir(dir);
  return n;
}

/* Whether pid is gone (or a zombie that is no child of ours). */
static bool process_gone(pid_t pid)
{
  char path[64];
  char stat[512];
  FILE *file;
  char *close_paren;
  bool gone = true;

  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  file = fopen(path, "r");
  if (!file)
    return true;
  if (fgets(stat, sizeof(stat), file) && (close_paren = strrchr(stat, ')')) != NULL)
    gone = close_paren[2] == 'Z' || close_paren[2] == 'X';
  fclose(file);
  return gone;
}

static int64_t elapsed_ms(int64_t since)
{
  return (mw_now_ns() - since) / 1000000;
}

/* Runs mode through one server/discover with a 4 s deadline and a stop. */
static enum mcp_stdio_status run_mode(const char *mode, json_t **reply, char *err, size_t errlen,
                                      char *exit_text, size_t exit_len, int64_t *took_ms)
{
  char *argv[] = {"python3", FAKESTDIO, (char *)mode, NULL};
  char path_env[1024];
  char log_env[300];
  char *envp[] = {path_env, log_env, NULL};
  struct mcp_stdio_command cmd = {argv, envp, NULL};
  struct mcp_stdio s;
  int fds_before = open_fds();
  int64_t start = mw_now_ns();
  mw_deadline deadline = start + RUN_NS;
  enum mcp_stdio_status status;
  siginfo_t info;

  snprintf(path_env, sizeof(path_env), "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin");
  snprintf(log_env, sizeof(log_env), "FAKESTDIO_LOG=%s", log_path);
  mcp_stdio_init(&s, 1 << 20);
  assert_int_equal(mcp_stdio_start(&s, &cmd, err, errlen), 0);
  status = mcp_stdio_exchange(&s, DISCOVER, 1, reply, deadline, err, errlen);
  mcp_stdio_stop(&s, deadline);
  *took_ms = elapsed_ms(start);
  mcp_stdio_exit_text(&s, exit_text, exit_len);
  mcp_stdio_free(&s);
  /* Bounded: the deadline, then at most the grace before SIGKILL and the reaping. */
  assert_true(*took_ms < RUN_NS / 1000000 + 1000);
  assert_int_equal(open_fds(), fds_before);
  memset(&info, 0, sizeof(info));
  assert_int_equal(waitid(P_ALL, 0, &info, WEXITED | WNOHANG), -1);
  assert_int_equal(errno, ECHILD);
  return status;
}

static void test_answers(void **state)
{
  json_t *reply = NULL;
  char err[256] = "";
  char exit_text[128];
  int64_t took;

  (void)state;
  assert_int_equal(
      run_mode("modern", &reply, err, sizeof(err), exit_text, sizeof(exit_text), &took),
      MCP_STDIO_OK);
  assert_non_null(json_object_get(json_object_get(reply, "result"), "supportedVersions"));
  assert_string_equal(exit_text, "exited with status 0 when its input closed");
  json_decref(reply);
}

static void expect_failure(const char *mode, enum mcp_stdio_status expected, const char *err_part,
                           const char *exit_part)
{
  json_t *reply = NULL;
  char err[256] = "";
  char exit_text[128];
  int64_t took;

  assert_int_equal(run_mode(mode, &reply, err, sizeof(err), exit_text, sizeof(exit_text), &took),
                   expected);
  assert_null(reply);
  if (err_part && !strstr(err, err_part))
    fail_msg("%s: '%s' does not say '%s'", mode, err, err_part);
  if (exit_part && !strstr(exit_text, exit_part))
    fail_msg("%s: '%s' does not say '%s'", mode, exit_text, exit_part);
}

static void test_never(void **state)
{
  (void)state;
  expect_failure("never", MCP_STDIO_TIMED_OUT, NULL, "SIGTERM");
}

static void test_flood(void **state)
{
  (void)state;
  expect_failure("flood", MCP_STDIO_TIMED_OUT, NULL, NULL);
}

static void test_garbage(void **state)
{
  (void)state;
  expect_failure("garbage", MCP_STDIO_FAILED, "'Starting the server on stdio...'", "SIGTERM");
}

static void test_exit(void **state)
{
  (void)state;
  expect_failure("exit", MCP_STDIO_FAILED, "closed its stdout", "exited with status 3");
}

static void test_ignores_sigterm(void **state)
{
  (void)state;
  expect_failure("ignore-term", MCP_STDIO_TIMED_OUT, NULL, "SIGKILL");
}

static void test_huge(void **state)
{
  (void)state;
  expect_failure("huge", MCP_STDIO_FAILED, "more than 1048576 bytes", NULL);
}

static void test_trickle(void **state)
{
  (void)state;
  expect_failure("trickle", MCP_STDIO_TIMED_OUT, NULL, NULL);
}

static void test_holder(void **state)
{
  FILE *file;
  int pid = 0;

  (void)state;
  unlink(log_path);
  expect_failure("holder", MCP_STDIO_TIMED_OUT, NULL, "exited with status 0");
  file = fopen(log_path, "r");
  assert_non_null(file);
  assert_int_equal(fscanf(file, "%d", &pid), 1);
  fclose(file);
  assert_true(pid > 0);
  /* Killed with the group; init reaps it, which may take a moment: polled, bounded. */
  for (int i = 0; i < 200 && !process_gone(pid); i++)
    usleep(10000);
  assert_true(process_gone(pid));
}

static void test_no_program(void **state)
{
  char *argv[] = {"/nonexistent/server", NULL};
  char *envp[] = {NULL};
  struct mcp_stdio_command cmd = {argv, envp, NULL};
  struct mcp_stdio s;
  char err[256];
  int before = open_fds();

  (void)state;
  mcp_stdio_init(&s, 1024);
  assert_int_equal(mcp_stdio_start(&s, &cmd, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "cannot start /nonexistent/server: No such file"));
  cmd.argv = (char *[]){"true", NULL};
  cmd.cwd = "/nonexistent";
  assert_int_equal(mcp_stdio_start(&s, &cmd, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "in /nonexistent"));
  mcp_stdio_free(&s);
  assert_int_equal(open_fds(), before);
}

static void expect_words(const char *text, int n, ...)
{
  char buf[256];
  char *words[8];
  char err[200] = "";
  va_list ap;
  int got = mcp_stdio_split(text, buf, sizeof(buf), words, 8, err, sizeof(err));

  if (got != n)
    fail_msg("'%s': %d words, not %d (%s)", text, got, n, err);
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    assert_string_equal(words[i], va_arg(ap, const char *));
  va_end(ap);
}

static void expect_refused(const char *text, const char *why)
{
  char buf[256];
  char *words[8];
  char err[200] = "";

  assert_int_equal(mcp_stdio_split(text, buf, sizeof(buf), words, 8, err, sizeof(err)), -1);
  if (!strstr(err, why))
    fail_msg("'%s': '%s' does not say '%s'", text, err, why);
}

static void test_split(void **state)
{
  (void)state;
  expect_words("npx -y @scope/server --flag", 4, "npx", "-y", "@scope/server", "--flag");
  expect_words("  srv   'a b'  \"c \\\"d\\\"\" e\\ f ''", 5, "srv", "a b", "c \"d\"", "e f", "");
  expect_words("python3 srv.py --glob=*.txt ~/x", 4, "python3", "srv.py", "--glob=*.txt", "~/x");
  expect_words("srv 'x|y' \"\\$HOME\"", 3, "srv", "x|y", "$HOME");
  expect_refused("srv | tee log", "unquoted pipe sign");
  expect_refused("srv > out", "unquoted redirection sign");
  expect_refused("srv $HOME", "unquoted dollar sign");
  expect_refused("srv; rm -rf /", "unquoted semicolon");
  expect_refused("srv 'open", "unclosed ' quote");
  expect_refused("srv \\", "lone \\");
  expect_refused("   ", "names no program");
  expect_refused("a b c d e f g h i", "more than 8 words");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split),   cmocka_unit_test(test_no_program),
      cmocka_unit_test(test_answers), cmocka_unit_test(test_never),
      cmocka_unit_test(test_flood),   cmocka_unit_test(test_garbage),
      cmocka_unit_test(test_exit),    cmocka_unit_test(test_ignores_sigterm),
      cmocka_unit_test(test_huge),    cmocka_unit_test(test_trickle),
      cmocka_unit_test(test_holder),
  };

  snprintf(log_path, sizeof(log_path), "/tmp/test_stdio.%d.log", (int)getpid());
  /* As in the agent: a SIGPIPE ignored here must not be so in the server. */
  signal(SIGPIPE, SIG_IGN);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  unlink(log_path);
  return rc;
}
