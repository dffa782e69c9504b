/* SPDX-License-Identifier: MIT */
/*
 * mw_core.h - what the mcpwatch command, the tests and the collectd plugin use from
 * libmcpwatch beyond the check contract. Checks include mw_check.h only.
 */
#ifndef MW_CORE_H
#define MW_CORE_H

#include <pthread.h>
#include <stdarg.h>

#include "mw_check.h"
#include "mw_downtime.h"
#include "mw_notify.h"

/* Internal option flag: accepted on the command line, refused in configuration files. */
#define MW_OPT_CLI_ONLY 0x100u

/* ---- numbers and text --------------------------------------------------------------------- */

/* Shortest decimal text that reads back as the same double, without exponent where possible:
 * what perfdata consumers parse reliably. "U" for NAN. */
void mw_format_number(double value, char *out, size_t outlen);
int mw_range_format(const struct mw_range *range, struct mw_buf *out);
/* The service name of a Nagios status line: "rest-health" -> "REST-HEALTH". */
void mw_service_name(const char *check, char *out, size_t outlen);
#define MW_DURATION_MAX (366.0 * 86400.0)
/* Seconds from "10", "2.5s", "500ms", "2m", "1h", "7d"; -1 on garbage or more than a year. */
int mw_duration_parse(const char *text, double *seconds);
/* Control characters (and DEL) of text as spaces, in place: a text from a configuration, a
 * command line or a file kept to one line of a log, a note or an error. */
void mw_one_line(char *text);
/* A random number in [0, 1) (getrandom; the clock when it has nothing): for jitter. */
double mw_random01(void);
/* JSON string literal, quotes included. */
int mw_json_string(struct mw_buf *out, const char *text);

/* ---- results ------------------------------------------------------------------------------ */

struct mw_result *mw_result_new(void);
void mw_result_free(struct mw_result *res);
bool mw_result_failed(const struct mw_result *res); /* an allocation failed somewhere in it */
const struct mw_result *mw_result_first(const struct mw_result *res);
const struct mw_result *mw_result_next(const struct mw_result *res);
/* The perfdata a node holds itself (not its children's), in the order given. perf_at fills out
 * with pointers into the node, valid while it lives; -1 past the end. */
size_t mw_result_perf_count(const struct mw_result *res);
int mw_result_perf_at(const struct mw_result *res, size_t index, struct mw_perf *out);

/* "DISK WARNING - summary | perfdata" then one line per sub-result. */
int mw_render_nagios(const struct mw_result *res, const char *service, struct mw_buf *out);
/* {"state":..,"summary":..,"perfdata":[..],"children":[..]} */
int mw_render_json(const struct mw_result *res, struct mw_buf *out);

/* ---- options ------------------------------------------------------------------------------ */

extern const struct mw_option mw_common_options[];
/* What every notifier accepts: help, verbose, timeout (per delivery attempt). */
extern const struct mw_option mw_notifier_common_options[];

int mw_options_validate(const struct mw_option *options, char *err, size_t errlen);
struct mw_args *mw_args_new(const struct mw_option *check_options);
/* The same with another common table (mw_notifier_common_options). */
int mw_options_validate_with(const struct mw_option *options, const struct mw_option *common,
                             char *err, size_t errlen);
struct mw_args *mw_args_new_with(const struct mw_option *common, const struct mw_option *options);
void mw_args_free(struct mw_args *args);
const struct mw_option *mw_args_option(const struct mw_args *args, const char *name);
/* The index-th option the args know, common ones first; NULL past the end. */
const struct mw_option *mw_args_option_at(const struct mw_args *args, size_t index);
/* Validate and store one value of a named option. */
int mw_args_set(struct mw_args *args, const char *name, const char *value, char *err,
                size_t errlen);
/* getopt_long over the common and the check's options; argv[0] is the command's name. Returns
 * the index of the first positional argument (argc when there is none), or -1 with err set. */
int mw_args_parse_argv(struct mw_args *args, int argc, char **argv, char *err, size_t errlen);
/* Option reference generated from the table, for --help and man pages. */
int mw_options_help(const struct mw_option *options, struct mw_buf *out);

/* ---- configuration ------------------------------------------------------------------------ */

struct mw_setting {
  char *key; /* option name, '_' folded to '-' */
  char *value;
  int line;
};

/* slo = { availability; latency; window; } of an instance or a service (availability and
 * latency_q 0: that objective is not set). */
struct mw_slo {
  double availability; /* the share of runs OK or WARNING to reach, e.g. 0.999 */
  double latency_q;    /* the share of runs to take at most latency_ms, e.g. 0.95 */
  double latency_ms;
  double window_s; /* 30 days unless given */
};

