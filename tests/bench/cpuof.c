/* SPDX-License-Identifier: MIT */
/* cpuof - runs a command N times and prints the median CPU time (user + system, in us), the
 * median peak RSS of one run (KiB), from wait4()'s rusage (the process and the children it
 * waited for), and the median wall time (us): what the process itself cost, without the shell
 * around it.  Usage: cpuof N COMMAND [ARGS...] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static int cmp_long(const void *a, const void *b)
{
  long x = *(const long *)a;
  long y = *(const long *)b;

  return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
  long n;
  long *cpu;
  long *rss;
  long *wall;
  long i;

  if (argc < 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
    fprintf(stderr, "usage: cpuof N COMMAND [ARGS...]\n");
    return 2;
  }
  cpu = calloc((size_t)n, sizeof(long));
  rss = calloc((size_t)n, sizeof(long));
  wall = calloc((size_t)n, sizeof(long));
  if (!cpu || !rss || !wall)
    return 1;
  for (i = 0; i < n; i++) {
    struct rusage ru;
    struct timespec start;
    struct timespec end;
    int status;
    pid_t pid;

    clock_gettime(CLOCK_MONOTONIC, &start);
    pid = fork();
    if (pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      execvp(argv[2], argv + 2);
      _exit(127);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
      return 1;
    clock_gettime(CLOCK_MONOTONIC, &end);
    wall[i] = (end.tv_sec - start.tv_sec) * 1000000L + (end.tv_nsec - start.tv_nsec) / 1000;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      fprintf(stderr, "cpuof: cannot run %s\n", argv[2]);
      return 1;
    }
    cpu[i] = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec +
             ru.ru_stime.tv_usec;
    rss[i] = ru.ru_maxrss;
  }
  qsort(cpu, (size_t)n, sizeof(long), cmp_long);
  qsort(rss, (size_t)n, sizeof(long), cmp_long);
  qsort(wall, (size_t)n, sizeof(long), cmp_long);
  printf("%ld %ld %ld\n", cpu[n / 2], rss[n / 2], wall[n / 2]);
  free(cpu);
  free(rss);
  free(wall);
  return 0;
}
