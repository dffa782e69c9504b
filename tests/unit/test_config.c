/* SPDX-License-Identifier: MIT */
/* Loading mcpwatch.conf and conf.d, including malformed files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_module.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
  char path[256];
  FILE *fp;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static const char *path_of(const char *name)
{
  static char path[256];

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return path;
}

static int setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof(dir), "/tmp/mw-config-XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "%s", "");
  return mkdir(path_of("conf.d"), 0755);
}

static int teardown(void **state)
{
  char cmd[128];
  (void)state;
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static int clean_conf_d(void **state)
{
  char cmd[128];
  (void)state;
  snprintf(cmd, sizeof(cmd), "rm -f '%s'/conf.d/*.conf", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_main_and_conf_d(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf",
             "timeout = 5;\nchecks: {\n  a: { check = \"disk\"; path = \"/\"; };\n};\n");
  write_file("conf.d/20-b.conf",
             "checks: {\n  b: {\n    check = \"disk\";\n    path = [\"/\", \"/tmp\"];\n"
             "    errors_only = true;\n    warning = \"80%\";\n    timeout = 2.5;\n  };\n};\n");
  write_file("conf.d/10-c.conf",
             "checks: { c: { check = \"disk\"; port = 42; interval = \"2m\"; }; };\n");
  write_file("conf.d/ignored.txt", "this is not read");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_true(cfg.timeout == 5);
  assert_int_equal(cfg.ninstances, 3);
  assert_string_equal(cfg.instances[0].name, "a");
  assert_string_equal(cfg.instances[1].name, "c"); /* conf.d files in name order */
  assert_string_equal(cfg.instances[2].name, "b");
  assert_string_equal(cfg.instances[2].check, "disk");
  assert_int_equal(cfg.instances[2].nsettings, 5);
  assert_string_equal(cfg.instances[2].settings[0].key, "path");
  assert_string_equal(cfg.instances[2].settings[1].value, "/tmp");
  assert_string_equal(cfg.instances[2].settings[2].key, "errors-only");
  assert_string_equal(cfg.instances[2].settings[2].value, "true");
  assert_int_equal(cfg.instances[2].settings[3].line, 6);
  assert_string_equal(cfg.instances[2].settings[4].value, "2.5");
  assert_string_equal(cfg.instances[1].settings[0].value, "42");
  /* interval is for schedulers, not an option of the check */
  assert_int_equal(cfg.instances[1].nsettings, 1);
  assert_true(cfg.instances[1].interval == 120);
  assert_true(cfg.instances[0].interval == 0);
  mwconf_free(&cfg);
  clean_conf_d(NULL);
}

/* Replaces every "{dir}" of the template with the test's folder. */
static void expand(const char *template, char *out, size_t outlen)
{
  size_t used = 0;

  while (*template && used + 1 < outlen) {
    if (strncmp(template, "{dir}", 5) == 0) {
      used += (size_t)snprintf(out + used, outlen - used, "%s", dir);
      template += 5;
    } else {
      out[used++] = *template ++;
    }
  }
  out[used < outlen ? used : outlen - 1] = '\0';
}

static void expect_error(const char *main_text, const char *conf_d_text, const char *expected)
{
  struct mw_config cfg;
  char err[512];
  char want[512];

  write_file("main.conf", main_text);
  if (conf_d_text)
    write_file("conf.d/x.conf", conf_d_text);
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), -1);
  expand(expected, want, sizeof(want));
  if (strcmp(err, want) != 0)
    fail_msg("expected \"%s\", got \"%s\"", want, err);
  mwconf_free(&cfg);
  clean_conf_d(NULL);
}

/* Found by fuzz_config: the instances read before an error were left allocated for a caller
 * that, told the load failed, frees nothing. Under AddressSanitizer a leak fails this test. */
