/* SPDX-License-Identifier: MIT */
/* test_json_path.c - dotted JSON paths: keys, [N] and numeric segments, escaped dots, "$.",
 * syntax errors, missing keys, wrong types, and the equality rest-health uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_path.h"

static const char doc_text[] =
    "{\"status\":\"ok\",\"checks\":{\"db\":{\"latency_ms\":12,\"ok\":true}},"
    "\"items\":[{\"id\":7},{\"id\":\"x\",\"tags\":[[1,2],[3]]}],\"a.b\":{\"c\":null},"
    "\"ratio\":0.25,\"\":{\"empty\":1}}";

static json_t *load(void)
{
  json_t *doc = json_loads(doc_text, 0, NULL);

  assert_non_null(doc);
  return doc;
}

static void text_at(json_t *doc, const char *path, char *out, size_t outlen)
{
  char err[256];
  json_t *value = json_path_get(doc, path, err, sizeof(err));

  if (!value)
    snprintf(out, outlen, "ERR %.200s", err);
  else
    json_value_text(value, out, outlen);
}

static void test_lookups(void **state)
{
  static const struct {
    const char *path;
    const char *want;
  } cases[] = {
      {"status", "ok"},           {"$.status", "ok"},         {"checks.db.latency_ms", "12"},
      {"checks.db.ok", "true"},   {"checks.db", "an object"}, {"items", "an array"},
      {"items[0].id", "7"},       {"items.1.id", "x"},        {"items[1].tags[0][1]", "2"},
      {"items[1].tags.1.0", "3"}, {"a\\.b.c", "null"},        {"ratio", "0.25"},
      {"$", "an object"}};
  json_t *doc = load();
  char out[256];
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    text_at(doc, cases[i].path, out, sizeof(out));
    assert_string_equal(out, cases[i].want);
  }
  json_decref(doc);
}

static void test_missing(void **state)
{
  static const char *const paths[] = {"nope",          "checks.cache", "items[2]",
                                      "items[0].name", "status.deep",  "items.x",
                                      "ratio[0]",      "a.b.c",        "checks.db.latency_ms.x"};
  json_t *doc = load();
  char err[256];
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    err[0] = '\0';
    assert_null(json_path_get(doc, paths[i], err, sizeof(err)));
    assert_true(strlen(err) > 0);
    assert_null(strchr(err, '\n'));
  }
  json_decref(doc);
}

static void test_syntax(void **state)
{
  static const char *const good[] = {"a", "a.b", "a[0]", "a[0][1].b", "[0]", "$.a", "a\\.b"};
  static const char *const bad[] = {"a..b",  "a.",    ".a",  "a[",    "a[x]",
                                    "a[-1]", "a[0]b", "a\\", "a[+1]", "a[1"};
  char err[256];
  char longkey[400];
  size_t i;
  (void)state;

  for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
    assert_int_equal(json_path_validate(good[i], err, sizeof(err)), 0);
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    assert_int_equal(json_path_validate(bad[i], err, sizeof(err)), -1);
    assert_non_null(strstr(err, bad[i]));
  }
  memset(longkey, 'k', sizeof(longkey) - 1);
  longkey[sizeof(longkey) - 1] = '\0';
  assert_int_equal(json_path_validate(longkey, err, sizeof(err)), -1);
}

static void test_equals(void **state)
{
  json_t *doc = load();
  char err[256];
  (void)state;

  assert_true(json_value_equals(json_path_get(doc, "status", err, sizeof(err)), "ok"));
  assert_false(json_value_equals(json_path_get(doc, "status", err, sizeof(err)), "OK"));
  assert_true(
      json_value_equals(json_path_get(doc, "checks.db.latency_ms", err, sizeof(err)), "12.0"));
  assert_false(
      json_value_equals(json_path_get(doc, "checks.db.latency_ms", err, sizeof(err)), "12ms"));
  assert_true(json_value_equals(json_path_get(doc, "ratio", err, sizeof(err)), "0.25"));
  assert_true(json_value_equals(json_path_get(doc, "checks.db.ok", err, sizeof(err)), "true"));
  assert_false(json_value_equals(json_path_get(doc, "checks.db.ok", err, sizeof(err)), "1"));
  assert_true(json_value_equals(json_path_get(doc, "a\\.b.c", err, sizeof(err)), "null"));
  assert_false(json_value_equals(json_path_get(doc, "items", err, sizeof(err)), "[]"));
  json_decref(doc);
}

int main(void)
{
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_lookups), cmocka_unit_test(test_missing),
                                     cmocka_unit_test(test_syntax), cmocka_unit_test(test_equals)};

  return cmocka_run_group_tests(tests, NULL, NULL);
}
