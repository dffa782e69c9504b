/* SPDX-License-Identifier: MIT */
/*
 * mw_check.h - the contract between mcpwatch and its check plugins.
 *
 * A check is a shared object that exports exactly one symbol, mw_check_entry(), returning a
 * static struct mw_check. Everything a check needs from the core (options, ranges, deadlines,
 * results) is declared here and lives in libmcpwatch. A check never prints and never exits:
 * it fills a result tree and the core renders it for Nagios, JSON or collectd.
 */
#ifndef MW_CHECK_H
#define MW_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bump on any change to the structs or the meaning of a function below. The loader refuses a
 * check built for another value, so an old check never runs against a new core. */
#define MW_CHECK_ABI 1

#if defined(__GNUC__)
#define MW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MW_PRINTF(f, a)
#endif

enum mw_state { MW_OK = 0, MW_WARNING = 1, MW_CRITICAL = 2, MW_UNKNOWN = 3 };

/* "OK", "WARNING", ... */
const char *mw_state_name(enum mw_state state);
/* Order for "worst": CRITICAL > WARNING > UNKNOWN > OK (as monitoring-plugins' max_state_alt). */
enum mw_state mw_state_worst(enum mw_state a, enum mw_state b);
/* ok, warning, critical, unknown or 0-3, in any case: 0 with the state, or -1. */
int mw_state_parse(const char *text, enum mw_state *out);

/* ---- options ------------------------------------------------------------------------------ */

enum mw_opt_type {
  MW_OPT_STRING,   /* any text */
  MW_OPT_INT,      /* decimal integer */
  MW_OPT_DOUBLE,   /* decimal number */
  MW_OPT_BOOL,     /* a flag on the command line; true/false/yes/no/on/off/1/0 in config */
  MW_OPT_RANGE,    /* a Nagios range; numbers may carry a suffix from the option's unit table */
  MW_OPT_DURATION, /* 10, 10s, 500ms, 2m: seconds */
  MW_OPT_SECRET,   /* text never shown in help, JSON or logs */
  MW_OPT_LIST,     /* comma separated, repeatable: every element is one value */
  MW_OPT_STATE,    /* ok, warning, critical, unknown */
  MW_OPT_DAYS      /* 30, 7.5, 12h, 2d, 90m: a plain number is days (certificate ages) */
};

#define MW_OPT_REPEAT 0x1u /* may be given more than once; every value is kept */
/* With MW_OPT_REPEAT, on one option of a check at most: on the command line, the words after
 * the options (after "--", or from the first word that is no option) are its values, one each:
 * `mcpwatch exec -- /usr/lib/nagios/plugins/check_tcp -H host`. */
#define MW_OPT_REST 0x2u

/* A unit suffix accepted inside ranges. factor converts to the option's base unit; all numbers of
 * one range must share a kind (no "80%:10GiB"). A table ends with a NULL suffix. */
struct mw_unit {
  const char *suffix;
  double factor;
  int kind;
};

struct mw_option {
  const char *name; /* long option and config key: "path" */
  char short_name;  /* 'p', or 0 */
  enum mw_opt_type type;
  unsigned flags;              /* MW_OPT_REPEAT */
  const char *metavar;         /* shown in --help: "PATH"; NULL for flags */
  const char *def;             /* default, as it would be written on the command line, or NULL */
  const char *help;            /* one sentence */
  const struct mw_unit *units; /* MW_OPT_RANGE only, or NULL for plain numbers */
  const char *const *choices;  /* MW_OPT_STRING only: allowed values, NULL terminated, or NULL */
};

/* Parsed, validated option values. Values given on the command line or in a config block come
 * first; when none was given the default counts as the one value. Getters of a name the check
 * did not declare return 0/NULL/false. */
struct mw_args;

size_t mw_args_count(const struct mw_args *args, const char *name);
bool mw_args_given(const struct mw_args *args, const char *name);
const char *mw_args_str(const struct mw_args *args, const char *name);
const char *mw_args_str_at(const struct mw_args *args, const char *name, size_t index);
long long mw_args_int(const struct mw_args *args, const char *name);
double mw_args_double(const struct mw_args *args, const char *name);
bool mw_args_bool(const struct mw_args *args, const char *name);
double mw_args_duration(const struct mw_args *args, const char *name);
/* MW_OPT_DAYS in days: 12h is 0.5. */
double mw_args_days(const struct mw_args *args, const char *name);
enum mw_state mw_args_state(const struct mw_args *args, const char *name);
int mw_args_verbosity(const struct mw_args *args);

/* ---- ranges (Nagios plugin guidelines) ------------------------------------------------------ */

struct mw_range {
  double start; /* -INFINITY for "~" */
  double end;   /* +INFINITY when empty */
  bool inside;  /* "@": alert when start <= value <= end */
  int kind;     /* kind of the unit suffix used, 0 when plain numbers */
};

