/* SPDX-License-Identifier: MIT */
/* test_notify.c - the parts of forwarding that need no receiver: hard and soft states (as Nagios
 * counts them), backoff bounds, event files (escapes, cuts, garbage), dedup keys, Retry-After,
 * status codes, the Standard Webhooks test vector, and the small files notifiers keep (never
 * through a planted link). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mw_spool.h"
#ifdef HAVE_WEBHOOK_SIGN
#include "webhook_sign.h"
#endif

static const struct mw_track_policy three = {.max_attempts = 3};

static void test_soft_then_hard(void **unused)
{
  struct mw_track t;

  (void)unused;
  mw_track_init(&t);
  assert_int_equal(mw_track_update(&t, MW_OK, &three, 100), MW_TRACK_NONE);
  assert_int_equal(mw_track_update(&t, MW_CRITICAL, &three, 101), MW_TRACK_NONE);
  assert_int_equal(t.attempts, 1);
  assert_int_equal(t.hard, MW_OK);
  /* WARNING then CRITICAL: still one problem counting up, as Nagios does. */
  assert_int_equal(mw_track_update(&t, MW_WARNING, &three, 102), MW_TRACK_NONE);
  assert_int_equal(mw_track_update(&t, MW_CRITICAL, &three, 103), MW_TRACK_PROBLEM);
  assert_int_equal(t.hard, MW_CRITICAL);
  assert_int_equal(t.hard_since, 103);
  assert_true(t.problem_notified);
  assert_int_equal(mw_track_update(&t, MW_CRITICAL, &three, 104), MW_TRACK_NONE);
  /* From one hard problem to another: at once. */
  assert_int_equal(mw_track_update(&t, MW_WARNING, &three, 105), MW_TRACK_PROBLEM);
  assert_int_equal(t.hard, MW_WARNING);
  assert_int_equal(mw_track_update(&t, MW_OK, &three, 106), MW_TRACK_RECOVERY);
  assert_int_equal(t.hard, MW_OK);
  assert_false(t.problem_notified);
}

static void test_soft_recovery_is_silent(void **unused)
{
  struct mw_track t;

  (void)unused;
  mw_track_init(&t);
  assert_int_equal(mw_track_update(&t, MW_CRITICAL, &three, 1), MW_TRACK_NONE);
  assert_int_equal(mw_track_update(&t, MW_CRITICAL, &three, 2), MW_TRACK_NONE);
  assert_int_equal(mw_track_update(&t, MW_OK, &three, 3), MW_TRACK_NONE);
  /* The count starts again after an OK. */
  assert_int_equal(mw_track_update(&t, MW_CRITICAL, &three, 4), MW_TRACK_NONE);
  assert_int_equal(t.attempts, 1);
}

static void test_one_attempt_and_renotify(void **unused)
{
  struct mw_track_policy p = {.max_attempts = 1, .renotify = 60};
  struct mw_track t;

  (void)unused;
  mw_track_init(&t);
  assert_int_equal(mw_track_update(&t, MW_UNKNOWN, &p, 1000), MW_TRACK_PROBLEM);
  assert_int_equal(mw_track_update(&t, MW_UNKNOWN, &p, 1030), MW_TRACK_NONE);
  assert_int_equal(mw_track_update(&t, MW_UNKNOWN, &p, 1060), MW_TRACK_RENOTIFY);
  assert_int_equal(mw_track_update(&t, MW_UNKNOWN, &p, 1100), MW_TRACK_NONE);
  assert_int_equal(mw_track_update(&t, MW_UNKNOWN, &p, 1120), MW_TRACK_RENOTIFY);
  assert_int_equal(mw_track_update(&t, MW_OK, &p, 1130), MW_TRACK_RECOVERY);
  assert_int_equal(mw_track_update(&t, MW_OK, &p, 1300), MW_TRACK_NONE);
}

