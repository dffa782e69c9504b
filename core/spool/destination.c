/* SPDX-License-Identifier: MIT */
/* destination.c - a notifier opened on its spool folder: SPOOL/NAME/destination records the
 * notifier and its options (file and variable names of secrets, never secrets), so that
 * `mcpwatch flush` can reopen it with nothing else to go on. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool_impl.h"

static bool dest_name_is_valid(const char *name)
{
  size_t len = strlen(name);
  const char *p;

  if (len == 0 || len > DEST_NAME_MAX || name[0] == '.' || name[0] == '-')
    return false;
  for (p = name; *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '_' || *p == '.'))
      return false;
  }
  return strcmp(name, DEAD_DIR) != 0;
}

/* ---- destinations ---- */

/* "type=T" then "name=value" for every option given, except command-line-only ones. */
static int save_text(const char *type, const struct mw_args *args, struct mw_buf *out)
{
  const struct mw_option *opt;
  size_t i;
  size_t k;

  mw_buf_addf(out, "type=%s\n", type);
  for (i = 0; (opt = mw_args_option_at(args, i)) != NULL; i++) {
    if ((opt->flags & MW_OPT_CLI_ONLY) || !mw_args_given(args, opt->name))
      continue;
    for (k = 0; k < mw_args_count(args, opt->name); k++)
      mw_buf_addf(out, "%s=%s\n", opt->name, mw_args_str_at(args, opt->name, k));
  }
  return out->failed ? -1 : 0;
}

static int dest_finish_open(struct mw_destination *dest, const char *spool_dir, char *err,
                            size_t errlen)
{
  const struct mw_notifier *n = dest->plugin.notifier;
  char why[ERR_MAX_SPOOL];

  dest->folder = fileio_path_join(spool_dir, dest->name);
  if (!dest->folder) {
    snprintf(err, errlen, "%s: path too long", spool_dir);
    return -1;
  }
  if (fileio_make_dir(spool_dir, err, errlen) != 0 ||
      fileio_trust(spool_dir, true, true, err, errlen) != 0 ||
      fileio_make_dir(dest->folder, err, errlen) != 0 ||
      fileio_trust(dest->folder, false, false, err, errlen) != 0)
    return -1;
  if (n->open(dest->args, dest->folder, &dest->state, why, sizeof(why)) != 0) {
    dest->state = NULL;
    snprintf(err, errlen, "%s: %s", dest->plugin.notifier->name, why);
    rmdir(dest->folder); /* only when nothing was ever queued there */
    return -1;
  }
  /* What a killed writer left is settled before this process hands anything off: a staged
   * event it would not commit could otherwise share a number with one of ours. */
  spool_recover(dest, NULL, NULL);
  return 0;
}

static bool is_file_option(const char *name)
{
  size_t len = strlen(name);

  return len > 5 && strcmp(name + len - 5, "-file") == 0;
}

/* File options (keys, secrets, CA files) as absolute paths: the destination file keeps them for
 * `mcpwatch flush`, which may run from any folder. */
static int absolute_files(struct mw_args *args, char *err, size_t errlen)
{
  const struct mw_option *opt;
  char cwd[4096];
  size_t i;

  for (i = 0; (opt = mw_args_option_at(args, i)) != NULL; i++) {
    const char *value;
    struct mw_buf path;
    char why[ERR_MAX_SPOOL];
    int rc;
    if (!is_file_option(opt->name) || !mw_args_given(args, opt->name) ||
        mw_args_count(args, opt->name) != 1)
      continue;
    value = mw_args_str(args, opt->name);
    if (!value || value[0] == '/' || !value[0])
      continue;
    if (!getcwd(cwd, sizeof(cwd))) {
      snprintf(err, errlen, "--%s %s: cannot tell the current folder: %s", opt->name, value,
               strerror(errno));
      return -1;
    }
    mw_buf_init(&path, sizeof(cwd) * 2);
    mw_buf_addf(&path, "%s/%s", cwd, value);
    rc = path.failed ? -1 : mw_args_set(args, opt->name, path.data, why, sizeof(why));
    mw_buf_free(&path);
    if (rc != 0) {
      snprintf(err, errlen, "--%s: path too long", opt->name);
      return -1;
    }
  }
  return 0;
}

/* The notifier of type with its options from settings (or args, then owned by dest). */
static int dest_load(struct mw_destination *dest, const char *type,
                     const struct mw_setting *settings, size_t nsettings, struct mw_args *args,
                     char *err, size_t errlen)
{
  char why[ERR_MAX_SPOOL];
  size_t i;

  if (mw_notifier_load(type, &dest->plugin, err, errlen) != 0)
    return -1;
  dest->args =
      args ? args : mw_args_new_with(mw_notifier_common_options, dest->plugin.notifier->options);
  if (!dest->args) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < nsettings; i++) {
    if (mw_args_set(dest->args, settings[i].key, settings[i].value, why, sizeof(why)) != 0) {
      snprintf(err, errlen, "line %d: %s", settings[i].line, why);
      return -1;
    }
  }
  return absolute_files(dest->args, err, errlen);
}

