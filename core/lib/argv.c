/* SPDX-License-Identifier: MIT */
/* argv.c - the command line and --help, both generated from the option tables. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw_core.h"

#define LONG_VALUE_BASE 0x1000

static void describe_option(char *out, size_t outlen, const char *arg)
{
  size_t len = strcspn(arg, "=");

  snprintf(out, outlen, "%.*s", (int)(len > 80 ? 80 : len), arg);
}

static int parse_with(struct mw_args *args, const struct mw_option **opts, size_t nopts, int argc,
                      char **argv, char *err, size_t errlen)
{
  struct option *longopts;
  char *shortopts;
  size_t i;
  size_t s = 0;
  const struct mw_option *rest = NULL;
  int result = -1;
  int c;
  char what[100];

  longopts = calloc(nopts + 1, sizeof(*longopts));
  shortopts = calloc(2 * nopts + 3, 1);
  if (!longopts || !shortopts) {
    snprintf(err, errlen, "out of memory");
    goto cleanup;
  }
  for (i = 0; i < nopts; i++) {
    if (opts[i]->flags & MW_OPT_REST)
      rest = opts[i];
  }
  /* '+': with a rest option, stop at the first word that is no option, so the command's own
   * options are never read as ours */
  if (rest)
    shortopts[s++] = '+';
  shortopts[s++] = ':';
  for (i = 0; i < nopts; i++) {
    bool takes_value = opts[i]->type != MW_OPT_BOOL;
    longopts[i].name = opts[i]->name;
    longopts[i].has_arg = takes_value ? required_argument : no_argument;
    longopts[i].val = LONG_VALUE_BASE + (int)i;
    if (opts[i]->short_name) {
      shortopts[s++] = opts[i]->short_name;
      if (takes_value)
        shortopts[s++] = ':';
    }
  }

  opterr = 0;
  optind = 0; /* glibc: full re-initialisation, so parsing may happen more than once */
  while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
    const struct mw_option *opt = NULL;
    if (c == '?' || c == ':') {
      if (optopt >= LONG_VALUE_BASE && optopt < LONG_VALUE_BASE + (int)nopts)
        snprintf(what, sizeof(what), "--%s", opts[optopt - LONG_VALUE_BASE]->name);
      else if (optopt > 0 && optopt < 256)
        snprintf(what, sizeof(what), "-%c", optopt);
      else
        describe_option(what, sizeof(what), argv[optind - 1]);
      snprintf(err, errlen, c == ':' ? "option '%s' needs a value" : "unknown option '%s'", what);
      goto cleanup;
    }
    if (c >= LONG_VALUE_BASE && c < LONG_VALUE_BASE + (int)nopts) {
      opt = opts[c - LONG_VALUE_BASE];
    } else {
      for (i = 0; i < nopts && !opt; i++) {
        if (opts[i]->short_name == c)
          opt = opts[i];
      }
    }
    if (!opt) {
      snprintf(err, errlen, "unknown option '-%c'", c);
      goto cleanup;
    }
    if (mw_args_set(args, opt->name, opt->type == MW_OPT_BOOL ? "1" : optarg, err, errlen) != 0)
      goto cleanup;
  }
  for (; rest && optind < argc; optind++) {
    if (mw_args_set(args, rest->name, argv[optind], err, errlen) != 0)
      goto cleanup;
  }
  result = optind;

cleanup:
  free(longopts);
  free(shortopts);
  return result;
}

int mw_args_parse_argv(struct mw_args *args, int argc, char **argv, char *err, size_t errlen)
{
  const struct mw_option **opts;
  size_t n = 0;
  size_t i;
  int result;

  while (mw_args_option_at(args, n))
    n++;
  opts = calloc(n + 1, sizeof(*opts));
  if (!opts) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (i = 0; i < n; i++)
    opts[i] = mw_args_option_at(args, i);
  result = parse_with(args, opts, n, argc, argv, err, errlen);
  free(opts);
  return result;
}

static const char *type_hint(const struct mw_option *opt)
{
  if (opt->flags & MW_OPT_REPEAT || opt->type == MW_OPT_LIST)
    return opt->type == MW_OPT_LIST ? " Comma separated; repeatable." : " Repeatable.";
  return "";
}

int mw_options_help(const struct mw_option *options, struct mw_buf *out)
{
  size_t i;

  for (i = 0; options && options[i].name; i++) {
    const struct mw_option *opt = &options[i];
    char head[96];
    if (opt->short_name)
      snprintf(head, sizeof(head), "  -%c, --%s%s%s", opt->short_name, opt->name,
               opt->metavar ? "=" : "", opt->metavar ? opt->metavar : "");
    else
      snprintf(head, sizeof(head), "      --%s%s%s", opt->name, opt->metavar ? "=" : "",
               opt->metavar ? opt->metavar : "");
    if (strlen(head) < 30)
      mw_buf_addf(out, "%-30s %s%s", head, opt->help, type_hint(opt));
    else
      mw_buf_addf(out, "%s\n%-30s %s%s", head, "", opt->help, type_hint(opt));
    if (opt->def && opt->type != MW_OPT_SECRET)
      mw_buf_addf(out, " Default: %s.", opt->def);
    mw_buf_add(out, "\n", 1);
  }
  return out->failed ? -1 : 0;
}