/* 0 on success; -1 with a one-line reason in err. */
int mw_range_parse(const char *text, const struct mw_unit *units, struct mw_range *out, char *err,
                   size_t errlen);
bool mw_range_alerts(const struct mw_range *range, double value);
/* CRITICAL if crit alerts, else WARNING if warn alerts, else OK; either range may be NULL. */
enum mw_state mw_range_state(const struct mw_range *warn, const struct mw_range *crit,
                             double value);
/* The range on another scale, value * factor + offset: percent of a limit to an absolute value
 * (factor limit / 100), or "slots left" to "slots used" (factor -1, offset the limit; a negative
 * factor swaps the ends). Infinite ends stay infinite. factor must not be 0. */
struct mw_range mw_range_map(const struct mw_range *range, double factor, double offset);
bool mw_args_range(const struct mw_args *args, const char *name, struct mw_range *out);

/* ---- results ------------------------------------------------------------------------------ */

/* A result is a tree: the root is the check, children are mounts, tools, chain elements...
 * The state of a node is the worst of its own state and its children's. Text is sanitised when
 * stored, so nothing a server or a file system says can break the Nagios output. Allocation
 * failures are remembered in the tree and reported as UNKNOWN; callers need not check. */
struct mw_result;

struct mw_perf {
  const char *label;
  double value; /* NAN renders as "U" */
  const char *uom;
  const struct mw_range *warn; /* may be NULL */
  const struct mw_range *crit; /* may be NULL */
  double min;                  /* NAN when absent */
  double max;                  /* NAN when absent */
};

struct mw_result *mw_result_child(struct mw_result *parent);
void mw_result_state(struct mw_result *res, enum mw_state state);
void mw_result_summary(struct mw_result *res, const char *fmt, ...) MW_PRINTF(2, 3);
void mw_result_perf(struct mw_result *res, const struct mw_perf *perf);
/* A child that is a line of text only (a plugin's long output): shown as it is, with no state
 * of its own; it leaves the parent's state as it is. */
void mw_result_note(struct mw_result *parent, const char *fmt, ...) MW_PRINTF(2, 3);
enum mw_state mw_result_get_state(const struct mw_result *res);
const char *mw_result_get_summary(const struct mw_result *res); /* never NULL */

/* ---- deadlines ---------------------------------------------------------------------------- */

/* CLOCK_MONOTONIC nanoseconds at which the run must be over. */
typedef int64_t mw_deadline;

int64_t mw_now_ns(void);
/* Milliseconds left, rounded up, 0 when passed; suitable for poll(). */
int mw_deadline_left_ms(mw_deadline deadline);
bool mw_deadline_passed(mw_deadline deadline);

/* statvfs() cannot be interrupted: on a hung network mount it blocks for minutes. This waits
 * for it at most until the deadline, the way fstype (as in /proc/self/mountinfo, NULL when
 * unknown) calls for: directly for local file systems, on a helper thread for network ones, in
 * a short-lived child process for FUSE and unknown ones (a hung FUSE request cannot be killed
 * and would keep the process from exiting). Returns 0, an errno value from statvfs, ETIMEDOUT
 * (the helper is left to finish or die on its own), or EBUSY when too many are still stuck. */
int mw_statvfs_bounded(const char *path, const char *fstype, struct statvfs *out,
                       mw_deadline deadline);

/* ---- sockets, for checks that speak a protocol themselves --------------------------------- */

/* A non-blocking, close-on-exec stream socket connected to host:port (a name or an IPv4/IPv6
 * literal; every address is tried in turn), or to the unix socket host when it starts with '/'.
 * Name resolution and the connect are bounded by the deadline. Returns the descriptor, or -1
 * with a one-line reason in err. */
int mw_connect(const char *host, int port, mw_deadline deadline, char *err, size_t errlen);
struct addrinfo;
/* host:port to addresses (getaddrinfo, AF_UNSPEC, socktype) before the deadline: a DNS server
 * that never answers costs the time left, not the resolver's own timeouts. 0 with *out for
 * freeaddrinfo(), or -1 with a one-line reason in err (a timeout when the deadline passed). */
int mw_resolve(const char *host, int port, int socktype, mw_deadline deadline,
               struct addrinfo **out, char *err, size_t errlen);
/* 0 once fd is ready for events (POLLIN, POLLOUT), ETIMEDOUT, or another errno value. */
int mw_wait_fd(int fd, short events, mw_deadline deadline);
/* Sends all of data before the deadline: 0, ETIMEDOUT or another errno value. No SIGPIPE. */
int mw_send_all(int fd, const void *data, size_t len, mw_deadline deadline);
/* Receives at least one byte before the deadline: the count, 0 at end of stream, or -1 with
 * errno set (ETIMEDOUT when the deadline passed). */
