#!/bin/bash
# SPDX-License-Identifier: MIT
# The loader refuses plugins it cannot trust or use, with one clear line and exit 3.
. "$(dirname "$0")/lib.sh"
: "${TEST_PLUGINS:?}"

CHECKS=$MCPWATCH_CHECK_DIR
D=$TMP/plugins
mkdir -p "$D"
chmod 755 "$D"
cp "$TEST_PLUGINS/badabi.so" "$TEST_PLUGINS/nosym.so" "$TEST_PLUGINS/unresolved.so" "$D/"
cp "$MCPWATCH_CHECK_DIR/disk.so" "$D/disk.so"
export MCPWATCH_CHECK_DIR=$D

mw badabi
expect_one_error_line "^MCPWATCH UNKNOWN - badabi\.so was built for check ABI 999 but this mcpwatch speaks ABI 1" \
  "ABI mismatch refused"
mw nosym
expect_one_error_line "nosym\.so is not an mcpwatch check: it has no mw_check_entry\(\)" "no entry point"
mw unresolved
expect_one_error_line "^MCPWATCH UNKNOWN - cannot load .*unresolved\.so: .*undefined symbol" "unresolved symbol"
mw disk -p /
expect_true "[ $RC -le 2 ]" "a good plugin beside bad ones still runs"

chmod 666 "$D/disk.so"
mw disk -p /
expect_one_error_line "refusing .*disk\.so: it is world-writable" "world-writable plugin refused"
chmod 644 "$D/disk.so"
chmod 777 "$D"
mw disk -p /
expect_one_error_line "refusing .*disk\.so: its folder is world-writable" "world-writable folder refused"
chmod 755 "$D"

mw list
expect_rc 3 "list with broken plugins exits 3"
expect_out "^badabi +\(not loadable: .*ABI 999" "list names the broken plugin and why"
expect_out "^disk +Space and inode usage" "list still shows the good one"

# A check file that names itself differently is refused.
cp "$D/disk.so" "$D/other.so"
mw other
expect_one_error_line "calls itself 'disk', not 'other'" "misnamed plugin refused"

# The configuration module is held to the same rules.
: "${MCPWATCH_CONFIG_MODULE:?}"
printf 'checks: { r: { check = "disk"; path = "/"; }; };\n' >"$TMP/one.conf"
cp "$MCPWATCH_CONFIG_MODULE" "$D/mwconfig.so"
MCPWATCH_CONFIG_MODULE=$D/mwconfig.so mw run --config "$TMP/one.conf"
expect_true "[ $RC -le 2 ]" "a copy of the configuration module works"
chmod 666 "$D/mwconfig.so"
MCPWATCH_CONFIG_MODULE=$D/mwconfig.so mw run --config "$TMP/one.conf"
expect_one_error_line "refusing .*mwconfig\.so: it is world-writable" "world-writable configuration module refused"
MCPWATCH_CONFIG_MODULE=$D/nosym.so mw run --config "$TMP/one.conf"
expect_one_error_line "nosym\.so is not the mcpwatch configuration module" "wrong configuration module refused"
MCPWATCH_CONFIG_MODULE=$TMP/none.so mw run --config "$TMP/one.conf"
expect_one_error_line "^MCPWATCH UNKNOWN - cannot read $TMP/none\.so: No such file or directory" "missing configuration module"

