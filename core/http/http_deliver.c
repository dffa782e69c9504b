/* SPDX-License-Identifier: MIT */
/* http_deliver.c - one delivery attempt of an event over HTTP, as every notifier makes it: the
 * status code decides delivered / retry / rejected, Retry-After is honoured, and the reason
 * carries what the receiver said without ever carrying what was sent. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_http.h"
#include "mw_notify.h"

/* The start of a receiver's answer as one printable line. */
static void excerpt(const char *body, size_t len, char *out, size_t outlen)
{
  size_t i;
  size_t w = 0;

  for (i = 0; i < len && w + 1 < outlen && w < 160; i++) {
    unsigned char c = (unsigned char)body[i];
    out[w++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
  }
  out[w] = '\0';
}

void mw_http_deliver(struct mw_http *http, const struct mw_http_request *req, mw_deadline deadline,
                     struct mw_send_status *status, struct mw_http_response *keep)
{
  static const char *const capture[] = {"Retry-After"};
  struct mw_http_request request = *req;
  struct mw_http_response resp;
  enum mw_http_status rc;
  char err[256];
  char said[192];

  memset(status, 0, sizeof(*status));
  request.capture = capture;
  request.n_capture = 1;
  rc = mw_http_perform(http, &request, &resp, deadline, err, sizeof(err));
  if (rc != MW_HTTP_DONE) {
    status->outcome = MW_RETRY;
    snprintf(status->reason, sizeof(status->reason), "%s",
             rc == MW_HTTP_TIMED_OUT   ? "no answer before the timeout"
             : rc == MW_HTTP_TOO_LARGE ? "the answer was too large"
                                       : err);
    goto done;
  }
  status->outcome = mw_delivery_for_status(resp.status);
  if (status->outcome != MW_DELIVERED) {
    excerpt(resp.body, resp.body_len, said, sizeof(said));
    snprintf(status->reason, sizeof(status->reason), "HTTP %ld%s%s", resp.status,
             said[0] ? ": " : "", said);
    status->retry_after = mw_retry_after_parse(resp.captured[0]);
  }
done:
  if (keep)
    *keep = resp;
  else
    mw_http_response_free(&resp);
}
