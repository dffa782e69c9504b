/* SPDX-License-Identifier: MIT */
/* mounts.h - the mount table of /proc/self/mountinfo, for the disk check. */
#ifndef MW_DISK_MOUNTS_H
#define MW_DISK_MOUNTS_H

#include <stddef.h>

struct mount {
  char *dir;    /* mount point, unescaped */
  char *type;   /* file system type: ext4, nfs4, fuse.sshfs... */
  char *device; /* major:minor, equal for bind mounts of one file system */
};

struct mount_table {
  struct mount *items; /* in mountinfo order: a later mount on the same dir hides an earlier */
  size_t count;
};

int mount_table_load(struct mount_table *table, char *err, size_t errlen);
void mount_table_free(struct mount_table *table);
/* The mount a path lies on, judged by its text alone: stat() or realpath() would block on the
 * very hung mount being checked. NULL when unsure (a ".." component, no match). Symbolic links
 * are not followed. */
const struct mount *mount_table_find(const struct mount_table *table, const char *path);

#endif
