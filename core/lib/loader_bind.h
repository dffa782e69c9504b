/* SPDX-License-Identifier: MIT */
/* loader_bind.h - how the loader binds a module's symbols, inside libmcpwatch (not exported):
 * the refusal of a module with a call nothing defines, and whether a one-shot command may let a
 * module's library tree look in its own scope first. */
#ifndef MW_LOADER_BIND_H
#define MW_LOADER_BIND_H

#include <stdbool.h>

/* What follows the last '/' of path (all of it when it has none). */
const char *loader_file_name(const char *path);

/* The first function the object behind a dlopen handle calls that nothing loaded defines, or
 * NULL. */
const char *loader_unbound_call(void *handle);

/* Whether RTLD_DEEPBIND resolves every symbol of a module to what the default order would,
 * because the process has mapped nothing but the program, libmcpwatch, libc, the dynamic loader
 * and the vDSO (no preloaded library, no sanitizer runtime, no other module). */
bool loader_scope_is_own(void);

#endif
