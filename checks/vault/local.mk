# SPDX-License-Identifier: MIT
# checks/vault: HashiCorp Vault's health, seal and token endpoints.
if BUILD_HTTP
checks_LTLIBRARIES += vault.la
vault_la_SOURCES = %reldir%/vault.c
vault_la_CPPFLAGS = $(HTTP_CPPFLAGS) $(JANSSON_CFLAGS)
vault_la_LDFLAGS = $(CHECK_LDFLAGS)
vault_la_LIBADD = $(HTTP_LIBADD)
endif
