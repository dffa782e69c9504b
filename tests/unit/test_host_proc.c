/* SPDX-License-Identifier: MIT */
/* test_host_proc.c - the host check's /proc parsers: real layouts of several kernels, fields
 * missing, counters that go back, and text that is not what it should be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host_proc.h"

static void test_cpu(void **state)
{
  struct cpu_times a, b;
  struct cpu_share share;

  (void)state;
  assert_int_equal(
      host_parse_cpu("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n", &a), 0);
  assert_int_equal(a.tick[CPU_USER], 100);
  assert_int_equal(a.tick[CPU_IDLE], 800);
  assert_int_equal(host_parse_cpu("cpu  200 0 100 1500 100 25 25 50 7 0\n", &b), 0);
  assert_true(host_cpu_share(&a, &b, &share));
  /* 100 user + 50 system + 700 idle + 50 iowait + 25 + 25 + 50 steal = 1000 ticks */
  assert_int_equal(share.ticks, 1000);
  assert_true(fabs(share.percent[CPU_USER] - 10.0) < 1e-9);
  assert_true(fabs(share.percent[CPU_STEAL] - 5.0) < 1e-9);
  assert_true(fabs(share.busy - 25.0) < 1e-9);
  /* no tick passed, or a counter went back: no share */
  assert_false(host_cpu_share(&a, &a, &share));
  assert_false(host_cpu_share(&b, &a, &share));
  /* iowait going back a little is tolerated (it is an estimate) */
  b = a;
  b.tick[CPU_IOWAIT] -= 1;
  b.tick[CPU_USER] += 10;
  assert_true(host_cpu_share(&a, &b, &share));
  assert_true(fabs(share.busy - 100.0) < 1e-9);
  /* Linux 2.6.11 had eight fields; fewer, no "cpu" line, or text: refused */
  assert_int_equal(host_parse_cpu("cpu  1 2 3 4 5 6 7 8\n", &a), 0);
  assert_int_equal(a.tick[CPU_STEAL], 8);
  assert_int_equal(host_parse_cpu("cpu  1 2 3 4\n", &a), -1);
  assert_int_equal(host_parse_cpu("cpu0 1 2 3 4 5 6 7 8\n", &a), -1);
  assert_int_equal(host_parse_cpu("intr 1 2\ncpu  x\n", &a), -1);
  assert_int_equal(host_parse_cpu("", &a), -1);
  assert_int_equal(host_parse_cpu("cpu  99999999999999999999999 0 0 0 0 0 0 0\n", &a), -1);
}

static const char meminfo[] = "MemTotal:        8000000 kB\n"
                              "MemFree:         1000000 kB\n"
                              "MemAvailable:    5000000 kB\n"
                              "Buffers:          100000 kB\n"
                              "Cached:          3000000 kB\n"
                              "SwapCached:           10 kB\n"
                              "SwapTotal:       2000000 kB\n"
                              "SwapFree:        1500000 kB\n"
                              "SReclaimable:     200000 kB\n"
                              "SUnreclaim:        50000 kB\n"
                              "HugePages_Total:       0\n";

static void test_meminfo(void **state)
{
  struct meminfo m;

  (void)state;
  assert_int_equal(host_parse_meminfo(meminfo, &m), 0);
  assert_true(m.total == 8000000.0 * 1024);
  assert_true(m.available == 5000000.0 * 1024);
  assert_true(m.swap_free == 1500000.0 * 1024);
  assert_true(m.slab_unreclaimable == 50000.0 * 1024);
  /* "SwapCached" must not be read as "Cached", nor "Cached" found inside another name */
  assert_true(m.cached == 3000000.0 * 1024);
  assert_true(m.swap_cached == 10.0 * 1024);
  /* before Linux 3.14: no MemAvailable */
  assert_int_equal(host_parse_meminfo("MemTotal: 100 kB\nMemFree: 50 kB\n", &m), 0);
  assert_true(isnan(m.available));
  assert_true(isnan(m.swap_total));
  assert_int_equal(host_parse_meminfo("MemFree: 50 kB\n", &m), -1);
  assert_int_equal(host_parse_meminfo("MemTotal: 0 kB\nMemFree: 0 kB\n", &m), -1);
  assert_int_equal(host_parse_meminfo("MemTotal: lots\nMemFree: 1 kB\n", &m), -1);
}

static void test_loadavg(void **state)
{
  struct loadavg l;

  (void)state;
  assert_int_equal(host_parse_loadavg("1.54 0.53 0.44 3/250 12345\n", &l), 0);
  assert_true(fabs(l.avg[0] - 1.54) < 1e-9 && fabs(l.avg[2] - 0.44) < 1e-9);
  assert_int_equal(l.running, 3);
  assert_int_equal(l.threads, 250);
  assert_int_equal(host_parse_loadavg("1.0 2.0 3.0\n", &l), 0);
  assert_int_equal(l.threads, -1);
  assert_int_equal(host_parse_loadavg("1.0 2.0\n", &l), -1);
  assert_int_equal(host_parse_loadavg("-1 2 3 1/1 1\n", &l), -1);
  assert_int_equal(host_parse_loadavg("nan 2 3 1/1 1\n", &l), -1);
  assert_int_equal(host_parse_loadavg("", &l), -1);
}

static void test_pressure(void **state)
{
  struct pressure p;

  (void)state;
  assert_int_equal(host_parse_pressure("some avg10=13.48 avg60=9.03 avg300=3.41 total=6849266888\n"
                                       "full avg10=0.00 avg60=0.50 avg300=0.00 total=0\n",
                                       &p),
                   0);
  assert_true(fabs(p.some[0] - 13.48) < 1e-9 && fabs(p.some[2] - 3.41) < 1e-9);
  assert_true(p.has_full && fabs(p.full[1] - 0.5) < 1e-9);
  /* the cpu file before Linux 5.13 has no "full" line */
  assert_int_equal(host_parse_pressure("some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n", &p), 0);
  assert_false(p.has_full);
  assert_true(isnan(p.full[1]));
  /* a key found only on the next line does not count */
  assert_int_equal(host_parse_pressure("some avg10=1.00 avg60=2.00\nfull avg300=3.00\n", &p), -1);
  assert_int_equal(host_parse_pressure("full avg10=1 avg60=2 avg300=3 total=4\n", &p), -1);
  assert_int_equal(host_parse_pressure("", &p), -1);
}

static void test_read_file(void **state)
{
  char dir[] = "/tmp/test_host_proc.XXXXXX";
  char path[256];
  char buf[8];
  FILE *f;

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/file", dir);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("0123456789", f);
  fclose(f);
  /* cut to the buffer and terminated */
  assert_int_equal(host_read_file(path, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "0123456");
  unlink(path);
  assert_int_not_equal(host_read_file(path, buf, sizeof(buf)), 0);
  /* a directory (and so a FIFO or device) is refused without blocking */
  assert_int_equal(host_read_file(dir, buf, sizeof(buf)), EINVAL);
  rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cpu),       cmocka_unit_test(test_meminfo),
      cmocka_unit_test(test_loadavg),   cmocka_unit_test(test_pressure),
      cmocka_unit_test(test_read_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