int mw_destination_open(const char *spool_dir, const char *name, const char *type,
                        const struct mw_setting *settings, size_t nsettings, struct mw_args *args,
                        struct mw_destination **out, char *err, size_t errlen)
{
  struct mw_destination *dest = calloc(1, sizeof(*dest));
  struct mw_buf saved;
  char *existing = NULL;
  char *dest_file = NULL;
  size_t len;
  int result = -1;

  *out = NULL;
  mw_buf_init(&saved, 64 * 1024);
  if (!dest) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  if (dest_load(dest, type, settings, nsettings, args, err, errlen) != 0)
    goto cleanup;
  if (save_text(type, dest->args, &saved) != 0 || strchr(saved.data, '\r')) {
    snprintf(err, errlen, "%s: options too long", type);
    goto cleanup;
  }
  if (name) {
    dest->name = strdup(name);
  } else {
    char generated[DEST_NAME_MAX + 1];
    snprintf(generated, sizeof(generated), "%s-%08x", type, (unsigned)fnv1a32(saved.data));
    dest->name = strdup(generated);
  }
  if (!dest->name) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  if (!dest_name_is_valid(dest->name)) {
    snprintf(err, errlen, "'%.64s' is not a destination name (letters, digits, '-', '_', '.')",
             dest->name);
    goto cleanup;
  }
  if (dest_finish_open(dest, spool_dir, err, errlen) != 0)
    goto cleanup;
  dest_file = fileio_path_join(dest->folder, DEST_FILE);
  existing = dest_file ? fileio_read(dest_file, 64 * 1024, &len) : NULL;
  if (!existing || strcmp(existing, saved.data) != 0) {
    if (fileio_write_durably(dest->folder, DEST_FILE, saved.data, saved.len, err, errlen) != 0)
      goto cleanup;
  }
  if (!dest_file || fileio_trust(dest_file, false, false, err, errlen) != 0)
    goto cleanup;
  dest->saved = saved.data;
  saved.data = NULL;
  *out = dest;
  dest = NULL;
  result = 0;
cleanup:
  if (dest && args)
    dest->args = NULL; /* the caller keeps what it passed in on failure */
  mw_destination_close(dest);
  mw_buf_free(&saved);
  free(existing);
  free(dest_file);
  return result;
}

int mw_destination_check(const char *spool_dir, const char *name, const char *type,
                         const struct mw_setting *settings, size_t nsettings, char *err,
                         size_t errlen)
{
  struct mw_destination *dest = calloc(1, sizeof(*dest));
  char why[ERR_MAX_SPOOL];
  int result = -1;

  if (!dest) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (name && !dest_name_is_valid(name)) {
    snprintf(err, errlen, "'%.64s' is not a destination name (letters, digits, '-', '_', '.')",
             name);
    goto cleanup;
  }
  if (dest_load(dest, type, settings, nsettings, NULL, err, errlen) != 0)
    goto cleanup;
  dest->folder = fileio_path_join(spool_dir, name ? name : type);
  if (!dest->folder) {
    snprintf(err, errlen, "%s: path too long", spool_dir);
    goto cleanup;
  }
  if (dest->plugin.notifier->open(dest->args, dest->folder, &dest->state, why, sizeof(why)) != 0) {
    dest->state = NULL;
    snprintf(err, errlen, "%s: %s", type, why);
    goto cleanup;
  }
  result = 0;
cleanup:
  mw_destination_close(dest);
  return result;
}

int mw_destination_open_direct(const char *data_dir, const char *name, const char *type,
                               const struct mw_setting *settings, size_t nsettings,
                               struct mw_destination **out, char *err, size_t errlen)
{
  struct mw_destination *dest = calloc(1, sizeof(*dest));
  char why[ERR_MAX_SPOOL];

  *out = NULL;
  if (!dest || !(dest->name = strdup(name)) || !(dest->folder = strdup(data_dir))) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  if (dest_load(dest, type, settings, nsettings, NULL, err, errlen) != 0 ||
      fileio_make_dir(data_dir, err, errlen) != 0)
    goto fail;
  if (dest->plugin.notifier->open(dest->args, data_dir, &dest->state, why, sizeof(why)) != 0) {
    dest->state = NULL;
    snprintf(err, errlen, "%s: %s", type, why);
    goto fail;
  }
  *out = dest;
  return 0;
fail:
  mw_destination_close(dest);
  return -1;
}

