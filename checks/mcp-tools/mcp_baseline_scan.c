/* SPDX-License-Identifier: MIT */
/* mcp_baseline_scan.c - a baseline as mcpwatch writes it, read without building a tree: the
 * text is checked as strict JSON once, each entry keeps the span of its contract, and an item
 * whose contract reads the same as its span is not parsed at all. On a 1,000-tool catalogue a
 * full parse cost six times the comparison itself; any file this reader is unsure of (keys not
 * in order, escapes in keys, odd numbers) is left to jansson, which says what is wrong. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcp_contract.h"

#define SCAN_DEPTH_MAX 512
#define INTEGER_DIGITS_MAX 18

struct scanner {
  const char *p;
  const char *end;
  int depth;
};

/* A JSON string's bytes between its quotes, as written. */
struct token {
  const char *start;
  size_t len;
  bool escaped;
};

/* A baseline is indented: a third of its bytes are spaces, skipped here. */
static void skip_space(struct scanner *s)
{
  const char *p = s->p;
  const char *end = s->end;

  while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
    p++;
  s->p = p;
}

static bool take(struct scanner *s, char c)
{
  skip_space(s);
  if (s->p < s->end && *s->p == c) {
    s->p++;
    return true;
  }
  return false;
}

static int hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* One UTF-8 sequence of 2 to 4 bytes, well formed (no overlong form, no surrogate, at most
 * U+10FFFF): its length, or 0. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
  size_t need;
  uint32_t code;
  size_t i;

  if (*p >= 0xC2 && *p <= 0xDF) {
    need = 2;
    code = *p & 0x1Fu;
  } else if (*p >= 0xE0 && *p <= 0xEF) {
    need = 3;
    code = *p & 0x0Fu;
  } else if (*p >= 0xF0 && *p <= 0xF4) {
    need = 4;
    code = *p & 0x07u;
  } else {
    return 0;
  }
  if ((size_t)(end - p) < need)
    return 0;
  for (i = 1; i < need; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    code = (code << 6) | (p[i] & 0x3Fu);
  }
  if ((need == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
      (need == 4 && (code < 0x10000 || code > 0x10FFFF)))
    return 0;
  return need;
}

/* Bytes a string's scan stops at: the quote, the backslash, control bytes and the first byte of
 * a UTF-8 sequence (checked); a table, since most of a baseline is the text of its strings. */
static const unsigned char string_stop[256] = {
    [0x00 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1};

/* A string; \u escapes of NUL or of surrogates are left to jansson (it refuses some). */
static bool scan_string(struct scanner *s, struct token *token)
{
  const char *p;

  skip_space(s);
  if (s->p >= s->end || *s->p != '"')
    return false;
  p = ++s->p;
  token->start = p;
  token->escaped = false;
  for (;;) {
    unsigned char c;
    while (p < s->end && !string_stop[(unsigned char)*p])
      p++;
    if (p >= s->end)
      return false;
    c = (unsigned char)*p;
    if (c == '"') {
      token->len = (size_t)(p - token->start);
      s->p = p + 1;
      return true;
    }
    if (c < 0x20)
      return false;
    if (c == '\\') {
      token->escaped = true;
      if (s->end - p < 2)
        return false;
      if (p[1] == 'u') {
        int code = 0;
        int i;

        if (s->end - p < 6)
          return false;
        for (i = 2; i < 6; i++) {
          int digit = hex_value(p[i]);

          if (digit < 0)
            return false;
          code = code * 16 + digit;
        }
        if (code == 0 || (code >= 0xD800 && code <= 0xDFFF))
          return false;
        p += 6;
        continue;
      }
      if (p[1] == '\0' || !strchr("\"\\/bfnrt", p[1]))
        return false;
      p += 2;
      continue;
    }
    {
      size_t n = utf8_sequence((const unsigned char *)p, (const unsigned char *)s->end);

      if (n == 0)
        return false;
      p += n;
    }
  }
}

static bool digits(struct scanner *s, size_t *count)
{
  const char *start = s->p;

  while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
    s->p++;
  *count = (size_t)(s->p - start);
  return *count > 0;
}

/* A number in JSON's grammar; an integer too long to be sure of is left to jansson. */
static bool scan_number(struct scanner *s, bool *real)
{
  size_t n;

  *real = false;
  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0') {
    s->p++;
    n = 1;
  } else if (!digits(s, &n)) {
    return false;
  }
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    *real = true;
    if (!digits(s, &n))
      return false;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    *real = true;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
      s->p++;
    if (!digits(s, &n))
      return false;
  }
  return *real || n <= INTEGER_DIGITS_MAX;
}

static bool scan_word(struct scanner *s, const char *word)
{
  size_t len = strlen(word);

  if ((size_t)(s->end - s->p) < len || memcmp(s->p, word, len) != 0)
    return false;
  s->p += len;
  return true;
}