/* An objective's figures over its window (computed from the agent's history). */
#define MW_SLO_BURNS 4 /* burn rates over 5 min, 30 min, 1 h, 6 h */
struct mw_slo_objective {
  bool set;
  double target;      /* the share of good runs to reach */
  double sli;         /* the share reached over the window; NaN without runs */
  double budget_left; /* 1 untouched, 0 spent, below 0 overspent */
  double burn[MW_SLO_BURNS];
  uint64_t runs;
};

struct mw_instance {
  char *name;
  char *check;
  char *file;
  int line;
  double interval; /* seconds between runs for schedulers (collectd, agent); 0 = their default */
  struct mw_setting *settings;
  size_t nsettings;
  /* State tracking and forwarding (`run --notify`, the agent); unused by notifier entries. */
  int max_attempts;        /* problem results before a state is hard; 0 = 1 */
  double retry_interval;   /* seconds between runs while a problem is soft; 0 = interval */
  double renotify;         /* seconds between notifications of an unresolved problem; 0 = never */
  int backoff_max;         /* the agent's probe interval grows to at most this many intervals; 0 =
                              the configuration's default */
  char **notify;           /* notifier names; NULL = every notifier, notify_none = none */
  unsigned *notify_routes; /* per notify entry ("chat:warning,recovery"): MW_ROUTE_* bits it
                              takes from that notifier; 0: what the notifier takes */
  size_t nnotify;
  bool notify_none;
  char **members; /* services only: the instances it is made of */
  size_t nmembers;
  /* Notification policy. Checks and services: flap detection (flap_high 0: off) and the
   * instances or services whose problems hold this one's (depends_on). */
  double flap_low;
  double flap_high;
  int flap_window; /* states looked back over, 3-21; 0: 21 */
  char **depends_on;
  size_t ndepends_on;
  /* Notifiers: the notifications they take (MW_ROUTE_* bits below; 0 all) and their
   * reminders (seconds; < 0: each instance's renotify_interval; 0: none). */
  unsigned routes;
  double reminder;
  struct mw_slo slo; /* checks and services */
};

/* Nagios's flap detection: the last 21 recorded states (hard states and recoveries), the
 * weighted percentage of state changes among them, with thresholds to start and stop. */
#define MW_FLAP_HISTORY 21
#define MW_FLAP_LOW_DEFAULT 20.0
#define MW_FLAP_HIGH_DEFAULT 30.0

/* downtimes: { NAME: { members = [...]; every = "Sun 02:00-04:00"; timezone = "..."; }; } */
struct mw_downtime_window {
  char *name;
  char **members; /* instances and services */
  size_t nmembers;
  char *every; /* as written, for status */
  struct mw_window window;
  char *timezone;   /* NULL: the system's */
  struct mw_tz *tz; /* loaded with the configuration */
  char *comment;
  char *file;
  int line;
};

/* http: { listen = [...]; ... }: the agent's own server (/health, /metrics, the status page). */
struct mw_http_server_conf {
  char **listen; /* "HOST:PORT" or "[V6]:PORT"; none: no server */
  size_t nlisten;
  char *basic_file; /* Basic credentials ("user:password" lines), or NULL */
  char *token_file; /* a bearer token, or NULL; one of the two for an address not loopback */
  char *tls_cert;   /* PEM certificate and key: HTTPS; both or neither */
  char *tls_key;
  int degraded_status; /* /health's status for a DEGRADED service: 200 (default) or 503 */
};

/* history: { ... } of the main file: the agent's SQLite history of runs and changes. */
struct mw_history_conf {
  bool set;              /* the file says something about it */
  bool disabled;         /* history = false, or enabled = false */
  double retention_s;    /* 0: 90 days */
  long max_size_mb;      /* 0: 1024 */
  double slo_interval_s; /* how often objectives are judged; 0: 30 s */
};

struct mw_config {
  struct mw_instance *instances;
  size_t ninstances;
  char *conf_dir;
  double timeout; /* default for instances that set none; 0 = the option's default */
  /* notifiers: { NAME: { type = "pagerduty"; ... }; }: 'check' holds the type. */
  struct mw_instance *notifiers;
  size_t nnotifiers;
  /* services: { NAME: { members = [...]; notify = [...]; }; }: 'check' is "service". */
  struct mw_instance *services;
  size_t nservices;
  char *spool_dir;           /* NULL: the built-in default */
  char *state_dir;           /* NULL: the built-in default */
  char *host;                /* name events carry; NULL: this machine's host name */
  long spool_max;            /* pending events per destination; 0: the default */
  int backoff_max;           /* default of the instances' backoff_max; 0: the built-in default */
  char *nagios_command_file; /* the agent writes PROCESS_SERVICE_CHECK_RESULT lines here */
  /* passive_results: { NAME: { type = "icinga2"; ... }; }: notifiers the agent gives every
   * result, unspooled (the latest per instance wins). */
  struct mw_instance *results;
  size_t nresults;
  struct mw_downtime_window *downtimes;
  size_t ndowntimes;
  struct mw_http_server_conf http;
  struct mw_history_conf history;
  bool owned; /* filled by mw_config_load: mw_config_free has work to do */
};