int mw_destination_reopen(const char *spool_dir, const char *name, struct mw_destination **out,
                          char *err, size_t errlen)
{
  struct mw_setting *settings = NULL;
  size_t nsettings = 0;
  char *folder = NULL;
  char *file = NULL;
  char *text = NULL;
  char *line;
  char *next;
  char *type = NULL;
  size_t len;
  int lineno = 0;
  int result = -1;

  *out = NULL;
  if (!dest_name_is_valid(name)) {
    snprintf(err, errlen, "'%.64s' is not a destination name", name);
    return -1;
  }
  folder = fileio_path_join(spool_dir, name);
  file = folder ? fileio_path_join(folder, DEST_FILE) : NULL;
  /* The destination file names the receiver and the key files: believed only when no other user
   * could have written it. */
  if (!file || fileio_trust(spool_dir, true, true, err, errlen) != 0 ||
      fileio_trust(folder, false, false, err, errlen) != 0 ||
      fileio_trust(file, false, false, err, errlen) != 0)
    goto cleanup;
  text = fileio_read(file, 64 * 1024, &len);
  if (!text) {
    snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
    goto cleanup;
  }
  settings = calloc(len / 2 + 1, sizeof(*settings));
  if (!settings) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  for (line = text; line && *line; line = next) {
    char *eq = strchr(line, '=');
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    lineno++;
    if (!eq) {
      snprintf(err, errlen, "%s:%d: not NAME=VALUE", file, lineno);
      goto cleanup;
    }
    *eq = '\0';
    if (strcmp(line, "type") == 0) {
      type = eq + 1;
      continue;
    }
    settings[nsettings].key = line;
    settings[nsettings].value = eq + 1;
    settings[nsettings].line = lineno;
    nsettings++;
  }
  if (!type) {
    snprintf(err, errlen, "%s has no type= line", file);
    goto cleanup;
  }
  result = mw_destination_open(spool_dir, name, type, settings, nsettings, NULL, out, err, errlen);
cleanup:
  free(settings);
  free(text);
  free(file);
  free(folder);
  return result;
}

int spool_check_destination(const struct mw_destination *dest, char *err, size_t errlen)
{
  char *file = fileio_path_join(dest->folder, DEST_FILE);
  int result = -1;

  if (!file)
    snprintf(err, errlen, "%s: path too long", dest->folder);
  else if (fileio_trust(dest->folder, false, false, err, errlen) == 0 &&
           fileio_trust(file, false, false, err, errlen) == 0)
    result = 0;
  free(file);
  return result;
}

/* Replaces every occurrence of secret in text, and a tail of text that starts it (a receiver's
 * excerpt cut in the middle of an echoed key), by "[secret]". */
static void scrub_one(char *text, size_t size, const char *secret)
{
  static const char mark[] = "[secret]";
  size_t slen = strlen(secret);
  struct mw_buf out;
  const char *p = text;

  if (slen < 4 || size == 0)
    return;
  mw_buf_init(&out, size * 2 + sizeof(mark));
  while (*p) {
    size_t left = strlen(p);
    size_t n = left < slen ? left : slen;
    if ((n == slen || n >= 6) && strncmp(p, secret, n) == 0) {
      mw_buf_adds(&out, mark);
      p += n;
    } else {
      mw_buf_add(&out, p, 1);
      p++;
    }
  }
  if (out.failed || !out.data) {
    text[0] = '\0'; /* better nothing than a secret */
  } else {
    size_t keep = out.len < size - 1 ? out.len : size - 1;
    memcpy(text, out.data, keep);
    text[keep] = '\0';
  }
  mw_buf_free(&out);
}

void mw_destination_scrub(const struct mw_destination *dest, char *text, size_t size)
{
  const struct mw_option *opt;
  size_t i;

  if (!dest || !dest->args || !text[0])
    return;
  for (i = 0; (opt = mw_args_option_at(dest->args, i)) != NULL; i++) {
    size_t len = strlen(opt->name);
    const char *value =
        mw_args_given(dest->args, opt->name) ? mw_args_str(dest->args, opt->name) : NULL;
    char secret[4096];
    char err[ERR_MAX_SPOOL];
    if (!value)
      continue;
    if (opt->type == MW_OPT_SECRET) {
      scrub_one(text, size, value);
    } else if (len > 4 && strcmp(opt->name + len - 4, "-env") == 0) {
      const char *env = getenv(value);
      if (env)
        scrub_one(text, size, env);
    } else if (is_file_option(opt->name) &&
               mw_read_secret_file(value, secret, sizeof(secret), err, sizeof(err)) == 0) {
      scrub_one(text, size, secret);
      explicit_bzero(secret, sizeof(secret));
    }
  }
}

void mw_destination_close(struct mw_destination *dest)
{
  if (!dest)
    return;
  if (dest->state)
    dest->plugin.notifier->close(dest->state);
  mw_args_free(dest->args);
  mw_notifier_unload(&dest->plugin);
  free(dest->name);
  free(dest->folder);
  free(dest->saved);
  free(dest);
}

/* A folder holding a destination file. */
static char *destination_name_of(const char *spool_dir, const char *entry)
{
  char *folder = fileio_path_join(spool_dir, entry);
  char *file = folder ? fileio_path_join(folder, DEST_FILE) : NULL;
  char *name = NULL;
  struct stat st;

  if (file && stat(file, &st) == 0 && S_ISREG(st.st_mode) && dest_name_is_valid(entry))
    name = strdup(entry);
  free(file);
  free(folder);
  return name;
}

int mw_spool_destinations(const char *spool_dir, char ***names, size_t *count)
{
  if (mw_dir_names(spool_dir, destination_name_of, names, count) != 0)
    return errno == ENOENT ? 0 : -1;
  return 0;
}
