/* SPDX-License-Identifier: MIT */
/* mcp_argv.c - --command into the words of a program's argv, as a shell splits words but with no
 * shell: nothing expands, and what only a shell would act on is refused rather than passed on
 * to the server as an argument nobody meant. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mcp_stdio.h"

static const char *shell_sign(char c)
{
  switch (c) {
  case '|':
    return "pipe sign";
  case '&':
    return "ampersand";
  case ';':
    return "semicolon";
  case '<':
  case '>':
    return "redirection sign";
  case '(':
  case ')':
    return "parenthesis";
  case '$':
    return "dollar sign";
  default:
    return "backquote";
  }
}

int mcp_stdio_split(const char *text, char *buf, size_t buflen, char **words, size_t max, char *err,
                    size_t errlen)
{
  size_t n = 0;
  size_t out = 0;
  bool in_word = false;
  char quote = 0;
  const char *p;

  if (strlen(text) + 1 > buflen) {
    snprintf(err, errlen, "--command is too long");
    return -1;
  }
  for (p = text; *p; p++) {
    char c = *p;

    if (quote == '\'') {
      if (c == '\'')
        quote = 0;
      else
        buf[out++] = c;
      continue;
    }
    if (quote == '"') {
      if (c == '"')
        quote = 0;
      else if (c == '\\' && p[1] && strchr("\"\\$`", p[1]))
        buf[out++] = *++p;
      else
        buf[out++] = c;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word)
        buf[out++] = '\0';
      in_word = false;
      continue;
    }
    if (strchr("|&;<>()$`", c)) {
      /* Named, not shown: a '|' would be taken for perfdata in a status line. */
      snprintf(err, errlen,
               "--command is not run by a shell: an unquoted %s means nothing here (quote it, "
               "or give each argument with --arg)",
               shell_sign(c));
      return -1;
    }
    if (!in_word) {
      if (n == max) {
        snprintf(err, errlen, "--command has more than %zu words", max);
        return -1;
      }
      words[n++] = buf + out;
      in_word = true;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    if (c == '\\') {
      if (!p[1]) {
        snprintf(err, errlen, "--command ends with a lone \\");
        return -1;
      }
      c = *++p;
    }
    buf[out++] = c;
  }
  if (quote) {
    snprintf(err, errlen, "--command has an unclosed %c quote", quote);
    return -1;
  }
  if (in_word)
    buf[out++] = '\0';
  if (n == 0) {
    snprintf(err, errlen, "--command names no program");
    return -1;
  }
  return (int)n;
}