static void test_track_file(void **unused)
{
  char dir[] = "/tmp/mw-track-XXXXXX";
  char err[256];
  char path[300];
  struct mw_track t;
  struct mw_track back;
  FILE *fp;

  (void)unused;
  assert_non_null(mkdtemp(dir));
  assert_int_equal(mw_track_load(dir, "api", &back, err, sizeof(err)), 0);
  assert_int_equal(back.hard, MW_OK);
  mw_track_init(&t);
  mw_track_update(&t, MW_CRITICAL, &three, 5);
  mw_track_update(&t, MW_CRITICAL, &three, 6);
  mw_track_update(&t, MW_CRITICAL, &three, 7);
  assert_int_equal(mw_track_save(dir, "api", &t, err, sizeof(err)), 0);
  assert_int_equal(mw_track_load(dir, "api", &back, err, sizeof(err)), 0);
  assert_int_equal(back.hard, MW_CRITICAL);
  assert_int_equal(back.hard_since, 7);
  assert_int_equal(back.last_notified, 7);
  assert_true(back.problem_notified);
  snprintf(path, sizeof(path), "%s/api.state", dir);
  fp = fopen(path, "w");
  assert_non_null(fp);
  fputs("garbage\n", fp);
  fclose(fp);
  assert_int_equal(mw_track_load(dir, "api", &back, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "not an mcpwatch state file"));
  assert_int_equal(back.hard, MW_OK);
  unlink(path);
  {
    /* A collectd identifier: slashes, and longer than a file name may be. */
    char name[400];
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    memcpy(name, "collectd-mcpwatch-fs/bytes-", 27);
    assert_int_equal(mw_track_save(dir, name, &t, err, sizeof(err)), 0);
    assert_int_equal(mw_track_load(dir, name, &back, err, sizeof(err)), 0);
    assert_int_equal(back.hard, MW_CRITICAL);
    name[398] = 'y'; /* differs past the cut: another file */
    assert_int_equal(mw_track_load(dir, name, &back, err, sizeof(err)), 0);
    assert_int_equal(back.hard, MW_OK);
  }
  assert_int_equal(system("rm -f /tmp/mw-track-*/*.state"), 0);
  rmdir(dir);
}

static void test_backoff(void **unused)
{
  (void)unused;
  assert_true(mw_backoff_seconds(1, 0, 0.0) >= 0.5);
  assert_true(mw_backoff_seconds(1, 0, 0.999) < 1.0);
  assert_true(mw_backoff_seconds(4, 0, 0.0) >= 4.0);
  assert_true(mw_backoff_seconds(4, 0, 0.999) < 8.0);
  assert_true(mw_backoff_seconds(40, 0, 0.999) <= 300.0);
  assert_true(mw_backoff_seconds(40, 0, 0.0) >= 150.0);
  /* Retry-After is a floor. */
  assert_true(mw_backoff_seconds(1, 30, 0.5) == 30.0);
}

static void test_event_roundtrip(void **unused)
{
  struct mw_event ev = {NULL,  1700000000,    "web1",
                        "api", "rest-health", MW_CRITICAL,
                        "OK",  "PROBLEM",     "line with \\ and\nnewline\r",
                        "",    "time=1s;2;3", "run"};
  struct mw_event_data data;
  struct mw_event_data back;
  struct mw_buf text;
  char err[256];

  (void)unused;
  assert_int_equal(mw_event_copy(&ev, &data), 0);
  assert_int_equal(strncmp(data.event.id, "evt_", 4), 0);
  assert_int_equal(strlen(data.event.id), 36);
  mw_buf_init(&text, 1 << 20);
  assert_int_equal(mw_event_serialize(&data.event, &text), 0);
  assert_int_equal(mw_event_parse(text.data, text.len, &back, err, sizeof(err)), 0);
  assert_string_equal(back.event.id, data.event.id);
  assert_string_equal(back.event.output, "line with \\ and\nnewline\r");
  assert_string_equal(back.event.perfdata, "time=1s;2;3");
  assert_string_equal(back.event.previous, "OK");
  assert_int_equal(back.event.state, MW_CRITICAL);
  assert_int_equal(back.event.time, 1700000000);
  mw_event_data_free(&back);
  assert_int_equal(mw_event_parse("garbage", 7, &back, err, sizeof(err)), -1);
  assert_int_equal(mw_event_parse("mcpwatch-event 1\nstate OK\n", 26, &back, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "lacks"));
  mw_buf_free(&text);
  mw_event_data_free(&data);
}