: "${MCPWATCH_AGENT_MODULE:?}"
# So is the agent's module, which run, agent, status and history come from; the other commands
# and a check never load it.
cp "$MCPWATCH_AGENT_MODULE" "$D/mwagent.so"
MCPWATCH_AGENT_MODULE=$D/mwagent.so mw run --config "$TMP/one.conf"
expect_true "[ $RC -le 2 ]" "a copy of the agent module works"
chmod 666 "$D/mwagent.so"
MCPWATCH_AGENT_MODULE=$D/mwagent.so mw status
expect_one_error_line "refusing .*mwagent\.so: it is world-writable" "world-writable agent module refused"
MCPWATCH_AGENT_MODULE=$D/nosym.so mw history x
expect_one_error_line "nosym\.so is not the mcpwatch agent module" "wrong agent module refused"
MCPWATCH_AGENT_MODULE=$D/unresolved.so mw agent
expect_one_error_line "^MCPWATCH UNKNOWN - cannot load the agent module: .*undefined symbol" "agent module with an undefined symbol refused"
MCPWATCH_AGENT_MODULE=$TMP/none.so mw run --help
expect_one_error_line "^MCPWATCH UNKNOWN - cannot read $TMP/none\.so: No such file or directory" "missing agent module"
MCPWATCH_AGENT_MODULE=$TMP/none.so mw disk -p /
expect_true "[ $RC -le 2 ]" "a check runs without the agent module"

# Binding order. A one-shot check binds its module's library tree in the module's own scope first
# (RTLD_DEEPBIND) only when the process maps nothing but the program, libmcpwatch, libc and the
# dynamic loader; anything else mapped (a preloaded library, a sanitizer's runtime) keeps the
# default order, so that a preloaded library still sees the calls it wraps.
# scopes_of ENV...: runs `disk -p /` under LD_DEBUG=scopes; sets GLOBAL (the program's scope) and
# MODULE (disk.so's first scope).
scopes_of() {
  env "$@" LD_DEBUG=scopes MCPWATCH_CHECK_DIR="$CHECKS" "$MCPWATCH" disk -p / >/dev/null 2>"$TMP/scopes" || true
  GLOBAL=$(awk '/Initial object scopes/ { init = 1; next }
    init && /scope 0:/ { sub(/.*scope 0: /, ""); global = $0; init = 0 }
    END { print global }' "$TMP/scopes")
  MODULE=$(awk '/object=.*\/disk\.so \[/ { mod = 1; next }
    mod && /scope 0:/ { sub(/.*scope 0: /, ""); print; exit }' "$TMP/scopes")
}
scopes_of
own=yes
for object in $GLOBAL; do
  case ${object##*/} in
  *mcpwatch | libmcpwatch.so* | libc.so.* | ld-linux* | ld64.so* | linux-vdso* | linux-gate*) ;;
  *) own=no ;;
  esac
done
expect_true "[ -n '$GLOBAL' ] && [ -n '$MODULE' ]" "LD_DEBUG shows the program's and the module's scopes"
if [ $own = yes ]; then
  expect_true "[[ '${MODULE%% *}' == */disk.so ]]" "nothing else mapped: the module's own scope comes first"
else
  expect_true "[ '${MODULE%% *}' = '${GLOBAL%% *}' ]" \
    "a sanitizer runtime mapped (${GLOBAL}): the program's scope comes first"
fi
PRELOAD_ENV=(LD_PRELOAD="$TEST_PLUGINS/slowdns.so" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0")
scopes_of "${PRELOAD_ENV[@]}"
expect_true "[ -n '$MODULE' ] && [ '${MODULE%% *}' = '${GLOBAL%% *}' ]" \
  "a preloaded library: the program's scope comes first"
if [ -f "$CHECKS/rest_health.so" ]; then
  # The point of it: libcurl's getaddrinfo goes to the preloaded shim, not straight to libc.
  env "${PRELOAD_ENV[@]}" LD_DEBUG=bindings MCPWATCH_CHECK_DIR="$CHECKS" "$MCPWATCH" rest-health --help \
    >/dev/null 2>"$TMP/bindings" || true
  expect_true "grep -q 'binding file .*libcurl[^ ]* .* to .*slowdns\.so .*getaddrinfo' '$TMP/bindings'" \
    "a preloaded getaddrinfo still sees libcurl's calls"
fi

export MCPWATCH_CHECK_DIR=$TMP/nowhere
mw list
expect_one_error_line "cannot read the check directory" "missing check directory"
finish
