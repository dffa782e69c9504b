/* SPDX-License-Identifier: MIT */
/* fuzz_http.h - the scripted transport of the fuzz targets (fuzz_http.c). */
#ifndef FUZZ_HTTP_H
#define FUZZ_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* The answers the next requests get; data must outlive them. */
void fuzz_http_script(const uint8_t *data, size_t len);

#endif