/* Reads FILE and then every *.conf in its conf_dir (default: conf.d beside FILE), in name order.
 * The parser lives in the configuration module, MCPWATCH_CONFIG_MODULE when set, else the
 * installed one, mapped only while a configuration read through it is alive. Free with
 * mw_config_free, also after a failed load. */
int mw_config_load(const char *path, struct mw_config *cfg, char *err, size_t errlen);
void mw_config_free(struct mw_config *cfg);
/* An instance's settings as validated args for check, after default_timeout (may be NULL);
 * errors name the file and line. NULL with err set. */
struct mw_args *mw_instance_args(const struct mw_instance *inst, const struct mw_check *check,
                                 const char *default_timeout, char *err, size_t errlen);

/* ---- notification routes (routes.c) ------------------------------------------------------ */

/* Which notifications a destination takes (a notifier's or a notify entry's 'states'). */
#define MW_ROUTE_WARNING 0x01u
#define MW_ROUTE_CRITICAL 0x02u
#define MW_ROUTE_UNKNOWN 0x04u
#define MW_ROUTE_RECOVERY 0x08u
#define MW_ROUTE_FLAPPING 0x10u
#define MW_ROUTE_ALL 0x1fu

/* "warning", "critical", "unknown", "recovery" or "flapping" to its bit; 0 when it is none. */
unsigned mw_route_parse(const char *word);
/* The route bit of a problem state (0 for OK). */
unsigned mw_route_of_state(enum mw_state state);

/* ---- events -------------------------------------------------------------------------------- */

/* An event that owns its texts. */
struct mw_event_data {
  struct mw_event event;
  char *texts; /* one allocation holding every string */
};

/* Longest kept texts; longer ones are cut at a UTF-8 boundary when the event is built. */
#define MW_EVENT_OUTPUT_MAX 4096
#define MW_EVENT_LONG_MAX (64 * 1024)

/* Copies every text of src (cutting overlong ones) and fills in an id and time when missing. */
int mw_event_copy(const struct mw_event *src, struct mw_event_data *out);
void mw_event_data_free(struct mw_event_data *data);
int mw_event_serialize(const struct mw_event *event, struct mw_buf *out);
int mw_event_parse(const char *text, size_t len, struct mw_event_data *out, char *err,
                   size_t errlen);

/* ---- plugins ------------------------------------------------------------------------------ */

struct mw_plugin {
  void *handle;
  const struct mw_check *check;
};

/* MCPWATCH_CHECK_DIR when set, else the installed check directory. */
const char *mw_check_dir(void);
int mw_plugin_load(const char *name, struct mw_plugin *out, char *err, size_t errlen);
int mw_plugin_load_path(const char *path, struct mw_plugin *out, char *err, size_t errlen);
void mw_plugin_unload(struct mw_plugin *plugin);
/* For a process that runs one check or sends one notification and exits: modules loaded from
 * now on stay mapped after their unload, until exit. Call before any thread starts; never in
 * the agent or collectd, which load modules again on reload. */
void mw_loader_keep_loaded(void);
/* Checks loaded on first use by name and kept until mw_plugin_set_free: what a configuration
 * with many instances of few checks needs. Not thread-safe; zero-initialise. */
struct mw_plugin_set {
  struct mw_plugin *plugins;
  size_t count;
};
const struct mw_check *mw_plugin_set_get(struct mw_plugin_set *set, const char *name, char *err,
                                         size_t errlen);
void mw_plugin_set_free(struct mw_plugin_set *set);
/* The names of dir's entries (dot files aside), in the entries' sorted order: name_of turns an
 * entry into a name (malloc'd) or NULL to leave it out. 0, or -1 with errno from scandir (a
 * missing dir: ENOENT). Free with mw_names_free. */
int mw_dir_names(const char *dir, char *(*name_of)(const char *dir, const char *entry),
                 char ***names, size_t *count);
/* Names of the checks installed in dir, sorted; free with mw_names_free. */
int mw_plugin_names(const char *dir, char ***names, size_t *count);
void mw_names_free(char **names, size_t count);

/* ---- notifier plugins ---------------------------------------------------------------------- */