ssize_t mw_recv_some(int fd, void *buf, size_t len, mw_deadline deadline);

/* ---- code a check loads itself ------------------------------------------------------------ */

/* The loader's own rules for a shared object a check dlopens (redis's TLS helper): a regular
 * file owned by root or this user, not world-writable, in a folder others cannot swap it in.
 * 0, or -1 with a one-line reason naming PATH in err. */
int mw_object_trusted(const char *path, char *err, size_t errlen);

/* ---- secrets ------------------------------------------------------------------------------ */

/* The first line of path without its line end (a password or token file), read at each use so a
 * rotated secret is picked up. Refused: a file other users can read or write, one owned by a
 * user other than this one or root, one in a folder every user can write, one that is not a
 * regular file, and an empty first line. 0, or -1 with a one-line reason naming PATH in err. */
int mw_read_secret_file(const char *path, char *out, size_t outlen, char *err, size_t errlen);

/* ---- size-capped buffer ------------------------------------------------------------------- */

/* A growing string that refuses to grow past max. After a failed append the buffer keeps what
 * it had and remembers the failure, so a caller may append many times and check once. */
struct mw_buf {
  char *data;
  size_t len;
  size_t cap;
  size_t max;
  bool failed;
};

void mw_buf_init(struct mw_buf *buf, size_t max);
int mw_buf_add(struct mw_buf *buf, const void *data, size_t len);
int mw_buf_adds(struct mw_buf *buf, const char *str);
int mw_buf_addf(struct mw_buf *buf, const char *fmt, ...) MW_PRINTF(2, 3);
/* n in decimal, as "%lld" prints it, without vfprintf (files of a thousand numbers a second). */
int mw_buf_add_int(struct mw_buf *buf, long long n);
int mw_buf_vaddf(struct mw_buf *buf, const char *fmt, va_list ap) MW_PRINTF(2, 0);
const char *mw_buf_str(const struct mw_buf *buf); /* never NULL */
/* Empties the buffer but keeps its memory (and a failure, which stays until mw_buf_free). */
void mw_buf_reset(struct mw_buf *buf);
void mw_buf_free(struct mw_buf *buf);
/* Base64 (RFC 4648, padded) of len bytes into out, NUL-terminated, without a heap copy (secrets
 * go through it): the length written, or 0 when out is too small. */
size_t mw_base64(const void *data, size_t len, char *out, size_t outlen);

/* ---- helpers for checks ------------------------------------------------------------------- */

/* "12.3 GiB": binary units, 3 significant digits. */
void mw_format_bytes(double bytes, char *out, size_t outlen);

/* 2^52: from here on every double is a whole number. */
#define MW_WHOLE_FROM 4503599627370496.0

/* round() of <math.h> (halves away from zero, the sign of zero kept, NaN and infinities as they
 * are) without libm: round() was a check's only use of libm, and mapping libm for it cost
 * every run (host -m swap: 12 page faults, 16 system calls, 8% of its instructions; see
 * docs/PERFORMANCE.md). fabs and copysign are GCC and clang builtins compiled inline. Below
 * 2^52 the truncation is exact, and so is x - t. */
static inline double mw_round(double x)
{
  double t;

  if (!(__builtin_fabs(x) < MW_WHOLE_FROM))
    return x;
  t = (double)(long long)x;
  if (x - t >= 0.5)
    t += 1.0;
  else if (t - x >= 0.5)
    t -= 1.0;
  return __builtin_copysign(t, x);
}

/* Whether x is a whole multiple of the whole number unit (fmod(x, unit) == 0 without libm). */
static inline bool mw_whole_multiple(double x, long long unit)
{
  return __builtin_fabs(x) < MW_WHOLE_FROM && x == (double)(long long)x && (long long)x % unit == 0;
}

/* ---- the entry point ---------------------------------------------------------------------- */

struct mw_check {
  unsigned abi; /* MW_CHECK_ABI */
  const char *name;
  const char *summary;             /* one line for `mcpwatch list` */
  const char *description;         /* paragraphs for --help and the man page, or NULL */
  const struct mw_option *options; /* ends with a NULL name */
  /* Validate options once. On failure return -1 and describe the problem in err. */
  int (*open)(const struct mw_args *args, void **state, struct mw_result *err);
  /* May be called many times on one state; honours the deadline on every blocking step. */
  void (*run)(void *state, struct mw_result *res, mw_deadline deadline);
  void (*close)(void *state);
};

#define MW_CHECK_ENTRY_SYMBOL "mw_check_entry"
const struct mw_check *mw_check_entry(void);

#ifdef __cplusplus
}
#endif
#endif /* MW_CHECK_H */
