/* SPDX-License-Identifier: MIT */
/* agent_http_auth.c - who may ask the agent's HTTP server: a bearer token (token_file) or Basic
 * credentials whose passwords are crypt(3) hashes (basic_file, as `openssl passwd -6` or
 * `htpasswd -nB` write them: a plain password is refused at start). Both files are read once,
 * when the server starts. Hashes are slow on purpose, so the Authorization values that passed are
 * remembered (a few, compared in constant time) and a scraper asking every second costs one hash
 * verification, not one per scrape. */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_impl.h"

#define CRED_FILE_MAX (64u << 10)
#define TOKEN_MIN 16
#define HEADER_MAX 1024
#define REMEMBERED 8

struct basic_user {
  char *name;
  char *hash;
};

struct http_auth {
  char *token; /* bearer; NULL with Basic */
  struct basic_user *users;
  size_t nusers;
  pthread_mutex_t lock;         /* guards remembered: each listen address has its own thread */
  char *remembered[REMEMBERED]; /* Authorization values that passed, newest at next_slot - 1 */
  size_t next_slot;
};

/* Same length and same bytes, in a time that depends on the lengths alone. */
static bool same_secret(const char *a, const char *b)
{
  size_t la = strlen(a);
  size_t lb = strlen(b);
  unsigned char diff = la != lb;
  size_t i;

  for (i = 0; i < la && i < lb; i++)
    diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}