struct mw_notifier_plugin {
  void *handle;
  const struct mw_notifier *notifier;
};

/* MCPWATCH_NOTIFIER_DIR when set, else the installed notifier directory. */
const char *mw_notifier_dir(void);
int mw_notifier_load(const char *name, struct mw_notifier_plugin *out, char *err, size_t errlen);
void mw_notifier_unload(struct mw_notifier_plugin *plugin);

/* ---- running ------------------------------------------------------------------------------ */

struct mw_job {
  const struct mw_check *check; /* in */
  const struct mw_args *args;   /* in */
  struct mw_result *result;     /* out: never NULL after mw_run_jobs unless out of memory */
  int64_t duration_ns;          /* out */
  bool abandoned; /* out: still running past deadline + grace; its inputs must stay alive */
};

/* Runs every job on its own thread (open, run, close) and waits for all of them, but never
 * longer than each job's timeout plus a grace second. Returns the worst state. */
enum mw_state mw_run_jobs(struct mw_job *jobs, size_t njobs);
/* Runs one job on the calling thread: for the single-check command, where a thread would cost
 * as much as the check. The check's own deadline handling is the bound, and the scheduler that
 * started the command (Nagios, Icinga) keeps its own timeout behind it. */
void mw_run_job_here(struct mw_job *job);

/* ---- logging ------------------------------------------------------------------------------ */

/* Lines of the spool, the hand-off and the loaders, to whatever log the caller keeps. */
enum mw_log_level { MW_LOG_ERROR, MW_LOG_WARNING, MW_LOG_INFO };
typedef void (*mw_log_fn)(void *ctx, enum mw_log_level level, const char *message);
/* A mw_log_fn writing "mcpwatch: LEVEL: message" to stderr; ctx points to an int verbosity
 * (info lines need 1 or more). */
void mw_log_stderr(void *ctx, enum mw_log_level level, const char *message);

/* Errors a caller passes a buffer for: room for a path and a reason. */
#define MW_ERR_MAX 512

/* Repeated identical messages written less and less often: the first time, then at most once per
 * hold-off, which starts at first_seconds and doubles up to max_seconds while the message keeps
 * coming; one not seen for max_seconds is news again. Keeps the 128 most recent messages.
 * Thread-safe. */
struct mw_ratelog;
struct mw_ratelog *mw_ratelog_new(double first_seconds, double max_seconds);
/* Whether message should be written at now_ns; held gets how many identical ones were held back
 * since it was last written. */
bool mw_ratelog_allow(struct mw_ratelog *rl, const char *message, int64_t now_ns,
                      unsigned long *held);
void mw_ratelog_free(struct mw_ratelog *rl);

/* ---- threads ------------------------------------------------------------------------------ */

/* A condition variable whose timed waits count on CLOCK_MONOTONIC, the clock of mw_now_ns and
 * every deadline (a wall-clock step must not stretch or cut a wait). */
void mw_cond_init_monotonic(pthread_cond_t *cond);

/* ---- files ------------------------------------------------------------------------------- */

/* All of data to fd, resumed after EINTR and short writes (fileio.c). 0, or -1 with errno set
 * (EIO when the file takes nothing). */
int mw_write_all(int fd, const void *data, size_t len);

/* ---- Prometheus text exposition (prom.c) ------------------------------------------------ */

/* text as a metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]*, anything else as '_'. */
void mw_prom_name(char *out, size_t outlen, const char *text);
/* A perfdata value in base units, as Prometheus's conventions ask: s, ms and us as seconds; B,
 * KB, MB, GB and TB (powers of 1024, as the checks mean them) as bytes; % as a ratio (0 to 1);
 * c as a total; a "days..." label without a unit (tls-expiry) as seconds. *unit is "seconds",
 * "bytes", "ratio", "total" or "" (the value as it is). */
void mw_perf_base(const char *label, const char *uom, double value, double *out, const char **unit);
/* "# HELP NAME HELP" (help's backslashes and newlines escaped) and "# TYPE NAME TYPE". */
int mw_prom_family(struct mw_buf *out, const char *name, const char *type, const char *help);
/* "NAME{L1=\"V1\",...} VALUE": labels are nlabels name/value pairs, the values escaped
 * (backslash, quote, newline); NaN and infinities as Prometheus writes them. 0, or -1 when out
 * is full. */
int mw_prom_sample(struct mw_buf *out, const char *name, const char *const *labels, size_t nlabels,
                   double value);
/* The Prometheus text in text as OpenMetrics 1.0 into out: counter families named without
 * _total, comments other than HELP and TYPE left out, # EOF at the end. */
int mw_prom_openmetrics(const char *text, struct mw_buf *out);

#endif /* MW_CORE_H */
