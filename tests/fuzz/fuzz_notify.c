/* SPDX-License-Identifier: MIT */
/* fuzz_notify.c - a notifier's handling of its receiver's answers (status code, Retry-After,
 * body quoted in the reason, Statuspage's incident ids): built once per notifier with
 * -DNOTIFIER_pagerduty, _webhook or _statuspage. The input is the receiver's script
 * (fuzz_http.c); a trigger and a resolve are sent. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"

const struct mw_notifier *mw_notifier_entry(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char secret[128];
#if defined(NOTIFIER_pagerduty)
  const char *argv[] = {"pagerduty", "--routing-key-file", secret, "--url",
                        "http://127.0.0.1:9/v2/enqueue"};
  const char *secret_text = "R0123456789abcdef0123456789abcdef\n";
#elif defined(NOTIFIER_webhook)
  const char *argv[] = {"webhook", "--url", "http://127.0.0.1:9/hook", "--secret-file", secret};
  const char *secret_text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";
#elif defined(NOTIFIER_statuspage)
  const char *argv[] = {"statuspage", "--url",       "http://127.0.0.1:9/v1",   "--page-id",
                        "pg123abc",   "--component", "postgres-main=cmp456def", "--api-key-file",
                        secret,       "--incidents"};
  const char *secret_text = "OAuth-key-0123456789\n";
#else
#error "define NOTIFIER_pagerduty, NOTIFIER_webhook or NOTIFIER_statuspage"
#endif

  if (!secret[0])
    snprintf(secret, sizeof(secret), "%s", fuzz_file("secret", secret_text));
  fuzz_run_notifier(mw_notifier_entry(), (int)(sizeof(argv) / sizeof(argv[0])), argv, data, size);
  return 0;
}