/* Whether key comes strictly after previous in byte order (strcmp's order), so that an object
 * has no key twice. */
static bool in_order(const struct token *previous, const struct token *key)
{
  size_t common = previous->len < key->len ? previous->len : key->len;
  int order = memcmp(previous->start, key->start, common);

  return order < 0 || (order == 0 && previous->len < key->len);
}

static bool scan_value(struct scanner *s);

/* An object whose keys are unescaped and in order; each member's value is passed to member
 * when given (it scans it), else skipped. */
static bool scan_object(struct scanner *s,
                        bool (*member)(struct scanner *s, const struct token *key, void *context),
                        void *context)
{
  struct token previous = {NULL, 0, false};
  bool first = true;

  if (!take(s, '{') || ++s->depth > SCAN_DEPTH_MAX)
    return false;
  if (take(s, '}')) {
    s->depth--;
    return true;
  }
  do {
    struct token key;

    if (!scan_string(s, &key) || key.escaped || (!first && !in_order(&previous, &key)) ||
        !take(s, ':'))
      return false;
    if (member ? !member(s, &key, context) : !scan_value(s))
      return false;
    previous = key;
    first = false;
  } while (take(s, ','));
  if (!take(s, '}'))
    return false;
  s->depth--;
  return true;
}

static bool scan_value(struct scanner *s)
{
  struct token token;
  bool real;

  skip_space(s);
  if (s->p >= s->end)
    return false;
  switch (*s->p) {
  case '{':
    return scan_object(s, NULL, NULL);
  case '[':
    s->p++;
    if (++s->depth > SCAN_DEPTH_MAX)
      return false;
    if (!take(s, ']')) {
      do {
        if (!scan_value(s))
          return false;
      } while (take(s, ','));
      if (!take(s, ']'))
        return false;
    }
    s->depth--;
    return true;
  case '"':
    return scan_string(s, &token);
  case 't':
    return scan_word(s, "true");
  case 'f':
    return scan_word(s, "false");
  case 'n':
    return scan_word(s, "null");
  default:
    return scan_number(s, &real);
  }
}

static bool key_is(const struct token *key, const char *name)
{
  return key->len == strlen(name) && memcmp(key->start, name, key->len) == 0;
}

/* The members of one entry: "contract" must be an object (its span is kept), others skipped. */
static bool entry_member(struct scanner *s, const struct token *key, void *context)
{
  struct mcp_baseline_entry *entry = context;
  const char *start;

  if (!key_is(key, "contract"))
    return scan_value(s);
  skip_space(s);
  start = s->p;
  if (s->p >= s->end || *s->p != '{' || !scan_value(s))
    return false;
  entry->span = start;
  entry->span_len = (size_t)(s->p - start);
  return true;
}

static bool list_entry(struct scanner *s, const struct token *key, void *context)
{
  struct mcp_baseline_list *list = context;
  struct mcp_baseline_entry *entry;

  if (list->n % 64 == 0) {
    struct mcp_baseline_entry *grown =
        realloc(list->entries, (list->n + 64) * sizeof(*list->entries));

    if (!grown)
      return false;
    list->entries = grown;
  }
  entry = &list->entries[list->n];
  memset(entry, 0, sizeof(*entry));
  entry->key = strndup(key->start, key->len);
  if (!entry->key)
    return false;
  list->n++;
  return scan_object(s, entry_member, entry) && entry->span != NULL;
}

struct top {
  struct mcp_baseline *baseline;
  bool format_known;
};

static bool top_member(struct scanner *s, const struct token *key, void *context)
{
  struct top *top = context;
  struct token format;
  int list;

  if (key_is(key, "format")) {
    if (!scan_string(s, &format) || format.escaped || !key_is(&format, MCP_BASELINE_FORMAT))
      return false;
    top->format_known = true;
    return true;
  }
  for (list = 0; list < MCP_LISTS; list++) {
    if (key_is(key, mcp_list_member[list])) {
      top->baseline->lists[list].present = true;
      return scan_object(s, list_entry, &top->baseline->lists[list]);
    }
  }
  return scan_value(s);
}

int mcp_baseline_index_text(struct mcp_baseline *baseline, const char *text, size_t len)
{
  struct scanner s = {text, text + len, 0};
  struct top top = {baseline, false};

  if (scan_object(&s, top_member, &top) && top.format_known) {
    skip_space(&s);
    if (s.p == s.end)
      return 0;
  }
  mcp_baseline_lists_free(baseline);
  return -1;
}

/* Whether the text at s is value, as json_equal would say of the value jansson parses from it:
 * 1 the same, 0 not, -1 not sure (an escaped string: decoding it is jansson's job). */
static int same_value(struct scanner *s, json_t *value);

static bool contract_member(enum mcp_list list, const struct token *key)
{
  size_t i;

  for (i = 0; mcp_contract_members[list][i]; i++)
    if (key_is(key, mcp_contract_members[list][i]))
      return true;
  return false;
}

