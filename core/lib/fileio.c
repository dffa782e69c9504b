/* SPDX-License-Identifier: MIT */
/* fileio.c - the file operations the spool and the state folder are built on: every write
 * durable (temporary file, fsync, rename, fsync of the folder), every read bounded. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "mw_core.h"

/* ---- fault injection ---- */

static pthread_once_t crash_once = PTHREAD_ONCE_INIT;
static char crash_name[64];
static long crash_hits = 1;

static void crash_read_env(void)
{
  const char *spec = getenv("MCPWATCH_CRASH_AT");
  const char *colon;

  if (!spec || !*spec)
    return;
  colon = strchr(spec, ':');
  snprintf(crash_name, sizeof(crash_name), "%.*s",
           (int)(colon ? (size_t)(colon - spec) : strlen(spec)), spec);
  if (colon)
    crash_hits = strtol(colon + 1, NULL, 10);
}

void crash_point(const char *name)
{
  pthread_once(&crash_once, crash_read_env);
  if (!crash_name[0] || strcmp(crash_name, name) != 0)
    return;
  if (__atomic_sub_fetch(&crash_hits, 1, __ATOMIC_SEQ_CST) == 0)
    raise(SIGKILL);
}

int64_t clock_realtime_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double mw_random01(void)
{
  uint32_t r;

  if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
    r = (uint32_t)clock_realtime_ms() * 2654435761u;
  return (double)r / 4294967296.0;
}

char *fileio_path_join(const char *dir, const char *name)
{
  struct mw_buf path;

  mw_buf_init(&path, 4096);
  mw_buf_addf(&path, "%s/%s", dir, name);
  if (path.failed) {
    mw_buf_free(&path);
    return NULL;
  }
  return path.data;
}

int fileio_make_dir(const char *path, char *err, size_t errlen)
{
  if (mkdir(path, 0750) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* Whether this process belongs to group gid. */
static bool in_group(gid_t gid)
{
  gid_t groups[256];
  int n;
  int i;

  if (gid == getegid())
    return true;
  n = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
  for (i = 0; i < n; i++) {
    if (groups[i] == gid)
      return true;
  }
  return false;
}

int fileio_trust(const char *path, bool follow, bool shared, char *err, size_t errlen)
{
  struct stat st;

  if ((follow ? stat(path, &st) : lstat(path, &st)) != 0) {
    snprintf(err, errlen, "cannot check %s: %s", path, strerror(errno));
    return -1;
  }
  if (S_ISLNK(st.st_mode)) {
    snprintf(err, errlen, "refusing the spool: %s is a symbolic link", path);
    return -1;
  }
  if (st.st_uid != geteuid() && st.st_uid != 0 && !(shared && in_group(st.st_gid))) {
    snprintf(err, errlen, "refusing the spool: %s is owned by uid %ld, neither this user nor root",
             path, (long)st.st_uid);
    return -1;
  }
  if (st.st_mode & S_IWOTH) {
    snprintf(err, errlen, "refusing the spool: every user can write %s (chmod o-w %s)", path, path);
    return -1;
  }
  return 0;
}

int fileio_fsync_dir(const char *dir)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int result;

  if (fd < 0)
    return -1;
  result = fsync(fd);
  close(fd);
  return result;
}

/* The whole of a small file, NUL-terminated; NULL with errno set. */
char *fileio_read(const char *path, size_t max, size_t *len)
{
  struct mw_buf data;
  char chunk[8192];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return NULL;
  mw_buf_init(&data, max);
  while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || mw_buf_add(&data, chunk, (size_t)n) != 0) {
      int saved = n < 0 ? errno : EFBIG;
      close(fd);
      mw_buf_free(&data);
      errno = saved;
      return NULL;
    }
  }
  close(fd);
  if (mw_buf_add(&data, "", 0) != 0 || !data.data) {
    mw_buf_free(&data);
    errno = ENOMEM;
    return NULL;
  }
  *len = data.len;
  return data.data;
}

int mw_write_all(int fd, const void *data, size_t len)
{
  const char *at = data;

  while (len > 0) {
    ssize_t n = write(fd, at, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return -1;
    }
    at += n;
    len -= (size_t)n;
  }
  return 0;
}

int mw_file_replace(const char *path, const void *data, size_t len, mode_t mode)
{
  char tmp[4352];
  int fd;
  int saved;

  if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  /* Whatever stands at PATH.tmp goes first, and the new file must be new: a symbolic or hard link
   * planted there by whoever can write to the folder would otherwise have this process truncate
   * and write the file it points to. */
  if (unlink(tmp) != 0 && errno != ENOENT)
    return -1;
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    return -1;
  if (mw_write_all(fd, data, len) != 0) {
    saved = errno;
    close(fd);
    goto fail;
  }
  if (close(fd) != 0) {
    saved = errno;
    goto fail;
  }
  if (rename(tmp, path) == 0)
    return 0;
  saved = errno;
fail:
  unlink(tmp);
  errno = saved;
  return -1;
}

int mw_file_first_line(const char *path, char *out, size_t outlen)
{
  struct stat st;
  ssize_t n;
  int fd;

  if (outlen == 0) {
    errno = EINVAL;
    return -1;
  }
  out[0] = '\0';
  /* O_NONBLOCK: a FIFO planted in its place must not hold the caller. */
  fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    errno = EINVAL;
    return -1;
  }
  do
    n = read(fd, out, outlen - 1);
  while (n < 0 && errno == EINTR);
  close(fd);
  if (n < 0)
    return -1;
  out[n] = '\0';
  out[strcspn(out, "\n")] = '\0';
  return 0;
}

/* Writes data to dir/final through a temporary file, fsync and rename, then fsyncs dir. */
int fileio_write_durably(const char *dir, const char *final, const char *data, size_t len,
                         char *err, size_t errlen)
{
  static unsigned long counter;
  char tmpname[96];
  char *tmp = NULL;
  char *target = NULL;
  int fd = -1;
  int result = -1;

  snprintf(tmpname, sizeof(tmpname), ".tmp-%ld-%lu-%08x", (long)getpid(),
           __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED), (unsigned)(mw_random01() * 4e9));
  tmp = fileio_path_join(dir, tmpname);
  target = fileio_path_join(dir, final);
  if (!tmp || !target) {
    snprintf(err, errlen, "%s: path too long", dir);
    goto cleanup;
  }
  fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  if (mw_write_all(fd, data, len) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    fd = -1;
    snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  fd = -1;
  crash_point("tmp-written");
  if (rename(tmp, target) != 0) {
    snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
    goto cleanup;
  }
  free(tmp);
  tmp = NULL;
  if (fileio_fsync_dir(dir) != 0) {
    snprintf(err, errlen, "cannot sync %s: %s", dir, strerror(errno));
    goto cleanup;
  }
  result = 0;
cleanup:
  if (fd >= 0)
    close(fd);
  if (tmp)
    unlink(tmp);
  free(tmp);
  free(target);
  return result;
}

uint32_t fnv1a32(const char *text)
{
  uint32_t hash = 2166136261u;

  for (; *text; text++) {
    hash ^= (unsigned char)*text;
    hash *= 16777619u;
  }
  return hash;
}