static void test_cuts(void **unused)
{
  char *long_text = malloc(MW_EVENT_OUTPUT_MAX + 100);
  struct mw_event ev;
  struct mw_event_data data;

  (void)unused;
  assert_non_null(long_text);
  /* "é" is two bytes: a cut must never split one. */
  memset(long_text, 'a', MW_EVENT_OUTPUT_MAX + 99);
  long_text[MW_EVENT_OUTPUT_MAX - 1] = (char)0xC3;
  long_text[MW_EVENT_OUTPUT_MAX] = (char)0xA9;
  long_text[MW_EVENT_OUTPUT_MAX + 99] = '\0';
  memset(&ev, 0, sizeof(ev));
  ev.output = long_text;
  assert_int_equal(mw_event_copy(&ev, &data), 0);
  assert_int_equal(strlen(data.event.output), MW_EVENT_OUTPUT_MAX - 1);
  assert_string_equal(data.event.host, "");
  mw_event_data_free(&data);
  assert_int_equal(mw_utf8_prefix("h\xC3\xA9llo", 2), 1);
  assert_int_equal(mw_utf8_prefix("h\xC3\xA9llo", 3), 3);
  free(long_text);
}

static void test_event_key(void **unused)
{
  struct mw_event ev;
  char key[300];
  char other[300];
  char service[400];

  (void)unused;
  memset(&ev, 0, sizeof(ev));
  ev.host = "web1";
  ev.service = "api";
  mw_event_key(&ev, key, sizeof(key));
  assert_string_equal(key, "mcpwatch/web1/api");
  memset(service, 'x', sizeof(service) - 1);
  service[sizeof(service) - 1] = '\0';
  ev.service = service;
  mw_event_key(&ev, key, sizeof(key));
  assert_true(strlen(key) <= 255);
  service[390] = 'y'; /* differs past the cut: the hash still tells them apart */
  mw_event_key(&ev, other, sizeof(other));
  assert_true(strlen(other) <= 255);
  assert_string_not_equal(key, other);
}

static void test_status_and_retry_after(void **unused)
{
  (void)unused;
  assert_int_equal(mw_delivery_for_status(202), MW_DELIVERED);
  assert_int_equal(mw_delivery_for_status(204), MW_DELIVERED);
  assert_int_equal(mw_delivery_for_status(0), MW_RETRY);
  assert_int_equal(mw_delivery_for_status(429), MW_RETRY);
  assert_int_equal(mw_delivery_for_status(503), MW_RETRY);
  assert_int_equal(mw_delivery_for_status(400), MW_REJECTED);
  assert_int_equal(mw_delivery_for_status(404), MW_REJECTED);
  assert_int_equal(mw_delivery_for_status(410), MW_REJECTED);
  assert_true(mw_retry_after_parse("120") == 120.0);
  assert_true(mw_retry_after_parse(NULL) == 0.0);
  assert_true(mw_retry_after_parse("soon") == 0.0);
  assert_true(mw_retry_after_parse("-5") == 0.0);
  assert_true(mw_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0); /* in the past */
  {
    char future[64];
    time_t later = time(NULL) + 600;
    struct tm tm;
    double s;
    gmtime_r(&later, &tm);
    strftime(future, sizeof(future), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    s = mw_retry_after_parse(future);
    assert_true(s > 590 && s <= 600);
  }
}

#ifdef HAVE_WEBHOOK_SIGN
static void test_standard_webhooks_vector(void **unused)
{
  const char *body = "{\"test\": 2432232314}";
  char sig[128];

  (void)unused;
  assert_int_equal(webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                     "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body),
                                     sig, sizeof(sig)),
                   0);
  assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  assert_int_equal(
      webhook_signature("whsec_not*base64", "id", 1, body, strlen(body), sig, sizeof(sig)), -1);
}
#endif

static void path_in(char *out, size_t outlen, const char *dir, const char *name)
{
  int n = snprintf(out, outlen, "%s/%s", dir, name);

  assert_true(n > 0 && (size_t)n < outlen);
}

