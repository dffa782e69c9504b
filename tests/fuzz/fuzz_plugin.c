/* SPDX-License-Identifier: MIT */
/* fuzz_plugin.c - a check or a notifier opened, run on the scripted transport (fuzz_http.c)
 * and closed, as mcpwatch does, with its output checked. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_http.h"
#include "mw_core.h"

void fuzz_run_check(const struct mw_check *check, int argc, const char *const *argv,
                    const uint8_t *data, size_t len)
{
  struct mw_args *args = mw_args_new(check->options);
  struct mw_result *opened = mw_result_new();
  void *state = NULL;
  char service[64];
  char err[512];
  int run;

  fuzz_expect(args && opened, "out of memory", NULL);
  fuzz_expect(mw_args_parse_argv(args, argc, (char **)argv, err, sizeof(err)) >= 0,
              "the target's options were refused", err);
  fuzz_expect(check->open(args, &state, opened) == 0, "open failed", mw_result_get_summary(opened));
  mw_service_name(check->name, service, sizeof(service));
  fuzz_http_script(data, len);
  /* Twice on one state, as the agent runs it: kept sessions and connections meet the answers
   * left over from the first run. */
  for (run = 0; run < 2; run++) {
    struct mw_result *res = mw_result_new();

    fuzz_expect(res != NULL, "out of memory", NULL);
    check->run(state, res, mw_now_ns() + 5 * 1000000000LL);
    fuzz_check_result(res, service);
    mw_result_free(res);
  }
  check->close(state);
  mw_result_free(opened);
  mw_args_free(args);
}

void fuzz_run_check_either(const struct mw_check *check, const char *prefix, int argc_a,
                           const char *const *argv_a, int argc_b, const char *const *argv_b,
                           const uint8_t *data, size_t len)
{
  size_t n = strlen(prefix);

  if (len >= n && memcmp(data, prefix, n) == 0)
    fuzz_run_check(check, argc_b, argv_b, data + n, len - n);
  else
    fuzz_run_check(check, argc_a, argv_a, data, len);
}

static void check_status(const struct mw_send_status *status)
{
  size_t i;

  fuzz_expect(status->outcome == MW_DELIVERED || status->outcome == MW_RETRY ||
                  status->outcome == MW_REJECTED,
              "delivery outcome out of range", status->reason);
  fuzz_expect(memchr(status->reason, '\0', sizeof(status->reason)) != NULL, "reason not terminated",
              NULL);
  for (i = 0; status->reason[i]; i++)
    fuzz_expect((unsigned char)status->reason[i] >= 0x20 && status->reason[i] != 0x7f,
                "control character in the delivery reason", status->reason);
  fuzz_expect(status->retry_after >= 0 && status->retry_after <= 366 * 86400.0,
              "Retry-After out of range", status->reason);
}

void fuzz_run_notifier(const struct mw_notifier *notifier, int argc, const char *const *argv,
                       const uint8_t *data, size_t len)
{
  struct mw_args *args = mw_args_new_with(mw_notifier_common_options, notifier->options);
  struct mw_event ev = {"evt_0123456789abcdef0123456789abcdef",
                        1764650000,
                        "db1",
                        "postgres-main",
                        "postgres",
                        MW_CRITICAL,
                        "OK",
                        "PROBLEM",
                        "POSTGRES CRITICAL - connection refused",
                        "",
                        "time=5s;1;3",
                        "agent"};
  struct mw_send_status status;
  void *state = NULL;
  char err[512];

  fuzz_expect(args != NULL, "out of memory", NULL);
  fuzz_expect(mw_args_parse_argv(args, argc, (char **)argv, err, sizeof(err)) >= 0,
              "the target's options were refused", err);
  fuzz_expect(notifier->open(args, fuzz_dir(), &state, err, sizeof(err)) == 0, "open failed", err);
  fuzz_http_script(data, len);
  notifier->send(state, &ev, mw_now_ns() + 5 * 1000000000LL, &status);
  check_status(&status);
  ev.state = MW_OK;
  ev.previous = "CRITICAL";
  ev.type = "RECOVERY";
  ev.output = "POSTGRES OK - 3 ms";
  notifier->send(state, &ev, mw_now_ns() + 5 * 1000000000LL, &status);
  check_status(&status);
  notifier->close(state);
  mw_args_free(args);
}
