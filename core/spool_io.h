/* spool_io.h - file helpers shared by the spool's parts inside libmcpwatch (not exported). */
#ifndef MW_SPOOL_IO_H
#define MW_SPOOL_IO_H

#include "mw_spool.h"

#define DEST_FILE "destination"
#define DEAD_DIR "dead"
#define EVENT_FILE_MAX (1024 * 1024)
#define DEST_NAME_MAX 64
#define ERR_MAX_SPOOL 512

int64_t spool_realtime_ms(void);
/* "DIR/NAME", or NULL when too long or out of memory. */
char *spool_path_join(const char *dir, const char *name);
int spool_make_dir(const char *path, char *err, size_t errlen);
int spool_fsync_dir(const char *dir);
/* The whole of a small file, NUL-terminated; NULL with errno set (EFBIG past max). */
char *spool_read_file(const char *path, size_t max, size_t *len);
/* Writes data to dir/final through a temporary file, fsync and rename, then fsyncs dir. */
int spool_write_durably(const char *dir, const char *final, const char *data, size_t len, char *err,
                        size_t errlen);

/* FNV-1a: short names for long texts (queue names, state file names). */
uint32_t spool_hash32(const char *text);

#endif