static char *read_small(const char *path, char *err, size_t errlen)
{
  FILE *fp = fopen(path, "re");
  char *text = NULL;
  size_t len;

  if (!fp) {
    snprintf(err, errlen, "http: cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  text = malloc(CRED_FILE_MAX + 1);
  if (!text) {
    snprintf(err, errlen, "http: out of memory");
    goto done;
  }
  len = fread(text, 1, CRED_FILE_MAX + 1, fp);
  if (ferror(fp) || len > CRED_FILE_MAX) {
    snprintf(err, errlen, "http: %s: %s", path,
             ferror(fp) ? "read error" : "larger than 64 KiB: not a credentials file");
    free(text);
    text = NULL;
    goto done;
  }
  text[len] = '\0';
done:
  fclose(fp);
  return text;
}

/* Whether hash is a crypt(3) hash this system verifies: a wrong password gives a different
 * string, an unknown method gives "*" or NULL. */
static bool usable_hash(const char *hash)
{
  struct crypt_data data;
  const char *out;

  if (hash[0] != '$')
    return false;
  memset(&data, 0, sizeof(data));
  out = crypt_r("not the password", hash, &data);
  return out && out[0] != '*';
}

static int load_basic(struct http_auth *auth, const char *path, char *text, char *err,
                      size_t errlen)
{
  char *save = NULL;
  char *line;
  unsigned lineno = 0;

  for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *colon;
    struct basic_user *grown;
    size_t len = strlen(line);

    lineno++;
    if (len > 0 && line[len - 1] == '\r')
      line[--len] = '\0';
    if (len == 0 || line[0] == '#')
      continue;
    colon = strchr(line, ':');
    if (!colon || colon == line) {
      snprintf(err, errlen, "http: %s:%u: not USER:HASH", path, lineno);
      return -1;
    }
    *colon = '\0';
    if (!usable_hash(colon + 1)) {
      snprintf(err, errlen,
               "http: %s:%u: the password of '%.64s' is not a crypt(3) hash this system "
               "verifies (make one with `openssl passwd -6` or `htpasswd -nB USER`)",
               path, lineno, line);
      return -1;
    }
    grown = realloc(auth->users, (auth->nusers + 1) * sizeof(*grown));
    if (!grown) {
      snprintf(err, errlen, "http: out of memory");
      return -1;
    }
    auth->users = grown;
    grown[auth->nusers].name = strdup(line);
    grown[auth->nusers].hash = strdup(colon + 1);
    auth->nusers++;
    if (!grown[auth->nusers - 1].name || !grown[auth->nusers - 1].hash) {
      snprintf(err, errlen, "http: out of memory");
      return -1;
    }
  }
  if (auth->nusers == 0) {
    snprintf(err, errlen, "http: %s holds no USER:HASH line", path);
    return -1;
  }
  return 0;
}

static int load_token(struct http_auth *auth, const char *path, char *text, char *err,
                      size_t errlen)
{
  size_t len = strcspn(text, "\r\n");
  size_t i;

  text[len] = '\0';
  for (i = 0; i < len; i++) {
    if ((unsigned char)text[i] <= ' ' || (unsigned char)text[i] >= 0x7f) {
      snprintf(err, errlen, "http: %s: the token has a space or a control character", path);
      return -1;
    }
  }
  if (len < TOKEN_MIN) {
    snprintf(err, errlen, "http: %s: the token is shorter than %d characters", path, TOKEN_MIN);
    return -1;
  }
  auth->token = strdup(text);
  if (!auth->token) {
    snprintf(err, errlen, "http: out of memory");
    return -1;
  }
  return 0;
}

struct http_auth *http_auth_load(const struct mw_http_server_conf *conf, char *err, size_t errlen)
{
  const char *path = conf->token_file ? conf->token_file : conf->basic_file;
  struct http_auth *auth;
  char *text;
  int result;

  auth = calloc(1, sizeof(*auth));
  if (!auth) {
    snprintf(err, errlen, "http: out of memory");
    return NULL;
  }
  pthread_mutex_init(&auth->lock, NULL);
  text = read_small(path, err, errlen);
  if (!text) {
    http_auth_free(auth);
    return NULL;
  }
  if (conf->token_file)
    result = load_token(auth, path, text, err, errlen);
  else
    result = load_basic(auth, path, text, err, errlen);
  explicit_bzero(text, strlen(text));
  free(text);
  if (result != 0) {
    http_auth_free(auth);
    return NULL;
  }
  return auth;
}

static int unbase64_digit(char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Standard Base64 (padding optional) into out, NUL-terminated: its length, or -1. */
static long unbase64(const char *in, char *out, size_t outlen)
{
  unsigned long bits = 0;
  int nbits = 0;
  size_t w = 0;

  for (; *in && *in != '='; in++) {
    int d = unbase64_digit(*in);

    if (d < 0)
      return -1;
    bits = (bits << 6 | (unsigned long)d) & 0xffffff;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      if (w + 1 >= outlen)
        return -1;
      out[w++] = (char)(bits >> nbits & 0xff);
    }
  }
  for (; *in == '='; in++)
    ;
  if (*in)
    return -1;
  out[w] = '\0';
  return (long)w;
}

static bool basic_allows(const struct http_auth *auth, const char *encoded)
{
  char pair[HEADER_MAX];
  char *colon;
  long len = unbase64(encoded, pair, sizeof(pair));
  bool allowed = false;
  size_t i;

  if (len < 0 || (size_t)len != strlen(pair) || !(colon = strchr(pair, ':')))
    goto done;
  *colon = '\0';
  for (i = 0; i < auth->nusers && strcmp(auth->users[i].name, pair) != 0; i++)
    ;
  {
    /* An unknown user costs a hash too, so the time taken does not tell which names exist. */
    const char *hash = auth->users[i < auth->nusers ? i : 0].hash;
    struct crypt_data data;
    const char *out;

    memset(&data, 0, sizeof(data));
    out = crypt_r(colon + 1, hash, &data);
    allowed = i < auth->nusers && out && same_secret(out, hash);
    explicit_bzero(&data, sizeof(data));
  }
done:
  explicit_bzero(pair, sizeof(pair));
  return allowed;
}

bool http_auth_allows(struct http_auth *auth, const char *authorization)
{
  bool allowed = false;
  size_t i;

  if (!auth)
    return true;
  if (!authorization || strlen(authorization) >= HEADER_MAX)
    return false;
  if (auth->token) {
    return strncasecmp(authorization, "Bearer ", 7) == 0 &&
           same_secret(authorization + 7 + strspn(authorization + 7, " "), auth->token);
  }
  if (strncasecmp(authorization, "Basic ", 6) != 0)
    return false;
  pthread_mutex_lock(&auth->lock);
  for (i = 0; i < REMEMBERED && !allowed; i++)
    allowed = auth->remembered[i] && same_secret(auth->remembered[i], authorization);
  pthread_mutex_unlock(&auth->lock);
  if (allowed)
    return true;
  allowed = basic_allows(auth, authorization + 6 + strspn(authorization + 6, " "));
  if (allowed) {
    char *copy = strdup(authorization);

    pthread_mutex_lock(&auth->lock);
    if (copy) {
      i = auth->next_slot++ % REMEMBERED;
      if (auth->remembered[i]) {
        explicit_bzero(auth->remembered[i], strlen(auth->remembered[i]));
        free(auth->remembered[i]);
      }
      auth->remembered[i] = copy;
    }
    pthread_mutex_unlock(&auth->lock);
  }
  return allowed;
}

const char *http_auth_challenge(const struct http_auth *auth)
{
  return auth->token ? "Bearer realm=\"mcpwatch\"" : "Basic realm=\"mcpwatch\", charset=\"UTF-8\"";
}

void http_auth_free(struct http_auth *auth)
{
  size_t i;

  if (!auth)
    return;
  if (auth->token) {
    explicit_bzero(auth->token, strlen(auth->token));
    free(auth->token);
  }
  for (i = 0; i < auth->nusers; i++) {
    free(auth->users[i].name);
    free(auth->users[i].hash);
  }
  free(auth->users);
  for (i = 0; i < REMEMBERED; i++) {
    if (auth->remembered[i]) {
      explicit_bzero(auth->remembered[i], strlen(auth->remembered[i]));
      free(auth->remembered[i]);
    }
  }
  pthread_mutex_destroy(&auth->lock);
  free(auth);
}