static int same_object(struct scanner *s, json_t *object, enum mcp_list list, bool contract)
{
  size_t members = 0;
  size_t expected = 0;
  size_t i;

  if (!take(s, '{'))
    return -1;
  if (!take(s, '}')) {
    do {
      struct token key;
      json_t *member;
      int same;

      if (!scan_string(s, &key) || key.escaped || !take(s, ':'))
        return -1;
      if (contract && !contract_member(list, &key))
        return 0;
      member = json_object_getn(object, key.start, key.len);
      if (!member)
        return 0;
      same = same_value(s, member);
      if (same != 1)
        return same;
      members++;
    } while (take(s, ','));
    if (!take(s, '}'))
      return -1;
  }
  if (!contract)
    return members == json_object_size(object);
  /* A contract holds only some members of the item (mcp_contract_of). */
  for (i = 0; mcp_contract_members[list][i]; i++)
    if (json_object_get(object, mcp_contract_members[list][i]))
      expected++;
  return members == expected;
}

static int same_value(struct scanner *s, json_t *value)
{
  struct token token;
  const char *start;
  bool real;
  size_t index = 0;

  skip_space(s);
  if (s->p >= s->end)
    return -1;
  switch (*s->p) {
  case '{':
    return json_is_object(value) ? same_object(s, value, MCP_LISTS, false) : 0;
  case '[':
    if (!json_is_array(value))
      return 0;
    s->p++;
    if (!take(s, ']')) {
      do {
        json_t *element = json_array_get(value, index++);
        int same;

        if (!element)
          return 0;
        same = same_value(s, element);
        if (same != 1)
          return same;
      } while (take(s, ','));
      if (!take(s, ']'))
        return -1;
    }
    return index == json_array_size(value);
  case '"':
    if (!json_is_string(value) || !scan_string(s, &token))
      return json_is_string(value) ? -1 : 0;
    if (token.escaped)
      return -1;
    return token.len == json_string_length(value) &&
           memcmp(token.start, json_string_value(value), token.len) == 0;
  case 't':
    return scan_word(s, "true") ? json_is_true(value) : -1;
  case 'f':
    return scan_word(s, "false") ? json_is_false(value) : -1;
  case 'n':
    return scan_word(s, "null") ? json_is_null(value) : -1;
  default:
    start = s->p;
    if (!scan_number(s, &real))
      return -1;
    if (real != json_is_real(value) || !json_is_number(value))
      return 0;
    {
      char number[64];
      char *tail;
      size_t len = (size_t)(s->p - start);

      if (len >= sizeof(number))
        return -1;
      memcpy(number, start, len);
      number[len] = '\0';
      errno = 0;
      if (real) {
        double parsed = strtod(number, &tail);

        return errno == 0 && *tail == '\0' ? parsed == json_real_value(value) : -1;
      } else {
        long long parsed = strtoll(number, &tail, 10);

        return errno == 0 && *tail == '\0' ? parsed == json_integer_value(value) : -1;
      }
    }
  }
}

int mcp_contract_same_text(enum mcp_list list, json_t *item, const char *span, size_t len)
{
  struct scanner s = {span, span + len, 0};

  return same_object(&s, item, list, true);
}

json_t *mcp_baseline_entry_contract(struct mcp_baseline_entry *entry)
{
  if (!entry->contract && entry->span)
    entry->contract = json_loadb(entry->span, entry->span_len, JSON_REJECT_DUPLICATES, NULL);
  return entry->contract;
}

static int entry_order(const void *a, const void *b)
{
  return strcmp(((const struct mcp_baseline_entry *)a)->key,
                ((const struct mcp_baseline_entry *)b)->key);
}

void mcp_baseline_list_sort(struct mcp_baseline_list *list)
{
  if (list->n > 1)
    qsort(list->entries, list->n, sizeof(*list->entries), entry_order);
}

struct mcp_baseline_entry *mcp_baseline_find(const struct mcp_baseline *baseline,
                                             enum mcp_list list, const char *key)
{
  const struct mcp_baseline_list *entries = &baseline->lists[list];
  struct mcp_baseline_entry wanted = {(char *)key, NULL, 0, NULL};

  if (entries->n == 0)
    return NULL;
  return bsearch(&wanted, entries->entries, entries->n, sizeof(*entries->entries), entry_order);
}

void mcp_baseline_lists_free(struct mcp_baseline *baseline)
{
  int list;
  size_t i;

  for (list = 0; list < MCP_LISTS; list++) {
    struct mcp_baseline_list *entries = &baseline->lists[list];

    for (i = 0; i < entries->n; i++) {
      free(entries->entries[i].key);
      json_decref(entries->entries[i].contract);
    }
    free(entries->entries);
    memset(entries, 0, sizeof(*entries));
  }
}