static void test_small_files_and_links(void **unused)
{
  char dir[] = "/tmp/mw-test-files.XXXXXX";
  char line[16];
  struct stat st;
  FILE *fp;
  char file[256], victim[256], tmp[256], other[256];

  (void)unused;
  assert_non_null(mkdtemp(dir));
  path_in(file, sizeof(file), dir, "incident");
  path_in(victim, sizeof(victim), dir, "victim");
  path_in(tmp, sizeof(tmp), dir, "incident.tmp");
  /* Written, read back without its newline, cut to the buffer. */
  assert_int_equal(mw_file_replace(file, "inc42\nrest\n", 11, 0600), 0);
  assert_int_equal(mw_file_first_line(file, line, sizeof(line)), 0);
  assert_string_equal(line, "inc42");
  assert_int_equal(mw_file_replace(file, "0123456789abcdefghij", 20, 0600), 0);
  assert_int_equal(mw_file_first_line(file, line, sizeof(line)), 0);
  assert_string_equal(line, "0123456789abcde");
  assert_int_equal(stat(file, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  /* Missing: ENOENT and an empty line. */
  path_in(other, sizeof(other), dir, "none");
  assert_int_equal(mw_file_first_line(other, line, sizeof(line)), -1);
  assert_int_equal(errno, ENOENT);
  assert_string_equal(line, "");
  /* A symbolic link is not read through. */
  fp = fopen(victim, "w");
  assert_non_null(fp);
  fputs("secret\n", fp);
  fclose(fp);
  assert_int_equal(unlink(file), 0);
  assert_int_equal(symlink(victim, file), 0);
  assert_int_equal(mw_file_first_line(file, line, sizeof(line)), -1);
  assert_int_equal(errno, ELOOP);
  assert_string_equal(line, "");
  /* Nor written through: the link is replaced, the file it pointed to stays. */
  assert_int_equal(mw_file_replace(file, "new\n", 4, 0600), 0);
  assert_int_equal(lstat(file, &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(mw_file_first_line(victim, line, sizeof(line)), 0);
  assert_string_equal(line, "secret");
  /* A link planted at the temporary name, symbolic or hard, is not written through either. */
  assert_int_equal(symlink(victim, tmp), 0);
  assert_int_equal(mw_file_replace(file, "again\n", 6, 0600), 0);
  assert_int_equal(mw_file_first_line(victim, line, sizeof(line)), 0);
  assert_string_equal(line, "secret");
  assert_int_equal(link(victim, tmp), 0);
  assert_int_equal(mw_file_replace(file, "third\n", 6, 0600), 0);
  assert_int_equal(mw_file_first_line(victim, line, sizeof(line)), 0);
  assert_string_equal(line, "secret");
  assert_int_equal(mw_file_first_line(file, line, sizeof(line)), 0);
  assert_string_equal(line, "third");
  assert_int_equal(access(tmp, F_OK), -1);
  /* A FIFO in its place neither holds the reader nor counts as a file. */
  assert_int_equal(unlink(file), 0);
  assert_int_equal(mkfifo(file, 0600), 0);
  assert_int_equal(mw_file_first_line(file, line, sizeof(line)), -1);
  assert_int_equal(errno, EINVAL);
  /* A folder that is not there: the write fails with the reason. */
  path_in(other, sizeof(other), dir, "no/such");
  assert_int_equal(mw_file_replace(other, "x", 1, 0600), -1);
  assert_int_equal(errno, ENOENT);
  unlink(file);
  unlink(victim);
  assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_soft_then_hard),
      cmocka_unit_test(test_soft_recovery_is_silent),
      cmocka_unit_test(test_one_attempt_and_renotify),
      cmocka_unit_test(test_track_file),
      cmocka_unit_test(test_backoff),
      cmocka_unit_test(test_event_roundtrip),
      cmocka_unit_test(test_cuts),
      cmocka_unit_test(test_event_key),
      cmocka_unit_test(test_status_and_retry_after),
      cmocka_unit_test(test_small_files_and_links),
#ifdef HAVE_WEBHOOK_SIGN
      cmocka_unit_test(test_standard_webhooks_vector),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
