/* SPDX-License-Identifier: MIT */
/* hangfs - a FUSE file system whose statfs never answers, like a dead NFS server.
 * Usage: hangfs MOUNTPOINT (stays in the foreground; kill it to end the mount). */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int hang_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
  (void)fi;
  if (strcmp(path, "/") != 0)
    return -ENOENT;
  memset(st, 0, sizeof(*st));
  st->st_mode = S_IFDIR | 0755;
  st->st_nlink = 2;
  return 0;
}

static int hang_statfs(const char *path, struct statvfs *st)
{
  (void)path;
  (void)st;
  for (;;)
    pause();
  return 0;
}

static const struct fuse_operations hang_ops = {
    .getattr = hang_getattr,
    .statfs = hang_statfs,
};

int main(int argc, char **argv)
{
  char *fuse_argv[] = {argv[0], "-f", "-o", "fsname=hangfs", argc > 1 ? argv[1] : NULL, NULL};

  if (argc != 2)
    return 2;
  return fuse_main(5, fuse_argv, &hang_ops, NULL);
}
