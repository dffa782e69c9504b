/* SPDX-License-Identifier: MIT */
/* test_oauth.c - the parts of mcp-tools' OAuth client a hostile server feeds: parameters of a
 * WWW-Authenticate challenge (quoted, escaped, bare, look-alike names, truncation), the
 * https-or-loopback rule for endpoints (look-alike hosts, user info), the kept token's expiry,
 * and the options' refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mcp_oauth.h"

static void test_challenge_params(void **state)
{
  const char *challenge =
      "Bearer realm=\"mcp\", error=\"insufficient_scope\", "
      "scope=\"a b\", resource_metadata=\"https://h/.well-known/x?q=\\\"1\\\"\"";
  char out[64];
  char tiny[4];

  (void)state;
  assert_true(mcp_oauth_param(challenge, "scope", out, sizeof(out)));
  assert_string_equal(out, "a b");
  assert_true(mcp_oauth_param(challenge, "resource_metadata", out, sizeof(out)));
  assert_string_equal(out, "https://h/.well-known/x?q=\"1\"");
  assert_true(mcp_oauth_param(challenge, "ERROR", out, sizeof(out)));
  assert_string_equal(out, "insufficient_scope");
  assert_false(mcp_oauth_param(challenge, "uri", out, sizeof(out)));
  /* a name inside another is not it; bare tokens end at a comma or space */
  assert_true(
      mcp_oauth_param("Bearer xscope=\"no\", scope=yes, other=1", "scope", out, sizeof(out)));
  assert_string_equal(out, "yes");
  assert_false(mcp_oauth_param("Bearer xscope=\"no\"", "scope", out, sizeof(out)));
  assert_false(mcp_oauth_param("Bearer scope", "scope", out, sizeof(out)));
  /* an unterminated quote and a value longer than the buffer are cut, never overrun */
  assert_true(mcp_oauth_param("Bearer scope=\"abcdefgh", "scope", tiny, sizeof(tiny)));
  assert_string_equal(tiny, "abc");
  assert_true(mcp_oauth_param("Bearer scope=\"x\\", "scope", out, sizeof(out)));
  assert_string_equal(out, "x\\");
  assert_true(mcp_oauth_param("scope =  \"s\"", "scope", out, sizeof(out)));
  assert_string_equal(out, "s");
}

static void test_url_safe(void **state)
{
  static const struct {
    const char *url;
    bool safe;
  } cases[] = {{"https://as.example/token", true},
               {"https://", false},
               {"http://as.example/token", false},
               {"http://127.0.0.1:8080/token", true},
               {"http://127.1.2.3/token", true},
               {"http://localhost/token", true},
               {"http://LOCALHOST:9/token", true},
               {"http://[::1]:9/token", true},
               {"http://[::1]", true},
               {"http://127.0.0.1.evil.example/token", false},
               {"http://127.evil.example/", false},
               {"http://localhost.evil.example/", false},
               {"http://127.0.0.1@evil.example/", false},
               {"http://[::1].evil/", false},
               {"ftp://127.0.0.1/", false},
               {"file:///etc/passwd", false}};
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    if (mcp_oauth_url_safe(cases[i].url) != cases[i].safe)
      fail_msg("%s: expected %s", cases[i].url, cases[i].safe ? "safe" : "refused");
  }
}

static void test_kept_token(void **state)
{
  struct mcp_oauth oauth = {0};

  (void)state;
  assert_null(mcp_oauth_kept(&oauth, 1));
  snprintf(oauth.header, sizeof(oauth.header), "Authorization: Bearer abc");
  oauth.refresh_at = 100;
  assert_string_equal(mcp_oauth_kept(&oauth, 99), "Authorization: Bearer abc");
  /* past refresh_at it is forgotten, zeroed */
  assert_null(mcp_oauth_kept(&oauth, 100));
  assert_int_equal(oauth.header[0], 0);
  assert_int_equal(oauth.header[5], 0);
  assert_null(mcp_oauth_kept(&oauth, 1));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_challenge_params),
      cmocka_unit_test(test_url_safe),
      cmocka_unit_test(test_kept_token),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