static void test_error_leaves_nothing(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf", "checks: { a: { check = \"disk\"; }; b: { check = \"disk\"; }; };\n"
                          "notifiers: { n: { type = \"webhook\"; }; };\n"
                          "bogus = 1;\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "unknown setting 'bogus'"));
  assert_int_equal(cfg.ninstances, 0);
  assert_null(cfg.instances);
  assert_int_equal(cfg.nnotifiers, 0);
  assert_null(cfg.notifiers);
}

static void test_errors(void **state)
{
  (void)state;
  expect_error("checks: {\n a: {\n check = ;\n };\n};\n", NULL, "{dir}/main.conf:3: syntax error");
  expect_error("tmeout = 5;\n", NULL,
               "{dir}/main.conf:1: unknown setting 'tmeout' (expected checks, notifiers, services, "
               "downtimes, "
               "timeout, backoff_max, conf_dir, spool_dir, state_dir, host, spool_max, "
               "nagios_command_file, "
               "passive_results, http or history)");
  expect_error("", "timeout = 5;\n",
               "{dir}/conf.d/x.conf:1: unknown setting 'timeout' (expected checks, notifiers, "
               "services or downtimes)");
  expect_error("checks: {\n a: { check = \"disk\"; };\n};\n",
               "checks: {\n\n a: { check = \"disk\"; };\n};\n",
               "{dir}/conf.d/x.conf:3: check 'a' is already defined in {dir}/main.conf:2");
  expect_error("checks: {\n a: { path = \"/\"; };\n};\n", NULL,
               "{dir}/main.conf:2: check 'a' has no 'check = \"TYPE\";' line");
  expect_error("checks: {\n a: { check = \"disk\"; x: { y = 1; }; };\n};\n", NULL,
               "{dir}/main.conf:2: 'x' must be a value or a list of values");
  expect_error("checks: {\n a: { check = 5; };\n};\n", NULL,
               "{dir}/main.conf:2: 'check' must be a string such as \"disk\"");
  expect_error("timeout = \"soon\";\n", NULL,
               "{dir}/main.conf:1: timeout must be a duration such as 10 or \"2.5s\"");
  expect_error("checks: {\n a: { check = \"disk\"; interval = \"often\"; };\n};\n", NULL,
               "{dir}/main.conf:2: 'interval' must be a duration such as 30 or \"5m\"");
  expect_error("checks: {\n a: { check = \"disk\"; interval = 0; };\n};\n", NULL,
               "{dir}/main.conf:2: 'interval' must be a duration such as 30 or \"5m\"");
  expect_error("conf_dir = \"missing.d\";\n", NULL,
               "cannot read directory {dir}/missing.d: No such file or directory");
  expect_error("checks = ( 1, 2 );\n", NULL,
               "{dir}/main.conf:1: 'checks' must be a group: checks: { NAME: { ... }; };");
  expect_error("checks: {\n a: { check = \"disk\"; notify = [\"pd\"]; };\n};\n", NULL,
               "{dir}/main.conf:2: check 'a' notifies 'pd', which no notifiers: { } entry "
               "defines");
  expect_error("checks: {\n a: { check = \"disk\"; max_attempts = 0; };\n};\n", NULL,
               "{dir}/main.conf:2: 'max_attempts' must be a number from 1 to 100");
  expect_error("checks: {\n a: { check = \"disk\"; notify = 5; };\n};\n", NULL,
               "{dir}/main.conf:2: 'notify' must be a notifier name or a list of them");
  expect_error("notifiers: {\n pd: { url = \"x\"; };\n};\n", NULL,
               "{dir}/main.conf:2: notifier 'pd' has no 'type = \"TYPE\";' line");
  expect_error("spool_dir = 5;\n", NULL, "{dir}/main.conf:1: spool_dir must be a non-empty string");
  expect_error(
      "checks: { a: { check = \"disk\"; }; };\nservices: { s: { members = [\"b\"]; }; };\n", NULL,
      "{dir}/main.conf:2: service 's' has member 'b', which no checks: { } entry defines");
  expect_error(
      "checks: { a: { check = \"disk\"; }; };\nservices: { a: { members = [\"a\"]; }; };\n", NULL,
      "{dir}/main.conf:2: service 'a' is defined twice, or is also a check's name");
  expect_error("checks: { a: { check = \"disk\"; notify = [\"p\\nd\"]; }; };\n", NULL,
               "{dir}/main.conf:1: check 'a' notifies 'p d', which no notifiers: { } entry "
               "defines");
  expect_error("services: { s: { notify = []; }; };\n", NULL,
               "{dir}/main.conf:1: service 's' has no members = [\"INSTANCE\", ...];");
  expect_error("services: { s: { members = [\"a\"]; color = 1; }; };\n", NULL,
               "{dir}/main.conf:1: unknown key 'color' in service 's' (members, notify, "
               "depends_on, flap_detection, flap_low, flap_high, flap_window, slo)");
}

static void test_policy_settings(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf",
             "checks: {\n"
             "  db: { check = \"disk\"; flap_detection = true; };\n"
             "  api: { check = \"disk\"; depends_on = [\"db\"]; flap_low = 10; flap_high = 40;"
             " flap_window = 9; };\n"
             "  web: { check = \"disk\"; depends_on = \"stack\"; flap_detection = false; };\n"
             "};\nservices: { stack: { members = [\"api\"]; depends_on = [\"db\"]; }; };\n"
             "notifiers: {\n  pd: { type = \"pagerduty\"; routing_key_file = \"/k\";"
             " states = [\"critical\", \"recovery\"]; };\n"
             "  chat: { type = \"webhook\"; url = \"http://x/\"; states = [\"warning\"];"
             " renotify = \"1h\"; };\n  all: { type = \"webhook\"; url = \"http://y/\"; };\n};\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_true(cfg.instances[0].flap_low == 20 && cfg.instances[0].flap_high == 30);
  assert_true(cfg.instances[1].flap_low == 10 && cfg.instances[1].flap_high == 40);
  assert_int_equal(cfg.instances[1].flap_window, 9);
  assert_int_equal(cfg.instances[0].flap_window, 0);
  assert_true(cfg.instances[2].flap_high < 0);
  assert_int_equal(cfg.instances[1].ndepends_on, 1);
  assert_string_equal(cfg.instances[1].depends_on[0], "db");
  assert_string_equal(cfg.instances[2].depends_on[0], "stack");
  assert_string_equal(cfg.services[0].depends_on[0], "db");
  assert_int_equal(cfg.notifiers[0].routes, 0x02u | 0x08u);
  assert_int_equal(cfg.notifiers[0].nsettings, 1); /* states is not the notifier's option */
  assert_true(cfg.notifiers[0].reminder < 0);
  assert_int_equal(cfg.notifiers[1].routes, 0x01u);
  assert_true(cfg.notifiers[1].reminder == 3600);
  assert_int_equal(cfg.notifiers[2].routes, 0);
  mwconf_free(&cfg);
  clean_conf_d(NULL);

  /* Notify entries with states of their own; downtime windows. */
  write_file(
      "main.conf",
      "checks: { a: { check = \"disk\"; notify = [\"pd\", \"chat:warning,recovery\"]; }; };\n"
      "notifiers: { pd: { type = \"pagerduty\"; }; chat: { type = \"webhook\"; }; };\n"
      "downtimes: { nightly: { members = [\"a\"]; every = \"Mon-Fri 22:00-06:00\";"
      " timezone = \"UTC\"; comment = \"batch\"; }; };\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_string_equal(cfg.instances[0].notify[1], "chat");
  assert_int_equal(cfg.instances[0].notify_routes[0], 0);
  assert_int_equal(cfg.instances[0].notify_routes[1], 0x01u | 0x08u);
  assert_int_equal(cfg.ndowntimes, 1);
  assert_string_equal(cfg.downtimes[0].every, "Mon-Fri 22:00-06:00");
  assert_int_equal(cfg.downtimes[0].window.days, 0x3e);
  assert_int_equal(cfg.downtimes[0].window.start, 22 * 60);
  assert_string_equal(cfg.downtimes[0].comment, "batch");
  mwconf_free(&cfg);
  clean_conf_d(NULL);
  expect_error("checks: { a: { check = \"disk\"; }; };\n"
               "downtimes: { d: { members = [\"a\"]; every = \"Sun 02:00\"; }; };\n",
               NULL,
               "{dir}/main.conf:2: downtime 'd': 'Sun 02:00' is not a window such as \"Sun "
               "02:00-04:00\", \"Mon-Fri 22:00-06:00\" or \"daily 01:00-01:30\"");
  expect_error("checks: { a: { check = \"disk\"; }; };\n"
               "downtimes: { d: { members = [\"b\"]; every = \"Sun 02:00-03:00\"; }; };\n",
               NULL,
               "{dir}/main.conf:2: downtime 'd' names 'b', which is neither a check instance nor "
               "a service");
  expect_error(
      "checks: { a: { check = \"disk\"; }; };\n"
      "downtimes: { d: { members = [\"a\"]; every = \"Sun 02:00-03:00\"; when = 1; }; };\n",
      NULL,
      "{dir}/main.conf:2: unknown key 'when' in downtime 'd' (members, every, timezone, "
      "comment)");
  expect_error("checks: {\n a: { check = \"disk\"; depends_on = [\"b\"]; };\n"
               " b: { check = \"disk\"; depends_on = [\"c\"]; };\n"
               " c: { check = \"disk\"; depends_on = [\"a\"]; };\n};\n",
               NULL, "{dir}/main.conf:4: depends_on makes a cycle: a -> b -> c -> a");
  expect_error("checks: { a: { check = \"disk\"; depends_on = \"a\"; }; };\n", NULL,
               "{dir}/main.conf:1: depends_on makes a cycle: a -> a");
  expect_error("checks: { a: { check = \"disk\"; depends_on = [\"nope\"]; }; };\n", NULL,
               "{dir}/main.conf:1: 'a' depends on 'nope', which is neither a check instance nor "
               "a service");
  expect_error("checks: { a: { check = \"disk\"; flap_low = 30; flap_high = 30; }; };\n", NULL,
               "{dir}/main.conf:1: 'a': flap_low (30) must be below flap_high (30)");
  expect_error("checks: { a: { check = \"disk\"; flap_high = 130; }; };\n", NULL,
               "{dir}/main.conf:1: 'flap_high' must be a percentage above 0, at most 100");
  expect_error("checks: { a: { check = \"disk\"; flap_window = 30; }; };\n", NULL,
               "{dir}/main.conf:1: 'flap_window' must be a number of results from 3 to 21");
  expect_error("checks: { a: { check = \"disk\"; flap_detection = 1; }; };\n", NULL,
               "{dir}/main.conf:1: 'flap_detection' must be true or false");
  expect_error("notifiers: { n: { type = \"webhook\"; states = [\"ok\"]; }; };\n", NULL,
               "{dir}/main.conf:1: 'states' must list some of \"warning\", \"critical\", "
               "\"unknown\", \"recovery\", \"flapping\"");
  expect_error("notifiers: { n: { type = \"webhook\"; renotify = \"often\"; }; };\n", NULL,
               "{dir}/main.conf:1: 'renotify' must be a duration such as \"1h\" (0: never)");
}

static void test_forwarding_settings(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf", "spool_dir = \"/s\";\nstate_dir = \"/t\";\nhost = \"web1\";\n"
                          "spool_max = 50;\nchecks: {\n"
                          "  a: { check = \"disk\"; notify = [\"pd\", \"hook\"]; max_attempts = 3;"
                          " renotify_interval = \"1h\"; };\n"
                          "  b: { check = \"disk\"; notify = []; };\n"
                          "  c: { check = \"disk\"; notify = \"pd\"; };\n"
                          "  d: { check = \"disk\"; };\n};\n");
  write_file("conf.d/n.conf",
             "notifiers: {\n  pd: { type = \"pagerduty\"; routing_key_file = "
             "\"/k\"; };\n  hook: { type = \"webhook\"; url = \"http://x/\"; };\n};\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_string_equal(cfg.spool_dir, "/s");
  assert_string_equal(cfg.state_dir, "/t");
  assert_string_equal(cfg.host, "web1");
  assert_int_equal(cfg.spool_max, 50);
  assert_int_equal(cfg.nnotifiers, 2);
  assert_string_equal(cfg.notifiers[0].name, "pd");
  assert_string_equal(cfg.notifiers[0].check, "pagerduty");
  assert_int_equal(cfg.notifiers[0].nsettings, 1);
  assert_string_equal(cfg.notifiers[0].settings[0].key, "routing-key-file");
  assert_int_equal(cfg.instances[0].nnotify, 2);
  assert_string_equal(cfg.instances[0].notify[1], "hook");
  assert_int_equal(cfg.instances[0].max_attempts, 3);
  assert_true(cfg.instances[0].renotify == 3600);
  assert_int_equal(cfg.instances[0].nsettings, 0); /* all of them are mcpwatch's, not disk's */
  assert_true(cfg.instances[1].notify_none);
  assert_int_equal(cfg.instances[2].nnotify, 1);
  assert_null(cfg.instances[3].notify);
  assert_false(cfg.instances[3].notify_none);
  mwconf_free(&cfg);
  clean_conf_d(NULL);
}

static void test_passive_results(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf", "checks: { a: { check = \"disk\"; }; };\n"
                          "passive_results: {\n  central: { type = \"icinga2\"; url = "
                          "\"https://i:5665\"; password_file = \"/p\"; };\n};\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_int_equal(cfg.nresults, 1);
  assert_int_equal(cfg.nnotifiers, 0); /* results receivers are not state-change notifiers */
  assert_string_equal(cfg.results[0].name, "central");
  assert_string_equal(cfg.results[0].check, "icinga2");
  assert_int_equal(cfg.results[0].nsettings, 2);
  assert_string_equal(cfg.results[0].settings[1].key, "password-file");
  mwconf_free(&cfg);
  expect_error("passive_results: {\n a: { url = \"x\"; };\n};\n", NULL,
               "{dir}/main.conf:2: notifier 'a' has no 'type = \"TYPE\";' line");
  expect_error("passive_results = 5;\n", NULL,
               "{dir}/main.conf:1: 'passive_results' must be a group: passive_results: { NAME: { "
               "... }; };");
  expect_error("", "passive_results: { a: { type = \"icinga2\"; }; };\n",
               "{dir}/conf.d/x.conf:1: unknown setting 'passive_results' (expected checks, "
               "notifiers, services or downtimes)");
  clean_conf_d(NULL);
}

/* http: { }: the agent's server; an address other than loopback only with credentials. */
static void test_http_server(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf", "http: { listen = [\"127.0.0.1:9464\", \"[::1]:9464\"]; };\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_int_equal(cfg.http.nlisten, 2);
  assert_string_equal(cfg.http.listen[1], "[::1]:9464");
  assert_int_equal(cfg.http.degraded_status, 200);
  assert_null(cfg.http.basic_file);
  mwconf_free(&cfg);
  write_file("main.conf", "http: { listen = \"0.0.0.0:443\"; token_file = \"/etc/t\"; "
                          "tls_cert = \"/c.pem\"; tls_key = \"/k.pem\"; degraded = 503; };\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_int_equal(cfg.http.nlisten, 1);
  assert_string_equal(cfg.http.token_file, "/etc/t");
  assert_int_equal(cfg.http.degraded_status, 503);
  mwconf_free(&cfg);
  write_file("main.conf", "checks: { a: { check = \"disk\"; }; };\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_int_equal(cfg.http.nlisten, 0); /* off unless given */
  mwconf_free(&cfg);
  expect_error("http: { listen = \"0.0.0.0:9464\"; };\n", NULL,
               "{dir}/main.conf:1: http: an address other than loopback needs basic_file or "
               "token_file");
  expect_error("http: { listen = \"127.0.0.1.evil:9464\"; };\n", NULL,
               "{dir}/main.conf:1: http: an address other than loopback needs basic_file or "
               "token_file");
  expect_error("http: { listen = \"localhost:0\"; };\n", NULL,
               "{dir}/main.conf:1: http: listen \"localhost:0\" is not HOST:PORT ([V6]:PORT, port "
               "1 to 65535)");
  expect_error("http: { listen = \"::1:80\"; };\n", NULL,
               "{dir}/main.conf:1: http: listen \"::1:80\" is not HOST:PORT ([V6]:PORT, port 1 to "
               "65535)");
  expect_error("http: { listen = \"127.0.0.1:80x\"; };\n", NULL,
               "{dir}/main.conf:1: http: listen \"127.0.0.1:80x\" is not HOST:PORT ([V6]:PORT, "
               "port 1 to 65535)");
  expect_error("http: { };\n", NULL,
               "{dir}/main.conf:1: http has no listen = [\"127.0.0.1:9464\"];");
  expect_error("http: { listen = \"127.0.0.1:1\"; tls_cert = \"/c\"; };\n", NULL,
               "{dir}/main.conf:1: http: tls_cert and tls_key go together");
  expect_error("http: { listen = \"127.0.0.1:1\"; basic_file = \"/b\"; token_file = \"/t\"; };\n",
               NULL, "{dir}/main.conf:1: http: basic_file and token_file: give one");
  expect_error("http: { listen = \"127.0.0.1:1\"; degraded = 404; };\n", NULL,
               "{dir}/main.conf:1: http: degraded must be 200 or 503 (the /health status of a "
               "DEGRADED service)");
  expect_error("http: { listen = \"127.0.0.1:1\"; port = 1; };\n", NULL,
               "{dir}/main.conf:1: unknown key 'port' in http (listen, basic_file, token_file, "
               "tls_cert, tls_key, degraded)");
  expect_error(
      "http = 5;\n", NULL,
      "{dir}/main.conf:1: 'http' must be a group: http: { listen = [\"127.0.0.1:9464\"]; };");
  expect_error("", "http: { listen = \"127.0.0.1:1\"; };\n",
               "{dir}/conf.d/x.conf:1: unknown setting 'http' (expected checks, notifiers, "
               "services or downtimes)");
}

/* calls = ( { ... }, ... ): each group one JSON value of the option, strings escaped. */
static void test_group_values(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf",
             "checks: { m: { check = \"mcp-tools\"; calls = (\n"
             "  { tool = \"search\"; args = \"{\\\"q\\\": 1}\"; expect = [ \"a;1:\", \"b=x\" ];"
             " warning = 0.5; n = 3; flag = true; },\n"
             "  { tool = \"fetch\"; args_from = { id = \"text.items[0].id\"; }; } ); }; };\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_int_equal(cfg.instances[0].nsettings, 2);
  assert_string_equal(cfg.instances[0].settings[0].key, "calls");
  assert_string_equal(
      cfg.instances[0].settings[0].value,
      "{\"tool\":\"search\",\"args\":\"{\\\"q\\\": 1}\",\"expect\":[\"a;1:\",\"b=x\"],"
      "\"warning\":0.5,\"n\":3,\"flag\":true}");
  assert_string_equal(cfg.instances[0].settings[1].value,
                      "{\"tool\":\"fetch\",\"args_from\":{\"id\":\"text.items[0].id\"}}");
  mwconf_free(&cfg);
}

static void test_history_settings(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf", "checks: { a: { check = \"disk\"; }; };\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_false(cfg.history.set);
  assert_false(cfg.history.disabled);
  mwconf_free(&cfg);
  write_file("main.conf", "history = false;\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_true(cfg.history.set && cfg.history.disabled);
  mwconf_free(&cfg);
  write_file("main.conf", "history: { retention = \"30d\"; max_size_mb = 64; };\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_true(cfg.history.set && !cfg.history.disabled);
  assert_true(cfg.history.retention_s == 30.0 * 86400);
  assert_int_equal(cfg.history.max_size_mb, 64);
  mwconf_free(&cfg);
  expect_error("history: { retention = \"1h\"; };\n", NULL,
               "{dir}/main.conf:1: history: retention must be a duration from \"1d\" to \"366d\" "
               "such as \"90d\"");
  expect_error("history: { max_size_mb = 1; };\n", NULL,
               "{dir}/main.conf:1: history: max_size_mb must be a number of MiB from 16 to "
               "1048576");
  expect_error("history: { keep = 1; };\n", NULL,
               "{dir}/main.conf:1: unknown key 'keep' in history (enabled, retention, "
               "max_size_mb, slo_interval)");
  expect_error("history = 5;\n", NULL,
               "{dir}/main.conf:1: 'history' must be true, false or a group: history: { "
               "retention = \"90d\"; max_size_mb = 1024; };");
  expect_error("", "history = false;\n",
               "{dir}/conf.d/x.conf:1: unknown setting 'history' (expected checks, notifiers, "
               "services or downtimes)");
}

static void test_slo_settings(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf",
             "checks: { a: { check = \"disk\"; slo = { availability = \"99.9%\"; latency = "
             "\"p95 < 500ms\"; }; };\n b: { check = \"disk\"; slo = { latency = \"p99.9<=2s\"; "
             "window = \"7d\"; }; }; };\n"
             "services: { s: { members = [\"a\"]; slo = { availability = 99.5; }; }; };\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_float_equal(cfg.instances[0].slo.availability, 0.999, 1e-12);
  assert_float_equal(cfg.instances[0].slo.latency_q, 0.95, 1e-12);
  assert_float_equal(cfg.instances[0].slo.latency_ms, 500, 1e-9);
  assert_float_equal(cfg.instances[0].slo.window_s, 30 * 86400.0, 1e-9);
  assert_float_equal(cfg.instances[1].slo.availability, 0, 0);
  assert_float_equal(cfg.instances[1].slo.latency_q, 0.999, 1e-12);
  assert_float_equal(cfg.instances[1].slo.latency_ms, 2000, 1e-9);
  assert_float_equal(cfg.instances[1].slo.window_s, 7 * 86400.0, 1e-9);
  assert_float_equal(cfg.services[0].slo.availability, 0.995, 1e-12);
  mwconf_free(&cfg);
  expect_error("checks: { a: { check = \"disk\"; slo = { availability = \"100%\"; }; }; };\n", NULL,
               "{dir}/main.conf:1: slo: availability must be a percentage above 0 and under 100 "
               "such as \"99.9%\"");
  expect_error("checks: { a: { check = \"disk\"; slo = { latency = \"95 < 1s\"; }; }; };\n", NULL,
               "{dir}/main.conf:1: slo: latency must read \"pNN < DURATION\" such as \"p95 < "
               "500ms\" (p50 to p99.99)");
  expect_error("checks: { a: { check = \"disk\"; slo = { window = \"10m\"; availability = 99; }; "
               "}; };\n",
               NULL,
               "{dir}/main.conf:1: slo: window must be a duration from \"1h\" to \"366d\" such "
               "as \"30d\"");
  expect_error("checks: { a: { check = \"disk\"; slo = { }; }; };\n", NULL,
               "{dir}/main.conf:1: slo: give availability, latency or both");
  expect_error("checks: { a: { check = \"disk\"; slo = { target = 1; }; }; };\n", NULL,
               "{dir}/main.conf:1: unknown key 'target' in slo (availability, latency, window)");
  expect_error("checks: { a: { check = \"disk\"; }; };\nservices: { s: { members = [\"a\"]; "
               "slo = { latency = \"p95 < 1s\"; }; }; };\n",
               NULL,
               "{dir}/main.conf:2: service 's': slo latency: a service has no response time of "
               "its own (set it on its members)");
}

static void test_missing_and_unreadable(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  assert_int_equal(mwconf_load("/nonexistent/mcpwatch.conf", &cfg, err, sizeof(err)), -1);
  assert_string_equal(err, "cannot read /nonexistent/mcpwatch.conf: No such file or directory");
  mwconf_free(&cfg);
  if (geteuid() != 0) {
    write_file("secret.conf", "");
    chmod(path_of("secret.conf"), 0);
    assert_int_equal(mwconf_load(path_of("secret.conf"), &cfg, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "Permission denied"));
    mwconf_free(&cfg);
  }
}

static void test_no_conf_d_is_fine(void **state)
{
  struct mw_config cfg;
  char err[512];
  (void)state;

  write_file("main.conf", "conf_dir = \"conf.d\";\n");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  assert_int_equal(cfg.ninstances, 0);
  mwconf_free(&cfg);
  rmdir(path_of("conf.d"));
  write_file("main.conf", "");
  assert_int_equal(mwconf_load(path_of("main.conf"), &cfg, err, sizeof(err)), 0);
  mwconf_free(&cfg);
  mkdir(path_of("conf.d"), 0755);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_main_and_conf_d),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_forwarding_settings),
      cmocka_unit_test(test_policy_settings),
      cmocka_unit_test_teardown(test_history_settings, clean_conf_d),
      cmocka_unit_test_teardown(test_slo_settings, clean_conf_d),
      cmocka_unit_test(test_missing_and_unreadable),
      cmocka_unit_test(test_no_conf_d_is_fine),
      cmocka_unit_test(test_passive_results),
      cmocka_unit_test(test_error_leaves_nothing),
      cmocka_unit_test(test_group_values),
      cmocka_unit_test(test_http_server),
  };
  return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
